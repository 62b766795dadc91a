"""A check of the API's contract that schemathesis runs beside its own, in the hostile-input suite and
from the command line (the repository's `schemathesis.toml` loads this module as its hooks).

Schema-valid data may be refused with 422 only by a rule JSON Schema cannot state, which the document
states instead as the operation's `x-razao-rules` (`adapters.http.schemas.rules`): schemathesis's own
`positive_data_acceptance` is told to let 422 through (`schemathesis.toml`), and this check refuses
every 422 to schema-valid data whose fields are not all named by the operation's rules.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

from adapters.http.schemas.rules import EXTENSION, WHOLE_NUMBERS

#: A read replica's consistency token, a PostgreSQL WAL position (`16/B374D848`). Schemathesis builds
#: header values from letters and digits only, and a pattern needing `/` leaves it without a valid one:
#: a header declared with this format gets its values here.
schemathesis.openapi.format("pg-lsn", st.from_regex(r"\A[0-9A-F]{1,8}/[0-9A-F]{1,8}\Z"))

#: What `positive_data_acceptance` accepts for schema-valid data: its defaults, and 422 (checked here).
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


def declared_refusal(operation: dict[str, Any], status: int, problem: Any, body: Any = None) -> bool:
    """Whether a 422 is one of `operation`'s rules: its code is a rule's, and every field it names
    (`transfers[3].id` as `transfers[].id`) is a field of that code's rules (a rule without fields
    takes any). The rule of how integers are written (`WHOLE_NUMBERS`) covers a field only where the
    request's `body` holds a number written with a fraction or an exponent."""
    if status != 422 or not isinstance(problem, dict):
        return False
    rules = [rule for rule in operation.get(EXTENSION, []) if rule.get("code") == problem.get("code")]
    others = [rule for rule in rules if rule.get("rule") != WHOLE_NUMBERS]
    if any(not rule["fields"] for rule in others):
        return True
    declared = {field for rule in others for field in rule["fields"]}
    integers = {field for rule in rules if rule.get("rule") == WHOLE_NUMBERS for field in rule["fields"]}
    floats = floats_in(body)
    named = [str(e.get("field")) for e in problem.get("errors") or []]
    return bool(named) and all(
        _pattern(field) in declared or (_pattern(field) in integers and field in floats) for field in named
    )


def _pattern(field: str) -> str:
    return re.sub(r"\[\d+\]", "[]", field)


def floats_in(body: Any, at: str = "") -> set[str]:
    """The fields of a JSON body holding a float (`transfers[1].amount`), as a refusal names them."""
    if isinstance(body, float):
        return {at}
    if isinstance(body, dict):
        return {f for k, v in body.items() for f in floats_in(v, f"{at}.{k}" if at else str(k))}
    if isinstance(body, list):
        return {f for i, v in enumerate(body) for f in floats_in(v, f"{at}[{i}]")}
    return set()


def _parameters_valid(case: Any) -> bool:
    """Whether the case's path and query parameters meet their schemas: a value the stateful phase took
    from an earlier answer (`None` for an id) is not schema-valid, whatever the case's mode says."""
    for location, values in (
        (ParameterLocation.PATH, case.path_parameters),
        (ParameterLocation.QUERY, case.query),
    ):
        parameters = case.operation.get_parameter_set(location)
        for name, value in (values or {}).items():
            parameter = parameters.get(name)
            if parameter is not None and not _valid(parameter.get_validator(), value):
                return False
    return True


def _valid(validator: Any, value: Any) -> bool:
    """`value` meets its schema, as sent or read from its text (`"100"` for an integer)."""
    if validator.is_valid(value):
        return True
    if isinstance(value, list):
        return bool(validator.is_valid([_read(v) for v in value]))
    return isinstance(value, str) and bool(validator.is_valid(_read(value)))


def _read(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@schemathesis.check
def refusals_are_declared_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data refused with 422 must break one of the rules its operation declares."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if is_unexpected_http_status_case(case) or not _parameters_valid(case):
        return None
    try:
        problem = response.json()
    except ValueError:
        problem = None
    body = case.body if isinstance(case.body, dict | list) else None
    if declared_refusal(case.operation.definition.raw, response.status_code, problem, body):
        return None
    fields = [e.get("field") for e in (problem or {}).get("errors") or []]
    raise AssertionError(
        f"Schema-valid data refused with 422 on {fields}, which no rule of the operation declares "
        f"({EXTENSION}): state the constraint in the document, or declare the rule "
        "(adapters/http/schemas/rules.py)"
    )
