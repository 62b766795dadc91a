"""The quickstart works when pasted: run every `curl` of docs/quickstart.md against the real app on the real
PostgreSQL, and compare each answer with the JSON the page shows under it (ids, times and request ids
aside).

The page's shell is read literally: `NAME=$(python3 -c '... uuid.uuid4() ...')` makes a new id,
`NAME=$(python3 -c '... json.load(open("F"))["KEY"] ...')` takes KEY from the previous answer, `$NAME`
is expanded, `-d @- <<EOF` sends the here-document. The admin key stands for `var/dev-api-key`.

`RAZAO_DOCS_UPDATE=1 pytest tests/docs/test_quickstart.py` rewrites the page's JSON blocks with the
answers of this run where they differ (ids and times aside; then review the diff): that is how the page's
responses are produced.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.http.app import create_app
from application.api_keys import create_api_key
from razao.container import build_container, dispose_engines
from razao.settings import Settings

pytestmark = pytest.mark.integration

PAGE = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
FENCE = re.compile(r"```(\w+)\n(.*?)\n```", re.DOTALL)
NEW_ID = re.compile(r"\$\(python3 -c 'import uuid; print\(uuid\.uuid4\(\)\)'\)")
FROM_ANSWER = re.compile(
    r"^(\w+)=\$\(python3 -c 'import json; print\(json\.load\(open\(\"[^\"]+\"\)\)\[\"(\w+)\"\]\)'\)$"
)
ASSIGN = re.compile(r"^(\w+)=(.*)$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)")
HEX = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Step:
    command: str
    expected_at: tuple[int, int]  # the JSON block's span in the page


def steps(page: str) -> list[Step]:
    blocks = list(FENCE.finditer(page))
    found = []
    for block, after in zip(blocks, [*blocks[1:], None], strict=True):
        if block.group(1) == "sh" and "curl " in block.group(2):
            assert after is not None and after.group(1) == "json", f"no JSON answer after:\n{block.group(2)}"
            found.append(Step(block.group(2), after.span(2)))
    return found


def _expand(text: str, names: dict[str, str]) -> str:
    text = NEW_ID.sub(lambda _: str(uuid.uuid4()), text)
    return re.sub(r"\$\{?(\w+)\}?", lambda m: names[m.group(1)], text)


def run(command: str, names: dict[str, str], client: TestClient, last: list[Any]) -> Any:
    """Run one shell block; return the JSON answer of its curl."""
    lines = command.replace("\\\n", " ").splitlines()
    answer = None
    while lines:
        line = lines.pop(0).strip()
        if match := FROM_ANSWER.match(line):
            names[match.group(1)] = last[-1][match.group(2)]
        elif (match := ASSIGN.match(line)) and NEW_ID.fullmatch(match.group(2)):
            names[match.group(1)] = str(uuid.uuid4())
        elif line.startswith("curl "):
            stdin = ""
            if "<<EOF" in line:
                body = []
                while (next_line := lines.pop(0)) != "EOF":
                    body.append(next_line)
                stdin = _expand("\n".join(body), names)
                line = line.replace("<<EOF", "")
            argv = shlex.split(_expand(line.split(" | ")[0], names))
            answer = _curl(argv[1:], stdin, client)
            last.append(answer)
    return answer


def _curl(args: list[str], stdin: str, client: TestClient) -> Any:
    method, headers, data, url = "GET", {}, None, None
    while args:
        arg = args.pop(0)
        if arg == "-s":
            continue
        if arg == "-X":
            method = args.pop(0)
        elif arg == "-H":
            name, value = args.pop(0).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = args.pop(0)
            data = stdin if data == "@-" else data
            method = "POST" if method == "GET" else method
        else:
            url = arg
    assert url is not None
    response = client.request(method, url, headers=headers, content=data)
    return response.json()


def normalized(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, str):
        return HEX.sub("<hex>", TIME.sub("<time>", UUID.sub("<uuid>", value)))
    return value


def _documented(block: str) -> Any:
    try:
        return json.loads(block)
    except json.JSONDecodeError:
        return None


@pytest.fixture
def client(database: Any) -> Iterator[tuple[TestClient, str]]:
    settings = Settings(database_url=database.app_url, admin_database_url=database.admin_url, db_pool_size=2)
    container = build_container(settings)
    services = container.services()
    _, token = create_api_key("dev", ["admin"], container.admin_uow(), services.clock, services.ids)
    with TestClient(create_app(services), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client, token
    dispose_engines(container)


def test_every_documented_answer_is_what_the_api_answers(client: tuple[TestClient, str]) -> None:
    test_client, token = client
    page = PAGE.read_text(encoding="utf-8")
    names = {"RAZAO": "", "KEY": token}
    last: list[Any] = []
    answers = [(step, run(step.command, names, test_client, last)) for step in steps(page)]
    assert answers, "the quickstart has no curl commands"

    if os.environ.get("RAZAO_DOCS_UPDATE"):
        for step, answer in reversed(answers):  # only the answers that changed: no churn of ids and times
            start, end = step.expected_at
            if normalized(answer) != normalized(_documented(page[start:end])):
                page = page[:start] + json.dumps(answer, indent=2, ensure_ascii=False) + page[end:]
        PAGE.write_text(page, encoding="utf-8")
        return
    for step, answer in answers:
        start, end = step.expected_at
        documented = _documented(page[start:end])
        assert normalized(answer) == normalized(documented), f"the answer to\n{step.command}\nchanged"
