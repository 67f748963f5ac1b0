"""The retention schedule (Quebec's Law 25, PIPEDA: nothing kept longer than it is needed):
for each kind of record, how long it is kept and why, and the sweep that removes what is
past that. docs/operations.md#retention shows the same table (a test holds them together).

The sweep is idempotent. A read finds the keys of ROUND batches; each batch of BATCH rows
is then removed in a transaction of its own, so the sweep never holds for long a lock a
customer's step may wait for; several may run at once, each batch taking rows no other
holds (storage.retention). Each run logs one line with its
counts; a run that removed something also leaves them in one audit record (flow
``retention``, event ``sweep``, actor ``system``), which no analysts' page lists: it
belongs to no procedure's instance.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import InstrumentedAttribute, Session

from flows.accounts import closing, credentials, export, remembered, seen
from flows.messaging import threads
from flows.reasons import N_
from storage import flow_counts, sessions
from storage import retention as store
from storage.db import Database
from storage.devices import DeviceChallenge, IdentityCheck, RememberedDevice, SeenDevice
from storage.models import AuditRecord, StaffAccess, Token
from storage.passkeys import Passkey

log = logging.getLogger(__name__)

BATCH = 1000  # rows a transaction
ROUND = 100  # batches whose keys one read finds

# How long past its moment (the table below says which) each kind is kept.
REMEMBERED_DEVICES = timedelta(0)  # past its expiry, remembered.VALID_FOR after it was made
SEEN_DEVICES = seen.KEEP_FOR  # 400 days: no browser keeps the cookie longer
PASSKEYS = seen.KEEP_FOR  # a passkey unused as long as a browser is forgotten
DEVICE_CODES = timedelta(days=30)
IDENTITY_CHECKS = timedelta(days=90)
LINK_TOKENS = timedelta(days=30)
ENDED_INSTANCES = timedelta(days=90)
DELIVERED_MESSAGES = timedelta(days=90)
SIGN_IN_FAILURES = timedelta(days=30)
# Far longer than any step takes between writing its file and committing the record.
ABANDONED_UPLOADS = timedelta(hours=24)
DATA_EXPORTS = export.VALID_FOR  # the archive's link works as long
RECORDS_OF_DEALINGS = timedelta(days=7 * 365 + 2)  # 7 years, with the leap days they hold

# The names files.storage_name gives: nothing else in the uploads folders is ours to remove.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,8}")

FLOW, EVENT = "retention", "sweep"  # of the audit record a run leaves


@dataclass(frozen=True)
class Run:
    """One sweep: what is due at NOW, BATCH rows a transaction, until STOPPING says stop."""

    db: Database
    now: datetime
    uploads: Path
    batch: int
    stopping: Callable[[], bool]

    def in_batches(self, rows: store.Rows) -> int:
        """Remove ROWS: a read finds the keys of ROUND batches, each batch is a write
        transaction of its own; again until a read finds fewer. How many in all."""
        total = 0
        while not self.stopping():
            with self.db.read() as session:
                keys = rows.due(session, self.batch * ROUND)
            for start in range(0, len(keys), self.batch):
                if self.stopping():
                    break
                with self.db.write() as session:
                    total += rows.remove(session, keys[start : start + self.batch])
            if len(keys) < self.batch * ROUND:
                break
        return total

    def at_once(self, remove: Callable[[Session], int]) -> int:
        """REMOVE in one write transaction; how many it removed."""
        with self.db.write() as session:
            return remove(session)


@dataclass(frozen=True)
class Kind:
    """A kind of record: NAME (the key of its count), WHAT it is, how long it is KEPT and
    WHY (messages to translate, with the VALUES they name); REMOVE removes what is past
    that, and says how many."""

    name: str
    what: str
    kept: str
    why: str
    remove: Callable[[Run], int]
    values: Mapping[str, int] = field(default_factory=dict)

    def words(self, translate: Callable[[str], str] = str) -> tuple[str, str, str]:
        """What, kept and why, in the language of TRANSLATE (English without)."""
        what, kept, why = (
            translate(text) % self.values for text in (self.what, self.kept, self.why)
        )
        return what, kept, why


def _rows(past: Callable[[datetime], store.Rows], keep: timedelta) -> Callable[[Run], int]:
    """Remove the rows PAST finds from before KEEP ago."""
    return lambda run: run.in_batches(past(run.now - keep))


def _older(column: InstrumentedAttribute[datetime], keep: timedelta) -> Callable[[Run], int]:
    """Remove the rows whose COLUMN is from before KEEP ago."""
    return _rows(lambda moment: store.older(column, moment), keep)


def _ended_sessions(run: Run) -> int:
    return run.at_once(lambda session: store.ended_sessions(session, run.now))


def _idle_failures(moment: datetime) -> store.Rows:
    return store.idle_failures(moment, credentials.LOCK_AFTER)


def _abandoned_uploads(run: Run) -> int:
    """Remove the stored files written over ABANDONED_UPLOADS ago that no document and no
    message attachment names (looked up BATCH names at a time); how many."""
    written_before = (run.now - ABANDONED_UPLOADS).timestamp()
    old = [e for e in _stored_files(run.uploads) if _written_before(e, written_before)]
    removed = 0
    for start in range(0, len(old), run.batch):
        if run.stopping():
            break
        chunk = old[start : start + run.batch]
        with run.db.read() as session:
            kept = store.kept_files(session, [e.name for e in chunk])
        removed += sum(_unlink(Path(e.path)) for e in chunk if e.name not in kept)
    return removed


def _stored_files(uploads: Path) -> Iterator[os.DirEntry[str]]:
    """The files under generated names: documents in UPLOADS, attachments in messages/."""
    for folder in (uploads, uploads / threads.FOLDER):
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and STORED_NAME.fullmatch(entry.name):
                    yield entry


def _written_before(entry: os.DirEntry[str], moment: float) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_mtime < moment
    except FileNotFoundError:  # another sweeper removed it meanwhile
        return False


def _unlink(path: Path) -> bool:
    """Remove PATH; False when another sweeper did first (so each file is counted once)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _closed_mini_ids(run: Run) -> int:
    """Anonymise the MINI IDs closed over 30 days ago, each in a transaction of its own
    (its files go once it commits); how many."""
    done = 0
    while not run.stopping():
        with run.db.read() as session:
            due = closing.due(session, run.now, run.batch)
        for identity_id in due:
            if run.stopping():
                break
            with run.db.write() as session:
                done += closing.anonymise(session, identity_id, run.uploads)
        if len(due) < run.batch:
            break
    return done


