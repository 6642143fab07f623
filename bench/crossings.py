"""``python -m bench.crossings``: how many times each workload crosses between Python and Node.js per profile.

Every jsii message Python sends its Node.js process (a call into aws-cdk-lib, or the answer to a
callback from it) is counted, apart for building the app and for ``app.synth()``. A count does not
depend on the machine, so it shows what a change buys before timings can. Each workload runs in a
process of its own at two sizes; the difference divided by the difference in profiles is the cost
of one more profile, without what a workload pays once (starting, its stacks).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.workloads import WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOADS = ("library", "construct", "library-tagged", "construct-tagged", "plain")
DEFAULT_SIZES = (100, 200)


def count(workload: str, profiles: int) -> dict[str, int]:
    """Messages to Node.js while ``workload`` builds ``profiles`` profiles, and while it synthesizes them."""
    from tooling.cdk import use_supported_node

    use_supported_node()
    import aws_cdk
    from jsii._kernel.providers import process

    counts: Counter[str] = Counter()
    phase = "build"
    send = process._NodeProcess.send
    synth = aws_cdk.App.synth

    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        counts[phase] += 1
        return send(self, request, response_type)

    def counted_synth(self: aws_cdk.App, *args: Any, **kwargs: Any) -> Any:
        nonlocal phase
        phase = "synth"
        return synth(self, *args, **kwargs)

    process._NodeProcess.send = counted_send  # type: ignore[method-assign]
    aws_cdk.App.synth = counted_synth  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as outdir:
        WORKLOADS[workload].main()(profiles, outdir)
    return dict(counts)


def measured(workload: str, profiles: int) -> dict[str, int]:
    """``count`` in a fresh process, so no workload inherits another's Node.js state."""
    code = f"import json, bench.crossings as c; print(json.dumps(c.count({workload!r}, {profiles})))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass(frozen=True)
class PerProfile:
    """Messages to Node.js one more profile costs: while building, and in ``app.synth()``."""

    build: float
    synth: float

    @property
    def total(self) -> float:
        return self.build + self.synth


def per_profile(workloads: Iterable[str], small: int, large: int) -> dict[str, PerProfile]:
    """Each workload's messages per profile, from ``small`` to ``large`` profiles."""
    found = {}
    for workload in workloads:
        before, after = measured(workload, small), measured(workload, large)
        build, synth = (
            (after.get(phase, 0) - before.get(phase, 0)) / (large - small) for phase in ("build", "synth")
        )
        found[workload] = PerProfile(build, synth)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs=2, default=list(DEFAULT_SIZES), metavar=("SMALL", "LARGE"))
    python = [name for name, workload in WORKLOADS.items() if workload.module is not None]
    parser.add_argument("--workloads", nargs="+", default=list(DEFAULT_WORKLOADS), choices=python)
    args = parser.parse_args()
    small, large = args.sizes
    print(f"Messages from Python to Node.js per profile (from N = {small} to {large})\n")
    print("| workload | building | app.synth() | total |")
    print("| --- | --- | --- | --- |")
    for workload, calls in per_profile(args.workloads, small, large).items():
        print(f"| {workload} | {calls.build:.1f} | {calls.synth:.1f} | {calls.total:.1f} |")


if __name__ == "__main__":
    main()
