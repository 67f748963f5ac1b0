"""WSGI entry point for production servers: ``gunicorn web.wsgi:app``.

Each process delivers the outbox and expires instances in the background; run
``moncompte db upgrade`` before starting new code.
"""

from web import create_app
from web.delivery import Worker

app = create_app()
Worker(app).start()
