"""`moncompte serve`: gunicorn workers on one database, their counts added up in /metrics."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.support import Command

MONCOMPTE = Path(sys.executable).parent / "moncompte"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_starts_workers_that_answer_and_count_together(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MONCOMPTE_DATABASE_URL": database_url, "MONCOMPTE_BASE_URL": base}
    command = [str(MONCOMPTE), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    with Command(command, base, env, tmp_path) as server:
        # Twenty connections, shared out among the workers' own sockets by the kernel.
        answered = [requests.get(f"{base}/fr/", timeout=5) for _ in range(20)]
        assert [a.status_code for a in answered] == [200] * 20
        text = requests.get(f"{base}/metrics", timeout=5).text
        home = 'method="GET",route="/<any(fr,en):lang>/",status="200"'
        counted = re.search(rf"^moncompte_requests_total\{{{re.escape(home)}\}} (\S+)", text, re.M)
        assert counted and float(counted.group(1)) == 20.0
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
        assert len(children.split()) == 2  # the two workers
        sent = {a.headers["X-Request-ID"] for a in answered}
    # Its logs are JSON lines, each request's with its id and the worker that served it:
    # both did (all twenty to one would happen once in half a million starts).
    lines = [json.loads(line) for line in server.output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "moncompte.access"]
    assert {a.headers["X-Request-ID"] for a in answered} <= {line["request_id"] for line in access}
    served = {line["pid"] for line in access if line["request_id"] in sent}
    assert served == {int(pid) for pid in children.split()}


def test_serve_refuses_to_start_without_a_base_url(database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MONCOMPTE_BASE_URL"}
    refused = subprocess.run(  # noqa: S603 - our own command
        [str(MONCOMPTE), "serve"],
        cwd=tmp_path,
        env={**env, "MONCOMPTE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0 and "MONCOMPTE_BASE_URL" in refused.stderr


def test_serve_refuses_a_port_another_server_listens_on(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        refused = subprocess.run(  # noqa: S603 - our own command
            [str(MONCOMPTE), "serve", "--bind", f"127.0.0.1:{port}"],
            cwd=tmp_path,
            env={**os.environ, "MONCOMPTE_DATABASE_URL": database_url,
                 "MONCOMPTE_BASE_URL": f"http://127.0.0.1:{port}"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )  # fmt: skip
    assert refused.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in refused.stderr
