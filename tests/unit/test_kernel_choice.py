"""Which implementation runs the hot pure functions (`domain.kernel`): the Rust kernel only at the
version the code pins, the reference otherwise, and mode `required` refuses instead of falling back."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from domain import kernel
from tests.conftest import kernel_mode


def _fake(version: str) -> ModuleType:
    module = ModuleType(kernel.MODULE)
    module.__version__ = version  # type: ignore[attr-defined]
    return module


@pytest.fixture
def restore_mode() -> Iterator[None]:
    yield
    kernel.configure(kernel_mode())


def test_the_kernel_at_the_pinned_version_is_used() -> None:
    module = _fake(kernel.VERSION)

    choice = kernel.choose("auto", module)

    assert choice.module is module
    assert choice.describe() == {
        "kernel": f"razao_kernel {kernel.VERSION}",
        "mode": "auto",
        "expected": kernel.VERSION,
        "found": kernel.VERSION,
        "reason": "the kernel is installed at the pinned version",
    }


def test_a_kernel_at_another_version_falls_back_to_the_reference_and_says_so() -> None:
    choice = kernel.choose("auto", _fake("9.9.9"))

    assert choice.module is None
    assert choice.describe()["kernel"] == "reference"
    assert choice.describe()["found"] == "9.9.9"
    assert "9.9.9 is installed, this code pins" in str(choice.describe()["reason"])


def test_no_kernel_is_the_reference() -> None:
    described = kernel.choose("auto", None).describe()

    assert described["kernel"] == "reference"
    assert described["found"] is None
    assert described["reason"] == "razao_kernel is not installed"


def test_mode_reference_never_uses_the_kernel() -> None:
    choice = kernel.choose("reference", _fake(kernel.VERSION))

    assert choice.module is None
    assert "asked for" in str(choice.describe()["reason"])


@pytest.mark.parametrize("installed", [None, "9.9.9"])
def test_mode_required_refuses_a_missing_or_drifted_kernel(installed: str | None) -> None:
    with pytest.raises(kernel.KernelUnavailable, match=f"pins razao_kernel {kernel.VERSION}"):
        kernel.choose("required", None if installed is None else _fake(installed))


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="auto, reference, required"):
        kernel.configure("fast")


def test_configure_chooses_on_first_use_and_describe_never_raises(
    monkeypatch: pytest.MonkeyPatch, restore_mode: None
) -> None:
    monkeypatch.setitem(sys.modules, kernel.MODULE, _fake("9.9.9"))

    kernel.configure("auto")
    assert kernel.native() is None
    assert kernel.describe()["found"] == "9.9.9"

    kernel.configure("required")
    with pytest.raises(kernel.KernelUnavailable):
        kernel.native()
    described = kernel.describe()
    assert described["kernel"] is None and described["mode"] == "required"


def test_this_run_uses_what_its_mode_asks_for() -> None:
    """`make test` builds and installs the kernel: auto and required runs use it, reference runs not."""
    expected = "reference" if kernel_mode() == "reference" else f"razao_kernel {kernel.VERSION}"
    assert kernel.describe()["kernel"] == expected
