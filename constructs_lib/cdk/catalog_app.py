"""``build_catalog``: a catalogue file's profiles as stacks of any CDK app, next to the app's own stacks.

::

    from constructs_lib import build_catalog, exit_on_catalog_errors

    with exit_on_catalog_errors():          # a bad catalogue: each finding, a count, exit 1
        build_catalog(app, "catalog.yaml")  # or build_catalog(app): the context key "catalog"

It builds what this repository's ``app.py`` builds: each profile in the stack it names or on its
shard, emptied stacks and shards kept (inert), a Stage per account and a stack of StackSets per
deployment to OUs when the catalogue has ``deployments:``. It reads the app's settings
(``AppSettings``: required tags, managed-policy quota) and ``ec2-access-profile:lockPlacement`` from
the scope's context, and records the placement file beside the catalogue, as CDK records lookups in
``cdk.context.json``. The whole catalogue is checked first: with any problem it raises
``CatalogError`` and adds nothing to the scope.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Stage
from constructs import Construct

from constructs_lib.catalog.errors import CatalogError
from constructs_lib.catalog.loader import (
    Catalog,
    CatalogReadError,
    load_catalog,
    unrecorded_findings,
    write_placement,
)
from constructs_lib.cdk.access_profile import Ec2AccessProfile
from constructs_lib.cdk.catalog_stacks import CatalogStack, catalog_stack_names, catalog_stacks
from constructs_lib.cdk.deployment_stages import StackSetsStack, deployment_ids, deployment_stages
from constructs_lib.core.checker import AppSettings

CATALOG_CONTEXT = "catalog"
"""Context key naming the catalogue file when ``build_catalog`` is given no path (``-c catalog=...``)."""
LOCK_PLACEMENT_CONTEXT = "ec2-access-profile:lockPlacement"
"""Context key that, set to true (in CI), makes a placement file that would change an error (EAP113)."""


@dataclass(frozen=True)
class CatalogBuild:
    """What ``build_catalog`` added to the scope, to use next to the app's own constructs."""

    catalog: Catalog
    """The catalogue as read and checked."""
    stacks: Mapping[str, CatalogStack]
    """Every stack of profiles, by the name ``cdk deploy`` takes: its name, ``STAGE/NAME`` in a Stage."""
    stages: Mapping[str, Stage]
    """One Stage per account of each deployment, by construct ID (``prod-111111111111``); none without
    ``deployments:``."""
    stack_set_stacks: Mapping[str, StackSetsStack]
    """The stack of StackSets of each deployment to organizational units, by deployment name."""

    @property
    def profiles(self) -> dict[str, Ec2AccessProfile]:
        """Every profile in the app, by instance profile name (``STAGE/NAME`` in a Stage).

        Profiles that StackSets deploy are not constructs of the app: they are in no stack here.
        """
        profiles = {}
        for key, stack in self.stacks.items():
            stage, _, _ = key.rpartition("/")
            for name, profile in stack.profiles.items():
                profiles[f"{stage}/{name}" if stage else name] = profile
        return profiles


def build_catalog(scope: Construct, path: str | Path | None = None) -> CatalogBuild:
    """Add the catalogue at ``path`` (default: the context key ``catalog``) to ``scope``, an App or Stage.

    Raises ``CatalogError`` with every finding, having added nothing, when the catalogue has
    problems or the locked placement file is out of date; ``CatalogReadError`` when the file cannot
    be read or no catalogue is named.
    """
    if path is None:
        path = scope.node.try_get_context(CATALOG_CONTEXT)
        if not isinstance(path, str) or not path:
            raise CatalogReadError(
                f"no catalogue: give build_catalog a path, or set the context key {CATALOG_CONTEXT!r} "
                f'(cdk.json: "context": {{"{CATALOG_CONTEXT}": "catalog.yaml"}})'
            )
    catalog = load_catalog(path, settings=AppSettings.read(scope.node.try_get_context))
    if catalog.errors:
        raise CatalogError(catalog)
    ids = deployment_ids(catalog) if catalog.deployments else catalog_stack_names(catalog)
    taken = [name for name in ids if scope.node.try_find_child(name) is not None]
    if taken:  # before the placement file is written: nothing is done when it fails
        where = scope.node.path or "the app"
        raise ValueError(
            f"build_catalog: {where} already has {', '.join(map(repr, taken))}: a catalogue's stacks "
            "(or Stages) are named as the catalogue says, once a scope; build another catalogue in a "
            "Stage of its own, or give its profiles other stacks"
        )
    if catalog.placement_changed:
        if scope.node.try_get_context(LOCK_PLACEMENT_CONTEXT) in (True, "true"):
            raise CatalogError(catalog, unrecorded_findings(catalog))
        write_placement(catalog)
        print(f"{catalog.placement_file}: placement recorded; commit it with the catalogue", file=sys.stderr)
    if not catalog.deployments:
        stacks = {stack.stack_name: stack for stack in catalog_stacks(scope, catalog)}
        return CatalogBuild(catalog, stacks, {}, {})
    built = deployment_stages(scope, catalog)
    return CatalogBuild(catalog, built.stacks, built.stages, built.stack_sets)
