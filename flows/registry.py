"""Every procedure's definition, compiled once at start-up, and the versions that ran.

Procedures come from folders laid out as ``flows/`` is: ``definitions/NAME.yaml``, its
model ``MODEL`` in ``procedures/NAME.py`` (else flows/'s own: a later folder may give a
procedure another document), and the shared steps in
``procedures/steps/NAME.yaml`` with their guards and actions (``STEP``) in
``procedures/steps/NAME.py``. Adding a procedure is adding those files; nothing else.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType

from sqlalchemy import select
from statemachine.exceptions import StateMachineError

from flows import reasons
from flows.definition import Definition, compile_definition
from flows.model import FlowModel
from storage.db import Database, serialise
from storage.models import FlowVersion

ROOT = Path(__file__).parent
DEFINITIONS = ROOT / "definitions"
log = logging.getLogger(__name__)


class UnknownFlow(LookupError):
    pass


def _module(folder: Path, relative: str) -> ModuleType:
    """``flows.procedures…`` imported as a package; another folder's file by its path."""
    if folder == ROOT:
        return importlib.import_module("flows." + relative.replace("/", "."))
    path = folder / f"{relative}.py"
    name = f"_flows_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reasons(definitions: Iterable[Definition]) -> dict[str, str]:
    found = dict(reasons.MESSAGES)
    for definition in definitions:
        for code, message in definition.reasons.items():
            if found.setdefault(code, message) != message:
                raise ValueError(
                    f"{definition.name}: reason {code!r} means another thing elsewhere"
                )
    return found


def model_for(name: str, folder: Path = ROOT) -> type[FlowModel]:
    """The model of procedure NAME: ``MODEL`` in ``procedures/NAME.py`` of FOLDER."""
    model: type[FlowModel] = _module(folder, f"procedures/{name}").MODEL
    return model


class Registry:
    def __init__(
        self,
        folders: Sequence[Path] = (ROOT,),
        models: Mapping[str, type[FlowModel]] | None = None,
    ) -> None:
        """FOLDERS hold the procedures; MODELS names models given directly (tests)."""
        self.current: dict[str, Definition] = {}
        self._older: dict[tuple[str, str], Definition] = {}
        self.steps, step_models = _steps([ROOT, *folders])
        for folder in folders:
            for path in sorted((folder / "definitions").glob("*.yaml")):
                model = (models or {}).get(path.stem) or model_for(path.stem, _home(folder, path))
                text = path.read_text(encoding="utf-8")
                definition = compile_definition(text, model, self.steps)
                if definition.name != path.stem:
                    raise ValueError(f"{path.name}: statechart.name must be {path.stem!r}")
                _check_steps(definition, step_models)
                self.current[definition.name] = definition
        self.by_route = {d.route: d for d in self.current.values()}
        self.routes = {d.name: d.route for d in self.current.values()}
        self.reasons = _reasons(self.current.values())

    def __iter__(self) -> Iterator[Definition]:
        return iter(self.current.values())

    def reason_message(self, code: str) -> str:
        """What reason CODE means to a customer (an English msgid), whichever procedure
        gives it: a code means one thing everywhere."""
        return self.reasons.get(code) or reasons.message(code)

    def get(self, name: str) -> Definition:
        try:
            return self.current[name]
        except KeyError:
            raise UnknownFlow(name) from None

    def record_versions(self, db: Database) -> None:
        """Keep each current definition's text, so instances started on it can finish.

        The first starts of a fresh process may come at once: one records, the others
        wait for it, then find the rows it wrote.
        """
        with db.write() as session:
            serialise(session, "flow versions")
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


def _home(folder: Path, definition: Path) -> Path:
    """Where the model of a definition lives: beside it, else in flows/ (another folder may
    give a procedure of flows/ another document, e.g. a version to review)."""
    own = folder / "procedures" / f"{definition.stem}.py"
    return folder if own.exists() else ROOT


def _steps(folders: Sequence[Path]) -> tuple[dict[str, str], dict[str, type[FlowModel]]]:
    """The shared steps' documents and guards-and-actions classes, by step name."""
    documents: dict[str, str] = {}
    models: dict[str, type[FlowModel]] = {}
    for folder in dict.fromkeys(folders):
        for path in sorted((folder / "procedures" / "steps").glob("*.yaml")):
            documents[path.stem] = path.read_text(encoding="utf-8")
            models[path.stem] = _module(folder, f"procedures/steps/{path.stem}").STEP
    return documents, models


def _check_steps(definition: Definition, step_models: Mapping[str, type[FlowModel]]) -> None:
    for step in definition.steps:
        if not issubclass(definition.model, step_models[step]):
            raise ValueError(
                f"{definition.model.__name__} uses the step {step!r}: "
                f"it must derive from {step_models[step].__name__}"
            )
