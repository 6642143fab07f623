"""The app after a change a platform team makes in a pull request, for the update tests on the emulator.

Same stacks and construct IDs as ``app.compose``: ``changed_catalog.yaml`` is ``catalog.yaml`` with the
web server's profile renamed (replaced), its managed policy swapped, a statement, a longer session
and different tags; the assets reader reads another bucket; the SSM host does not change.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App

from constructs_lib.catalog.loader import load_catalog
from constructs_lib.cdk.catalog_stacks import catalog_stacks
from stacks import AssetsReaderStack

RENAMED_PROFILE = "EC2-Web-Access-Profile"
CHANGED_CATALOG = Path(__file__).with_name("changed_catalog.yaml")


def compose_changed(app: App) -> None:
    catalog = load_catalog(CHANGED_CATALOG)
    assert not catalog.findings, [finding.line() for finding in catalog.findings]
    catalog_stacks(app, catalog)
    AssetsReaderStack(app, "Ec2Access-AssetsReader", bucket_name="example-assets-v2")
