"""Sessions: a visitor's state in a signed cookie; a database row from sign-in on.

A visitor who has not signed in (CSRF token, the instances this browser started, a
notice) carries that state in a cookie signed with the secret key, so that reading a
page writes nothing. Signing in (customer or staff) creates a row under a new random
identifier (session fixation), and the cookie holds only that identifier: a password
reset can then end a customer's sessions everywhere. Either kind ends after 30 min idle
(a staff member's after 15) or 12 h in all; the background worker sweeps the rows that
ended.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from flows.accounts import remembered
from flows.accounts import sessions as store
from flows.records import Identity, Staff, WebSession
from web.services import Services

# The accounts a session's row was read with, by model.
Accounts = dict[type[Identity | Staff], Identity | Staff | None]
# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)
SALT = "moncompte.visitor-session"
# A signed cookie always has a dot between its payload and its signature; the
# identifier of a database session (URL-safe base64) never has one.
SIGNED = "."


class DatabaseSession(CallbackDict[str, Any], SessionMixin):
    """The session the views use: ``identity_id``/``staff_id`` once signed in, else a visitor.

    ``cookie`` and ``row`` are those of a database session; a visitor's has neither, and
    ``started_at``/``seen_at`` from its signed cookie.
    """

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        cookie: str | None = None,
        row: WebSession | None = None,
        *,
        started_at: datetime | None = None,
        seen_at: datetime | None = None,
        sent: bool = False,
        accounts: Accounts | None = None,
    ) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.cookie = cookie
        self.row = row
        self.identity_id = row.identity_id if row else None
        self.staff_id = row.staff_id if row else None
        self.started_at = started_at
        self.seen_at = seen_at
        self.sent = sent  # the browser sent a session cookie
        self.replaced: list[str] = []  # cookies of sessions this one replaces
        self.password_at: datetime | None = None  # typed at this sign-in (a new row's)
        # The accounts read with the row, by model: a page need not read them again.
        self.accounts = accounts or {}
        self.modified = False

    @property
    def signed_in(self) -> bool:
        return self.identity_id is not None or self.staff_id is not None

    def renew(
        self,
        identity_id: int | None,
        staff_id: int | None = None,
        password_at: datetime | None = None,
    ) -> None:
        """A new identifier for a new identity (sign-in, sign-out); the old one ends.
        PASSWORD_AT: when the password was typed for this sign-in."""
        if self.cookie:
            self.replaced.append(self.cookie)
        self.cookie = None
        self.row = None
        self.accounts = {}
        self.started_at = self.seen_at = None
        self.identity_id = identity_id
        self.staff_id = staff_id
        self.password_at = password_at
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    def __init__(self, services: Services) -> None:
        self.services = services

    def open_session(self, app: Flask, request: Request) -> DatabaseSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return DatabaseSession()
        if SIGNED in cookie:
            return self._visitor(app, cookie)
        found = None
        if len(cookie) <= 100:
            with self.services.db.read() as db:
                found = store.live(db, cookie, self.services.clock())
        if found is None:
            return DatabaseSession(sent=True)
        accounts: Accounts = {Identity: found.identity, Staff: found.staff}
        return DatabaseSession(
            dict(found.row.data), cookie, found.row, sent=True, accounts=accounts
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, DatabaseSession)
        now = self.services.clock()
        row_due = session.signed_in and (
            session.row is None or session.modified or now - session.row.last_seen_at > TOUCH_EVERY
        )
        if session.replaced or row_due:
            with self.services.db.write() as db:
                for old in session.replaced:
                    store.forget(db, old)
                if row_due:
                    self._save_row(app, db, session, response, now)
        if not session.signed_in:
            self._save_visitor(app, session, response, now)

    # -- signed in: a database row ---------------------------------------------------

    def _save_row(
        self, app: Flask, db: Session, session: DatabaseSession, response: Response, now: datetime
    ) -> None:
        if session.row is None:
            session.cookie = secrets.token_urlsafe(32)
            browser, system = remembered.describe(request.user_agent.string)
            store.create(
                db,
                session.cookie,
                session.identity_id,
                dict(session),
                now,
                session.staff_id,
                browser=browser,
                system=system,
                password_at=session.password_at,
            )
            self._set_cookie(app, response, session.cookie)
        elif not store.update(db, session.row.id, dict(session), now):
            # Ended elsewhere meanwhile (a password reset): it must not come back.
            self._drop_cookie(app, response)

    # -- a visitor: a signed cookie ----------------------------------------------------

    def _serializer(self, app: Flask) -> URLSafeSerializer:
        return URLSafeSerializer(str(app.secret_key), salt=SALT)

    def _visitor(self, app: Flask, cookie: str) -> DatabaseSession:
        """The visitor's state, unless it was tampered with, idled out or grew too old."""
        try:
            payload = self._serializer(app).loads(cookie)
            started, seen = _moment(payload["started"]), _moment(payload["seen"])
            data = dict(payload["data"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return DatabaseSession(sent=True)
        now = self.services.clock()
        if now - seen > store.IDLE or now - started > store.ABSOLUTE:
            return DatabaseSession(sent=True)
        return DatabaseSession(data, started_at=started, seen_at=seen, sent=True)

    def _save_visitor(
        self, app: Flask, session: DatabaseSession, response: Response, now: datetime
    ) -> None:
        if not session:
            if session.sent:
                self._drop_cookie(app, response)
            return
        stale = session.seen_at is None or now - session.seen_at > TOUCH_EVERY
        if not (session.modified or stale):
            return
        payload = {
            "started": (session.started_at or now).timestamp(),
            "seen": now.timestamp(),
            "data": dict(session),
        }
        self._set_cookie(app, response, self._serializer(app).dumps(payload))

    # -- the cookie ----------------------------------------------------------------------

    def _set_cookie(self, app: Flask, response: Response, value: str) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            value,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            path=self.get_cookie_path(app),
        )

    def _drop_cookie(self, app: Flask, response: Response) -> None:
        # With the same attributes as it was set with: a browser keeps a __Host- cookie
        # whose removal is not Secure.
        response.delete_cookie(
            self.get_cookie_name(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )


def _moment(value: Any) -> datetime:
    if not isinstance(value, int | float):
        raise TypeError(value)
    return datetime.fromtimestamp(value, UTC)


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app.extensions["moncompte"])
