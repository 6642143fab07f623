"""Stacks of this app. They only compose ``constructs_lib``; the IAM rules live there."""

from stacks.assets_reader import AssetsReaderStack

__all__ = ["AssetsReaderStack"]
