"""Query parameters of the searches (`GET /v1/accounts`, `GET /v1/transfers`; docs/search.md).

They arrive as text and are parsed by `application.search`, which names the offending field of a
refused search; what is declared here is the OpenAPI description and the size of each value.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import Field

from application.search import MAX_METADATA_KEY, MAX_METADATA_TERMS, MAX_METADATA_VALUE, MAX_RANGE_DAYS

#: `key:value`: a key of 1 to 256 characters without `:`, then a value of at most 1000 (no NUL).
MetadataTerm = Annotated[
    str, Field(pattern=rf"^[^\x00:]{{1,{MAX_METADATA_KEY}}}:[^\x00]{{0,{MAX_METADATA_VALUE}}}$")
]
#: A metadata key: 1 to 256 characters (no NUL).
MetadataKey = Annotated[str, Field(pattern=rf"^[^\x00]{{1,{MAX_METADATA_KEY}}}$")]

MetadataQuery = Annotated[
    list[MetadataTerm] | None,
    Query(
        max_length=MAX_METADATA_TERMS,
        description="`key:value` (repeatable, all must hold): the metadata's top-level `key` holds the JSON "
        "string `value` (the key is everything before the first colon; `tier:3` does not match the number 3). "
        f"At most {MAX_METADATA_TERMS} metadata conditions in all.",
    ),
]
MetadataHasQuery = Annotated[
    list[MetadataKey] | None,
    Query(
        max_length=MAX_METADATA_TERMS,
        description="`key` (repeatable): the metadata has this top-level key, whatever its value.",
    ),
]
#: What the transfer search's unindexed filters (amount, asset, status by value date) need beside them.
ANCHOR = (
    f"`account_id`, a metadata filter, or `from` and `to` at most {MAX_RANGE_DAYS} days apart (else "
    "`filter_needs_index`)"
)
