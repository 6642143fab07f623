"""The catalogue: ``catalog.yaml`` read with its line marks (``marked_yaml``), checked against its
schema (``schema``) and the core's rules (``loader``), placed on stacks (``placement``) and deployed
to accounts and OUs (``deployments``). Pure, like the core: no aws-cdk-lib."""

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
    "CatalogProfile",
    "CatalogReadError",
    "load_catalog",
    "unrecorded_findings",
    "write_placement",
]
