"""``python -m bench.audit`` (``make bench``): what ``ec2-access-profiles audit`` costs on the emulator.

For each size N, an account holding N profiles exactly as an assembly declares them (a steady
account: no finding), audited by the real command in a process of its own; then one deployment of
``--accounts`` accounts of ``--per-account`` profiles each, audited with ``--deployment``. The
audit talks to the emulator through a counting proxy on 127.0.0.1, which counts every call by
service and operation: the figures are the calls the command made, as AWS would bill and throttle
them. Prints a table and writes ``bench/audit-results.md``.

An audit's row is "met" only when every round exited 0 (the account is as declared: no finding, no
error), every round made the same calls, and the IAM calls a profile are within the budget; a row
that is not says why, and the command then exits 1 (after writing the table). The wall time target
is a figure only: it moves with the machine's load. The call budget is also a test:
``tests/test_audit_account.py``.

The templates are what the library synthesizes for a catalogue profile with preset ``ssm``: a named
role at ``/ec2/`` with ``AmazonSSMManagedInstanceCore``, its instance profile and the profile's
``Custom::InstanceProfileTags``. They are written here, not synthesized, so the bench costs the
audit and not a synth of thousands of profiles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator import Emulator  # noqa: E402

MANAGED = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ],
}
TAGS = {"Environment": "Production", "Service": "Bench"}
PER_STACK = 100
AUDITOR = "Auditor"
FIRST_MEMBER = 111111111100
TARGET_SECONDS = 30.0
"""Issue 21: 2,000 profiles audited on the emulator in 30 s at most."""
CALL_BUDGET = 3.0
"""Issue 21: at most three IAM calls a profile in a steady account."""
EXPECTED_STATUS = 0
"""What the audit of a steady account (every profile as declared) exits with: no finding."""


# -- a counting proxy -------------------------------------------------------------------------------


class CountingProxy:
    """An HTTP proxy on 127.0.0.1 in front of the emulator that counts each call as ``service:Operation``."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.counts: Counter[str] = Counter()
        lock = threading.Lock()
        local = threading.local()
        counts = self.counts

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits out the client's delayed ACK

            def do_POST(self) -> None:
                self._forward()

            def do_GET(self) -> None:
                self._forward()

            def log_message(self, *_: Any) -> None:
                return

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    counts[_operation(self.headers, body)] += 1
                connection = getattr(local, "connection", None)
                if connection is None:
                    connection = local.connection = http.client.HTTPConnection(
                        str(target.hostname), target.port
                    )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "host")}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in (
                        "connection",
                        "transfer-encoding",
                        "content-length",
                        "server",
                        "date",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _operation(headers: Any, body: bytes) -> str:
    """``iam:ListInstanceProfileTags``: the signing scope's service, and the query ``Action`` or the
    JSON protocol's ``X-Amz-Target``."""
    authorization = str(headers.get("Authorization") or "")
    scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else "unknown"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rpartition('.')[2]}"
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["unknown"])[0]
    return f"{service}:{action}"


# -- an assembly and an account to match ------------------------------------------------------------


def resources(name: str) -> dict[str, Any]:
    """One profile as the library synthesizes it (preset ``ssm``, tagging on)."""
    tags = [{"Key": key, "Value": value} for key, value in sorted(TAGS.items())]
    construct = name.replace("-", "")
    return {
        f"{construct}Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": name,
                "Path": "/ec2/",
                "AssumeRolePolicyDocument": TRUST,
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":iam::aws:policy/AmazonSSMManagedInstanceCore",
                            ],
                        ]
                    }
                ],
                "Tags": tags,
            },
        },
        construct: {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {
                "InstanceProfileName": name,
                "Path": "/ec2/",
                "Roles": [{"Ref": f"{construct}Role"}],
            },
        },
        f"{construct}Tags": {
            "Type": "Custom::InstanceProfileTags",
            "Properties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:0:function:tags",
                "InstanceProfileName": {"Ref": construct},
                "Tags": tags,
            },
        },
    }


