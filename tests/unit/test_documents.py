"""A document is kept with its record, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.contracts import documents, files
from tests.factories import contract
from web.services import Services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_rolled_back_step_leaves_no_file_behind(services: Services, tmp_path: Path) -> None:
    mine = contract(services)
    accepted = files.of_record(PDF, "relevé.pdf")
    with pytest.raises(RuntimeError), services.db.write() as session:
        documents.add(
            session,
            mine,
            "upload",
            services.clock().date(),
            accepted,
            tmp_path,
            now=services.clock(),
        )
        assert len(list(tmp_path.iterdir())) == 1
        raise RuntimeError("the database went away before the commit")
    assert list(tmp_path.iterdir()) == []


def test_a_committed_step_keeps_its_file(services: Services, tmp_path: Path) -> None:
    mine = contract(services)
    with services.db.write() as session:
        added = documents.add(
            session,
            mine,
            "upload",
            services.clock().date(),
            files.of_record(PDF, "relevé.pdf"),
            tmp_path,
            now=services.clock(),
        )
    assert (tmp_path / added.storage_name).read_bytes() == PDF
