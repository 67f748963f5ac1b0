"""What operators watch: /healthz (alive), /readyz (can serve), /metrics (Prometheus);
the background worker of a web process; the development mailbox.

/metrics answers this machine (loopback) or a bearer of MONCOMPTE_METRICS_TOKEN, and
nobody else: it names routes and counts, not customers, but it is not for the public.
Under gunicorn with several workers, each worker writes its counts to
PROMETHEUS_MULTIPROC_DIR (set by `moncompte serve`) and /metrics adds them up.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, render_template, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from flows.engine import Result
from flows.outbox import listing
from flows.outbox.delivery import Worker
from flows.records import OutboxMessage
from flows.services import schema_current
from web.config import development
from web.services import Services, current

bp = Blueprint("ops", __name__)
disable_created_metrics()  # type: ignore[no-untyped-call]  # a series no dashboard reads
LOOPBACK = {"127.0.0.1", "::1"}

REQUESTS = Counter("moncompte_requests_total", "Requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "moncompte_request_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS = Counter(
    "moncompte_events_total",
    "Events sent to procedures, by outcome",
    ["procedure", "event", "outcome"],
)
REJECTIONS = Counter(
    "moncompte_rejections_total",
    "Reasons given for refused events",
    ["procedure", "event", "reason"],
)


@bp.get("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> Response:
    problems = [name for name, check in _checks() if not check()]
    body = "ready\n" if not problems else "not ready: " + ", ".join(problems) + "\n"
    return Response(body, status=503 if problems else 200, mimetype="text/plain")


def _checks() -> Iterator[tuple[str, Any]]:
    services = current()
    yield "database", lambda: _schema_current(services)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        yield "redis", lambda: _redis_answers(redis_url)


def _schema_current(services: Services) -> bool:
    """The database answers and its schema is the newest migration's."""
    try:
        return schema_current(services.db)
    except Exception:
        current_app.logger.warning("readyz: the database does not answer", exc_info=True)
        return False


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    if not _may_read_metrics():
        return Response("not found\n", status=404, mimetype="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUESTS, LATENCY, EVENTS, REJECTIONS):
            registry.register(collector)
    registry.register(OutboxCollector(current()))
    # As the header, not a mimetype: Werkzeug would add a second charset, which
    # Prometheus 3 refuses.
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in LOOPBACK


class OutboxCollector(Collector):
    """What waits to be delivered, read from the database at each scrape."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "moncompte_outbox_backlog", "Messages waiting for delivery", labels=["channel"]
        )
        oldest = GaugeMetricFamily(
            "moncompte_outbox_oldest_seconds", "Age of the oldest message waiting"
        )
        with self.services.db.read() as session:
            rows = listing.backlog(session)
        now = datetime.now(UTC)
        first = min((created for _c, _n, created in rows if created), default=None)
        for channel, count, _created in rows:
            backlog.add_metric([channel], count)
        oldest.add_metric([], (now - first).total_seconds() if first else 0)
        yield backlog
        yield oldest


def _observe(event: str, result: Result) -> None:
    flow = result.snapshot.flow
    EVENTS.labels(flow, event, str(result.outcome)).inc()
    for reason in result.errors.values():
        REJECTIONS.labels(flow, event, reason).inc()


def worker(app: Flask, interval: float = 5.0, *, delivers: bool | None = None) -> Worker:
    """The background worker of APP's process (delivery, sweeps), not started yet."""
    return Worker(app.extensions["moncompte"], app.config, interval, delivers=delivers)


def _mailbox() -> bool:
    """Whether this request may see the development mailbox: only on a development site
    (no base URL, nothing sent off this machine) where some messages stay here (no SMTP
    server, or no SMS gateway), and only from this machine. A request from loopback on
    any other site (behind a reverse proxy on the same host, say) is not development."""
    config = current_app.config
    holding = not (config["SMTP_URL"] and config["SMS_WEBHOOK_URL"])
    return development(config) and holding and request.remote_addr in LOOPBACK


@bp.get("/dev/mailbox")
def dev_mailbox() -> str:
    if not _mailbox():
        abort(404)
    with current().db.read() as session:
        messages = listing.newest(session, limit=50)
    return render_template("dev_mailbox.html", messages=messages)


# An e-mail's own page: its inline styles and pictures, nothing else (no script, no form,
# no fetch); framed by the mailbox only, and sandboxed even when opened on its own.
MAIL_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox allow-popups allow-popups-to-escape-sandbox",
    ]
)


def _html_message(message_id: int) -> OutboxMessage:
    if not _mailbox():
        abort(404)
    with current().db.read() as session:
        message = listing.one(session, message_id)
    if message is None or not message.body_html:
        abort(404)
    return message


@bp.get("/dev/mailbox/<id:message_id>")
def dev_message(message_id: int) -> str:
    """An e-mail as its reader sees it, in a sandboxed frame of the mailbox."""
    return render_template("dev_message.html", message=_html_message(message_id))


@bp.get("/dev/mailbox/<id:message_id>/body")
def dev_message_body(message_id: int) -> Response:
    html = _html_message(message_id).body_html or ""
    # Its links open in a new tab, as from a mail program (the site is never framed).
    html = html.replace("<head>", '<head><base target="_blank">', 1)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["moncompte"].engine.observers.append(_observe)

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        REQUESTS.labels(rule, request.method, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(rule).observe(time.perf_counter() - g.started)
        return response