def write_stacks(
    directory: Path, names: list[str], environment: str = "aws://unknown-account/unknown-region"
) -> None:
    """A cloud assembly of ``names`` in stacks of ``PER_STACK`` profiles."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for number, start in enumerate(range(0, len(names), PER_STACK)):
        stack = f"Ec2AccessProfiles-{number + 1}"
        template = {
            "Resources": {
                k: v for name in names[start : start + PER_STACK] for k, v in resources(name).items()
            }
        }
        (directory / f"{stack}.template.json").write_text(json.dumps(template))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": environment,
            "properties": {"templateFile": f"{stack}.template.json"},
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))


def write_stages(directory: Path, deployment: str, accounts: list[str], names: list[str]) -> None:
    """A deployment to ``accounts``: a Stage (nested assembly) per account, as `cdk synth` writes it."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for account in accounts:
        stage = f"assembly-{deployment}-{account}"
        write_stacks(directory / stage, names, f"aws://{account}/us-east-1")
        artifacts[stage] = {"type": "cdk:cloud-assembly", "properties": {"directoryName": stage}}
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))


def create_profiles(emulator: Emulator, names: list[str], account: str | None = None) -> None:
    """Make each profile and role in the account as the templates declare them (and the audit role)."""
    iam = emulator.client("iam")
    if account is not None:
        iam.meta.events.register(
            "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
        )
        iam.create_role(RoleName=AUDITOR, AssumeRolePolicyDocument=json.dumps(TRUST))
    tags = [{"Key": key, "Value": value} for key, value in TAGS.items()]

    def create(name: str) -> None:
        iam.create_role(RoleName=name, Path="/ec2/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags)
        iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED)
        iam.create_instance_profile(InstanceProfileName=name, Path="/ec2/", Tags=tags)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    for name in names:  # one at a time: moto's IAM fails concurrent writes (500) now and then
        create(name)


# -- measuring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    accounts: int
    profiles: int
    seconds: float
    first_seconds: float
    """The first round's: it also pays for moto building each account's backends on first use."""
    cpu_seconds: float
    """The command's own CPU time (not the emulator's), median of the rounds: what load does not change."""
    calls: Counter[str]
    """The calls of the round that made the most IAM calls (all rounds', when they agree)."""
    status: int
    """The first exit status of the rounds that was not ``EXPECTED_STATUS``; that one if all were."""
    same_calls: bool = True
    """Whether every round made the same calls."""

    @property
    def iam_calls(self) -> int:
        return _iam_calls(self.calls)

    @property
    def per_profile(self) -> float:
        return self.iam_calls / self.profiles

    @property
    def problems(self) -> list[str]:
        """Why the row is not met; none when it is."""
        problems = []
        if self.status != EXPECTED_STATUS:
            problems.append(f"exit {self.status}, not {EXPECTED_STATUS}")
        if not self.same_calls:
            problems.append("the calls differ between rounds")
        if self.per_profile > CALL_BUDGET:
            problems.append(f"over {CALL_BUDGET:.0f} a profile")
        return problems

    @property
    def met(self) -> bool:
        return not self.problems

    def row(self) -> str:
        met = "met" if self.met else "NOT met: " + "; ".join(self.problems)
        return (
            f"| {self.label} | {self.accounts} | {self.profiles:,} | {self.seconds:.1f} "
            f"| {self.first_seconds:.1f} | {self.cpu_seconds:.1f} | {self.iam_calls:,} "
            f"| {self.per_profile:.2f} ({met}) | {sum(self.calls.values()):,} | {self.status} |"
        )


def audit(
    emulator: Emulator,
    proxy: CountingProxy,
    rounds: int,
    label: str,
    accounts: int,
    profiles: int,
    *args: str,
) -> Figure:
    """Run the command through the proxy ``rounds`` times: the median wall time, and what it asked
    (the same each round, or the bench says so)."""
    env = {**emulator.cli_environment(), "AWS_ENDPOINT_URL": proxy.endpoint, "PYTHONPATH": str(ROOT)}
    times: list[float] = []
    cpu: list[float] = []
    counted: list[Counter[str]] = []
    status = EXPECTED_STATUS
    for _ in range(rounds):
        proxy.counts.clear()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "constructs_lib", "audit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        counted.append(Counter(proxy.counts))
        if status == EXPECTED_STATUS:  # the first unexpected status (a signal's is negative)
            status = result.returncode
        if result.returncode != EXPECTED_STATUS:
            print(result.stdout[-2000:] + result.stderr[-2000:], file=sys.stderr)
    same_calls = all(calls == counted[0] for calls in counted)
    if not same_calls:
        print(f"{label}: the calls differ from round to round: {counted}", file=sys.stderr)
    figure = Figure(
        label,
        accounts,
        profiles,
        statistics.median(times),
        times[0],
        statistics.median(cpu),
        max(counted, key=_iam_calls),
        status,
        same_calls,
    )
    print(
        f"{label}: {figure.seconds:.1f} s ({figure.cpu_seconds:.1f} CPU s), {figure.iam_calls:,} IAM calls, "
        f"{figure.per_profile:.2f} a profile, exit {figure.status}: {dict(sorted(figure.calls.items()))}",
        flush=True,
    )
    return figure


