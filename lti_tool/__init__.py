"""Padu's Flask application: LTI endpoints, launch sessions, activity views, the worker."""
