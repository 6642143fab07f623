"""``tests/tiers.py``'s static reading of a test module (which modules ``make test``'s CLI tier imports),
and ``tests/conftest.py``'s marks: a pure module's tests stay in the fast tier unless they say otherwise."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.tier_marks import COLLECTED, fixtures_of
from tests.tiers import NODE_FIXTURES, holds_cli_tests, is_pure

LEAVING_MARKS = frozenset({"node", "cli", "emulator"})
"""The marks by which a test's author takes it out of the fast tier."""


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


def _authors_marks(item: pytest.Function) -> set[str]:
    """The marks written on the test, its class or its module: not those ``tests/conftest.py`` adds."""
    names: set[str] = set()
    for holder in (item.module, item.cls, item.function):
        marks = getattr(holder, "pytestmark", []) if holder is not None else []
        names.update(mark.name for mark in (marks if isinstance(marks, list) else [marks]))
    return names


def _parametrized(item: pytest.Function) -> set[str]:
    """The names ``item`` parametrizes directly (``indirect`` ones are fixtures, and not listed)."""
    names: set[str] = set()
    for mark in item.iter_markers("parametrize"):
        argnames = mark.kwargs.get("argnames", mark.args[0] if mark.args else ())
        if isinstance(argnames, str):
            argnames = [name.strip() for name in argnames.split(",") if name.strip()]
        indirect = mark.kwargs.get("indirect", False)
        names.update(
            name
            for name in argnames
            if not (indirect is True or (isinstance(indirect, (list, tuple)) and name in indirect))
        )
    return names


def test_every_test_of_a_pure_module_is_pure_unless_it_asks_for_node_or_is_marked_so(
    request: pytest.FixtureRequest,
) -> None:
    """``make test-fast`` runs a pure module's tests (those of every pure module, as it collects them
    all; run alone, this module's): one left out must ask for a fixture that starts Node.js or be
    marked ``node``, ``cli`` or ``emulator`` by its author. A name ``parametrize`` gives is no
    fixture, whatever it is called: the tier once lost two tests whose argument was named ``stack``."""
    collected = request.config.stash[COLLECTED]
    assert request.node in collected  # the stash holds this run's tests
    left_out = [
        item.nodeid
        for item in collected
        if isinstance(item, pytest.Function)
        and is_pure(item.path)
        and not item.get_closest_marker("pure")
        and not _authors_marks(item) & LEAVING_MARKS
        and not (set(item.fixturenames) - _parametrized(item)) & NODE_FIXTURES
    ]
    assert left_out == []


@pytest.mark.parametrize("stack", ["a value named like the Node.js fixture"])
def test_a_parametrize_argument_named_like_a_node_fixture_is_a_value_and_the_test_stays_pure(
    stack: str, request: pytest.FixtureRequest
) -> None:
    assert stack.startswith("a value")
    assert request.node.get_closest_marker("pure") is not None
    assert request.node.get_closest_marker("node") is None
    assert "stack" not in fixtures_of(request.node)


def test_the_fixtures_of_a_test_are_those_it_asks_for_and_those_they_ask_for(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The control for the one above: a real fixture is one, and so is a fixture it depends on."""
    assert {"tmp_path", "tmp_path_factory"} <= fixtures_of(request.node)
