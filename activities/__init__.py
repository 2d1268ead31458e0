"""Padu's domain: the activities, their persistence and services.

Plain Python and SQLAlchemy. Nothing here imports Flask, HTTP or LTI code.
"""
