"""``moncompte serve``: the production server, gunicorn with threads, on the same app.

The schema is upgraded first; then gunicorn replaces this process and each worker builds
its own application from ``web.wsgi`` (its own database pool: nothing is shared across a
fork). Prometheus counts of every worker are added up in ``instance/metrics`` for
/metrics (``web/gunicorn_config.py``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from flows.services import upgrade_schema
from web import config

# Two workers of four threads suit the 2-core machines the benchmarks ran on: the work
# is mostly waiting for the database, and argon2id hashing releases the GIL.
WORKERS = 2
THREADS = 4
CONFIG = Path(__file__).resolve().parents[1] / "gunicorn_config.py"


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT")
@click.option("--workers", default=WORKERS, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def serve(bind: str, workers: int, threads: int) -> None:
    """Serve with gunicorn (production): WORKERS processes of THREADS threads each."""
    try:
        config.require_base_url(current_app.config, "to serve with gunicorn")
    except config.ConfigurationError as problem:
        raise click.ClickException(str(problem)) from None
    upgrade_schema(current_app.config["DATABASE_URL"])
    metrics = Path(current_app.instance_path) / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)  # counts of a previous run are not ours
    metrics.mkdir(parents=True)
    env = {"MONCOMPTE_LOG_FORMAT": "json", **os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    argv = [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "--bind", bind]
    argv += ["--workers", str(workers), "--threads", str(threads), "web.wsgi:app"]
    os.execve(sys.executable, argv, env)  # noqa: S606 - our own interpreter and arguments
