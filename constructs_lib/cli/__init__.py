"""The command line, ``ec2-access-profiles``: thin adapters that read files and print the core's
findings (``commands`` holds the parser and the commands)."""

from constructs_lib.cli.commands import main

__all__ = ["main"]
