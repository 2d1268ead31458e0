"""WSGI entry point for gunicorn behind a buffering proxy:
``gunicorn -c python:lti_tool.gunicorn_conf 'lti_tool.wsgi:app'`` (see gunicorn_conf.py)."""

from .app import create_app
from .runtime import tune_garbage_collector

app = create_app()
tune_garbage_collector()
