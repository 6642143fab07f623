"""``ec2-access-profiles audit`` as installed, against the local emulator: a module of its own, so that
the CLI and emulator tier does not import moto in process and the rest of ``test_audit_account.py``
(seconds of imports) for this one test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator import Emulator
from tests.test_audit_declared import TRUST, profile_resources, write_assembly
from tooling.cdk import ROOT

LOOPBACK_ONLY = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "localhost",
}
"""A dead proxy on loopback for all but localhost: a call meant for AWS fails here and never leaves."""


@pytest.mark.emulator
def test_the_command_reads_the_account_at_aws_endpoint_url(emulator: Emulator, tmp_path: Path) -> None:
    """The installed command, in a process of its own, finds the emulator through AWS_ENDPOINT_URL alone."""
    web = profile_resources(
        managed=(), name="endpoint-check", role_name="endpoint-check", path="/audit-endpoint/", tags={}
    )
    assembly = write_assembly(tmp_path / "cdk.out", {"Web": web})
    client = emulator.client("iam")
    client.create_role(
        RoleName="endpoint-check", Path="/audit-endpoint/", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    client.create_instance_profile(InstanceProfileName="endpoint-check", Path="/audit-endpoint/")
    client.add_role_to_instance_profile(InstanceProfileName="endpoint-check", RoleName="endpoint-check")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "constructs_lib", "audit", "--assembly", str(assembly)],
            env={**emulator.cli_environment(), "PYTHONPATH": str(ROOT), **LOOPBACK_ONLY},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        client.remove_role_from_instance_profile(
            InstanceProfileName="endpoint-check", RoleName="endpoint-check"
        )
        client.delete_instance_profile(InstanceProfileName="endpoint-check")
        client.delete_role(RoleName="endpoint-check")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert result.stderr.endswith(
        "1 profile declared in " + str(assembly) + ", under /audit-endpoint/: in sync\n"
    )
