"""The catalogue's profiles as stacks: each profile in its stack (named, or its shard), under its own ID."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnWaitConditionHandle, Stack
from constructs import Construct

from constructs_lib.catalog.loader import Catalog, CatalogProfile
from constructs_lib.cdk.access_profile import Ec2AccessProfile


class CatalogStack(Stack):
    """A stack of catalogue profiles, each built from its spec (``Ec2AccessProfile.from_spec``)."""

    def __init__(
        self, scope: Construct, id: str, *, profiles: Sequence[CatalogProfile], **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.profiles = {
            profile.name: Ec2AccessProfile.from_spec(self, profile.id, profile.spec) for profile in profiles
        }
        """The profiles of this stack, by instance profile name."""
        if not profiles:
            # A stack whose last profile left (a shard, or a stack the catalogue named) stays in the app,
            # so the deploy deletes its profiles instead of leaving the stack behind; CloudFormation
            # needs one resource, this one is inert. Its ID keeps the name it had when only shards emptied.
            CfnWaitConditionHandle(self, "EmptyShard")


def catalog_stack_names(catalog: Catalog) -> list[str]:
    """The names of the stacks ``catalog_stacks`` builds, in its order (each its construct ID too)."""
    names = dict.fromkeys(profile.stack for profile in catalog.profiles)
    names.update(dict.fromkeys((*catalog.placement.stacks, *catalog.placement.shards)))
    return list(names)


def catalog_stacks(scope: Construct, catalog: Catalog, **kwargs: Any) -> list[CatalogStack]:
    """One ``CatalogStack`` per stack the catalogue names, in the order the catalogue first names them,
    then every stack and shard the placement records, emptied ones included.

    Each stack is named as the catalogue says, in a Stage too; ``kwargs`` go to every stack.
    The catalogue must be free of errors (``catalog.errors``): a profile with findings would raise
    while its stack is built, one profile at a time, without the file's line numbers.
    """
    by_stack: dict[str, list[CatalogProfile]] = {name: [] for name in catalog_stack_names(catalog)}
    for profile in catalog.profiles:
        by_stack[profile.stack].append(profile)
    return [
        CatalogStack(scope, name, profiles=profiles, stack_name=name, **kwargs)
        for name, profiles in by_stack.items()
    ]
