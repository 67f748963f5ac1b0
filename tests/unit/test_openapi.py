"""The OpenAPI document is generated from the definitions, not written per procedure."""

from __future__ import annotations

from pathlib import Path

from flows.analysis.describe import data_schema
from flows.registry import ROOT, Registry
from tests.support import flows_folder
from tests.unit.test_engine import TOY, Toy
from web.api import openapi


def test_each_event_of_each_procedure_has_its_request_schema() -> None:
    registry = Registry()
    schemas = openapi.document(registry)["components"]["schemas"]
    for definition in registry:
        for event in definition.events.values():
            name = openapi.event_schema_name(definition.name, event.id)
            assert schemas[name]["properties"]["event"]["enum"] == [event.id]
            assert schemas[name]["properties"]["data"] == data_schema(event)
            assert {"$ref": f"#/components/schemas/{name}"} in schemas["SendEvent"]["anyOf"]
    submit = schemas["Event.registration.submit"]
    assert submit["required"] == ["event", "data"]
    assert submit["properties"]["data"]["properties"]["password"]["writeOnly"] is True
    assert schemas["Event.registration.resend"]["required"] == ["event"]


def test_a_new_procedure_appears_without_writing_anything(tmp_path: Path) -> None:
    folder = flows_folder(tmp_path, toy=TOY)
    document = openapi.document(Registry([ROOT, folder], models={"toy": Toy}))
    schemas = document["components"]["schemas"]
    answer = schemas["Event.toy.answer"]["properties"]["data"]
    assert answer["required"] == ["word"]
    assert answer["properties"]["explode"] == {"type": "boolean"}
    assert "toy" in schemas["StartFlow"]["properties"]["flow"]["enum"]
    names = document["paths"]["/api/v1/definitions/{name}"]["get"]["parameters"][0]
    assert names["schema"]["enum"] == [*sorted(d.name for d in Registry()), "toy"]
