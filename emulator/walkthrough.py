"""Steps the walkthroughs on the emulator share (``make deploy-local``, ``make audit-local``).

Each prints what it runs, and ends the walkthrough with a one-line reason when a step fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from emulator import ACCOUNT, REGION, Emulator


def step(emulator: Emulator, title: str, *args: str, output: Path | None = None) -> None:
    """Run the CDK CLI against ``emulator`` (synthesizing into ``output`` when given); stop on failure."""
    print(f"==> {title}: cdk {' '.join(args)}", flush=True)
    started = time.monotonic()
    _check(title, emulator.cdk(*args, *(["--output", str(output)] if output else [])), started)


def bootstrap(emulator: Emulator) -> None:
    """Bootstrap the emulator's environment (``Emulator.bootstrap``: without synthesizing the app)."""
    print(f"==> Bootstrap: cdk bootstrap aws://{ACCOUNT}/{REGION}", flush=True)
    started = time.monotonic()
    _check("Bootstrap", emulator.bootstrap(), started)


def _check(title: str, result: subprocess.CompletedProcess[str], started: float) -> None:
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-5000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"{title} failed (exit code {result.returncode})")
    print(f"    done in {time.monotonic() - started:.1f} s", flush=True)


def destroy_all(emulator: Emulator, iam: Any, assembly: Path) -> None:
    """Destroy every stack of the deployed ``assembly`` (not synthesized again), then check IAM holds
    no instance profile any more."""
    step(emulator, "Destroy", "destroy", "--app", str(assembly), "--all", "--force")
    left = [profile["InstanceProfileName"] for profile in iam.list_instance_profiles()["InstanceProfiles"]]
    if left:
        raise SystemExit(f"Destroy left instance profiles behind: {', '.join(left)}")
