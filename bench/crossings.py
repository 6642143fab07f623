"""``python -m bench.crossings``: how many times each workload crosses between Python and Node.js per profile.

Every jsii message Python sends its Node.js process (a call into aws-cdk-lib, or the answer to a
callback from it) is counted, apart for building the app and for ``app.synth()``. A count does not
depend on the machine, so it shows what a change buys before timings can. Each workload runs in a
process of its own at two sizes; the difference divided by the difference in profiles is the cost
of one more profile, without what a workload pays once (starting, its stacks).

``--kinds`` breaks each workload's messages down by what they ask (``create aws_iam.CfnRole``,
``invoke Stack.resolve``, ``callback Lazy.produce``...), to show which calls one more profile makes.
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


def count(workload: str, profiles: int, *, kinds: bool = False) -> dict[str, int]:
    """Messages to Node.js while ``workload`` builds ``profiles`` profiles, and while it synthesizes them.

    Keyed by phase (``build``, ``synth``); with ``kinds``, by ``PHASE KIND`` (``describe``).
    """
    from tooling.cdk import use_supported_node

    use_supported_node()
    import aws_cdk
    from jsii._kernel.providers import process

    counts: Counter[str] = Counter()
    phase = "build"
    send = process._NodeProcess.send
    synth = aws_cdk.App.synth
    callbacks: dict[str, str] = {}

    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        if not kinds:
            counts[phase] += 1
            return send(self, request, response_type)
        counts[f"{phase} {describe(request, callbacks)}"] += 1
        response = send(self, request, response_type)
        if hasattr(response, "cbid"):
            callbacks[response.cbid] = describe_callback(response)
        return response

    def counted_synth(self: aws_cdk.App, *args: Any, **kwargs: Any) -> Any:
        nonlocal phase
        phase = "synth"
        return synth(self, *args, **kwargs)

    process._NodeProcess.send = counted_send  # type: ignore[method-assign]
    aws_cdk.App.synth = counted_synth  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as outdir:
            WORKLOADS[workload].main()(profiles, outdir)
    finally:  # the process may go on (a test counts in its own)
        process._NodeProcess.send = send  # type: ignore[method-assign]
        aws_cdk.App.synth = synth  # type: ignore[method-assign]
    return dict(counts)


def _type(ref: Any) -> str:
    """The class of an object reference (``aws-cdk-lib.aws_iam.CfnRole@10042`` -> ``aws_iam.CfnRole``)."""
    return str(ref.ref).split("@", 1)[0].removeprefix("aws-cdk-lib.")


def describe(request: Any, callbacks: dict[str, str]) -> str:
    """What one message to Node.js asks: its kind, and the class and member it names."""
    kind = type(request).__name__.removesuffix("Request").lstrip("_").lower()
    if hasattr(request, "complete"):  # a callback's answer, sent while a call waits for it
        return f"answer {callbacks.get(request.complete.cbid, '?')}"
    if hasattr(request, "objref"):
        member = getattr(request, "method", None) or getattr(request, "property", "")
        return f"{kind} {_type(request.objref)}.{member}"
    if hasattr(request, "fqn"):
        member = getattr(request, "method", None) or getattr(request, "property", None)
        name = str(request.fqn).removeprefix("aws-cdk-lib.")
        return f"{kind} {name}.{member}" if member else f"{kind} {name}"
    return kind


def describe_callback(callback: Any) -> str:
    """The method or property of a Python object Node.js calls back."""
    for kind in ("invoke", "get", "set"):
        request = getattr(callback, kind, None)
        if request is not None:
            member = getattr(request, "method", None) or getattr(request, "property", "")
            return f"{kind} {_type(request.objref)}.{member}"
    return "?"


def measured(workload: str, profiles: int, *, kinds: bool = False) -> dict[str, int]:
    """``count`` in a fresh process, so no workload inherits another's Node.js state."""
    code = (
        "import json, bench.crossings as c; "
        f"print(json.dumps(c.count({workload!r}, {profiles}, kinds={kinds!r})))"
    )
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


def per_profile_kinds(workload: str, small: int, large: int) -> dict[str, float]:
    """``workload``'s messages per profile by ``PHASE KIND``, most first; kinds that do not grow left out."""
    before, after = measured(workload, small, kinds=True), measured(workload, large, kinds=True)
    grown = {key: (after.get(key, 0) - before.get(key, 0)) / (large - small) for key in {*before, *after}}
    return dict(sorted(((k, v) for k, v in grown.items() if v), key=lambda item: (-item[1], item[0])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs=2, default=list(DEFAULT_SIZES), metavar=("SMALL", "LARGE"))
    python = [name for name, workload in WORKLOADS.items() if workload.module is not None]
    parser.add_argument("--workloads", nargs="+", default=list(DEFAULT_WORKLOADS), choices=python)
    parser.add_argument("--kinds", action="store_true", help="break each workload down by call")
    args = parser.parse_args()
    small, large = args.sizes
    if args.kinds:
        for workload in args.workloads:
            print(f"\n{workload}: messages per profile (from N = {small} to {large})\n")
            for key, share in per_profile_kinds(workload, small, large).items():
                print(f"{share:6.2f}  {key}")
        return
    print(f"Messages from Python to Node.js per profile (from N = {small} to {large})\n")
    print("| workload | building | app.synth() | total |")
    print("| --- | --- | --- | --- |")
    for workload, calls in per_profile(args.workloads, small, large).items():
        print(f"| {workload} | {calls.build:.1f} | {calls.synth:.1f} | {calls.total:.1f} |")


if __name__ == "__main__":
    main()
