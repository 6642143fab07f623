#!/usr/bin/env python3
"""Deploy the app to the local AWS emulator, show what IAM holds, then destroy it.

Run through ``make deploy-local``. Starts moto on 127.0.0.1, bootstraps, deploys every stack with
the real CDK CLI, prints each instance profile as the IAM API reports it (path, role, managed
policies, tags), destroys the stacks, checks nothing is left, and stops the emulator. Exits non-zero
if any step fails. No AWS account is needed and nothing leaves this machine.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tooling.cdk import use_supported_node  # noqa: E402

use_supported_node()

from emulator import DEPLOY, Emulator  # noqa: E402
from emulator.inspect import describe_profiles, render  # noqa: E402
from emulator.walkthrough import bootstrap, destroy_all, step  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as work, Emulator(log_path=Path(work) / "moto.log") as emulator:
        assembly = Path(work) / "cdk.out"
        print(f"==> Emulator listening on {emulator.endpoint}")
        bootstrap(emulator)
        step(emulator, "Deploy", *DEPLOY, output=assembly)
        iam = emulator.client("iam")
        print("==> Instance profiles, as the IAM API reports them:\n")
        print(render(describe_profiles(iam)), end="\n\n")
        destroy_all(emulator, iam, assembly)
        print("==> Destroyed: no instance profile left. Stopping the emulator.")


if __name__ == "__main__":
    try:
        main()
    except subprocess.TimeoutExpired as timeout:
        raise SystemExit(f"Timed out: {timeout}") from timeout
