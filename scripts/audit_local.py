#!/usr/bin/env python3
"""Deploy the app to the local AWS emulator, drift it by hand, and watch the audit find and repair it.

Run through ``make audit-local``. Starts moto on 127.0.0.1, bootstraps and deploys every stack with
the real CDK CLI, and audits the account (in sync). Then it drifts the account as people do: it
removes a tag from an instance profile, makes a profile by hand under /ec2/, and detaches a managed
policy from a role. The audit must report exactly those three; ``--repair-tags`` puts the tag back,
and the audit after it reports the other two. Finally it deletes the hand-made profile, destroys the
stacks, checks nothing is left and stops the emulator. Exits non-zero if any step does not go so.
No AWS account is needed and nothing leaves this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tooling.cdk import use_supported_node  # noqa: E402

use_supported_node()

from emulator import DEPLOY, Emulator  # noqa: E402
from emulator.walkthrough import bootstrap, destroy_all, step  # noqa: E402

TAGGED = "EC2-S3-Access-Profile"
HAND_MADE = "Hand-Made"
DETACHED_FROM = "SSM-Managed-Host"
DETACHED = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
INJECTED = [
    ("drift", TAGGED, "tags", "Service"),
    ("unexpected", HAND_MADE, "profile", None),
    ("drift", DETACHED_FROM, "role.managed_policies", DETACHED),
]
"""The findings the drift must produce: exactly these, in the order the audit prints them."""


def audit(emulator: Emulator, assembly: Path, title: str, *args: str, expect: int) -> list[tuple[Any, ...]]:
    """Run ``ec2-access-profiles audit`` against the emulator and show its output; return its findings."""
    command = ["audit", "--assembly", str(assembly), *args]
    print(f"==> {title}: ec2-access-profiles {' '.join(command[:1] + command[3:])}", flush=True)
    environment = {**emulator.cli_environment(), "PYTHONPATH": str(ROOT)}
    shown = subprocess.run(
        [sys.executable, "-m", "constructs_lib", *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(shown.stdout + shown.stderr)
    if shown.returncode != expect:
        raise SystemExit(f"{title}: the audit exited {shown.returncode}, not {expect}")
    if "--dry-run" in args or "--repair-tags" in args:
        return []
    document = subprocess.run(
        [sys.executable, "-m", "constructs_lib", *command, "--format", "json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = json.loads(document.stdout)["findings"]
    return [(f["kind"], f["profile"], f["field"], f["key"]) for f in findings]


def inject_drift(iam: Any) -> None:
    print(f"==> Drift: untag Service from {TAGGED}, make {HAND_MADE} under /ec2/, detach {DETACHED}")
    iam.untag_instance_profile(InstanceProfileName=TAGGED, TagKeys=["Service"])
    iam.create_instance_profile(InstanceProfileName=HAND_MADE, Path="/ec2/")
    iam.detach_role_policy(RoleName=DETACHED_FROM, PolicyArn=DETACHED)


def main() -> None:
    with tempfile.TemporaryDirectory() as work, Emulator(log_path=Path(work) / "moto.log") as emulator:
        assembly = Path(work) / "cdk.out"
        print(f"==> Emulator listening on {emulator.endpoint}")
        bootstrap(emulator)
        step(emulator, "Deploy", *DEPLOY, output=assembly)
        iam = emulator.client("iam")
        audit(emulator, assembly, "Audit after the deploy", expect=0)
        inject_drift(iam)
        found = audit(emulator, assembly, "Audit after the drift", expect=1)
        if found != INJECTED:
            raise SystemExit(f"The audit found {found}, not the drift injected: {INJECTED}")
        audit(emulator, assembly, "Repair, dry run", "--repair-tags", "--dry-run", expect=1)
        audit(emulator, assembly, "Repair the tags", "--repair-tags", expect=1)
        left = audit(emulator, assembly, "Audit after the repair", expect=1)
        if left != INJECTED[1:]:
            raise SystemExit(f"After the repair the audit found {left}, not {INJECTED[1:]}")
        iam.delete_instance_profile(InstanceProfileName=HAND_MADE)
        destroy_all(emulator, iam, assembly)
        print("==> The audit found each drift; tags repaired; destroyed, no instance profile left.")


if __name__ == "__main__":
    try:
        main()
    except subprocess.TimeoutExpired as timeout:
        raise SystemExit(f"Timed out: {timeout}") from timeout
