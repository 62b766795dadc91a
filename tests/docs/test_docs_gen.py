"""The generator's reading of its sources: migration docstrings, entry-point docstrings, example bodies."""

from __future__ import annotations

from razao import docs_api, docs_common, docs_functions, docs_schema


def migration(docstring: str) -> docs_schema.Migration:
    return docs_schema.Migration("0009_x", "0008_y", docstring, False, "migrations/versions/0009_x.py")


def test_a_migration_reads_its_purpose_date_links_and_changes_from_its_docstring() -> None:
    m = migration(
        "Add the widgets table.\n\nCreates\n- `widgets`;\n  - nested item.\n\n"
        "Revision ID: 0009_x\nRevises: 0008_y\nCreate Date: 2026-11-29 10:00:00.000000\n"
        "Docs: docs/reference/schema.md\nIssue: #42\n"
    )

    assert m.purpose == "Add the widgets table."
    assert m.date == "2026-11-29"
    assert m.meta("Docs") == ["docs/reference/schema.md"]
    assert m.meta("Issue") == ["#42"]
    assert m.changes == "Creates\n\n- `widgets`;\n    - nested item."


def test_a_migration_without_a_date_says_so() -> None:
    assert migration("Purpose only.").date == "not recorded"


def test_doc_links_are_relative_to_the_generated_page() -> None:
    page = "docs/reference/migrations.md"
    assert docs_schema._doc_link("docs/reference/schema.md", page) == "[schema](schema.md)"
    assert (
        docs_schema._doc_link("docs/execution-modes.md", page) == "[execution modes](../execution-modes.md)"
    )
    assert docs_schema._doc_link("#42", page) == "issue #42"
    assert docs_schema._doc_link("docs/missing.md", page) == "`docs/missing.md`"


def test_entry_point_docstrings_split_into_sections() -> None:
    sections = docs_functions._sections(
        "Do the thing.\n\nInputs:  a text;\n         b integer.\nOutputs: jsonb.\nExample: SELECT 1;"
    )

    assert sections["Purpose"] == "Do the thing."
    assert sections["Inputs"] == "a text;\nb integer."
    assert sections["Outputs"] == "jsonb."
    assert sections["Example"] == "SELECT 1;"


def test_example_bodies_use_the_required_fields_and_the_example_values() -> None:
    spec = {
        "components": {
            "schemas": {
                "In": {
                    "type": "object",
                    "required": ["id", "amount", "side"],
                    "properties": {
                        "id": {"type": "string"},
                        "amount": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                        "side": {"$ref": "#/components/schemas/Side"},
                        "note": {"type": "string"},
                    },
                },
                "Side": {"enum": ["debit", "credit"]},
            }
        }
    }

    body = docs_api._example(spec, {"$ref": "#/components/schemas/In"})

    assert body == {"id": docs_api.EXAMPLE_VALUES["id"], "amount": 1050, "side": "debit"}


def test_headings_get_the_anchor_of_python_markdown() -> None:
    assert docs_common.slug("razao.jobs") == "razaojobs"
    assert docs_common.slug("0001_core_ledger") == "0001_core_ledger"
