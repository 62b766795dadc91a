"""Every event type is described for people and says which document its data holds (the generated
reference, docs/api/event-types.md, lists them all)."""

from __future__ import annotations

from application.events import DESCRIPTIONS, DOCUMENTS, EventType
from razao.docs_events import NAMES, SCHEMAS


def test_every_type_is_described_and_names_its_document() -> None:
    assert set(DESCRIPTIONS) == set(EventType)
    assert set(DOCUMENTS) == set(EventType)
    assert all(text.endswith(".") for text in DESCRIPTIONS.values())
    assert set(DOCUMENTS.values()) <= set(SCHEMAS) == set(NAMES)


def test_type_names_are_family_dot_action() -> None:
    for member in EventType:
        family, _, action = member.value.partition(".")
        assert family and action and member.value == member.value.lower()
