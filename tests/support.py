"""Test helpers: a form-filling browser over the Flask test client, and a real SMTP server."""

from __future__ import annotations

import contextlib
import email
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup, Tag
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from flows.accounts import remembered
from storage.identities import by_email, email_key
from storage.models import Identity, OutboxMessage
from web.customer.devices import COOKIE as DEVICE_COOKIE
from web.services import Services


class Page:
    """An HTML answer, with what a person would look at."""

    def __init__(self, browser: Browser, response: TestResponse, path: str, redirected: bool):
        self.browser = browser
        self.response = response
        self.status = response.status_code
        self.path = path
        self.redirected = redirected
        self.soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        # On every page the tests visit: an ARIA reference points at something.
        for element in self.soup.select("[aria-describedby]"):
            assert str(element["aria-describedby"]).strip(), f"empty aria-describedby on {path}"
        # Every password field gets its show-password toggle (web/static/site.js).
        for element in self.soup.select("input[type=password]"):
            assert element.get("data-show-password"), f"no show-password label on {path}"

    @property
    def title(self) -> str:
        return self.soup.title.get_text() if self.soup.title else ""

    @property
    def text(self) -> str:
        return " ".join(self.soup.get_text(" ").split())

    @property
    def h1(self) -> str:
        tag = self.soup.find("h1")
        return " ".join(tag.get_text(" ").split()) if tag else ""

    @property
    def field_errors(self) -> dict[str, str]:
        """Errors shown beside their field: {field name: message}."""
        found = {}
        for block in self.soup.select(".field.has-error"):
            control = block.find(["input", "select", "textarea"])
            message = block.select_one(".error")
            if isinstance(control, Tag) and message:
                found[str(control.get("name"))] = message.get_text(" ", strip=True)
        return found

    @property
    def notices(self) -> list[str]:
        """Messages that are not about one field: notices, and the error summary's own."""
        found = []
        for notice in self.soup.select(".notice"):
            if "error-summary" in (notice.get("class") or []):
                items = notice.select("li")
                found += [i.get_text(" ", strip=True) for i in items if not i.find("a")]
            else:
                found.append(notice.get_text(" ", strip=True))
        return found

    @property
    def error_summary(self) -> str:
        """The text of the summary of a refused form's problems ('' when there is none)."""
        summary = self.soup.select_one(".error-summary")
        return " ".join(summary.get_text(" ").split()) if summary else ""

    def form(self, index: int = 0) -> Form:
        forms = [f for f in self.soup.find_all("form") if str(f.get("method")).lower() == "post"]
        return Form(self, forms[index])

    def link(self, text: str) -> str:
        for a in self.soup.find_all("a"):
            if text in a.get_text(" ", strip=True):
                return str(a["href"])
        raise AssertionError(f"no link {text!r} on {self.path}")


class Form:
    def __init__(self, page: Page, element: Tag) -> None:
        self.page = page
        self.action = str(element.get("action") or page.path)
        self.values: dict[str, Any] = {}
        self.buttons: list[tuple[str, str]] = []
        for control in element.find_all(["input", "select", "textarea", "button"]):
            name = control.get("name")
            if control.name == "button":
                self.buttons.append((str(name or ""), str(control.get("value") or "")))
            elif name and control.name == "select":  # its chosen option, as a browser sends
                chosen = control.find("option", selected=True) or control.find("option")
                self.values[str(name)] = chosen.get("value", chosen.get_text()) if chosen else ""
            elif name and control.get("type") not in {"checkbox", "radio", "submit"}:
                self.values[str(name)] = control.get("value") or control.get_text() or ""
            elif name and control.has_attr("checked"):
                self.values[str(name)] = control.get("value", "on")

    @property
    def fields(self) -> list[str]:
        return list(self.values)

    def fill(self, **values: Any) -> Form:
        self.values.update(values)
        return self

    def submit(self, event: str | None = None, *, follow: bool = True) -> Page:
        data = dict(self.values)
        if event:
            assert ("event", event) in self.buttons, f"no button for event {event!r}"
            data["event"] = event
        return self.page.browser.post(self.action, data, follow=follow)


