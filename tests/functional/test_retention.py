"""The retention schedule (flows.retention, docs/operations.md#retention): a sweep removes
what is past its time and nothing else, files of kept records stay on disk, a second sweep
removes nothing, each run's counts are kept, and two sweeps at once remove each row once."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from flows import retention
from flows.accounts.credentials import LOCK_AFTER
from storage import sessions
from storage.contracts import Document
from storage.devices import DeviceChallenge, IdentityCheck, RememberedDevice, SeenDevice
from storage.messages import Attachment, Conversation, Message
from storage.models import (
    AuditRecord,
    Base,
    FlowInstance,
    Identity,
    OutboxMessage,
    SignInFailure,
    StaffAccess,
    Token,
    WebSession,
)
from storage.passkeys import Passkey
from tests.factories import contract, document, identity
from web.cli import main
from web.ops import worker
from web.services import Services

DAY = timedelta(days=1)
SEVEN_YEARS = timedelta(days=7 * 365 + 2)
# What the sweep removes of what plant() writes: past its time, one of each (two messages).
PAST = {
    "closed_mini_ids": 1,
    "web_sessions": 1,
    "remembered_devices": 1,
    "passkeys": 1,
    "seen_devices": 1,
    "device_codes": 1,
    "identity_checks": 1,
    "link_tokens": 1,
    "ended_instances": 1,
    "outbox": 2,
    "sign_in_failures": 1,
    "abandoned_uploads": 2,
    "data_exports": 1,
    "audit_records": 1,
    "staff_access": 1,
}
NOTHING = dict.fromkeys(PAST, 0)


@dataclass
class Planted:
    """Rows (model, key) and files: past their time, within it, and kept whatever the time."""

    past: list[tuple[type[Base], Any]] = field(default_factory=list)
    within: list[tuple[type[Base], Any]] = field(default_factory=list)
    always: list[tuple[type[Base], Any]] = field(default_factory=list)
    past_files: list[Path] = field(default_factory=list)
    within_files: list[Path] = field(default_factory=list)
    always_files: list[Path] = field(default_factory=list)
    closed: dict[str, int] = field(default_factory=dict)  # "past"/"within": a closed MINI ID


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(main, ["retention", "sweep", *args])
    return result.exit_code, result.output


def sweep_json(app: Flask) -> dict[str, int]:
    code, output = run(app, "--json")
    assert code == 0, output
    counts: dict[str, int] = json.loads(output)
    return counts


def written_at(path: Path, moment: datetime) -> Path:
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def stored_file(folder: Path, moment: datetime) -> Path:
    """A file under a name files.storage_name would give, last written at MOMENT."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return written_at(path, moment)


def add(session: Any, row: Base) -> Any:
    session.add(row)
    session.flush()
    return row.__mapper__.primary_key_from_instance(row)[0]


def instance(moment: datetime, *, ended: bool = True, flow: str = "registration") -> FlowInstance:
    return FlowInstance(
        id=secrets.token_hex(16),
        flow=flow,
        version="v1",
        state="activated" if ended else "details",
        data={"email": "jean.t@example.com"},
        language="fr",
        created_at=moment - DAY,
        updated_at=moment,
        expires_at=None if ended else moment,
        ended_at=moment if ended else None,
    )


def message(moment: datetime, status: str, **times: datetime | None) -> OutboxMessage:
    return OutboxMessage(
        channel="email",
        recipient="jean.t@example.com",
        recipient_key="jean.t@example.com",
        kind="registration/email_activation",
        language="fr",
        body_text="",
        status=status,
        created_at=moment - DAY,
        next_attempt_at=times.get("due", moment),
        sent_at=times.get("sent"),
    )


def audit(moment: datetime, instance_id: str = "0" * 32) -> AuditRecord:
    return AuditRecord(
        instance_id=instance_id,
        flow="registration",
        version="v1",
        event="submit",
        source="details",
        target="awaiting_activation",
        outcome="taken",
        actor="customer",
        created_at=moment,
    )


def access(moment: datetime) -> StaffAccess:
    return StaffAccess(
        event="sign_in", outcome="taken", account="a@example.com", actor="staff", created_at=moment
    )


def device(customer: int, expires: datetime) -> RememberedDevice:
    hashed = secrets.token_hex(32)
    return RememberedDevice(
        token_hash=hashed,
        identity_id=customer,
        browser="Firefox",
        system="Linux",
        expires_at=expires,
    )


