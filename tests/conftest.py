"""Shared fixtures: the app synthesized once per session, with the context ``cdk synth`` uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tooling.cdk import cli_context, synthesize_app, use_supported_node

use_supported_node()

from aws_cdk import App, Stack  # noqa: E402  (jsii starts Node.js on this import)

from emulator import Emulator  # noqa: E402


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the emulator is an emulator test, marked or not: ``make test`` runs those
    (and the CLI tests, which share cdk.out with them) in a process of their own."""
    for item in items:
        if "emulator" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("emulator"):
            item.add_marker(pytest.mark.emulator)


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
    return Stack(App(context=library_context()), "Test")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The local AWS emulator (moto server with the fidelity layer), once per session."""
    with Emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto.log") as running:
        yield running
