"""What a procedure's model is given: the step's context, and the base of every model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy.orm import Session

from flows.access import Principal
from flows.accounts import links
from storage.models import Identity, Token

# What a channel tells the engine of its client with every event, and is handed back: a
# remembered device's token (a web page keeps it in a cookie), the client's user agent.
DEVICE_TOKEN = "device_token"  # noqa: S105 - a field name, not a secret
USER_AGENT = "user_agent"
SEEN_TOKEN = "seen_token"  # noqa: S105 - the browser's seen-device token (flows.accounts.seen)


class Mailer(Protocol):
    """Writes a message to the outbox, in the step's transaction."""

    def email(
        self,
        session: Session,
        *,
        to: str,
        template: str,
        language: str,
        values: Mapping[str, Any],
        instance_id: str | None = None,
    ) -> None: ...

    def sms(
        self,
        session: Session,
        *,
        to: str,
        template: str,
        language: str,
        values: Mapping[str, Any],
        instance_id: str | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class StepContext:
    """Everything a guard or action may touch while one event is handled."""

    session: Session
    now: datetime
    instance_id: str
    language: str
    customer_id: int | None
    mailer: Mailer
    base_url: str
    principal: Principal  # who sent the event (flows.access)
    uploads: Path = Path("uploads")  # where files customers send are kept
    route: str = ""  # this procedure's route: /<language>/<route>/…
    # Every procedure's route by name, so a model names a procedure, never a path.
    routes: Mapping[str, str] = field(default_factory=dict)
    # Starts an instance of another procedure in this step's transaction (FlowModel.start).
    starter: Callable[[str, dict[str, Any], int | None], str] | None = None
    # The application's secret key, for what is kept as a keyed hash (device codes).
    secret: bytes = b""
    # How messages reach customers here: text messages only where a gateway sends them.
    channels: frozenset[str] = frozenset({"sms", "email"})


@dataclass(frozen=True)
class View:
    """What a screen's extras are read with (FlowModel.screen): one read transaction, who
    is looking, and the instance (none on a procedure's first page, before it starts)."""

    session: Session
    now: datetime
    principal: Principal
    instance_id: str | None
    state: str
    customer_id: int | None
    memory: Mapping[str, Any]
    # What the channel says of its client (DEVICE_TOKEN, USER_AGENT), as with an event.
    client: Mapping[str, Any] = field(default_factory=dict)


class FlowModel:
    """Base of a procedure's model: its methods are the guards and actions.

    ``memory`` is what the instance keeps between events, saved with it (JSON: no secrets,
    no objects);
    what of it the screens may show is the definition's ``procedure.display`` list.
    A guard that says no calls :meth:`reject` with the field and a reason code; the engine
    hands these back to the customer and writes them in the audit trail. What a guard
    keeps on ``self`` (a record it found, for the action) lasts for its step only: the
    model is lent again, with its machine, for other instances (:meth:`take`).
    """

    # What the reason codes a shared guard of this class gives mean (English msgids); a
    # procedure's own are in its YAML (procedure.reasons).
    REASONS: ClassVar[Mapping[str, str]] = {}

    def __init__(self, ctx: StepContext, memory: dict[str, Any], state: str) -> None:
        self.ctx = ctx
        self.memory = memory
        self.state = state
        self.errors: dict[str, str] = {}
        # What a reason's message names (a day, a holiday), by field, then by language.
        self.details: dict[str, dict[str, dict[str, str]]] = {}
        # Set by an action when the step leaves the instance to a known customer.
        self.customer_id: int | None = ctx.customer_id
        self.link: Token | None = None  # the e-mailed link accept_link found
        # Secrets handed back to whoever sent the event, once, when the step is taken (a
        # remembered device's token): never in ``memory``, the audit trail or the logs.
        self.client: dict[str, str] = {}
        # What the sender is told of the step, once (who answered meanwhile): no secret.
        self.told: dict[str, str] = {}
        self.taken = False  # whether the event took a transition (a false guard is silent)

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """What the screen of VIEW's state shows beyond the instance's snapshot: records
        read in VIEW's transaction, by name for the template. Nothing, unless a procedure
        says more; what it gives depends on who looks (``view.principal``)."""
        return {}

    def take(self, ctx: StepContext, memory: dict[str, Any], state: str) -> None:
        """Take up another step, as a model lent again with its machine (flows.machines)."""
        self.forget()
        FlowModel.__init__(self, ctx, memory, state)

    def forget(self) -> None:
        """Drop the step and all a guard or action kept (records, secrets) once it is over."""
        vars(self).clear()

    def after_transition(self) -> None:
        """Called by the machine once a transition is taken (a callback by its name)."""
        self.taken = True

    def reject(
        self, field: str, reason: str, details: dict[str, dict[str, str]] | None = None
    ) -> bool:
        """Refuse FIELD for REASON; DETAILS, by language, fill in what its message names."""
        if field not in self.errors and details:
            self.details[field] = details
        self.errors.setdefault(field, reason)
        return False

    def accept_link(self, token: str, purpose: str) -> bool:
        """Whether TOKEN is a usable e-mailed link of this instance; kept in ``self.link``."""
        ctx = self.ctx
        self.link, problem = links.check(
            ctx.session, token, purpose=purpose, instance_id=ctx.instance_id, now=ctx.now
        )
        return self.reject("token", problem) if problem else True

    def mail(
        self, template: str, to: str, values: Mapping[str, Any], *, language: str | None = None
    ) -> None:
        """Write the e-mail TEMPLATE to the outbox, in this step's transaction.

        In the customer's language (chosen in «Mon profil»), else the procedure's, unless
        LANGUAGE says otherwise (the one of another MINI ID the message is for).
        """
        ctx = self.ctx
        ctx.mailer.email(
            ctx.session,
            to=to,
            template=template,
            language=language or self.language(),
            values=values,
            instance_id=ctx.instance_id,
        )

    def start(self, flow: str, memory: dict[str, Any], *, customer_id: int | None = None) -> str:
        """Start an instance of FLOW (which names this procedure in ``started_by``) with MEMORY,
        in this step's transaction and by this step's actor; return its id."""
        if self.ctx.starter is None:
            raise RuntimeError("this step cannot start another procedure")
        return self.ctx.starter(flow, memory, customer_id)

    def sms(
        self, template: str, to: str, values: Mapping[str, Any], *, language: str | None = None
    ) -> None:
        """Write the text message TEMPLATE to the phone number TO, as :meth:`mail` does."""
        ctx = self.ctx
        ctx.mailer.sms(
            ctx.session,
            to=to,
            template=template,
            language=language or self.language(),
            values=values,
            instance_id=ctx.instance_id,
        )

    def language(self) -> str:
        """The customer's language (chosen in «Mon profil»); a visitor's, the procedure's."""
        found = self.ctx.session.get(Identity, self.customer_id) if self.customer_id else None
        return found.language if found is not None else self.ctx.language

    def url(self, target: str = "", *, link: str | None = None, language: str | None = None) -> str:
        """An absolute address for an e-mail, in the customer's language.

        TARGET is a procedure's name (its first page) or a page of the site ("overview",
        "messages"); LINK is the token of an e-mailed link of this procedure, whose page
        confirms with a POST. With neither, this instance's own page.
        """
        ctx = self.ctx
        lang = language or self.language()
        if link is not None:
            path = links.path(lang, ctx.route, link)
        elif target:
            path = f"/{lang}/{ctx.routes.get(target, target)}"
        else:
            path = f"/{lang}/{ctx.route}/{ctx.instance_id}"
        return ctx.base_url.rstrip("/") + path
