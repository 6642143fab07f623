"""Stacks of this app. They only compose ``constructs_lib``; the IAM rules live there."""

from stacks.assets_reader import AssetsReaderStack
from stacks.ssm_managed_host import SsmManagedHostStack
from stacks.web_server import WebServerStack

__all__ = ["AssetsReaderStack", "SsmManagedHostStack", "WebServerStack"]