class Browser:
    """Gets pages and submits their forms as a person would; checks PRG on the way."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, **kwargs: Any) -> Page:
        response = self.client.get(path, **kwargs)
        return self._follow(path, response)

    def post(self, path: str, data: dict[str, Any], *, follow: bool = True) -> Page:
        response = self.client.post(path, data=data)
        if follow and response.status_code in (301, 302, 303):
            assert response.status_code == 303, "a form POST answers 303 See Other"
        return self._follow(path, response) if follow else Page(self, response, path, False)

    def _follow(self, path: str, response: TestResponse) -> Page:
        redirected = False
        for _ in range(5):
            if response.status_code not in (301, 302, 303):
                break
            target = urlsplit(response.headers["Location"])
            path = target.path  # followed with its query, as a browser does
            response = self.client.get(f"{path}?{target.query}" if target.query else path)
            redirected = True
        return Page(self, response, path, redirected)


class SMTPServer:
    """aiosmtpd on a free local port; keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Condition()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 15) -> list[Message]:
        """The messages to TO, once COUNT of them have arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if to.lower() in str(m["To"]).lower()]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no e-mail to {to} within {timeout}s")
                self._lock.wait(left)


class SMSGateway:
    """A real HTTP endpoint on a free local port standing in for the SMS gateway: keeps
    every JSON body POSTed to it; answers 503 to the next FAIL_NEXT ones."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail_next = 0
        self.failing_until = 0.0  # time.monotonic() before which every answer is 500
        self._lock = threading.Condition()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(gateway.received(json.loads(body), self.headers))
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/sms"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def received(self, message: dict[str, Any], headers: Any) -> int:
        with self._lock:
            if self.fail_next:
                self.fail_next -= 1
                return 503
            if time.monotonic() < self.failing_until:
                return 500
            assert headers.get("Content-Type") == "application/json"
            self.messages.append(message)
            self._lock.notify_all()
        return 202

    def wait_for(self, to: str, count: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        """The text messages to TO, once COUNT of them have arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if m.get("to") == to]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no text message to {to} within {timeout}s")
                self._lock.wait(left)


def code_in(text: str) -> str:
    """The 6-digit code in a message's text."""
    match = re.search(r"(?<!\d)\d{6}(?!\d)", text)
    assert match, "no code in the message"
    return match.group(0)


def body_text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(part.get_content())


def body_html(message: Message) -> str:
    part = message.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    return str(part.get_content())


def link_in(text: str) -> str:
    """The path of the first link to this site in TEXT."""
    match = re.search(r"https?://[^\s\"<>]+/(?:fr|en)/[^\s\"<>]+", text)
    assert match, "no link in the message"
    return urlsplit(match.group(0)).path


def flows_folder(root: Path, **definitions: str) -> Path:
    """A folder laid out as flows/ with these definition documents, by name."""
    (root / "definitions").mkdir(parents=True, exist_ok=True)
    for name, document in definitions.items():
        (root / "definitions" / f"{name}.yaml").write_text(document, encoding="utf-8")
    return root


def outbox(services: Services, to: str | None = None) -> list[OutboxMessage]:
    """The e-mails and SMS written so far (to TO only, when given), oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient_key == email_key(to))
    with services.db.read() as session:
        return list(session.scalars(query))


def newest(services: Services, to: str | None = None) -> OutboxMessage:
    """The last message written (to TO, when given)."""
    found = outbox(services, to)
    assert found, f"no message{f' to {to}' if to else ''} in the outbox"
    return found[-1]


def token_of(message: OutboxMessage | str) -> str:
    """The token at the end of an e-mailed link (a message's, or the link itself)."""
    link = message if isinstance(message, str) else str(message.extras.get("link", ""))
    return link.rpartition("/")[2]


def identity_of(services: Services, email: str) -> Identity:
    """The MINI ID of EMAIL as stored now."""
    with services.db.read() as session:
        found = by_email(session, email)
    assert found is not None, f"no MINI ID for {email}"
    return found


class TcpProxy:
    """A TCP relay to a server (a database) that a test can cut and restore, as a restart
    or a network failure would: every connection through it drops at once."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, []
        for sock in [s for s in (listener,) if s] + sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


NO_BREAK = "\u00a0"
_QUOTES = {
    "en": re.compile(r".{0,30}[«»].{0,30}"),
    # A French quote holds a no-break space on its inner side: it never ends or starts a line.
    "fr": re.compile(rf".{{0,30}}(?:«(?!{NO_BREAK})|(?<!{NO_BREAK})»).{{0,30}}"),
}


def misquoted(text: str, lang: str) -> list[str]:
    """Where TEXT breaks its language's quotes: “ ” in English; « » in French, as above."""
    return _QUOTES[lang].findall(text)


# What skipping one argon2id hash costs on these machines, at the least (ms).
HASH_MS = 20.0
# A timed comparison's rounds: WARMUP + ROUNDS calls of each kind, the first WARMUP not kept.
WARMUP, ROUNDS = 2, 20


def interleaved_medians(
    calls: dict[str, Callable[[int], object]], rounds: int = ROUNDS, warmup: int = WARMUP
) -> dict[str, float]:
    """The median time (ms) of each call (given the round's number), the calls taking turns
    so that whatever else loads the machine slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for number in range(warmup + rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call(number)
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(taken[warmup:]) for name, taken in times.items()}


def assert_as_long(medians: dict[str, float]) -> None:
    """The medians differ by less than a skipped hash would make them: by under half of
    it, or under half the faster median when a busy machine slows everything down (a
    skipped hash leaves the faster one without it, so the margin stays below the leak)."""
    fast, slow = sorted(medians.values())
    assert slow - fast < max(HASH_MS / 2, fast / 2), medians


def remember_device(browser: Browser, email: str) -> str | None:
    """This browser as a device the MINI ID of EMAIL asked to remember: its sign-ins ask
    for no code. The token, or None when no MINI ID has that address."""
    services: Services = browser.app.extensions["moncompte"]
    with services.db.write() as session:
        found = by_email(session, email)
        if found is None:
            return None
        token = remembered.remember(session, found.id, "", services.clock())
    browser.client.set_cookie(DEVICE_COOKIE, token)
    return token


def own_form(page: Page) -> Form:
    """The page's own form (not the header's sign-out)."""
    forms = [f for f in page.soup.find_all("form") if str(f.get("method")).lower() == "post"]
    index = next(i for i, f in enumerate(forms) if "logout" not in str(f.get("action")))
    return page.form(index)


class Command:
    """One of our commands serving the site (``moncompte run`` or ``serve``) in a process
    group of its own: started by ``with``, ready once BASE/readyz answers 200, stopped
    (SIGTERM to the whole group) at the end; then ``output`` holds what it printed."""

    def __init__(self, argv: list[str], base: str, env: dict[str, str], cwd: Path) -> None:
        self.argv, self.base, self.env, self.cwd = argv, base, env, cwd
        self.output = ""

    def __enter__(self) -> Command:
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not self._ready():
                started = self.process.poll() is None and time.monotonic() < deadline
                assert started, f"{' '.join(self.argv[1:])} did not start"
                time.sleep(0.3)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.base}/readyz", timeout=10).status_code == 200
        except requests.RequestException:
            return False  # not listening yet, or a worker still booting

    @property
    def pid(self) -> int:
        return self.process.pid

    def __exit__(self, *_: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.output = self.process.communicate(timeout=30)[0].decode()
