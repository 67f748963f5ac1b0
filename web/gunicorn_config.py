"""gunicorn's settings for ``moncompte serve`` (and for ``gunicorn -c`` by hand)."""

from typing import Any

from prometheus_client import multiprocess

worker_class = "gthread"
timeout = 60
graceful_timeout = 30
accesslog = None  # the application logs its requests, without tokens


def child_exit(_server: Any, worker: Any) -> None:
    """A worker's counts stay summed in /metrics; its live gauges go with it."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
