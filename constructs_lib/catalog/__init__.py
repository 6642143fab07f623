"""The catalogue: ``catalog.yaml`` read with its line marks (``marked_yaml``), checked against its
schema (``schema``) and the core's rules (``loader``), placed on stacks (``placement``) and deployed
to accounts and OUs (``deployments``); a catalogue that cannot be built is a ``CatalogError``
(``errors``). Pure, like the core: no aws-cdk-lib."""

from constructs_lib.catalog.errors import CatalogError, exit_on_catalog_errors
from constructs_lib.catalog.loader import (
    Catalog,
    CatalogProfile,
    CatalogReadError,
    load_catalog,
    unrecorded_findings,
    write_placement,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogProfile",
    "CatalogReadError",
    "exit_on_catalog_errors",
    "load_catalog",
    "unrecorded_findings",
    "write_placement",
]
