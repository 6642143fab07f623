"""Steps the walkthroughs on the emulator share (``make deploy-local``, ``make audit-local``).

Each prints what it runs, and ends the walkthrough with a one-line reason when a step fails.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from emulator import Emulator


def step(emulator: Emulator, title: str, *args: str, output: Path | None = None) -> None:
    """Run the CDK CLI against ``emulator`` (synthesizing into ``output`` when given); stop on failure."""
    print(f"==> {title}: cdk {' '.join(args)}", flush=True)
    result = emulator.cdk(*args, *(["--output", str(output)] if output else []))
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-5000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"{title} failed (exit code {result.returncode})")


def destroy_all(emulator: Emulator, iam: Any, output: Path | None = None) -> None:
    """Destroy every stack, then check IAM holds no instance profile any more."""
    step(emulator, "Destroy", "destroy", "--all", "--force", output=output)
    left = [profile["InstanceProfileName"] for profile in iam.list_instance_profiles()["InstanceProfiles"]]
    if left:
        raise SystemExit(f"Destroy left instance profiles behind: {', '.join(left)}")
