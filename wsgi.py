"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from app import create_app
from app.heap import freeze_startup_objects

app = create_app()
freeze_startup_objects()  # each worker imports this module: its startup objects leave full collections
