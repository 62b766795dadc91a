"""The Python client of Razão: `razao_api` is generated from the OpenAPI document (never edited by
hand; scripts/client.sh regenerates it), and this package adds what a generated client lacks: retries of
idempotent calls, typed RFC 9457 problem exceptions carrying `code`, and cursor iteration (docs/client.md).
"""

from razao_client.client import Razao
from razao_client.problems import (
    BadRequest,
    Conflict,
    FieldProblem,
    Forbidden,
    Gone,
    NotFound,
    ProblemError,
    ServerError,
    TooLarge,
    Unauthorized,
    Unavailable,
    Unprocessable,
    problem_error,
)
from razao_client.retries import NO_RETRIES, AsyncRetryingTransport, RetryingTransport, RetryPolicy

__all__ = [
    "NO_RETRIES",
    "AsyncRetryingTransport",
    "BadRequest",
    "Conflict",
    "FieldProblem",
    "Forbidden",
    "Gone",
    "NotFound",
    "ProblemError",
    "Razao",
    "RetryPolicy",
    "RetryingTransport",
    "ServerError",
    "TooLarge",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "problem_error",
]
