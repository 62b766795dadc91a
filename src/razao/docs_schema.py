"""`docs/reference/schema.md` (from the SQLAlchemy models and the `#:` comments of models.py) and
`docs/reference/migrations.md` (from the files of migrations/versions, read with `ast`, never imported)."""

from __future__ import annotations

import ast
import os
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from razao.docs_common import HEADER, ROOT, assigned, cell, slug

DATE_LINE = re.compile(r"^(?:Create Date|Date):\s*(\S.*)$", re.MULTILINE)
META_LINE = re.compile(r"^(Revision ID|Revises|Create Date|Date|Docs|Issue):\s*(.*)$")


def _column_notes(source: str) -> dict[tuple[str, str], str]:
    """`#:` comments of models.py by (class name, attribute name)."""
    notes: dict[tuple[str, str], str] = {}
    current_class, pending = "", list[str]()
    for line in source.splitlines():
        stripped = line.strip()
        if line.startswith("class "):
            current_class, pending = line.split()[1].split("(")[0], []
        elif stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
        elif pending and (match := re.match(r"(\w+):\s*Mapped", stripped)):
            notes[(current_class, match.group(1))] = " ".join(pending)
            pending = []
        elif stripped and not stripped.startswith("#"):
            pending = []
    return notes


def _server_default(default: Any) -> str:
    """A column's server default as SQL: its text, or an identity's clause."""
    from sqlalchemy import Identity

    if default is None:
        return ""
    if isinstance(default, Identity):
        cache = f" (CACHE {default.cache})" if default.cache else ""
        return f"GENERATED {'ALWAYS' if default.always else 'BY DEFAULT'} AS IDENTITY{cache}"
    return str(default.arg.text)


def schema_page() -> str:
    from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
    from sqlalchemy.dialects import postgresql

    from adapters.db import models

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    notes = _column_notes((ROOT / "src/adapters/db/models.py").read_text(encoding="utf-8"))
    bases = [b for b in vars(models).values() if isinstance(b, type) and "registry" in vars(b)]
    classes = {m.local_table.fullname: m.class_ for b in bases for m in b.registry.mappers}  # type: ignore[attr-defined]
    tables = [t for b in bases for t in b.metadata.sorted_tables]  # type: ignore[attr-defined]
    out = [
        HEADER,
        "# Database schema\n\n",
        "The ledger's tables live in PostgreSQL's `public` schema; the service's own bookkeeping (jobs,\n"
        "interest) and Razão's deployed code and functions in the `razao` schema ([function\n"
        "catalog](functions.md)). `src/adapters/db/models.py` is the source of truth: this page is generated\n"
        "from it, every change arrives through an Alembic migration ([history](migrations.md)), and a test\n"
        "proves that autogenerate finds no difference between the models and a migrated database. Amounts\n"
        "and balances are `NUMERIC(38, 0)`: integer minor units. The rules the database enforces on these\n"
        "tables (triggers, SQLSTATEs) are in [rules](rules.md).\n\n",
        "| table | what it holds |\n|---|---|\n",
    ]
    for table in tables:
        doc = (classes[table.fullname].__doc__ or "").strip().split("\n\n")[0]
        out.append(f"| [`{table.fullname}`](#{slug(table.fullname)}) | {cell(' '.join(doc.split()))} |\n")
    for table in tables:
        cls = classes[table.fullname]
        out.append(f"\n## {table.fullname}\n\n")
        if cls.__doc__:
            out.append(textwrap.dedent("    " + cls.__doc__.strip()).strip() + "\n\n")
        attrs = {column.name: key for key, column in cls.__mapper__.columns.items()}
        out.append("| column | type | null | default | notes |\n|---|---|---|---|---|\n")
        for column in table.columns:
            kind = column.type.compile(dialect=dialect)
            collation = getattr(column.type, "collation", None)
            if collation:
                kind += f' COLLATE "{collation}"'
            default = _server_default(column.server_default)
            keys = ["PK"] if column.primary_key else []
            keys += [f"→ `{fk.target_fullname}`" for fk in column.foreign_keys]
            note = " ".join([*keys, notes.get((cls.__name__, attrs.get(column.name, column.name)), "")])
            out.append(
                f"| `{column.name}` | `{kind}` | {'yes' if column.nullable else 'no'} | "
                f"{f'`{default}`' if default else ''} | {cell(note.strip())} |\n"
            )
        out.append("\n| constraint or index | definition |\n|---|---|\n")
        for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
            if isinstance(constraint, CheckConstraint):
                definition = f"CHECK ({constraint.sqltext})"
            elif isinstance(constraint, ForeignKeyConstraint):
                targets = ", ".join(e.target_fullname for e in constraint.elements)
                definition = f"FOREIGN KEY ({', '.join(constraint.column_keys)}) → {targets}"
            elif isinstance(constraint, UniqueConstraint):
                definition = f"UNIQUE ({', '.join(c.name for c in constraint.columns)})"
            else:
                columns = getattr(constraint, "columns", ())
                definition = f"PRIMARY KEY ({', '.join(c.name for c in columns)})"
            out.append(f"| `{constraint.name}` | `{cell(definition)}` |\n")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            parts = [str(e) if not hasattr(e, "name") else e.name for e in index.expressions]
            pg = index.dialect_options["postgresql"]
            using = f" USING {pg['using']}" if pg["using"] else ""
            definition = f"{'UNIQUE ' if index.unique else ''}INDEX{using} ({', '.join(parts)})"
            if pg["include"]:
                definition += f" INCLUDE ({', '.join(pg['include'])})"
            if pg["where"] is not None:
                definition += f" WHERE {pg['where']}"
            out.append(f"| `{index.name}` | `{cell(definition)}` |\n")
    return "".join(out)


