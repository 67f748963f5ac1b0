"""Schemathesis against the generated OpenAPI document: no 500, no answer off the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from flows.registry import Registry
from web.api import openapi

TOKEN = "schema-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]
# The same document the application serves (a test below checks they are equal).
schema = schemathesis.openapi.from_dict(openapi.document(Registry()))


@pytest.fixture
def api_app(make_app: Any) -> Flask:
    app: Flask = make_app(API_TOKEN=TOKEN)
    return app


def test_the_served_document_is_the_generated_one(api_app: Flask) -> None:
    served = api_app.test_client().get("/api/v1/openapi.json", headers=AUTH).get_json()
    assert served == openapi.document(Registry())


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_call_keeps_to_the_document(case: Any, api_app: Flask) -> None:
    # The schema is built at import, before any app exists; its probes need this one.
    case.operation.schema.app = api_app
    case.call_and_validate(app=api_app, headers=AUTH, checks=CHECKS)


def test_chains_of_calls_keep_to_the_document(api_app: Flask) -> None:
    """Start an instance, then send it events and read it back (the document's links)."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app, headers=AUTH)

    class Chains(loaded.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": AUTH}

        def validate_response(self, response: Any, case: Any, *_: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=AUTH, transport_kwargs=kwargs)

    Chains.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
