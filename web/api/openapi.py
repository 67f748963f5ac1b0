"""The OpenAPI 3 description of the testers' API, generated from the registry.

Nothing here is written per procedure: the flow names, each procedure's events and the
data each event takes come from the definitions (their fields' JSON schemas), so a new
procedure appears in the document the day it is added.
"""

from __future__ import annotations

from typing import Any

from flows.analysis.describe import data_schema
from flows.registry import Registry

STRING = {"type": "string"}
WHEN = {"type": "string", "format": "date-time"}
WHEN_OR_NULL = {**WHEN, "nullable": True}
STRING_OR_NULL = {"type": "string", "nullable": True}
OBJECT = {"type": "object"}
INSTANCE_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
}
LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "fr (the default) or en: the language of messages and labels.",
    "schema": STRING,
}


# Who a call acts as: a staff member or a customer, by e-mail address (the tester when absent).
ACTING = {**STRING_OR_NULL, "format": "email", "maxLength": 254}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def event_schema_name(flow: str, event: str) -> str:
    return f"Event.{flow}.{event}"


def document(registry: Registry) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Mon Compte MINI — testers' API",
            "version": "1",
            "description": (
                "Drive any procedure's instances without pages: the same engine, guards "
                "and rejections as the web pages. Errors are "
                '{"error": code, "message": text}; 422 adds "errors" by field.'
            ),
        },
        "security": [{"bearer": []}],
        "paths": _paths([d.name for d in registry]),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**_schemas(registry), **_event_schemas(registry)},
        },
    }


# -- paths -----------------------------------------------------------------------------


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    answers: dict[int, tuple[str, str]],
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """An operation; ANSWERS maps a status to (schema name, description)."""
    answers = {**answers, 401: ("Error", "no or wrong bearer token")}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [*(parameters or []), LANGUAGE],
        "responses": {
            str(status): _json(ref(schema), description)
            for status, (schema, description) in sorted(answers.items())
        },
    }
    if body:
        operation["requestBody"] = {"required": True, **_json(ref(body), "")}
        operation["responses"]["400"] = _json(ref("Error"), "the body is not a JSON object")
        operation["responses"]["413"] = _json(ref("Error"), "the body is too large")
    return operation


def _paths(flows: list[str]) -> dict[str, Any]:
    unknown = ("Error", "no instance with this id (none that the one acted as may see)")
    acting = {
        "name": "as",
        "in": "query",
        "description": "act as this staff member or customer (an e-mail address)",
        "schema": {"type": "string", "format": "email", "maxLength": 254},
    }
    flow_links = {
        name: {"operationId": target, "parameters": {"id": "$response.body#/id"}}
        for name, target in (
            ("GetFlow", "getFlow"),
            ("SendEvent", "sendEvent"),
            ("GetHistory", "getHistory"),
        )
    }
    start = _operation(
        "startFlow",
        "Start an instance of a procedure, optionally for a known customer",
        {
            201: ("Snapshot", "the new instance"),
            403: ("Error", "not a procedure a tester starts (errors.flow says why)"),
            422: ("Error", "unknown flow or customer"),
        },
        body="StartFlow",
    )
    start["responses"]["201"]["links"] = flow_links
    return {
        "/api/v1/definitions": {
            "get": _operation(
                "listDefinitions", "The procedures", {200: ("DefinitionList", "the procedures")}
            )
        },
        "/api/v1/definitions/{name}": {
            "get": _operation(
                "getDefinition",
                "States, events (with their data), transitions (with their guards)",
                {200: ("Definition", "the definition"), 404: ("Error", "no such procedure")},
                [{"name": "name", "in": "path", "required": True, "schema": _one_of(flows)}],
            )
        },
        "/api/v1/definitions/{name}/diff": {
            "get": _operation(
                "getDefinitionDiff",
                "What changed between two versions that ran (by default the one before and "
                "the current one): states, transitions, events, guards, in structure and words",
                {
                    200: ("Diff", "the changes"),
                    404: ("Error", "no such procedure"),
                    422: ("Error", "no such version, or it can no longer be read"),
                },
                [
                    {"name": "name", "in": "path", "required": True, "schema": _one_of(flows)},
                    *(
                        {"name": side, "in": "query", "schema": {**STRING, "maxLength": 16}}
                        for side in ("from", "to")
                    ),
                ],
            )
        },
        "/api/v1/flows": {"post": start},
        "/api/v1/flows/{id}": {
            "get": _operation(
                "getFlow",
                "An instance's snapshot, with the events the one acted as may send",
                {200: ("Snapshot", "the snapshot"), 404: unknown, 422: ("Error", "bad as")},
                [INSTANCE_ID, acting],
            )
        },
        "/api/v1/flows/{id}/events": {
            "post": _operation(
                "sendEvent",
                "Send an event with its data, as the tester or (as) a staff member or customer",
                {
                    200: ("Snapshot", "the event was taken"),
                    403: ("Error", "not an event the one acted as may send (not_for_you)"),
                    404: unknown,
                    409: ("Error", "not allowed in this state, or the instance expired"),
                    422: ("Error", "rejected: errors by field, each with its reason code"),
                },
                [INSTANCE_ID],
                body="SendEvent",
            )
        },
        "/api/v1/flows/{id}/history": {
            "get": _operation(
                "getHistory",
                "The instance's audit trail",
                {
                    200: ("History", "every event sent, taken or not"),
                    404: unknown,
                    422: ("Error", "bad as"),
                },
                [INSTANCE_ID, acting],
            )
        },
        "/api/v1/outbox": {
            "get": _operation(
                "listOutbox",
                "E-mails and SMS, newest first, with the links and codes they carry",
                {200: ("Outbox", "the messages"), 422: ("Error", "bad address")},
                [{"name": "to", "in": "query", "schema": {"type": "string", "maxLength": 254}}],
            )
        },
        "/api/v1/openapi.json": {
            "get": _operation("getOpenApi", "This document", {200: ("Document", "OpenAPI 3")})
        },
    }


