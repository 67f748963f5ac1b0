"""Faults, run as production runs: gunicorn on PostgreSQL and Redis, killed and cut.

These take minutes, so they run apart from the suite: ``scripts/faults`` (and .ci/run).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

MONCOMPTE = Path(sys.executable).parent / "moncompte"
REDIS = "redis://127.0.0.1:6379/11"  # a database of Redis for these tests alone
SECRET = "faults-secret-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """`moncompte serve` on a port of this machine: a "machine" of the site."""

    def __init__(self, database_url: str, folder: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        folder.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "MONCOMPTE_DATABASE_URL": database_url,
            "MONCOMPTE_SECRET_KEY": SECRET,
            "MONCOMPTE_BASE_URL": self.base,
            "MONCOMPTE_REDIS_URL": REDIS,
            **env,
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [str(MONCOMPTE), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            cwd=folder,
            env=environment,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if requests.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.base} is not ready")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture
def redis_url() -> Iterator[str]:
    store = redis.Redis.from_url(REDIS)
    store.flushdb()
    yield REDIS
    store.flushdb()


@pytest.fixture
def serve(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[object]:
    """Start machines: serve(**environment) -> Served; all stopped at the end."""
    started: list[Served] = []

    def start(**env: str) -> Served:
        served = Served(postgres_url, tmp_path / f"machine{len(started)}", **env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