def seen(customer: int, moment: datetime) -> SeenDevice:
    hashed = secrets.token_hex(32)
    return SeenDevice(
        token_hash=hashed, identity_id=customer, browser="", system="", last_seen_at=moment
    )


def passkey(customer: int, moment: datetime) -> Passkey:
    return Passkey(
        identity_id=customer,
        credential_id=secrets.token_urlsafe(32),
        public_key=b"",
        name="Chromium",
        created_at=moment,
        last_used_at=moment,
    )


def code(customer: int, moment: datetime) -> DeviceChallenge:
    return DeviceChallenge(
        instance_id="0" * 32,
        identity_id=customer,
        channel="sms",
        salt="s",
        code_hash="h",
        created_at=moment,
        expires_at=moment + timedelta(minutes=10),
    )


def link(expires: datetime) -> Token:
    return Token(
        token_hash=secrets.token_hex(32),
        purpose="activation",
        instance_id="0" * 32,
        expires_at=expires,
    )


def plant(services: Services, uploads: Path, customer: int) -> Planted:
    """Rows of every kind on the schedule, just past their time and just within it."""
    now, planted = services.clock(), Planted()
    paper = document(services, contract(services, identity_id=customer), uploads)
    with services.db.write() as session:
        _sessions_and_devices(session, planted, customer, now)
        _instances_and_messages(session, planted, customer, now)
        _failures_and_records(session, planted, now)
        _files(session, planted, uploads, now, paper)
    for bucket, age in (("past", 31 * DAY), ("within", 29 * DAY)):
        planted.closed[bucket] = closed = identity(services, f"{bucket}@example.com")
        with services.db.write() as session:
            person = session.get_one(Identity, closed)
            person.status, person.closed_at = "closed", now - age
    return planted


def _sessions_and_devices(session: Any, planted: Planted, customer: int, now: datetime) -> None:
    sessions.create(session, "ended", customer, {}, now - timedelta(hours=13))
    sessions.create(session, "live", customer, {}, now)
    planted.past.append((WebSession, sessions.key("ended")))
    planted.within.append((WebSession, sessions.key("live")))
    for rows, past, within in (
        (planted, device(customer, now - timedelta(minutes=1)), device(customer, now + DAY)),
        (planted, seen(customer, now - 401 * DAY), seen(customer, now - 399 * DAY)),
        (planted, passkey(customer, now - 401 * DAY), passkey(customer, now - 399 * DAY)),
        (planted, code(customer, now - 31 * DAY), code(customer, now - 29 * DAY)),
        (planted, link(now - 31 * DAY), link(now - 29 * DAY)),
    ):
        rows.past.append((type(past), add(session, past)))
        rows.within.append((type(within), add(session, within)))
    for age, bucket in ((91 * DAY, planted.past), (89 * DAY, planted.within)):
        check = IdentityCheck(identity_id=customer, matched=False, created_at=now - age)
        bucket.append((IdentityCheck, add(session, check)))


def _instances_and_messages(session: Any, planted: Planted, customer: int, now: datetime) -> None:
    old, recent = instance(now - 91 * DAY), instance(now - 89 * DAY)
    open_ = instance(now - 200 * DAY, ended=False)  # never ended: the engine expires it first
    planted.past.append((FlowInstance, add(session, old)))
    planted.within.append((FlowInstance, add(session, recent)))
    planted.always.append((FlowInstance, add(session, open_)))
    # The audit records of an instance removed stay (seven years).
    planted.always.append((AuditRecord, add(session, audit(now - 92 * DAY, old.id))))
    # A conversation is a record of dealings: its instance stays with it.
    talk = instance(now - 91 * DAY, flow="conversation")
    planted.always.append((FlowInstance, add(session, talk)))
    conversation = Conversation(
        id=talk.id, customer_id=customer, contract_number="PR-25-000001", subject="payments"
    )
    planted.always.append((Conversation, add(session, conversation)))
    for past in (
        message(now, "sent", due=now - 92 * DAY, sent=now - 91 * DAY),
        message(now, "failed", due=now - 91 * DAY),
    ):
        planted.past.append((OutboxMessage, add(session, past)))
    sent = message(now, "sent", due=now - 90 * DAY, sent=now - 89 * DAY)
    planted.within.append((OutboxMessage, add(session, sent)))
    for waiting in (
        message(now, "pending", due=now - 200 * DAY),  # never delivered: kept until it is
        message(now, "sending", due=now - 200 * DAY),
    ):
        planted.always.append((OutboxMessage, add(session, waiting)))


