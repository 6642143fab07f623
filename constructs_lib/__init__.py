"""CDK constructs that give EC2 instances their AWS permissions.

``Ec2AccessProfile`` bundles an IAM role trusted by EC2, its permissions and tags, and the
instance profile that carries the role to an instance, and checks every value at synth time.
``build_catalog(app)`` adds a catalogue file's profiles to any CDK app, as stacks, Stages and
StackSets; ``exit_on_catalog_errors()`` reports a bad catalogue as ``cdk synth`` should.

The pure parts (``ProfileSpec``, the checker, presets, rules, the catalogue) import without
aws-cdk-lib, so checking a catalogue starts no Node.js. The constructs load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from constructs_lib.core import nag_findings
from constructs_lib.core.checker import AppSettings, check_profile
from constructs_lib.core.credential_guard import CredentialGuard, Exemption
from constructs_lib.core.errors import ProfileValidationError
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import BroadAccess
from constructs_lib.core.presets import PRESETS, Preset
from constructs_lib.core.rules import RULES, Rule
from constructs_lib.core.spec import DeployTime, ProfileSpec

if TYPE_CHECKING:
    from constructs_lib.catalog.errors import CatalogError, exit_on_catalog_errors
    from constructs_lib.cdk.access_profile import Ec2AccessProfile
    from constructs_lib.cdk.catalog_app import CatalogBuild, build_catalog
    from constructs_lib.cdk.instance_profile_tags import InstanceProfileTags, InstanceProfileTagsProvider
    from constructs_lib.cdk.managed_policies import ManagedPolicyInput
    from constructs_lib.cdk.published_profile import PublishedProfile

_LAZY = {
    "CatalogBuild": "constructs_lib.cdk.catalog_app",
    "CatalogError": "constructs_lib.catalog.errors",
    "Ec2AccessProfile": "constructs_lib.cdk.access_profile",
    "InstanceProfileTags": "constructs_lib.cdk.instance_profile_tags",
    "InstanceProfileTagsProvider": "constructs_lib.cdk.instance_profile_tags",
    "ManagedPolicyInput": "constructs_lib.cdk.managed_policies",
    "PublishedProfile": "constructs_lib.cdk.published_profile",
    "build_catalog": "constructs_lib.cdk.catalog_app",
    "exit_on_catalog_errors": "constructs_lib.catalog.errors",
}
"""Names loaded when first used: those whose modules import aws-cdk-lib (and so start Node.js), and
the catalogue's errors (which bring the YAML reader)."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PRESETS",
    "RULES",
    "AppSettings",
    "BroadAccess",
    "CatalogBuild",
    "CatalogError",
    "CredentialGuard",
    "DeployTime",
    "Ec2AccessProfile",
    "Exemption",
    "Finding",
    "InstanceProfileTags",
    "InstanceProfileTagsProvider",
    "ManagedPolicyInput",
    "Preset",
    "ProfileSpec",
    "ProfileValidationError",
    "PublishedProfile",
    "Rule",
    "build_catalog",
    "check_profile",
    "exit_on_catalog_errors",
    "nag_findings",
]
