"""``make test`` after lint: the type check and the three pytest tiers at once, then a table of each.

The tiers split the suite by what a test starts (``tests/conftest.py`` marks them from their
imports and fixtures, ``tests/tiers.py``): the pure tests (no Node.js, no moto: ``make
test-fast``), the ones that synthesize with aws-cdk-lib or call moto in process, and the CLI and
emulator tests. These last share one real ``cdk synth`` of the app and one emulator, so they stay in
one process, in order, which imports only the modules that hold them (``--cli-tier``); a CLI test
that shares nothing with them (marker ``alone``: its own repository, virtualenv and CLI) runs in a
job of its own beside them, so that the two use both cores. That job and the pure tier run at a
lower priority, filling the time the two long tiers leave a core idle. Each job's
output is printed whole when it ends; then a table gives each job's wall and CPU time, and each
tier's test count and slowest five tests (from pytest's JUnit XML). The exit status is the worst of
them, and a tier that collected no test (pytest's 5) fails the run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

TIERS = {
    "pure": ["--fast-tier"],
    "synth and moto": ["-m", "not pure and not cli and not emulator"],
    "CLI and emulator": ["--cli-tier", "-m", "(cli or emulator) and not alone"],
    "CLI, alone": ["--cli-tier", "-m", "alone"],
}
BACKGROUND = frozenset({"pure", "CLI, alone"})
"""Jobs that run at a lower priority (``nice``): the two long tiers set the wall time, and these
fill the time a core would otherwise wait, instead of taking turns with them from the start."""
NICENESS = 10
TYPECHECK = "type check (mypy)"
SLOWEST = 5
POLL_SECONDS = 0.2


@dataclass
class Job:
    name: str
    command: list[str]
    report: Path | None = None
    status: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """User and system time of the job and the processes it waited for (jsii's Node.js, the CLI, moto)."""
    tests: list[tuple[float, str]] = field(default_factory=list)
    background: bool = False


def jobs(extra: list[str], reports: Path) -> list[Job]:
    """mypy, then one pytest per tier (``extra`` goes to each pytest)."""
    planned = [Job(TYPECHECK, [sys.executable, "-m", "mypy"])]
    for index, (name, selection) in enumerate(TIERS.items()):
        report = reports / f"tier-{index}.xml"
        command = [sys.executable, "-m", "pytest", *selection, f"--junitxml={report}", *extra]
        planned.append(Job(name, command, report, background=name in BACKGROUND))
    return planned


def _lower_priority() -> None:
    os.nice(NICENESS)


def read_report(report: Path) -> list[tuple[float, str]]:
    """(seconds, test id) for each test pytest ran or skipped, from its JUnit XML."""
    if not report.exists():
        return []
    cases = ElementTree.parse(report).getroot().iter("testcase")
    return [
        (float(case.get("time", 0)), f"{case.get('classname', '')}::{case.get('name', '')}") for case in cases
    ]


def table(done: list[Job]) -> str:
    """Markdown: each job's wall and CPU time, its test count and its slowest tests."""
    rows = ["| job | wall | CPU | tests | slowest five |", "| --- | --- | --- | --- | --- |"]
    for job in done:
        slowest = "<br>".join(f"{s:.1f} s {name}" for s, name in sorted(job.tests, reverse=True)[:SLOWEST])
        count = str(len(job.tests)) if job.report else ""
        times = f"{job.seconds:.0f} s | {job.cpu_seconds:.0f} s"
        rows.append(f"| {job.name} (exit {job.status}) | {times} | {count} | {slowest} |")
    return "\n".join(rows)


def main(extra: list[str]) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as logs:
        running = []
        for job in jobs(extra, Path(folder)):
            log = logs.enter_context(tempfile.TemporaryFile(mode="w+"))
            lower = _lower_priority if job.background else None
            process = subprocess.Popen(job.command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=lower)
            running.append((job, process, log, time.perf_counter()))
        ended: set[str] = set()
        while len(ended) < len(running):
            for job, process, _, start in running:
                if job.name in ended:
                    continue
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    ended.add(job.name)
                    job.seconds = time.perf_counter() - start
                    job.cpu_seconds = usage.ru_utime + usage.ru_stime
                    job.status = process.returncode = os.waitstatus_to_exitcode(status)
            time.sleep(POLL_SECONDS)
        done = []
        for job, _, log, _ in running:
            if job.report:
                job.tests = read_report(job.report)
            log.seek(0)
            print(f"==> {job.name} ({' '.join(job.command[1:])}): exit {job.status}")
            print(log.read(), flush=True)
            done.append(job)
    worst = max(job.status for job in done)  # a tier that collected nothing (pytest's 5) fails too
    print(table(done))
    cpu = sum(job.cpu_seconds for job in done)
    print(f"\n==> all jobs: exit {worst}, {time.perf_counter() - started:.0f} s wall, {cpu:.0f} s CPU")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