def _failures_and_records(session: Any, planted: Planted, now: datetime) -> None:
    for key, count, idle, bucket in (
        ("idle@example.com", 3, 31 * DAY, planted.past),
        ("recent@example.com", 3, 29 * DAY, planted.within),
        ("locked@example.com", LOCK_AFTER, 400 * DAY, planted.always),
    ):
        failure = SignInFailure(email_key=key, count=count, last_failed_at=now - idle)
        bucket.append((SignInFailure, add(session, failure)))
    planted.past.append((AuditRecord, add(session, audit(now - SEVEN_YEARS - DAY))))
    planted.within.append((AuditRecord, add(session, audit(now - SEVEN_YEARS + DAY))))
    planted.past.append((StaffAccess, add(session, access(now - SEVEN_YEARS - DAY))))
    planted.within.append((StaffAccess, add(session, access(now - SEVEN_YEARS + DAY))))


def _files(session: Any, planted: Planted, uploads: Path, now: datetime, paper: int) -> None:
    """Files nothing names (one at the top, one among attachments), and files of records."""
    old = now - 25 * timedelta(hours=1)
    messages = uploads / "messages"
    planted.past_files += [stored_file(uploads, old), stored_file(messages, old)]
    planted.within_files.append(stored_file(messages, now))  # its step may still be running
    foreign = uploads / "README.txt"  # not a name we give: not ours to remove
    foreign.write_text("kept by the operator")
    planted.always_files.append(written_at(foreign, old))
    stored = session.get(Document, paper).storage_name
    planted.always_files.append(written_at(uploads / stored, old))
    [talk] = [key for model, key in planted.always if model is Conversation]
    written = Message(conversation_id=talk, author="customer", body="Bonjour", created_at=old)
    session.add(written)
    session.flush()
    attached = stored_file(messages, old)
    session.add(
        Attachment(
            message_id=written.id,
            filename="scan.pdf",
            storage_name=attached.name,
            content_type="application/pdf",
            size=15,
            sha256="0" * 64,
        )
    )
    planted.always_files.append(attached)
    exports = uploads / "exports"  # the archives of «Download my data», 7 days
    planted.past_files.append(stored_file(exports, now - 8 * DAY))
    planted.within_files.append(stored_file(exports, now - 6 * DAY))


def present(services: Services, rows: list[tuple[type[Base], Any]]) -> list[bool]:
    with services.db.read() as session:
        return [session.get(model, key) is not None for model, key in rows]


def statuses(services: Services, planted: Planted) -> dict[str, str]:
    with services.db.read() as session:
        return {k: session.get_one(Identity, v).status for k, v in planted.closed.items()}


def sweeps(services: Services) -> list[AuditRecord]:
    with services.db.read() as session:
        query = select(AuditRecord).where(AuditRecord.flow == "retention")
        return list(session.scalars(query.order_by(AuditRecord.id)))


def test_a_sweep_removes_what_is_past_its_time_and_keeps_the_rest(
    app: Flask, services: Services, uploads: Path, jean: int, caplog: pytest.LogCaptureFixture
) -> None:
    planted = plant(services, uploads, jean)

    with caplog.at_level(logging.INFO, logger="flows.retention"):
        assert sweep_json(app) == PAST
    assert not any(present(services, planted.past))
    assert all(present(services, planted.within + planted.always))
    assert not any(p.exists() for p in planted.past_files)
    assert all(p.exists() for p in planted.within_files + planted.always_files)
    [line] = [r.getMessage() for r in caplog.records if r.name == "flows.retention"]
    assert line.startswith("retention sweep: removed closed_mini_ids=1 web_sessions=1")
    assert statuses(services, planted) == {"past": "anonymised", "within": "closed"}

    # Again at the same moment: nothing more is due, and a run that removed nothing
    # leaves no record.
    assert sweep_json(app) == NOTHING
    [record] = sweeps(services)
    assert (record.event, record.actor, record.outcome) == ("sweep", "system", "taken")
    assert record.data == PAST and record.reasons == {}
    assert record.customer_id is None and record.version == retention.version()

    # Two days on, what was just within its time goes too; the rest never goes by age.
    services.clock.advance(2 * DAY)
    within = dict.fromkeys(PAST, 1)
    assert sweep_json(app) == within
    assert not any(present(services, planted.within))
    assert all(present(services, planted.always))
    assert statuses(services, planted) == {"past": "anonymised", "within": "anonymised"}
    assert not any(p.exists() for p in planted.within_files)
    assert all(p.exists() for p in planted.always_files)
    assert [r.data for r in sweeps(services)] == [PAST, within]


