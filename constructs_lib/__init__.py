"""CDK constructs that give EC2 instances their AWS permissions.

``Ec2AccessProfile`` bundles an IAM role trusted by EC2, its permissions and tags, and the
instance profile that carries the role to an instance, and checks every value at synth time.

The pure parts (``ProfileSpec``, the checker, presets, rules, the catalogue) import without
aws-cdk-lib, so checking a catalogue starts no Node.js. The constructs load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from constructs_lib.checker import AppSettings, check_profile
from constructs_lib.errors import ProfileValidationError
from constructs_lib.findings import Finding
from constructs_lib.least_privilege import BroadAccess
from constructs_lib.presets import PRESETS, Preset
from constructs_lib.rules import RULES, Rule
from constructs_lib.spec import DeployTime, ProfileSpec

if TYPE_CHECKING:
    from constructs_lib.access_profile import Ec2AccessProfile
    from constructs_lib.instance_profile_tags import InstanceProfileTags, InstanceProfileTagsProvider
    from constructs_lib.managed_policies import ManagedPolicyInput
    from constructs_lib.published_profile import PublishedProfile

_LAZY = {
    "Ec2AccessProfile": "constructs_lib.access_profile",
    "InstanceProfileTags": "constructs_lib.instance_profile_tags",
    "InstanceProfileTagsProvider": "constructs_lib.instance_profile_tags",
    "ManagedPolicyInput": "constructs_lib.managed_policies",
    "PublishedProfile": "constructs_lib.published_profile",
}
"""Names whose modules import aws-cdk-lib (and so start Node.js): loaded when first used."""


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
    "DeployTime",
    "Ec2AccessProfile",
    "Finding",
    "InstanceProfileTags",
    "InstanceProfileTagsProvider",
    "ManagedPolicyInput",
    "Preset",
    "ProfileSpec",
    "ProfileValidationError",
    "PublishedProfile",
    "Rule",
    "check_profile",
]
