"""The consumer contract: what a profile publishes for other apps, and how they read it back.

Each published profile has one SSM String parameter, ``/ec2-access-profiles/NAME``, whose value is
compact JSON with sorted keys::

    {"instanceProfileArn":"arn:aws:iam::111111111111:instance-profile/ec2/web",
     "instanceProfileName":"web","path":"/ec2/","roleArn":"arn:aws:iam::111111111111:role/ec2/web",
     "roleName":"web"}

People and tools read it as JSON. CloudFormation cannot parse JSON, but none of the values can
contain a double quote (the library refuses to publish a path that has one), so splitting the value
on ``"`` puts each value at a fixed place (``FIELD_INDEX``): a consumer's template picks them out at
deploy time with ``Fn::Select`` and ``Fn::Split``. Pure Python.
"""

from __future__ import annotations

import re

from constructs_lib.core.findings import Finding

PREFIX = "/ec2-access-profiles/"
"""Where the parameters live: ``/ec2-access-profiles/NAME`` for the instance profile named NAME."""

FIELDS = ("instanceProfileArn", "instanceProfileName", "path", "roleArn", "roleName")
"""The value's keys, in the order the JSON writes them (sorted)."""

FIELD_INDEX = {field: 4 * position + 3 for position, field in enumerate(FIELDS)}
"""Where each value lands when the JSON is split on ``"``: ``{``, key, ``:``, value, ``,``, key..."""

_SSM_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def parameter_name(instance_profile_name: str) -> str:
    """The parameter that holds the contract of the instance profile ``instance_profile_name``."""
    return PREFIX + instance_profile_name


def publish_findings(instance_profile_name: object, path: object) -> list[Finding]:
    """Why a profile cannot publish its contract: it needs a name SSM allows and a path without quotes."""
    findings = []
    if not isinstance(instance_profile_name, str):
        rule = (
            "is needed to publish the contract (the parameter is named after it); give "
            "instance_profile_name, or publish_contract=False"
        )
        findings.append(Finding("EAP114", "instance_profile_name", instance_profile_name, rule))
    elif not _SSM_NAME.fullmatch(instance_profile_name):
        rule = (
            f"cannot name the contract parameter {PREFIX}NAME: SSM allows only letters, digits and _.- "
            "in it (IAM also allows +=,@); rename the profile, or publish_contract=False"
        )
        findings.append(Finding("EAP114", "instance_profile_name", instance_profile_name, rule))
    if isinstance(path, str) and ('"' in path or "\\" in path):
        rule = (
            "contains a double quote or backslash, which the contract's JSON would escape, so consumers "
            'could not read it at deploy time; use a path without " and \\, or publish_contract=False'
        )
        findings.append(Finding("EAP114", "path", path, rule))
    return findings


def read_value(value: str) -> dict[str, str]:
    """The fields of a contract value, read the way a consumer's template does (split on ``"``)."""
    parts = value.split('"')
    return {field: parts[index] for field, index in FIELD_INDEX.items()}
