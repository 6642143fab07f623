#!/usr/bin/env python3
"""The CDK app: the profiles of the catalogue (context key ``catalog``), and the hand-written stacks.

``cdk synth`` checks the whole catalogue first. With any problem it prints each one as
``FILE:LINE:COL: RULE-ID profile 'NAME' FIELD: message`` and exits 1, writing no template. Then it
runs cdk-nag's AwsSolutions and NIST 800-53 R5 packs and cfn-lint over every template
(``constructs_lib.cdk.linters``): a violation fails synth with CDK's validation report.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from aws_cdk import App

from constructs_lib.catalog import Catalog, load_catalog, unrecorded_findings, write_placement
from constructs_lib.cdk.catalog_stacks import catalog_stacks
from constructs_lib.cdk.deployment_stages import deployment_stages
from constructs_lib.cdk.linters import add_linters
from constructs_lib.core.checker import AppSettings
from stacks import AssetsReaderStack

CATALOG_CONTEXT = "catalog"
"""Context key naming the catalogue file (cdk.json sets it; ``cdk synth -c catalog=...`` overrides)."""
LOCK_PLACEMENT_CONTEXT = "ec2-access-profile:lockPlacement"
"""Context key that, set to true, makes synth refuse a catalogue whose placement file is out of date."""


class CatalogError(Exception):
    """The catalogue has problems: nothing was built. ``catalog.errors`` lists them."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__("\n".join(finding.line() for finding in catalog.findings))
        self.catalog = catalog


def compose(app: App) -> None:
    """Add the app's stacks to ``app``; tests call this with the context ``cdk synth`` uses.

    New profiles are recorded in the catalogue's placement file, as CDK records lookups in
    ``cdk.context.json``: commit it. With ``ec2-access-profile:lockPlacement`` set (in CI), a placement
    file that would change is an error instead.
    """
    settings = AppSettings.read(app.node.try_get_context)
    catalog = load_catalog(app.node.get_context(CATALOG_CONTEXT), settings=settings)
    if catalog.errors:
        raise CatalogError(catalog)
    if catalog.placement_changed:
        if app.node.try_get_context(LOCK_PLACEMENT_CONTEXT) in (True, "true"):
            raise CatalogError(replace(catalog, findings=unrecorded_findings(catalog)))
        write_placement(catalog)
        print(f"{catalog.placement_file}: placement recorded; commit it with the catalogue", file=sys.stderr)
    if catalog.deployments:
        deployment_stages(app, catalog)
    else:
        catalog_stacks(app, catalog)
    AssetsReaderStack(app, "Ec2Access-AssetsReader", bucket_name="example-assets")


if __name__ == "__main__":
    app = App()
    try:
        compose(app)
    except CatalogError as error:
        print(error, file=sys.stderr)
        print(
            f"{error.catalog.path}: {len(error.catalog.errors)} problems; no template written",
            file=sys.stderr,
        )
        sys.exit(1)
    add_linters(app)
    app.synth()
