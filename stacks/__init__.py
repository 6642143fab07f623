"""Stacks of this app. They only compose ``constructs_lib``; the IAM rules live there."""

from stacks.assets_reader import AssetsReaderStack
from stacks.catalog import CatalogStack, catalog_stacks
from stacks.deployments import StackSetsStack, deployment_stages

__all__ = ["AssetsReaderStack", "CatalogStack", "StackSetsStack", "catalog_stacks", "deployment_stages"]