def test_the_command_prints_each_kind(app: Flask, services: Services, uploads: Path) -> None:
    plant(services, uploads, identity(services))
    code, output = run(app)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].split() == ["closed_mini_ids", "1"]
    assert [line.split()[0] for line in lines[:-1]] == list(PAST)
    assert lines[-1] == "Removed 17 in all."
    code, output = run(app)
    assert code == 0 and output.splitlines()[-1] == "Removed 0 in all."


def test_the_delivering_worker_sweeps_and_the_others_do_not(app: Flask, services: Services) -> None:
    now = services.clock()
    with services.db.write() as session:
        old = add(session, link(now - 31 * DAY))
    for delivers in (False, True):
        background = worker(app, 0.02, delivers=delivers)
        background.retention_due = 0.0  # due now rather than 5 minutes after the start
        background.start()
        deadline = time.monotonic() + (0.3 if not delivers else 10)
        while time.monotonic() < deadline and present(services, [(Token, old)]) == [True]:
            time.sleep(0.02)
        background.stop()
        assert present(services, [(Token, old)]) == [not delivers]
    # The next run is an hour away.
    assert background.retention_due > time.monotonic() + 3000


def test_the_schedule_in_the_operations_guide_is_the_code() -> None:
    guide = Path(__file__).parents[2] / "docs" / "operations.md"
    section = guide.read_text().split("## Retention", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)`: (.+?) \| (.+?) \| (.+?) \|$", section, re.MULTILINE)
    assert rows == [(k.name, *k.words()) for k in retention.SCHEDULE]


# -- two sweepers at once, on PostgreSQL (SQLite serialises its writers) -------------------

MANY = 1_500  # rows of each kind: fifteen batches of 100, taken in turns by both


def plant_many(services: Services, uploads: Path, customer: int) -> dict[str, int]:
    now = services.clock()
    old = now - 8 * 365 * DAY
    rows: list[tuple[type[Base], list[dict[str, Any]]]] = [
        (Token, [{"token_hash": secrets.token_hex(32), "purpose": "reset",
                  "instance_id": "0" * 32, "expires_at": old} for _ in range(MANY)]),
        (DeviceChallenge, [{"instance_id": "0" * 32, "identity_id": customer, "channel": "sms",
                            "salt": "s", "code_hash": "h", "created_at": old,
                            "expires_at": old} for _ in range(MANY)]),
        (FlowInstance, [{"id": secrets.token_hex(16), "flow": f"flow{i % 3}", "version": "v1",
                         "state": "done", "data": {}, "language": "fr", "created_at": old,
                         "updated_at": old, "ended_at": old} for i in range(MANY)]),
        (AuditRecord, [{"instance_id": "0" * 32, "flow": f"flow{i % 3}", "version": "v1",
                        "event": "submit", "source": "a", "outcome": "taken", "reasons": {},
                        "data": {}, "actor": "customer", "created_at": old}
                       for i in range(MANY)]),
    ]  # fmt: skip
    with services.db.write() as session:
        for model, values in rows:
            session.execute(insert(model), values)
    for _ in range(300):
        stored_file(uploads / "messages", old)
    return {**NOTHING, "link_tokens": MANY, "device_codes": MANY, "ended_instances": MANY,
            "audit_records": MANY, "abandoned_uploads": 300}  # fmt: skip


def test_two_sweeps_at_once_remove_each_row_once(make_app: Any, postgres_url: str) -> None:
    app: Flask = make_app(DATABASE_URL=postgres_url)
    services: Services = app.extensions["moncompte"]
    uploads = Path(app.config["UPLOAD_FOLDER"])
    expected = plant_many(services, uploads, identity(services))
    start = threading.Barrier(2)
    counts: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        start.wait()
        try:
            counts.append(retention.sweep(services.db, services.clock(), uploads, batch=100))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    first, second = counts
    assert {k: first[k] + second[k] for k in first} == expected
    assert all(sum(c.values()) for c in counts), "both took their share"
    with services.db.read() as session:
        for model in (Token, DeviceChallenge, FlowInstance):
            assert session.scalar(select(func.count()).select_from(model)) == 0
    assert list((uploads / "messages").iterdir()) == []
    recorded = [r.data for r in sweeps(services)]
    assert sorted(recorded, key=str) == sorted(counts, key=str)
