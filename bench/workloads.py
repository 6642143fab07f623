"""The benchmark's workloads by name: which program builds them, and whether profile tagging is on.

Every workload builds the same profiles in the same stacks (``bench.profiles``, ``bench.stacks``).
The ``-tagged`` ones have profile tagging on, the library's default: one ``Custom::InstanceProfileTags``
more per profile and one tag function per stack, which hand-written CDK cannot build without a custom
resource of its own, so their targets compare them with the same ``plain`` workload. ``plain-tagged``
is that custom resource written by hand, for reference: what the tag resource costs without the library.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Workload:
    name: str
    label: str
    module: str | None
    """``bench.MODULE`` builds it in Python; None for native (Node.js runs ``native/synth.js``)."""
    tagged: bool = False

    def command(self, count: int, outdir: str, profiles_per_stack: int) -> list[str]:
        """The process that synthesizes ``count`` profiles into ``outdir``."""
        if self.module is None:
            return ["node", str(HERE / "native" / "synth.js"), str(count), outdir, str(profiles_per_stack)]
        flags = ["--tagged"] if self.tagged else []
        return [sys.executable, "-m", f"bench.{self.module}", str(count), outdir, *flags]

    def main(self) -> Callable[[int, str], None]:
        """Build and synthesize in this process (``bench.crossings`` counts its calls so)."""
        if self.module is None:
            raise ValueError(f"{self.name} does not run in Python")
        main: Callable[..., None] = import_module(f"bench.{self.module}").main
        if self.tagged:
            return lambda count, outdir: main(count, outdir, tagged=True)
        return main


WORKLOADS = {
    workload.name: workload
    for workload in (
        Workload("library", "this library (catalogue, sharded), tagging off", "library_synth"),
        Workload("construct", "Ec2AccessProfile written by hand, tagging off", "construct_synth"),
        Workload("library-tagged", "this library (catalogue), tagging on", "library_synth", tagged=True),
        Workload("construct-tagged", "Ec2AccessProfile, tagging on", "construct_synth", tagged=True),
        Workload("plain", "hand-written aws-cdk-lib (Python)", "plain_synth"),
        Workload(
            "plain-tagged",
            "hand-written aws-cdk-lib (Python) with a tag custom resource of its own (no target)",
            "plain_synth",
            tagged=True,
        ),
        Workload("native", "aws-cdk-lib in JavaScript (Node)", None),
    )
}
"""Every workload; ``plain`` is what the library's ratios divide by, ``native`` the limit jsii adds to,
``plain-tagged`` what hand-written tagging costs (the tagged workloads' reference, with no target)."""
