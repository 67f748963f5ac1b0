"""gunicorn's settings for ``moncompte serve`` (and for ``gunicorn -c`` by hand)."""

from typing import Any

from prometheus_client import multiprocess

worker_class = "gthread"
timeout = 60
graceful_timeout = 30
accesslog = None  # the application logs its requests, without tokens
# Each worker listens on a socket of its own (SO_REUSEPORT; gunicorn 24 and later) and
# the kernel shares the new connections out among them evenly. With the one socket the
# workers otherwise share, whichever wakes first takes them: under load one worker served
# 16 keep-alive connections and the other none (bench/load.py prints the split).
# `moncompte serve` first checks that no other server holds the port: SO_REUSEPORT
# would otherwise let a second one share it silently.
reuse_port = True


def child_exit(_server: Any, worker: Any) -> None:
    """A worker's counts stay summed in /metrics; its live gauges go with it."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
