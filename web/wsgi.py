"""WSGI entry point for production servers: ``gunicorn web.wsgi:app``.

Each process delivers the outbox and expires instances in the background; run
``moncompte db upgrade`` before starting new code. A production server needs
MONCOMPTE_BASE_URL: it refuses to start without it.
"""

from web import config, create_app
from web.ops import worker

app = create_app()
config.require_base_url(app.config, "to serve with gunicorn")
worker(app).start()
