"""The production application for bench/load.py only: rate limits and CSRF off, bare views.

``web.wsgi`` as gunicorn serves it, built with ``RATELIMIT_ENABLED`` and
``WTF_CSRF_ENABLED`` false (a benchmark sends far more than one client may, and replays
its forms) and the bare views of bench/bare.py registered beside the site's pages. There
is no environment switch for either setting, on purpose: never serve this module.
bench/load.py runs it as ``moncompte serve`` runs ``web.wsgi``, after
``storage.migrate.upgrade``:

    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) MONCOMPTE_LOG_FORMAT=json \\
    MONCOMPTE_DATABASE_URL=postgresql+psycopg://… MONCOMPTE_BASE_URL=http://127.0.0.1:8000 \\
    MONCOMPTE_SECRET_KEY=… .venv/bin/python -m gunicorn --config web/gunicorn_config.py \\
        --bind 127.0.0.1:8000 --workers 2 --threads 4 bench.wsgi:app
"""

from bench.bare import add_bare_views
from web import config, create_app
from web.ops import worker

app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
config.require_base_url(app.config, "to serve with gunicorn")
add_bare_views(app)
worker(app).start()
