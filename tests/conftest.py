"""Shared fixtures (the app synthesized once per session, with the context ``cdk synth`` uses) and
the tiers: ``--fast-tier`` runs only the pure tests (``tests/tiers.py``) and refuses Node.js;
``--cli-tier`` imports only the modules that hold CLI or emulator tests."""

from __future__ import annotations

import functools
import importlib.abc
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from tests.tier_marks import COLLECTED, fixtures_of
from tests.tiers import CLI_MARKS, NODE_FIXTURES, NODE_PACKAGES, holds_cli_tests, is_pure, starts_node
from tooling.cdk import cli_context, run_cdk, synthesize_app, use_supported_node

if TYPE_CHECKING:
    from aws_cdk import Stack

    from emulator import Emulator

FAST_TIER = "--fast-tier"
CLI_TIER = "--cli-tier"
BEYOND_THE_CONSTRUCT = frozenset(
    {
        "test_app",
        "test_app_catalog",
        "test_audit_account",
        "test_audit_bench",
        "test_bench",
        "test_deployments",
        "test_emulator_fidelity",
        "test_linters",
        "test_packaging",
        "test_scale",
    }
)
"""Modules about the whole app, its tools or its scale: marked ``scale``, which ``make test-construct``
leaves to ``make test``."""
REFUSED_NODE = "/nonexistent/node: make test-fast starts no Node.js"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        FAST_TIER,
        action="store_true",
        help="only the pure tests, no Node.js and no moto (make test-fast); importing jsii then fails",
    )
    parser.addoption(
        CLI_TIER,
        action="store_true",
        help="import only the modules that hold CLI or emulator tests (make test, with -m 'cli or emulator')",
    )


class _RefuseNode(importlib.abc.MetaPathFinder):
    """Fails the import of any package that runs on jsii, naming the test tier to move the test to."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname.split(".")[0] in NODE_PACKAGES:
            raise ImportError(
                f"{fullname} starts Node.js, which {FAST_TIER} (make test-fast) refuses: "
                "mark the test 'node' (pytest.mark.node)"
            )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption(FAST_TIER):
        os.environ["JSII_NODE"] = REFUSED_NODE  # a subprocess on jsii fails as well
        sys.meta_path.insert(0, _RefuseNode())
        # The app's snapshots belong to a tier this one leaves out: not "unused", as syrupy would say.
        config.option.warn_unused_snapshots = True
    else:
        use_supported_node()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``--fast-tier``, a test module whose imports reach aws-cdk-lib or moto is not imported;
    under ``--cli-tier``, one that holds no CLI or emulator test."""
    if not (collection_path.name.startswith("test_") and collection_path.suffix == ".py"):
        return None
    if config.getoption(FAST_TIER) and not is_pure(collection_path):
        return True
    if config.getoption(CLI_TIER) and not holds_cli_tests(collection_path):
        return True
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses the emulator is an emulator test, marked or not, and one that uses the real
    ``cdk synth``'s assembly a CLI test: ``make test`` runs those (which share that assembly and the
    emulator) in a process of their own. A test that starts
    Node.js (by its module's imports, a fixture or a CLI) is a ``node`` test; one that starts neither
    Node.js nor moto is ``pure``, the tier ``--fast-tier`` runs alone."""
    config.stash[COLLECTED] = list(items)
    kept = []
    for item in items:
        fixtures = fixtures_of(item)
        if "emulator" in fixtures and not item.get_closest_marker("emulator"):
            item.add_marker(pytest.mark.emulator)
        if "cli_app_assembly" in fixtures and not item.get_closest_marker("cli"):
            item.add_marker(pytest.mark.cli)
        if (
            fixtures & NODE_FIXTURES
            or item.get_closest_marker("cli")
            or item.get_closest_marker("emulator")
            or starts_node(item.path)
        ) and not item.get_closest_marker("node"):
            item.add_marker(pytest.mark.node)
        if item.path.stem in BEYOND_THE_CONSTRUCT:
            item.add_marker(pytest.mark.scale)
        if not item.get_closest_marker("node") and is_pure(item.path):
            item.add_marker(pytest.mark.pure)
        if item.get_closest_marker("pure") or not config.getoption(FAST_TIER):
            kept.append(item)
    missed = sorted(
        item.nodeid
        for item in items
        if any(item.get_closest_marker(mark) for mark in CLI_MARKS) and not holds_cli_tests(item.path)
    )
    if missed:
        raise pytest.UsageError(
            f"tests/tiers.py's holds_cli_tests misses these CLI or emulator tests, which {CLI_TIER} "
            f"(make test) would not run: {', '.join(missed)}; mark them or their module explicitly"
        )
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def app_assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def app_templates(app_assembly_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack of the app, synthesized once for the whole session."""
    return synthesize_app(app_assembly_dir)


APP_POLICIES = ("ec2-access-profile:requiredTags", "ec2-access-profile:publishContract")
"""Context in cdk.json that is this app's policy, not the library's behaviour: library tests leave it out."""


def library_context() -> dict[str, Any]:
    """cdk.json's context (feature flags and all) without the app's own policies."""
    return {key: value for key, value in cli_context().items() if key not in APP_POLICIES}


@pytest.fixture
def stack() -> Stack:
    """A fresh stack in an app with the project's feature flags, for one fine-grained test."""
    from aws_cdk import App, Stack  # jsii starts Node.js on this import

    return Stack(App(context=library_context()), "Test")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The local AWS emulator (moto server with the fidelity layer), once per session."""
    from emulator import Emulator

    with Emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto.log") as running:
        yield running


@pytest.fixture(scope="session")
def botocore_data_once() -> Iterator[None]:
    """Every boto3 session of the test session reads botocore's data (endpoints, service models) from
    one loader. Each new session would parse the same JSON files again, half a second of a moto test;
    the loader's cache is what the clients of one session share already."""
    import botocore.loaders
    import botocore.session

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", functools.cache(botocore.loaders.create_loader))
        yield


@pytest.fixture(scope="session")
def bootstrapped_emulator(emulator: Emulator) -> Emulator:
    """The emulator with its environment bootstrapped (``cdk bootstrap``), once per session: every
    deploy needs it, and bootstrapping again starts the CLI only to change nothing."""
    result = emulator.bootstrap()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return emulator


@dataclass(frozen=True)
class CliSynth:
    """What the real ``cdk synth`` wrote, and what it printed."""

    outdir: Path
    output: str


@pytest.fixture(scope="session")
def cli_app_assembly(tmp_path_factory: pytest.TempPathFactory) -> CliSynth:
    """The app as the real ``cdk synth`` writes it (cdk.json's app and context, the linters), once per
    session: each synth of the app costs seconds of Node.js and Python start-up. ``test_app`` proves
    its templates are the ones the tests check; the deploy and the review start from it."""
    outdir = tmp_path_factory.mktemp("cli") / "cdk.out"
    result = run_cdk("synth", "--quiet", "--output", str(outdir))
    assert result.returncode == 0, result.stderr
    return CliSynth(outdir, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def changed_app_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app after a pull request's change (``tests/changed_app.py``), synthesized once per session:
    the emulator deploys it over the app, and the review compares the two."""
    from aws_cdk import App  # jsii starts Node.js on this import

    from tests.changed_app import compose_changed

    outdir = tmp_path_factory.mktemp("changed.out")
    application = App(context=cli_context(), outdir=str(outdir))
    compose_changed(application)
    application.synth()
    return outdir
