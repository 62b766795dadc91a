"""The documentation's diagrams (docs/diagrams) are current: each SVG records the hash of the source it was
drawn from, and `scripts/diagrams.sh --check` fails when a source changed since. Drawn again from its source
(Graphviz: scripts/setup.sh installs it), each has a white background, so that it reads on light and dark pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = ROOT / "docs" / "diagrams"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "scripts" / "diagrams.sh"), "--check"], capture_output=True, text=True, check=False
    )


def copy_of_the_diagrams(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "diagrams.sh", tmp_path / "scripts")
    shutil.copytree(DIAGRAMS, tmp_path / "docs" / "diagrams")
    return tmp_path


def test_every_diagram_is_drawn_from_its_current_source() -> None:
    sources = sorted(p.stem for p in DIAGRAMS.glob("*.dot"))
    assert {"architecture", "request-flow", "task-flow"} <= set(sources)
    assert sorted(p.stem for p in DIAGRAMS.glob("*.svg")) == sources
    done = check(ROOT)
    assert done.returncode == 0, done.stderr


def test_a_changed_source_makes_the_check_fail(tmp_path: Path) -> None:
    root = copy_of_the_diagrams(tmp_path)
    source = root / "docs" / "diagrams" / "task-flow.dot"
    source.write_text(source.read_text().replace("razao beat", "razao beat (changed)"))
    done = check(root)
    assert done.returncode == 1 and "task-flow.svg" in done.stderr


def test_drawn_again_each_has_a_white_background_and_passes_the_check(tmp_path: Path) -> None:
    root = copy_of_the_diagrams(tmp_path)
    for svg in (root / "docs" / "diagrams").glob("*.svg"):
        svg.unlink()
    subprocess.run([str(root / "scripts" / "diagrams.sh")], check=True, capture_output=True)
    for svg in sorted((root / "docs" / "diagrams").glob("*.svg")):
        text = svg.read_text()
        assert text.splitlines()[0].startswith("<?xml") and "sha256:" in text.splitlines()[1]
        assert '<polygon fill="white"' in text, svg.name  # the background, under everything else
    assert check(root).returncode == 0
