"""Query parameters of the searches (`GET /v1/accounts`, `GET /v1/transfers`; docs/search.md).

They arrive as text and are parsed by `application.search`, which names the offending field of a
refused search; what is declared here is the OpenAPI description and the size of each value.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from adapters.http.schemas.common import QueryText
from application.search import MAX_METADATA_TERMS, MAX_RANGE_DAYS

MetadataQuery = Annotated[
    list[QueryText] | None,
    Query(
        description="`key:value` (repeatable, all must hold): the metadata's top-level `key` holds the JSON "
        "string `value` (the key is everything before the first colon; `tier:3` does not match the number 3). "
        f"At most {MAX_METADATA_TERMS} metadata conditions in all.",
    ),
]
MetadataHasQuery = Annotated[
    list[QueryText] | None,
    Query(description="`key` (repeatable): the metadata has this top-level key, whatever its value."),
]
#: What the transfer search's unindexed filters (amount, asset, status by value date) need beside them.
ANCHOR = (
    f"`account_id`, a metadata filter, or `from` and `to` at most {MAX_RANGE_DAYS} days apart (else "
    "`filter_needs_index`)"
)
