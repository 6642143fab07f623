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

from emulator import ACCOUNT, DEPLOY, REGION, Emulator  # noqa: E402
from emulator.inspect import describe_profiles, render  # noqa: E402


def step(emulator: Emulator, title: str, *args: str) -> None:
    print(f"==> {title}: cdk {' '.join(args)}", flush=True)
    result = emulator.cdk(*args)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-5000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"{title} failed (exit code {result.returncode})")


def main() -> None:
    with tempfile.TemporaryDirectory() as logs, Emulator(log_path=Path(logs) / "moto.log") as emulator:
        print(f"==> Emulator listening on {emulator.endpoint}")
        step(emulator, "Bootstrap", "bootstrap", f"aws://{ACCOUNT}/{REGION}")
        step(emulator, "Deploy", *DEPLOY)
        iam = emulator.client("iam")
        print("==> Instance profiles, as the IAM API reports them:\n")
        print(render(describe_profiles(iam)), end="\n\n")
        step(emulator, "Destroy", "destroy", "--all", "--force")
        left = [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
        if left:
            raise SystemExit(f"Destroy left instance profiles behind: {', '.join(left)}")
        print("==> Destroyed: no instance profile left. Stopping the emulator.")


if __name__ == "__main__":
    try:
        main()
    except subprocess.TimeoutExpired as timeout:
        raise SystemExit(f"Timed out: {timeout}") from timeout
