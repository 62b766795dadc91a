"""Which implementation runs the hot pure functions: the Rust kernel (`razao_kernel`) or the reference.

The pure-Python functions of the domain are the specification. `razao_kernel` (rust/razao_kernel, built
and installed by scripts/kernel.sh for the app and for PostgreSQL's Python) implements some of them again,
faster; hypothesis tests compare the two. The domain asks `native()` for the kernel at each hot call and
falls back to the reference when it answers None, so everything works without it (hosted PostgreSQL, a
machine without Rust).

A kernel is used only at the version this code pins (`VERSION`): the code bundle deployed into
PostgreSQL carries this module, so the database side pins the kernel its bundle was built against, and a
server whose kernel drifted from it falls back to the reference, and says so (`describe()`: reported by
`/health/ready` and `GET /v1/admin/functions`), or refuses to run in mode `required`.

The mode is set once per process (`configure`: the app from the `RAZAO_KERNEL` setting; in PL/Python, per
connection, from the `razao.kernel` setting the app's connections carry): `auto` (the kernel when present
at the pinned version, else the reference), `reference` (never the kernel) or `required` (the kernel at
the pinned version, or `KernelUnavailable` on first use). Until `configure` is called the mode is `auto`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

#: The kernel version this code was written against (rust/razao_kernel/Cargo.toml).
VERSION = "0.1.0"
MODULE = "razao_kernel"
MODES = ("auto", "reference", "required")


class KernelUnavailable(RuntimeError):
    """Mode `required`, and the kernel is missing or at another version than `VERSION`."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What runs the hot functions: `module` (None: the reference), and why, in words."""

    mode: str
    module: ModuleType | None
    found: str | None  # the installed kernel's version (None: none is installed)

    @property
    def name(self) -> str:
        return f"{MODULE} {VERSION}" if self.module is not None else "reference"

    def describe(self) -> dict[str, str | None]:
        """{"kernel": "razao_kernel 0.1.0" | "reference", "mode", "expected", "found", "reason"}."""
        if self.module is not None:
            reason = "the kernel is installed at the pinned version"
        elif self.mode == "reference":
            reason = "the reference was asked for (kernel mode 'reference')"
        elif self.found is None:
            reason = f"{MODULE} is not installed"
        else:
            reason = f"{MODULE} {self.found} is installed, this code pins {VERSION}: falling back"
        return {
            "kernel": self.name,
            "mode": self.mode,
            "expected": VERSION,
            "found": self.found,
            "reason": reason,
        }


_mode = "auto"
_choice: Choice | None = None


def _installed() -> ModuleType | None:
    try:
        return importlib.import_module(MODULE)
    except ImportError:
        return None


def choose(mode: str, installed: ModuleType | None) -> Choice:
    """The choice for `mode` given what is installed (None: nothing)."""
    check_mode(mode)
    found = None if installed is None else str(getattr(installed, "__version__", "unknown"))
    if mode == "reference":
        return Choice(mode, None, found)
    if found == VERSION:
        return Choice(mode, installed, found)
    if mode == "required":
        have = f"{MODULE} {found}" if found is not None else f"no {MODULE}"
        raise KernelUnavailable(f"kernel mode 'required': this code pins {MODULE} {VERSION}, found {have}")
    return Choice(mode, None, found)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"kernel mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def configure(mode: str = "auto") -> None:
    """Set the mode for this process (this connection, in PL/Python). The kernel is looked for on first
    use, so configuring costs nothing; in mode `required` that first use raises `KernelUnavailable`."""
    global _mode, _choice
    _mode, _choice = check_mode(mode), None


def current() -> Choice:
    """The choice in force, made on first use."""
    global _choice
    if _choice is None:
        _choice = choose(_mode, None if _mode == "reference" else _installed())
    return _choice


def native() -> ModuleType | None:
    """The kernel module to call, or None: use the reference."""
    choice = _choice if _choice is not None else current()
    return choice.module


def describe() -> dict[str, str | None]:
    """What runs the hot functions here, in words (never raises: mode `required` without a usable
    kernel answers `{"kernel": None, ...}` with the reason)."""
    try:
        return current().describe()
    except KernelUnavailable as error:
        return {"kernel": None, "mode": _mode, "expected": VERSION, "found": None, "reason": str(error)}
