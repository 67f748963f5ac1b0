"""Every procedure's definition, compiled once at start-up, and the versions that ran."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from sqlalchemy import select
from statemachine.exceptions import StateMachineError

from flows.definition import Definition, compile_definition
from flows.model import FlowModel
from storage.db import Database
from storage.models import FlowVersion

DEFINITIONS = Path(__file__).parent / "definitions"
log = logging.getLogger(__name__)


class UnknownFlow(LookupError):
    pass


def model_for(name: str) -> type[FlowModel]:
    """The model of procedure NAME: ``MODEL`` in ``flows/procedures/NAME.py``."""
    module = importlib.import_module(f"flows.procedures.{name}")
    model: type[FlowModel] = module.MODEL
    return model


class Registry:
    def __init__(
        self,
        directory: Path = DEFINITIONS,
        models: Mapping[str, type[FlowModel]] | None = None,
    ) -> None:
        self.current: dict[str, Definition] = {}
        self._older: dict[tuple[str, str], Definition] = {}
        for path in sorted(directory.glob("*.yaml")):
            model = (models or {}).get(path.stem) or model_for(path.stem)
            definition = compile_definition(path.read_text(encoding="utf-8"), model)
            if definition.name != path.stem:
                raise ValueError(f"{path.name}: statechart.name must be {path.stem!r}")
            self.current[definition.name] = definition
        self.by_route = {d.route: d for d in self.current.values()}

    def __iter__(self) -> Iterator[Definition]:
        return iter(self.current.values())

    def get(self, name: str) -> Definition:
        try:
            return self.current[name]
        except KeyError:
            raise UnknownFlow(name) from None

    def record_versions(self, db: Database) -> None:
        """Keep each current definition's text, so instances started on it can finish."""
        with db.write() as session:
            rows = session.execute(select(FlowVersion.flow, FlowVersion.version))
            known = {(flow, version) for flow, version in rows}
            for d in self.current.values():
                if (d.name, d.version) not in known:
                    session.add(FlowVersion(flow=d.name, version=d.version, document=d.document))

    def version(self, db: Database, name: str, version: str) -> Definition:
        """The definition an instance runs: its own version when it still compiles."""
        current = self.get(name)
        if version == current.version:
            return current
        key = (name, version)
        if key not in self._older:
            with db.read() as session:
                row = session.get(FlowVersion, key)
            try:
                if row is None:
                    raise ValueError("version not recorded")
                self._older[key] = compile_definition(row.document, current.model)
            except (ValueError, StateMachineError) as exc:
                log.warning(
                    "%s %s no longer compiles (%s); using %s", name, version, exc, current.version
                )
                self._older[key] = current
        return self._older[key]
