"""The import contracts of ``make lint`` (pyproject.toml's ``[tool.importlinter]``) hold, and each
one fails when a module breaks it: a copy of the repository's Python files with one import added."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tooling.cdk import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's tracked Python files and pyproject.toml, which is all import-linter reads."""
    copy = tmp_path_factory.mktemp("repository")
    tracked = subprocess.run(
        ["git", "ls-files", "*.py", "pyproject.toml"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    return copy


def test_the_repository_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "constructs_lib/core/spec.py",
            "from constructs_lib.catalog import loader",
            "The package's layers",
        ),
        (
            "constructs_lib/catalog/placement.py",
            "import aws_cdk",
            "start no Node.js",
        ),
        ("constructs_lib/review/report.py", "import jsii", "start no Node.js"),
        ("constructs_lib/cdk/crossings.py", "import tooling.cdk", "the package imports nothing"),
        ("constructs_lib/core/limits.py", "import app", "the package imports nothing"),
        ("emulator/inspect.py", "import constructs_lib", "The emulator knows no app"),
        ("emulator/fidelity.py", "import tooling", "The emulator knows no app"),
    ],
)
def test_an_import_across_a_layer_breaks_its_contract(
    repository_copy: Path, module: str, line: str, broken: str
) -> None:
    path = repository_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}  # noqa\n")
    try:
        result = lint_imports(repository_copy)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout
    broken_lines = [text for text in result.stdout.splitlines() if text.endswith(" BROKEN")]
    assert len(broken_lines) == 1, result.stdout
    assert broken in broken_lines[0]
