"""``explain`` of one profile with ten AWS-managed policies: seconds in-process and as a whole CLI run.

The assembly is written by hand in the shape ``cdk synth`` gives (a role with ten
``ManagedPolicyArns`` and its instance profile), so the figure is the evaluator's and the data's
cost alone. ``python -m bench.explain`` prints it; ``make bench`` adds it to its output.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.measure import measure

ROOT = Path(__file__).resolve().parent.parent
POLICIES = (
    "AmazonSSMManagedInstanceCore",
    "CloudWatchAgentServerPolicy",
    "AmazonS3ReadOnlyAccess",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "service-role/AmazonEC2ContainerServiceforEC2Role",
    "AmazonSSMReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "AmazonDynamoDBReadOnlyAccess",
)


def write_assembly(directory: Path) -> None:
    arns = [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{name}"]]}
        for name in POLICIES
    ]
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "ten", "ManagedPolicyArns": arns}},
            "Profile": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": "ten", "Roles": [{"Ref": "Role"}]},
            },
        }
    }
    (directory / "Ten.template.json").write_text(json.dumps(template))
    artifact = {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region"}
    artifact["properties"] = {"templateFile": "Ten.template.json"}  # type: ignore[assignment]
    (directory / "manifest.json").write_text(
        json.dumps({"version": "55.0.0", "artifacts": {"Ten": artifact}})
    )


def time_explain(directory: Path, rounds: int) -> tuple[float, float]:
    """Median seconds of ``explain ten``: in a warm process (first call included once), and as a CLI."""
    sys.path.insert(0, str(ROOT))
    from constructs_lib.cli import main

    write_assembly(directory)
    argv = ["explain", "ten", "--assembly", str(directory)]
    in_process = []
    for _ in range(rounds):
        started = time.perf_counter()
        stdout, sys.stdout = sys.stdout, io.StringIO()
        try:
            status = main(argv)
        finally:
            sys.stdout = stdout
        in_process.append(time.perf_counter() - started)
        if status != 0:
            raise RuntimeError("explain failed on the benchmark assembly")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "constructs_lib", *argv]
    whole = [measure(cli, cwd=directory, env=env).wall_seconds for _ in range(rounds)]
    return statistics.median(in_process), statistics.median(whole)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        warm, cold = time_explain(Path(folder), 5)
    print(f"explain, 10 AWS-managed policies: {warm:.3f} s in-process (median), {cold:.3f} s as a CLI run")
