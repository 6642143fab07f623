"""``tests/tiers.py``'s static reading of a test module: which modules ``make test``'s CLI tier imports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.tiers import holds_cli_tests


@pytest.mark.parametrize(
    "source",
    [
        "import pytest\n\n@pytest.mark.cli\ndef test_x() -> None: ...\n",
        "import pytest\n\npytestmark = [pytest.mark.emulator]\n",
        "from pytest import mark\n\n@mark.emulator\ndef test_x() -> None: ...\n",
        "def test_x(emulator) -> None: ...\n",
        "import pytest\n\n@pytest.fixture\ndef run(bootstrapped_emulator): ...\n",
        "def test_x(cli_app_assembly) -> None: ...\n",
    ],
)
def test_a_module_that_marks_or_asks_for_the_cli_or_the_emulator_holds_cli_tests(
    tmp_path: Path, source: str
) -> None:
    path = tmp_path / "test_module.py"
    path.write_text(textwrap.dedent(source))
    assert holds_cli_tests(path)


def test_a_module_that_only_synthesizes_does_not(tmp_path: Path) -> None:
    path = tmp_path / "test_module.py"
    path.write_text("import pytest\n\n@pytest.mark.node\ndef test_x(stack, app_templates) -> None: ...\n")
    assert not holds_cli_tests(path)


def test_this_repositorys_cli_modules() -> None:
    """A control on real modules: one CLI module, and one of the synth tier that is not."""
    tests = Path(__file__).parent
    assert holds_cli_tests(tests / "test_deploy.py")
    assert not holds_cli_tests(tests / "test_scale.py")
