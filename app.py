#!/usr/bin/env python3
"""The CDK app: every stack of access profiles this platform team deploys."""

from __future__ import annotations

from aws_cdk import App

from stacks import AssetsReaderStack, SsmManagedHostStack, WebServerStack


def compose(app: App) -> None:
    """Add the app's stacks to ``app``; tests call this with the context ``cdk synth`` uses."""
    WebServerStack(app, "Ec2Access-WebServer")
    SsmManagedHostStack(app, "Ec2Access-SsmManagedHost")
    AssetsReaderStack(app, "Ec2Access-AssetsReader", bucket_name="example-assets")


if __name__ == "__main__":
    app = App()
    compose(app)
    app.synth()
