"""The overview in the process now, against the same page at earlier commits, same run.

This machine's speed varies by up to 2× from one minute to the next, so a figure measured
on another day says little: each earlier commit is checked out in a temporary git worktree
and bench/overview_at.py times ``GET /fr/overview`` (Flask test client) in a fresh process
and a fresh database for each version in turn, ``--runs`` times, the order rotating.
Prints each run, the medians, and the median of the ratios now / then (each ratio from
runs a few seconds apart).

    .venv/bin/python -m bench.versions be237af e933059 [--runs 9] [--requests 300]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The database is a SQLite file unless --database-url names a PostgreSQL server (a database
of its own is created there for each run, and dropped after it).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import load

ROOT = Path(__file__).resolve().parent.parent
TIMER = Path(__file__).resolve().parent / "overview_at.py"
NOW = "now"


def _git(*arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 - git, with our own arguments
        ["git", *arguments],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _time(tree: Path, requests: int, server: str | None) -> float:
    command = [sys.executable, str(TIMER), "--requests", str(requests)]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    if server is None:
        return _timed(command, tree, environment)
    with load.fresh_database(server, f"bench_versions_{secrets.token_hex(4)}") as url:
        return _timed([*command, "--database-url", url], tree, environment)


def _timed(command: list[str], tree: Path, environment: dict[str, str]) -> float:
    done = subprocess.run(  # noqa: S603 - this interpreter, our own script
        command, cwd=tree, env=environment, check=True, capture_output=True, text=True
    )
    return float(done.stdout.split()[-1])


def run(commits: list[str], runs: int, requests: int, server: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        trees = {NOW: ROOT}
        for commit in commits:
            name = _git("rev-parse", "--short", commit)
            trees[name] = Path(folder) / name
            _git("worktree", "add", "--detach", str(trees[name]), commit)
        try:
            times: dict[str, list[float]] = {name: [] for name in trees}
            names = list(trees)
            for i in range(runs):
                turn = names[i % len(names) :] + names[: i % len(names)]
                for name in turn:
                    times[name].append(_time(trees[name], requests, server))
                print("  ".join(f"{name} {times[name][-1]:6.2f} ms" for name in names), flush=True)
        finally:
            for name, tree in trees.items():
                if name != NOW:
                    _git("worktree", "remove", "--force", str(tree))
    where = "SQLite" if server is None else "PostgreSQL"
    print(f"GET /fr/overview, {where}, in the process; median of {runs} runs of {requests}:")
    for name in names:
        line = f"{name:8} {statistics.median(times[name]):6.2f} ms"
        if name != NOW:
            ratios = [now / then for now, then in zip(times[NOW], times[name], strict=True)]
            line += f"   now / {name} = {statistics.median(ratios):.2f} (the runs' ratios' median)"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commits", nargs="+", help="earlier commits to compare with")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (postgresql+psycopg://…); default SQLite"
    )
    arguments = parser.parse_args()
    run(arguments.commits, arguments.runs, arguments.requests, arguments.database_url)
