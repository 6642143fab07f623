#!/usr/bin/env python3
"""The CDK app: the profiles of the catalogue (context key ``catalog``), and the hand-written stacks.

``cdk synth`` checks the whole catalogue first. With any problem it prints each one as
``FILE:LINE:COL: RULE-ID profile 'NAME' FIELD: message`` and exits 1, writing no template
(``exit_on_catalog_errors``). Then it runs cdk-nag's AwsSolutions and NIST 800-53 R5 packs and
cfn-lint over every template (``add_linters``): a violation fails synth with CDK's validation report.
"""

from __future__ import annotations

from aws_cdk import App

from constructs_lib import build_catalog, exit_on_catalog_errors
from constructs_lib.cdk.linters import add_linters
from stacks import AssetsReaderStack


def compose(app: App) -> None:
    """Add the app's stacks to ``app``; tests call this with the context ``cdk synth`` uses.

    ``build_catalog`` records new profiles in the catalogue's placement file: commit it. With
    ``ec2-access-profile:lockPlacement`` set (in CI), a placement file that would change is an error.
    """
    build_catalog(app)
    AssetsReaderStack(app, "Ec2Access-AssetsReader", bucket_name="example-assets")


if __name__ == "__main__":
    app = App()
    with exit_on_catalog_errors():
        compose(app)
    add_linters(app)
    app.synth()
