"""The tables of the engine and of identities (MINI ID)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db import UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Identity(Base):
    """A MINI ID: the one identity shared with ConnectedDrive."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The address as compared: lower-cased, so one mailbox has one MINI ID.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # pending | active | disabled (by an agent) | closed (by its customer; an agent may reopen
    # it for 30 days) | anonymised (closed over 30 days: nothing personal is left)
    status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))  # fr | en
    source: Mapped[str] = mapped_column(String(16), default="registration")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class FlowVersion(Base):
    """Every version of a definition that ever ran, so in-flight instances keep theirs."""

    __tablename__ = "flow_versions"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(16), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlowInstance(Base):
    """One customer's (or tester's) run of a procedure."""

    __tablename__ = "flow_instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(2))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy reads it
    __table_args__ = (
        Index("ix_flow_instances_flow_state", "flow", "state"),
        Index("ix_flow_instances_expires_at", "expires_at"),
        Index("ix_flow_instances_customer", "customer_id"),
        # The analysts' funnel: where a procedure's instances started in a period are now.
        # Covering, so counting a month of them reads the index alone.
        Index(
            "ix_flow_instances_flow_created",
            "flow",
            "created_at",
            "state",
            "ended_at",
            "expires_at",
        ),
    )


class AuditRecord(Base):
    """One event sent to an instance, taken or not. Never holds a secret."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32))
    flow: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # taken|rejected|not_allowed|expired
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_audit_records_instance", "instance_id", "id"),
        Index("ix_audit_records_flow_time", "flow", "created_at"),
    )


class Token(Base):
    """A single-use secret sent by e-mail (activation, reset), kept only as a hash."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    instance_id: Mapped[str] = mapped_column(String(32))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_tokens_instance", "instance_id", "purpose"),)


class OutboxMessage(Base):
    """An e-mail or SMS written in the step's transaction, delivered afterwards."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_key: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # What a tester needs to finish a procedure: the link or code the message carries.
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    instance_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "recipient_key", "created_at"),
    )


class WebSession(Base):
    """A browser's session, kept server-side so it can be ended from elsewhere."""

    __tablename__ = "web_sessions"

    # SHA-256 of the cookie's value: the table alone lets nobody in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="CASCADE")
    )
    # A session is bound to a customer (identity_id) or to a staff member, never both.
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the customer needs to recognise it in «Mon profil» (never the user agent).
    browser: Mapped[str] = mapped_column(String(100), default="")
    system: Mapped[str] = mapped_column(String(100), default="")
    # When the password was last typed in it (sign-in, a step-up): a privileged session
    # for 5 minutes after (flows/procedures/steps/step_up.py).
    password_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_web_sessions_identity", "identity_id"),
        Index("ix_web_sessions_last_seen", "last_seen_at"),
        Index("ix_web_sessions_staff", "staff_id"),
    )


class SignInFailure(Base):
    """Consecutive failed sign-ins for one address, known or not."""

    __tablename__ = "sign_in_failures"

    email_key: Mapped[str] = mapped_column(String(254), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Staff(Base):
    """Someone at MINI Financial Services: an agent (secure messages) or an analyst."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    # How the consoles greet them and name them to other staff («Julie Roy»); without one,
    # their name, else their address.
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # agent | analyst
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The authenticator's TOTP key, encrypted with the secret key (flows.accounts.totp);
    # pending until a code confirms it (totp_enrolled_at), None until the first sign-in.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_enrolled_at: Mapped[datetime | None]
    # The newest time step whose code was taken: an older or the same one is a replay.
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)


class StaffRecoveryCode(Base):
    """A code that stands in for the authenticator once (shown once, kept as a digest)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the code, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_staff_recovery_codes_staff", "staff_id"),)


class StaffAccess(Base):
    """A staff sign-in step (password, code; taken or refused), sign-out, enrolment, unlock,
    disabling or reset of the second factor: who, when, where.

    Not a procedure's audit record: staff accounts are not customers' procedure
    instances, and the analysts' heatmap and funnel count only those. Never a password or a code.
    """

    __tablename__ = "staff_access"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # sign_in (the password) | second_factor | recovery_code | enrol | sign_out | unlock |
    # disable | reset_2fa
    event: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # taken | rejected
    reason: Mapped[str | None] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff.id", ondelete="SET NULL"))
    # The account's address; masked (a***@example.com) when no staff account has it.
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(45))  # the client's IP address
    actor: Mapped[str] = mapped_column(String(64))  # staff (at the console) | cli
    # What a staff member read ("read"): "customer:12", "conversation:…", "attachment:3",
    # "quote:Q-…", "export:trail".
    subject: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_staff_access_time", "created_at"),
        Index("ix_staff_access_staff", "staff_id", "created_at"),
    )


class FlowCount(Base):
    """Audit records counted by the hour, kept in the engine's transaction.

    What the analysts' heatmap reads: a period's counts come from a few thousand rows
    whatever the size of the audit trail. ``reason`` is empty on the row counting the
    records themselves; a rejected record also adds one to a row per reason code it gave.
    """

    __tablename__ = "flow_counts"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" unless taken
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
