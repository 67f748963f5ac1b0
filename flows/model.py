"""What a procedure's model is given: the step's context, and the base of every model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from flows.accounts import links
from storage.models import Token


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
    actor: str

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class FlowModel:
    """Base of a procedure's model: its methods are the guards and actions.

    ``data`` is the instance's own memory, saved with it (JSON: no secrets, no objects).
    A guard that says no calls :meth:`reject` with the field and a reason code; the engine
    hands these back to the customer and writes them in the audit trail.
    """

    def __init__(self, ctx: StepContext, data: dict[str, Any], state: str) -> None:
        self.ctx = ctx
        self.data = data
        self.state = state
        self.errors: dict[str, str] = {}
        # Set by an action when the step leaves the instance to a known customer.
        self.customer_id: int | None = ctx.customer_id
        self.link: Token | None = None  # the e-mailed link accept_link found

    def reject(self, field: str, reason: str) -> bool:
        self.errors.setdefault(field, reason)
        return False

    def accept_link(self, token: str, purpose: str) -> bool:
        """Whether TOKEN is a usable e-mailed link of this instance; kept in ``self.link``."""
        ctx = self.ctx
        self.link, problem = links.check(
            ctx.session, token, purpose=purpose, instance_id=ctx.instance_id, now=ctx.now
        )
        return self.reject("token", problem) if problem else True

    @classmethod
    def display(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """What the screens may show about an instance, from its data (never a secret)."""
        return {}
