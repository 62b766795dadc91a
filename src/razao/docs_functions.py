"""`docs/reference/functions.md`: the catalog plpython/razao_functions.py and the docstrings of the entry
points it names (read with `ast`: `plpy` is never imported), with the exact DDL and grants that
`adapters.db.code_bundle` runs, and the triggers and adapters that call each function."""

from __future__ import annotations

import ast
import re
import textwrap

from razao.docs_common import HEADER, ROOT, assigned, cell

SECTION = re.compile(r"^(Inputs|Outputs|Uses|Kernel|Example|Security):\s*", re.MULTILINE)


def _entry_docs(module: str) -> dict[str, str]:
    path = ROOT / "plpython" / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: ast.get_docstring(node) or "" for node in tree.body if isinstance(node, ast.FunctionDef)
    }


def _sections(docstring: str) -> dict[str, str]:
    parts = SECTION.split(docstring)
    found = {"Purpose": " ".join(parts[0].split())}
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        found[name] = textwrap.dedent(" " * 9 + text.rstrip()).strip()
    return found


def _callers(name: str) -> tuple[list[str], list[str]]:
    """Triggers (in migrations) and adapter modules that call `razao.<name>(...)` (or name it in quotes)."""
    call = re.compile(rf"razao\.{name}\(")
    triggers = []
    for path in sorted((ROOT / "migrations/versions").glob("*.py")):
        for match in re.finditer(
            r"CREATE (?:CONSTRAINT )?TRIGGER (\w+)[^;]*?EXECUTE (?:FUNCTION|PROCEDURE) "
            r"([\w.]+)\(",
            path.read_text(encoding="utf-8"),
        ):
            if match.group(2) == f"razao.{name}":
                triggers.append(f"`{match.group(1)}` ({path.stem})")
    named = re.compile(rf"[\"']{name}[\"']")
    modules = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "src/adapters").rglob("*.py")
        if call.search(text := path.read_text(encoding="utf-8")) or ("razao." in text and named.search(text))
    )
    return triggers, modules


def functions_page() -> str:
    from adapters.db import code_bundle

    catalog = ast.parse((ROOT / "plpython/razao_functions.py").read_text(encoding="utf-8"))
    functions = [code_bundle.Function(**entry) for entry in assigned(catalog, "FUNCTIONS")]
    docs: dict[str, dict[str, str]] = {}
    out = [
        HEADER,
        "# PL/Python function catalog\n\n",
        "The functions that the code-deploying migrations create in the `razao` schema, generated from\n"
        "`plpython/razao_functions.py` (the catalog) and the docstrings of the entry points it names.\n"
        "Each one runs the *same* application use case as the app ([execution modes]"
        "(../execution-modes.md)); the code it runs is the bundle in `razao.code_modules`, loaded by\n"
        "`plpython/razao_loader.py` (from the code the deployment compiled and recorded a digest of, or\n"
        "from the verified sources: see\n"
        "[the first call of a connection](../execution-modes.md#the-first-call-of-a-connection)),\n"
        "which refuses to run when the caller expects another version\n"
        "(SQLSTATE `RZ002`). A domain error is raised as SQLSTATE `RZ001` with the error as JSON in its\n"
        "`DETAIL`. How they are deployed: [runbooks](../runbooks.md); the rules for writing them:\n"
        "[security guidelines](../security.md).\n\n",
        f"Every function is owned by `{code_bundle.OWNER}`, has `EXECUTE` revoked from `PUBLIC` and granted to\n"
        f"`{code_bundle.APP}` only, pins `search_path`, and is also counted in `pg_stat_user_functions`\n"
        "(`track_functions = 'pl'`; `GET /v1/admin/functions`).\n\n",
        "| function | purpose | volatility | security |\n|---|---|---|---|\n",
    ]
    for function in functions:
        module, entry = function.entry.rsplit(".", 1)
        docs[function.name] = _sections(_entry_docs(module).get(entry, ""))
        security = "SECURITY DEFINER" if function.security_definer else "SECURITY INVOKER"
        out.append(
            f"| [`{function.name}`](#{function.name}) | "
            f"{cell(docs[function.name]['Purpose'])} | {function.volatility} | {security} |\n"
        )
    for function in functions:
        section = docs[function.name]
        triggers, modules = _callers(function.name)
        out.append(f"\n## {function.name}\n\n")
        out.append(f"```sql\n{function.declaration} RETURNS {function.returns}\n```\n\n")
        out.append(f"{section['Purpose']}\n\n")
        out.append(
            f"- **Entry point**: `plpython/{function.entry.rsplit('.', 1)[0]}.py`, "
            f"`{function.entry.rsplit('.', 1)[1]}`\n"
        )
        for key, label in (("Inputs", "Inputs"), ("Outputs", "Outputs"), ("Uses", "Dependencies")):
            value = " ".join(section.get(key, "not documented").split())
            out.append(f"- **{label}**: {value}\n")
        kernel = " ".join(section.get("Kernel", "none: pure Python only").split())
        out.append(
            f"- **Rust kernel** (when installed at the pinned version, else the Python reference): {kernel}\n"
        )
        out.append(f"- **Called by triggers**: {', '.join(triggers) or 'none'}\n")
        out.append(f"- **Called by**: {', '.join(f'`{m}`' for m in modules) or 'no adapter'}\n")
        out.append(
            f"- **Security context**: owner `{code_bundle.OWNER}`, "
            f"{'SECURITY DEFINER' if function.security_definer else 'SECURITY INVOKER'}, "
            f"`SET search_path = pg_catalog, public`, `EXECUTE` granted to `{code_bundle.APP}` only, "
            f"{function.volatility}\n"
        )
        example = section.get("Example")
        if example:
            out.append(f"\nExample:\n\n```sql\n{example}\n```\n")
        grants = (
            f"ALTER FUNCTION {function.signature} OWNER TO {code_bundle.OWNER};\n"
            f"REVOKE ALL ON FUNCTION {function.signature} FROM PUBLIC;\n"
            f"GRANT EXECUTE ON FUNCTION {function.signature} TO {code_bundle.APP};"
        )
        out.append(
            '\n??? note "The DDL the migration runs"\n\n'
            + textwrap.indent(f"```sql\n{code_bundle.function_ddl(function)};\n{grants}\n```", "    ")
            + "\n"
        )
    return "".join(out)
