"""What the README tells a newcomer to type works as written."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from flask import Flask

from tests.factories import identity

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
BARE = re.compile(r"^ {4}(\w+=\S+ )*moncompte |^\| `moncompte ")


def test_the_readme_says_how_to_reach_moncompte_before_calling_it_bare() -> None:
    bare = next(i for i, line in enumerate(README) if BARE.search(line))
    told = [i for i, line in enumerate(README) if "source .venv/bin/activate" in line]
    assert told and told[0] < bare, "say how to call moncompte before the first example"
    assert any(".venv/bin/moncompte" in line for line in README[:bare])


def test_scripts_run_passes_its_arguments_to_moncompte_run(app: Flask, database_url: str) -> None:
    """The README says `./scripts/run --port 5001` serves there: run its last command so."""
    last = (ROOT / "scripts" / "run").read_text().strip().splitlines()[-1]
    assert last == 'exec .venv/bin/moncompte run "$@"'
    identity(app.extensions["moncompte"])  # not empty: no demo data to load
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "MONCOMPTE_DATABASE_URL": database_url,
        "MONCOMPTE_SECRET_KEY": "test-secret-key",
    }
    server = subprocess.Popen(  # noqa: S603 - our own script's line, our own arguments
        ["bash", "-c", f"set -- --port {port}; {last}"],  # noqa: S607 - bash from PATH
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _answers(f"http://127.0.0.1:{port}/fr/", within=60) == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def _answers(url: str, within: float) -> int:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
