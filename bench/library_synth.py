"""Workload: N profiles through the library's catalogue, as the app builds them (sharded), synthesized.

Run as ``python -m bench.library_synth N OUTDIR [--tagged]``; the benchmark measures the whole
process. Without ``--tagged`` neither the tag function nor the contract parameter is built, as in
plain CDK; with it, profile tagging is on, the default.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.profiles import catalog_yaml
from tooling.cdk import cli_context, use_supported_node


def main(count: int, outdir: str, *, tagged: bool = False) -> None:
    use_supported_node()
    from aws_cdk import App

    from constructs_lib.catalog.loader import load_catalog
    from constructs_lib.cdk.catalog_stacks import catalog_stacks
    from constructs_lib.core.checker import AppSettings

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(catalog_yaml(count))
        context = {
            **cli_context(),
            "catalog": str(path),
            "ec2-access-profile:tagInstanceProfile": tagged,
            "ec2-access-profile:publishContract": False,
        }
        app = App(context=context, outdir=outdir)
        catalog = load_catalog(path, settings=AppSettings.read(app.node.try_get_context))
        if catalog.errors:
            raise SystemExit("\n".join(finding.line() for finding in catalog.errors[:5]))
        catalog_stacks(app, catalog)
        app.synth()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], tagged="--tagged" in sys.argv[3:])
