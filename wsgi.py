"""WSGI entry point: `waitress-serve wsgi:app` or `flask --app wsgi …`."""

from agentnfe import create_app

app = create_app()
