"""Logs: JSON lines with the request's id, and never a token."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask

from web.logs import handler


def test_each_answer_carries_its_request_id(app: Flask) -> None:
    client = app.test_client()
    first, second = client.get("/fr/"), client.get("/fr/")
    assert len(first.headers["X-Request-ID"]) == 16
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    given = client.get("/fr/", headers={"X-Request-ID": "proxy-4f2a9c0d"})
    assert given.headers["X-Request-ID"] == "proxy-4f2a9c0d"  # the proxy's, to follow it
    forged = client.get("/fr/", headers={"X-Request-ID": "a fake } log line"})
    assert forged.headers["X-Request-ID"] != "a fake } log line"


def test_json_lines_name_the_request_and_hide_the_token(app: Flask) -> None:
    out = io.StringIO()
    json_handler = handler("json")
    json_handler.setStream(out)
    access = logging.getLogger("moncompte.access")
    access.addHandler(json_handler)
    try:
        answer = app.test_client().get("/fr/register/link/SECRET-token-value-1234567890")
    finally:
        access.removeHandler(json_handler)
    [line] = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["request_id"] == answer.headers["X-Request-ID"]
    assert line["logger"] == "moncompte.access" and line["level"] == "INFO"
    assert line["status"] == answer.status_code and line["duration_ms"] >= 0
    assert "/fr/register/link/[token]" in line["message"]
    assert "SECRET" not in out.getvalue()
