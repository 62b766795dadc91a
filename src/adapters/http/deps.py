"""What the routes share: the app's `Services`, the JSON content-type check, the replay header."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from adapters.http.services import Services

REPLAYED_HEADER = "Idempotent-Replayed"


class UnsupportedMediaType(Exception):
    """A request body that is not JSON (answered 415)."""


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def json_body(request: Request) -> None:
    """Refuse a non-empty body whose Content-Type is not `application/json` (or `application/*+json`)."""
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type) and await request.body():
        raise UnsupportedMediaType(
            f"expected an application/json body, got {content_type or 'no Content-Type'}"
        )


def mark_replayed(response: Response, replayed: bool) -> None:
    """Flag a response that repeats the original result of an idempotent request."""
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"


def replayable(status: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the success response of an idempotent operation, with its replay header."""
    return {
        status: {
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this repeats the original result of the same request.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        }
    }
