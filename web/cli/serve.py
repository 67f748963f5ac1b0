"""``moncompte serve``: the production server, gunicorn with threads, on the same app.

The schema is upgraded first; then gunicorn replaces this process and each worker builds
its own application from ``web.wsgi`` (its own database pool: nothing is shared across a
fork). Prometheus counts of every worker are added up in ``instance/metrics`` for
/metrics (``web/gunicorn_config.py``).
"""

from __future__ import annotations

import os
import shutil
import socket
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
    _free(bind)
    upgrade_schema(current_app.config["DATABASE_URL"])
    metrics = Path(current_app.instance_path) / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)  # counts of a previous run are not ours
    metrics.mkdir(parents=True)
    env = {"MONCOMPTE_LOG_FORMAT": "json", **os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    argv = [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "--bind", bind]
    argv += ["--workers", str(workers), "--threads", str(threads), "web.wsgi:app"]
    os.execve(sys.executable, argv, env)  # noqa: S606 - our own interpreter and arguments


def _free(bind: str) -> None:
    """Refuse a HOST:PORT another server listens on (the workers' own sockets would share
    it with that server without a word, web/gunicorn_config.py)."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException(f"--bind {bind}: HOST:PORT, such as 127.0.0.1:8000")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # (Connections of a server that just stopped, waiting out TIME_WAIT, do not count.)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as problem:
            raise click.ClickException(f"cannot listen on {bind}: {problem.strerror}") from None
