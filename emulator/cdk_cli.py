"""The repository's real CDK CLI (``node_modules/.bin/cdk``), run offline.

The emulator deploys with it, and the tests and tools run it the same way. It knows where the CLI
is installed and how to keep it from reaching anything but this machine; it knows nothing of the app
the CLI finds in ``cdk.json``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository: where ``make`` installs the CLI, and where ``cdk.json`` names the app."""
CDK = ROOT / "node_modules" / ".bin" / "cdk"
CLI_TIMEOUT_SECONDS = 300


def offline_cli_environment() -> dict[str, str]:
    """Where the CDK CLI runs: this venv's python3 (for the app) and the supported Node.js first on
    PATH; none of the caller's AWS or CDK settings; no telemetry, version check or EC2 metadata
    lookup, so nothing leaves this machine."""
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
    """Run the real CDK CLI (from the repository unless told); never waits longer than ``timeout``."""
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
