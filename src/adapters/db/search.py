"""SQL of the search filters (`application.search`) that the account and transfer repositories share.

Metadata conditions are written so that the partial GIN indexes of revision 0016 (`WHERE metadata <>
'{}'`) can answer them: containment (`@>`) and key existence (`?&`) come with the index's own
predicate, spelled as a literal the planner can match (a bound parameter would hide it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Text, bindparam, case, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB

from adapters.db.models import entries, transfers
from application.search import MetadataFilter

#: The partial indexes' predicate, as the planner must see it.
_NOT_EMPTY: ColumnElement[Any] = literal_column("'{}'::jsonb")


def metadata_conditions(column: Any, where: MetadataFilter) -> list[ColumnElement[bool]]:
    """`column @> :document` and `column ?& :keys`, with `column <> '{}'`; none for no filter."""
    if not where:
        return []
    conditions: list[ColumnElement[bool]] = [column != _NOT_EMPTY]
    if where.equals:
        conditions.append(column.contains(bindparam(None, where.document(), type_=JSONB)))
    if where.has:
        conditions.append(column.has_all(bindparam(None, list(where.has), type_=ARRAY(Text))))
    return conditions


def transfer_amount() -> Any:
    """A transfer's amount (`application.search.transfer_amount`): the sum of its posted debit lines
    when it is posted, else of its held ones; a lookup of its own entries on their unique key
    (transfer_id, layer, line)."""
    layer = case((transfers.c.status == literal_column("'posted'"), "posted"), else_="pending")
    return (
        select(func.coalesce(func.sum(entries.c.amount), 0, type_=entries.c.amount.type))
        .where(
            entries.c.transfer_id == transfers.c.id,
            entries.c.layer == layer,
            entries.c.side == literal_column("'debit'"),
        )
        .scalar_subquery()
    )