def _iam_calls(calls: Counter[str]) -> int:
    return sum(count for call, count in calls.items() if call.startswith("iam:"))


def names(count: int, prefix: str = "bench") -> list[str]:
    return [f"{prefix}-{number:05d}" for number in range(count)]


def measure(sizes: list[int], accounts: int, per_account: int, rounds: int, work: Path) -> list[Figure]:
    figures: list[Figure] = []
    with Emulator(log_path=work / "moto.log") as emulator:
        proxy = CountingProxy(emulator.endpoint)
        try:
            made = 0
            for size in sorted(sizes):  # one account grows: each size adds profiles to the last
                wanted = names(size)
                create_profiles(emulator, wanted[made:])
                made = size
                write_stacks(work / f"single-{size}", wanted)
                figures.append(
                    audit(
                        emulator,
                        proxy,
                        rounds,
                        f"one account, N = {size:,}",
                        1,
                        size,
                        "--assembly",
                        str(work / f"single-{size}"),
                    )
                )
            if accounts:
                members = [str(FIRST_MEMBER + number) for number in range(accounts)]
                for member in members:
                    create_profiles(emulator, names(per_account, "member"), account=member)
                write_stages(work / "deployment", "bench", members, names(per_account, "member"))
                figures.append(
                    audit(
                        emulator,
                        proxy,
                        rounds,
                        f"deployment, {accounts} accounts x {per_account:,}",
                        accounts,
                        accounts * per_account,
                        "--assembly",
                        str(work / "deployment"),
                        "--deployment",
                        "bench",
                        "--role-name",
                        AUDITOR,
                    )
                )
        finally:
            proxy.close()
    return figures


def table(figures: list[Figure]) -> str:
    lines = [
        "Audit on the emulator (moto server, loopback), through a counting proxy. "
        f"Budget: {CALL_BUDGET:.0f} IAM calls a profile; "
        f"target: 2,000 profiles in {TARGET_SECONDS:.0f} s or less. "
        "Wall time: the command's, median of the rounds. "
        f"Load average when it ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| Audit | Accounts | Profiles | Wall s | First run s | Command CPU s | IAM calls "
        "| IAM calls a profile | All calls | Exit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(figure.row() for figure in figures),
    ]
    for figure in figures:
        if figure.profiles == 2000 and figure.accounts == 1:
            met = "met" if figure.seconds <= TARGET_SECONDS else "NOT met"
            lines += ["", f"2,000 profiles: {figure.seconds:.1f} s ({met})."]
    failed = [figure for figure in figures if not figure.met]
    if failed:
        lines += [
            "",
            f"**Not met: {', '.join(figure.label for figure in failed)}** "
            "(`python -m bench.audit` exited 1; its output above the table says why).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 2000], help="profiles in one account")
    parser.add_argument("--accounts", type=int, default=10, help="accounts of the deployment (0: none)")
    parser.add_argument("--per-account", type=int, default=200, help="profiles in each of them")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each audit; the median time (default 3)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "audit-results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        figures = measure(args.sizes, args.accounts, args.per_account, args.rounds, Path(work))
    text = table(figures)
    args.output.write_text(text)
    print(text)
    failed = [figure.label for figure in figures if not figure.met]
    if failed:
        raise SystemExit(f"python -m bench.audit: not met: {', '.join(failed)} ({args.output} says why)")


if __name__ == "__main__":
    main()