def _data_exports(run: Run) -> int:
    """Remove the archives prepared longer ago than their link works; how many."""
    written_before = (run.now - DATA_EXPORTS).timestamp()
    folder = run.uploads / export.FOLDER
    if not folder.is_dir():
        return 0
    with os.scandir(folder) as entries:
        old = [
            Path(e.path)
            for e in entries
            if e.is_file(follow_symlinks=False) and _written_before(e, written_before)
        ]
    return sum(_unlink(path) for path in old)


# What each kind is, how long it is kept and why: said to customers on the privacy page,
# in their language, and to operators in docs/operations.md (in English).
_DEALINGS = {"years": RECORDS_OF_DEALINGS.days // 365}

SCHEDULE: tuple[Kind, ...] = (
    Kind(
        "closed_mini_ids",
        N_("a MINI ID its customer closed: name, address, password, conversations and files"),
        N_("%(days)s days after it was closed; then the records keep no name"),
        N_("for %(days)s days an agent can reopen it; contracts and payments are ours to keep"),
        _closed_mini_ids,
        {"days": closing.REOPEN_WITHIN.days},
    ),
    Kind(
        "web_sessions",
        N_("a signed-in browser's session, a customer's or a staff member's"),
        N_(
            "until it ends: %(idle)s minutes idle (staff: %(staff_idle)s minutes), "
            "%(absolute)s hours at most"
        ),
        N_("keeps a customer or a staff member signed in"),
        _ended_sessions,
        {
            "idle": sessions.IDLE.seconds // 60,
            "staff_idle": sessions.STAFF_IDLE.seconds // 60,
            "absolute": sessions.ABSOLUTE.seconds // 3600,
        },
    ),
    Kind(
        "remembered_devices",
        N_("a browser a customer asked to remember (no code at sign-in)"),
        N_("until it expires, %(days)s days after it was remembered"),
        N_("signs the customer in without a code in the browser they chose"),
        _older(RememberedDevice.expires_at, REMEMBERED_DEVICES),
        {"days": remembered.VALID_FOR.days},
    ),
    Kind(
        "passkeys",
        N_("a passkey a customer created on a device: its name and public key"),
        N_("%(days)s days after it was last used"),
        N_("signs the customer in on that device with nothing to type"),
        _older(Passkey.last_used_at, PASSKEYS),
        {"days": PASSKEYS.days},
    ),
    Kind(
        "seen_devices",
        N_("a browser a MINI ID signed in with"),
        N_("%(days)s days after the browser last signed in"),
        N_("tells the customer of a sign-in from a browser new to them"),
        _older(SeenDevice.last_seen_at, SEEN_DEVICES),
        {"days": SEEN_DEVICES.days},
    ),
    Kind(
        "device_codes",
        N_("a code sent by SMS or e-mail, kept as a keyed digest"),
        N_("%(days)s days after it was sent"),
        N_("checks the code typed, and limits how many codes are sent"),
        _older(DeviceChallenge.created_at, DEVICE_CODES),
        {"days": DEVICE_CODES.days},
    ),
    Kind(
        "identity_checks",
        N_("an attempt at the identity verification that links a contract"),
        N_("%(days)s days after the attempt"),
        N_("limits the attempts, and lets an agent see why a verification is locked"),
        _older(IdentityCheck.created_at, IDENTITY_CHECKS),
        {"days": IDENTITY_CHECKS.days},
    ),
    Kind(
        "link_tokens",
        N_("an e-mailed link (activation, password reset, new address), kept hashed"),
        N_("%(days)s days after the link expired"),
        N_("checks the link; one opened late is told it has expired"),
        _older(Token.expires_at, LINK_TOKENS),
        {"days": LINK_TOKENS.days},
    ),
    Kind(
        "ended_instances",
        N_("a step-by-step procedure that ended, with what it noted on the way"),
        N_("%(days)s days after it ended; a conversation's stays with the conversation"),
        N_("what it noted (an address, a name) served its steps; its trail stays"),
        _rows(store.ended_instances, ENDED_INSTANCES),
        {"days": ENDED_INSTANCES.days},
    ),
    Kind(
        "outbox",
        N_("an e-mail or SMS sent: recipient, subject, status"),
        N_("%(days)s days after it was delivered or given up on"),
        N_("lets an agent see what was sent (bodies, links and codes are cleared once sent)"),
        _rows(store.delivered, DELIVERED_MESSAGES),
        {"days": DELIVERED_MESSAGES.days},
    ),
    Kind(
        "sign_in_failures",
        N_("an address's count of failed sign-ins in a row"),
        N_("%(days)s days after the last failure, unless they lock the MINI ID"),
        N_("makes each new try wait longer, against password guessing"),
        _rows(_idle_failures, SIGN_IN_FAILURES),
        {"days": SIGN_IN_FAILURES.days},
    ),
    Kind(
        "abandoned_uploads",
        N_("a file a customer sent that no message or document kept"),
        N_("%(hours)s hours after it was sent"),
        N_("a file left behind by a step that failed belongs to nothing"),
        _abandoned_uploads,
        {"hours": int(ABANDONED_UPLOADS.total_seconds()) // 3600},
    ),
    Kind(
        "data_exports",
        N_("an archive of a customer's data (“Download my data”)"),
        N_("%(days)s days after it was prepared"),
        N_("the customer downloads it; its link works as long"),
        _data_exports,
        {"days": DATA_EXPORTS.days},
    ),
    Kind(
        "audit_records",
        N_("one step taken or refused, with when and why (the audit trail)"),
        N_("%(years)s years"),
        N_("records of our dealings with a customer"),
        _rows(store.audit_records, RECORDS_OF_DEALINGS),
        _DEALINGS,
    ),
    Kind(
        "staff_access",
        N_("staff sign-ins, sign-outs and reads of customers' data"),
        N_("%(years)s years"),
        N_("records of who at MINI Financial Services read a customer's data"),
        _older(StaffAccess.created_at, RECORDS_OF_DEALINGS),
        _DEALINGS,
    ),
)


def version() -> str:
    """The schedule's version, as a definition has one: a digest of what it keeps."""
    text = "\n".join(f"{k.name}: {k.words()[1]}" for k in SCHEDULE)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def sweep(
    db: Database,
    now: datetime,
    uploads: Path,
    *,
    batch: int = BATCH,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Remove what the schedule keeps no longer at NOW (files from UPLOADS); how many of
    each kind. STOPPING, asked between batches, ends the run early."""
    run = Run(db, now, uploads, batch, stopping)
    removed: dict[str, int] = {}
    try:
        for kind in SCHEDULE:
            removed[kind.name] = kind.remove(run)
    finally:
        _account(run, removed)
    return removed


def _account(run: Run, removed: dict[str, int]) -> None:
    """Log the run's counts; keep them in an audit record when it removed something (an
    hour of "nothing" from every worker would only fill the trail)."""
    finished = len(removed) == len(SCHEDULE) and not run.stopping()
    counts = " ".join(f"{name}={count}" for name, count in removed.items())
    log.info("retention sweep%s: removed %s", "" if finished else " (interrupted)", counts)
    if not any(removed.values()):
        return
    record = AuditRecord(
        instance_id=secrets.token_hex(16),  # one run, as an instance id is: no procedure's
        flow=FLOW,
        version=version(),
        event=EVENT,
        source="due",
        target="removed",
        outcome="taken",
        reasons={} if finished else {"event": "interrupted"},
        data=dict(removed),
        actor="system",
        customer_id=None,
        created_at=run.now,
    )
    with run.db.write() as session:
        session.add(record)
        flow_counts.add(session, record)  # every audit record is counted by the hour