# --- migration history -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Migration:
    revision: str
    down_revision: str | None
    docstring: str
    deploys_code: bool
    path: str

    @property
    def date(self) -> str:
        match = DATE_LINE.search(self.docstring)
        return match.group(1).strip()[:10] if match else "not recorded"

    @property
    def purpose(self) -> str:
        return " ".join(self.docstring.strip().split("\n\n")[0].split())

    def meta(self, key: str) -> list[str]:
        return [
            m.group(2).strip()
            for line in self.docstring.splitlines()
            if (m := META_LINE.match(line)) and m.group(1) == key and m.group(2).strip()
        ]

    @property
    def changes(self) -> str:
        """The docstring after its first paragraph, without the metadata lines, as Markdown."""
        paragraphs = self.docstring.strip().split("\n\n")[1:]
        lines = [line for line in "\n\n".join(paragraphs).splitlines() if not META_LINE.match(line)]
        return _markdown_lists("\n".join(lines)).strip()


def _markdown_lists(text: str) -> str:
    """Docstring lists as Markdown: a blank line before a list, nested items indented by four."""
    out: list[str] = []
    for line in text.splitlines():
        item = re.match(r"^( *)- ", line)
        if item and out and out[-1].strip() and not re.match(r"^ *- |^ {2,}\S", out[-1]):
            out.append("")
        if item and len(item.group(1)) >= 2:
            line = " " * (4 * (len(item.group(1)) // 2)) + line.lstrip()
        out.append(line)
    return "\n".join(out)


def migrations() -> list[Migration]:
    """Every revision of migrations/versions, oldest first (following down_revision)."""
    found: dict[str, Migration] = {}
    for path in sorted((ROOT / "migrations/versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        revision = assigned(tree, "revision")
        if revision is None:
            continue
        deploys = (ROOT / "migrations/bundles" / f"{revision}.json").exists() or "plpython3u" in source
        found[revision] = Migration(
            revision,
            assigned(tree, "down_revision"),
            ast.get_docstring(tree) or "",
            deploys,
            str(path.relative_to(ROOT)),
        )
    ordered: list[Migration] = []
    children = {m.down_revision: m for m in found.values()}
    current = children.get(None)
    while current is not None:
        ordered.append(current)
        current = children.get(current.revision)
    ordered += sorted((m for m in found.values() if m not in ordered), key=lambda m: m.revision)
    return ordered


def _doc_link(target: str, page: str, generated: Collection[str] = ()) -> str:
    """A `Docs:` value as a link relative to the generated page (plain text if it is not a doc page)."""
    if target.startswith(("http://", "https://")):
        return f"[{target}]({target})"
    if target.startswith("#") and target[1:].isdigit():
        return f"issue {target}"
    if (
        target.startswith("docs/")
        and target.endswith(".md")
        and ((ROOT / target).exists() or target in generated)
    ):
        link = os.path.relpath(target, os.path.dirname(page))
        return f"[{Path(target).stem.replace('-', ' ')}]({link})"
    return f"`{target}`"


def migrations_page(generated: Collection[str] = ()) -> str:
    """The history page; `generated`: the generated pages, linked even before they are first written."""
    page = "docs/reference/migrations.md"
    history = migrations()
    out = [
        HEADER,
        "# Migration history\n\n",
        "Every schema change is an Alembic migration in `migrations/versions/`, reviewed, reversible, and\n"
        "run as the superuser (the migration role). This page is generated from those files: each\n"
        "migration's docstring starts with its purpose, explains what it changes, and ends with\n"
        "`Revision ID:`, `Revises:`, `Create Date:` (the date it was written, `YYYY-MM-DD`) and `Docs:` (the\n"
        "page it relates to; `Issue: #N` for an issue) lines. `alembic revision` writes that block from\n"
        "`migrations/script.py.mako`; `razao db code-migration` writes the migrations that deploy\n"
        "PL/Python code. How to apply and roll back: [runbooks](../runbooks.md).\n\n",
        "| revision | date | purpose | deploys PL/Python code | docs |\n|---|---|---|---|---|\n",
    ]
    for m in history:
        links = ", ".join(_doc_link(t, page, generated) for t in m.meta("Docs") + m.meta("Issue")) or "—"
        out.append(
            f"| [`{m.revision}`](#{m.revision}) | {m.date} | {cell(m.purpose)} | "
            f"{'yes' if m.deploys_code else 'no'} | {links} |\n"
        )
    for m in history:
        out.append(f"\n## {m.revision}\n\n")
        out.append(f"- file: `{m.path}`\n")
        out.append(
            f"- revises: {f'`{m.down_revision}`' if m.down_revision else '(none: the first revision)'}\n"
        )
        out.append(f"- date: {m.date}\n")
        out.append(f"- deploys PL/Python code: {'yes' if m.deploys_code else 'no'}\n")
        out.append(f"\n**Purpose.** {m.purpose}\n")
        if m.changes:
            out.append(f"\n{m.changes}\n")
    return "".join(out)