# -- schemas ---------------------------------------------------------------------------


def _one_of(names: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": names}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _schemas(registry: Registry) -> dict[str, Any]:
    flows = [d.name for d in registry]
    summary = _object(
        ["name", "label", "version", "route", "states", "events"],
        {
            "name": _one_of(flows),
            "label": STRING,
            "version": STRING,
            "route": STRING,
            "states": {"type": "array", "items": STRING},
            "events": {"type": "array", "items": STRING},
        },
    )
    refused_file = _object(
        ["name", "reason", "message"],
        {"name": {"type": "string", "nullable": True}, "reason": STRING, "message": STRING},
    )
    reason = _object(
        ["reason", "message"],
        {
            "reason": STRING,
            "message": STRING,
            # A file field: every refused file (no name: the files together, too many).
            "files": {"type": "array", "items": refused_file},
        },
    )
    return {
        "Error": _object(
            ["error", "message"],
            {
                "error": STRING,
                "message": STRING,
                "errors": {"type": "object", "additionalProperties": ref("Reason")},
                "snapshot": ref("Snapshot"),
            },
        ),
        "Reason": reason,
        "Snapshot": _snapshot(flows),
        "StartFlow": _object(
            ["flow"],
            {
                # Not those only another procedure's step starts (a conversation).
                "flow": _one_of([d.name for d in registry if not d.started_by]),
                "customer": {**STRING_OR_NULL, "format": "email", "maxLength": 254},
            },
        ),
        "History": _object(["id", "history"], {"id": STRING, "history": _array(_audit())}),
        "Outbox": _object(["messages"], {"messages": _array(_message())}),
        "DefinitionList": _object(["definitions"], {"definitions": _array(summary)}),
        "Definition": _definition(summary),
        "Diff": _diff(flows),
        "Document": _object(["openapi", "paths"], {"openapi": STRING, "paths": OBJECT}),
    }


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _snapshot(flows: list[str]) -> dict[str, Any]:
    return _object(
        ["id", "flow", "version", "state", "allowed_events", "expires_at", "final"],
        {
            "id": STRING,
            "flow": _one_of(flows),
            "version": STRING,
            "state": STRING,
            "allowed_events": _array(STRING),
            "expires_at": WHEN_OR_NULL,
            "final": {"type": "boolean"},
            "client": {
                "type": "object",
                "description": "handed to the sender once by a taken step: device_token, the "
                "remembered device to give back with sign_in's submit",
                "additionalProperties": STRING,
            },
            "told": {
                "type": "object",
                "description": "what a taken step tells its sender once: next, the page a "
                "signed-in customer lands on; meanwhile, the agents who answered since; "
                "passkey_options, the JSON a passkey ceremony answers (as credential)",
                "additionalProperties": STRING,
            },
        },
    )


def _audit() -> dict[str, Any]:
    return _object(
        ["at", "event", "source", "target", "outcome", "reasons", "data", "actor", "version"],
        {
            "at": WHEN,
            "event": STRING,
            "source": STRING,
            "target": STRING_OR_NULL,
            "outcome": {
                "type": "string",
                "enum": ["taken", "rejected", "not_allowed", "expired"],
            },
            "reasons": {"type": "object", "additionalProperties": STRING},
            "data": OBJECT,
            "actor": STRING,
            "version": STRING,
        },
    )


def _message() -> dict[str, Any]:
    return _object(
        ["id", "channel", "to", "kind", "subject", "body", "extras", "status", "created_at"],
        {
            "id": {"type": "integer"},
            "channel": {"type": "string", "enum": ["email", "sms"]},
            "to": STRING,
            "kind": STRING,
            "language": STRING,
            "subject": STRING,
            "body": STRING,
            "extras": {
                "type": "object",
                "description": "what a tester needs to go on: the link or code sent",
                "properties": {"link": STRING, "code": STRING},
            },
            "instance_id": STRING_OR_NULL,
            "status": STRING,
            "attempts": {"type": "integer"},
            "created_at": WHEN,
            "sent_at": WHEN_OR_NULL,
        },
    )


def _definition(summary: dict[str, Any]) -> dict[str, Any]:
    state = _object(
        ["id", "label", "initial", "final", "faq_steps"],
        {
            "id": STRING,
            "label": STRING,
            "initial": {"type": "boolean"},
            "final": {"type": "boolean"},
            "technical": {"type": "boolean"},
            "faq_steps": _array({"type": "string"}),
            "expires_after_seconds": {"type": "integer", "nullable": True},
        },
    )
    event = _object(
        ["id", "label", "system", "data"],
        {
            "id": STRING,
            "label": STRING,
            "system": {"type": "boolean"},
            "link": {"type": "boolean"},
            "data": {**OBJECT, "description": "JSON schema of the data the event takes"},
        },
    )
    guard = _object(
        ["name", "label", "reasons"],
        {"name": STRING, "label": STRING, "reasons": _array(STRING)},
    )
    transition = _object(
        ["source", "event", "target", "guards", "actions"],
        {
            "source": STRING,
            "event": STRING,
            "target": STRING,
            "internal": {"type": "boolean"},
            "guards": _array(guard),
            "actions": _array(STRING),
        },
    )
    properties = {
        **summary["properties"],
        "initial": STRING,
        "states": _array(state),
        "events": _array(event),
        "transitions": _array(transition),
    }
    return _object([*summary["required"], "initial", "transitions"], properties)


def _diff(flows: list[str]) -> dict[str, Any]:
    anything = {"nullable": True, "description": "a text, a list, a number, yes or no"}
    named = {"type": "object", "nullable": True, "additionalProperties": STRING}
    item = _object(
        ["kind", "status", "before", "after", "details"],
        {
            "kind": _one_of(["procedure", "state", "transition", "event", "guard"]),
            "status": _one_of(["added", "removed", "changed"]),
            "before": {**named, "description": "its id, or source, event and target"},
            "after": named,
            "details": _array(
                _object(["what"], {"what": STRING, "before": anything, "after": anything})
            ),
        },
    )
    return _object(
        ["flow", "from", "to", "changes", "words"],
        {
            "flow": _one_of(flows),
            "from": STRING,
            "to": STRING,
            "changes": _array(item),
            "words": {**_array(STRING), "description": "each change in a sentence"},
        },
    )


def _event_schemas(registry: Registry) -> dict[str, Any]:
    """One request schema per (procedure, event); SendEvent is any of them."""
    schemas: dict[str, Any] = {}
    for definition in registry:
        for event in definition.events.values():
            data = data_schema(event)
            body = _object(
                ["event", "data"] if data.get("required") else ["event"],
                {"event": _one_of([event.id]), "data": data, "as": ACTING},
            )
            body["description"] = f"{definition.name}: {event.label}"
            schemas[event_schema_name(definition.name, event.id)] = body
    schemas["SendEvent"] = {"anyOf": [ref(name) for name in schemas]}
    return schemas
