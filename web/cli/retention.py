"""``moncompte retention sweep``: remove what the retention schedule keeps no longer."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from flows import retention
from web.services import current


@click.group("retention")
def retention_group() -> None:
    """The retention schedule (docs/operations.md#retention)."""


@retention_group.command("sweep")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def retention_sweep(as_json: bool) -> None:
    """Remove what is past its time, in batches; print how many of each kind.

    Safe while the site runs, and beside other sweeps (each batch takes rows no other holds).
    """
    services = current()
    removed = retention.sweep(services.db, services.clock(), services.engine.uploads)
    if as_json:
        click.echo(json.dumps(removed, indent=2))
        return
    width = max(len(name) for name in removed)
    for name, count in removed.items():
        click.echo(f"{name:<{width}}  {count:>9,}")
    click.echo(f"Removed {sum(removed.values()):,} in all.")
