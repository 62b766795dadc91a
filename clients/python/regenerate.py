"""Regenerate razao_api, the generated half of the Python client, from the API's OpenAPI document.

    .venv/bin/python clients/python/regenerate.py            # rewrite clients/python/razao_api
    .venv/bin/python clients/python/regenerate.py --check    # exit 1 when it is stale (nothing written)

The document is the one the app serves, built like `razao openapi` (no database needed); the generator is
openapi-python-client, pinned with everything it runs in generator-requirements.txt and installed by
scripts/client.sh into .venv/client-generator (run that script rather than this file: it installs first).
Before generating, `client_view` rewrites what the generator cannot express (see there); the API's document
itself is unchanged. Both modes generate into a temporary directory: the check compares that tree with the
committed one file by file, and the rewrite replaces the committed tree with it, so the two always agree on
the bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGE = "razao_api"
TARGET = HERE / PACKAGE
CONFIG = HERE / "generator.yaml"
GENERATOR_BIN = ROOT / ".venv" / "client-generator" / "bin"


def openapi_document() -> str:
    """The API's OpenAPI document, as `razao openapi` writes it."""
    from adapters.http.app import create_app
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(Settings(execution_mode="app"))
    try:
        spec = create_app(container.services()).openapi()
    finally:
        dispose_engines(container)
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def _json_value_unions(schemas: dict[str, Any]) -> set[str]:
    """Component schemas that spell "any JSON value" as a union nesting into itself (the metadata values:
    text, integer, boolean, null, or an array or object of the next level down)."""
    return {
        name
        for name, schema in schemas.items()
        if any(member.get("type") in ("array", "object") for member in schema.get("anyOf", ()))
        and "properties" not in schema
    }


def client_view(document: str) -> str:
    """The document as the generator is given it. openapi-python-client 0.29 cannot build a union whose
    members refer to another union (it drops every operation that uses one), so a reference to such a
    "JSON value" union becomes an unconstrained value (`{}`): the client sends and returns metadata as plain
    dicts, and the API still checks them (depth, size, no NUL) and answers a problem when they are wrong.
    A property whose schema is `false` (it must be absent: the statement upload's `mapping` for a format
    other than CSV) is left out of the generator's view, which cannot read a boolean schema."""
    spec = json.loads(document)
    schemas = spec.get("components", {}).get("schemas", {})
    unions = _json_value_unions(schemas)
    refs = {f"#/components/schemas/{name}" for name in unions}

    def open_up(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") in refs:
                return {}
            if isinstance(node.get("properties"), dict):  # `"mapping": false`: "absent here", unparsed
                node = {**node, "properties": {k: v for k, v in node["properties"].items() if v is not False}}
            return {key: open_up(value) for key, value in node.items()}
        if isinstance(node, list):
            return [open_up(value) for value in node]
        return node

    spec = open_up(spec)
    for name in unions:
        spec["components"]["schemas"].pop(name, None)
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def generate(into: Path, document: str) -> Path:
    """Generate the package under `into`; returns its directory."""
    spec = into / "openapi.json"
    spec.write_text(client_view(document), encoding="utf-8")
    output = into / PACKAGE
    env = dict(os.environ, PATH=f"{GENERATOR_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(GENERATOR_BIN / "openapi-python-client"), "generate", "--path", str(spec)]
    command += ["--meta", "none", "--config", str(CONFIG), "--output-path", str(output), "--fail-on-warning"]
    done = subprocess.run(command, cwd=into, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (output / "__init__.py").is_file():
        raise SystemExit(f"openapi-python-client failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    for cache in output.rglob("__pycache__"):
        shutil.rmtree(cache)
    return output


def differences(expected: Path, actual: Path) -> list[str]:
    """Paths (relative to the package) that are missing, extra or different in `actual`."""

    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        }

    want, have = files(expected), (files(actual) if actual.is_dir() else set())
    changed = [
        name for name in sorted(want & have) if not filecmp.cmp(expected / name, actual / name, shallow=False)
    ]
    return (
        [f"missing {n}" for n in sorted(want - have)]
        + [f"extra {n}" for n in sorted(have - want)]
        + [f"changed {n}" for n in changed]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed code is stale")
    args = parser.parse_args(argv)
    document = openapi_document()
    with tempfile.TemporaryDirectory(prefix="razao-client-") as tmp:
        fresh = generate(Path(tmp), document)
        stale = differences(fresh, TARGET)
        if args.check:
            if stale:
                print(
                    f"{TARGET.relative_to(ROOT)} is stale against the API: scripts/client.sh regenerates it"
                )
                print("\n".join(f"  {line}" for line in stale[:50]))
                return 1
            print(f"{TARGET.relative_to(ROOT)} is current")
            return 0
        if stale:
            shutil.rmtree(TARGET, ignore_errors=True)
            shutil.copytree(fresh, TARGET)
        print(f"{TARGET.relative_to(ROOT)}: {len(stale)} file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
