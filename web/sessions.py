"""Sessions kept in the database: a random cookie, idle 30 min, absolute 12 h.

Server-side, so that a password reset can end a customer's sessions everywhere and
signing in or out always starts a new session identifier (session fixation).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from storage import sessions as store
from storage.models import WebSession
from web.services import Services

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


class DatabaseSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        data: dict[str, Any] | None = None,
        cookie: str | None = None,
        row: WebSession | None = None,
    ) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.cookie = cookie
        self.row = row
        self.identity_id = row.identity_id if row else None
        self.staff_id = row.staff_id if row else None
        self.replaced: list[str] = []  # cookies of sessions this one replaces
        self.modified = False

    def renew(self, identity_id: int | None, staff_id: int | None = None) -> None:
        """A new identifier for a new identity (sign-in, sign-out); the old one ends."""
        if self.cookie:
            self.replaced.append(self.cookie)
        self.cookie = None
        self.row = None
        self.identity_id = identity_id
        self.staff_id = staff_id
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    def __init__(self, services: Services) -> None:
        self.services = services

    def open_session(self, app: Flask, request: Request) -> DatabaseSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or len(cookie) > 100:
            return DatabaseSession()
        with self.services.db.read() as db:
            row = store.live(db, cookie, self.services.clock())
        if row is None:
            return DatabaseSession()
        return DatabaseSession(dict(row.data), cookie, row)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, DatabaseSession)
        now = self.services.clock()
        stale = session.row is not None and now - session.row.last_seen_at > TOUCH_EVERY
        if not (session.modified or session.replaced or stale):
            return
        with self.services.db.write() as db:
            for old in session.replaced:
                store.forget(db, old)
            if not session and session.identity_id is None and session.staff_id is None:
                if session.cookie:
                    store.forget(db, session.cookie)
                self._drop_cookie(app, response)
            elif session.row is None:
                session.cookie = secrets.token_urlsafe(32)
                store.create(
                    db, session.cookie, session.identity_id, dict(session), now, session.staff_id
                )
                self._set_cookie(app, response, session.cookie)
            elif not store.update(db, session.row.id, dict(session), now):
                # Ended elsewhere meanwhile (a password reset): it must not come back.
                self._drop_cookie(app, response)

    def _set_cookie(self, app: Flask, response: Response, cookie: str) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            cookie,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            path=self.get_cookie_path(app),
        )

    def _drop_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app))


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app.extensions["moncompte"])
