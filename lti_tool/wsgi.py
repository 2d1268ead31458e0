"""WSGI entry point for gunicorn behind a buffering proxy:
``gunicorn -c python:lti_tool.gunicorn_conf 'lti_tool.wsgi:app'`` (see gunicorn_conf.py)."""

from .app import create_app
from .gc_startup import freeze_startup_objects

app = create_app()
freeze_startup_objects()
