"""``make test`` after lint: the type check, the CLI and emulator tier and the rest at once.

The two pytest tiers take about as long as each other and the machine has two cores; mypy runs
beside them (on a fresh clone, with no cache, it takes about two minutes of CPU on its own). The CLI
and emulator tests share the repository's cdk.out and one emulator, so they stay in one process, in
order (pytest-xdist's ``loadgroup`` would do this, but its groups are ignored under pytest 9).
Each job's output is printed whole when it ends; the exit status is the worst of them.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time

TIERS = {
    "CLI and emulator tests": "cli or emulator",
    "everything else": "not cli and not emulator",
}
TYPECHECK = "type check (mypy)"


def jobs(extra: list[str]) -> dict[str, list[str]]:
    """Each job's command: mypy, then one pytest per tier (``extra`` goes to pytest)."""
    commands = {TYPECHECK: [sys.executable, "-m", "mypy"]}
    for name, expression in TIERS.items():
        commands[name] = [sys.executable, "-m", "pytest", "-m", expression, *extra]
    return commands


def main(extra: list[str]) -> int:
    started = time.perf_counter()
    worst = 0
    with contextlib.ExitStack() as logs:
        running = []
        for name, command in jobs(extra).items():
            log = logs.enter_context(tempfile.TemporaryFile(mode="w+"))
            running.append(
                (name, command, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log)
            )
        for name, command, process, log in running:
            status = process.wait()
            log.seek(0)
            print(f"==> {name} ({' '.join(command[1:])}): exit {status}")
            print(log.read(), flush=True)
            worst = max(worst, status)  # a tier that collected nothing (pytest's 5) fails too
    print(f"==> all jobs: exit {worst}, {time.perf_counter() - started:.0f} s wall")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
