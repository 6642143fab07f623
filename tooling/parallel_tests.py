"""``make test``'s pytest: the CLI and emulator tier and the rest at once, one process each.

The two tiers take about as long as each other and the machine has two cores. The CLI and
emulator tests share the repository's cdk.out and one emulator, so they stay in one process, in
order (pytest-xdist's ``loadgroup`` would do this, but its groups are ignored under pytest 9).
Each tier's output is printed whole when it ends; the exit status is the worse of the two.
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


def main(extra: list[str]) -> int:
    started = time.perf_counter()
    worst = 0
    with contextlib.ExitStack() as logs:
        running = []
        for name, expression in TIERS.items():
            log = logs.enter_context(tempfile.TemporaryFile(mode="w+"))
            command = [sys.executable, "-m", "pytest", "-m", expression, *extra]
            running.append((name, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log))
        for name, process, log in running:
            status = process.wait()
            log.seek(0)
            print(f"==> {name} (pytest -m {TIERS[name]!r}): exit {status}")
            print(log.read(), flush=True)
            # pytest exits 5 when a tier collects nothing (a filtered run): that is not a failure.
            worst = max(worst, 0 if status == 5 else status)
    print(f"==> both tiers: exit {worst}, {time.perf_counter() - started:.0f} s wall")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
