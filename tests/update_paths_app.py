"""Two versions of a small app whose second version takes the update paths that break in production.

``compose_update_paths(app, after=False)`` is the app as first deployed; ``after=True`` is the pull
request. Each profile in ``Ec2Access-UpdatePaths`` takes one path, so one update deploys them all and
IAM then shows each outcome on its own profile:

- ``Upd-Renamed`` is renamed and moved to another path (both replace the instance profile);
- ``Upd-Untagged`` turns tagging off for itself, while ``Upd-Statements`` keeps it on;
- ``Upd-Statements`` loses all its statements;
- ``Upd-Managed`` loses one of its two managed policies;
- ``Upd-CaseKey`` changes a tag key only in case;
- every profile of the stack has its ``Owner`` tag changed only through ``Tags.of(stack)``.

``Ec2Access-UpdatePathsNoTags`` turns tagging off for all its profiles, so its tag function goes away.
``Ec2Access-UpdatePathsPath`` changes only the path of a named profile: CloudFormation cannot replace a
custom-named resource, so on AWS that update fails and rolls back.
"""

from __future__ import annotations

from aws_cdk import App, Stack, Tags
from aws_cdk import aws_iam as iam

from constructs_lib import Ec2AccessProfile

PATH = "/ec2-updates/"
MOVED_PATH = "/ec2-updates/moved/"
STACK = "Ec2Access-UpdatePaths"
NO_TAGS_STACK = "Ec2Access-UpdatePathsNoTags"
PATH_ONLY_STACK = "Ec2Access-UpdatePathsPath"
STACKS = [STACK, NO_TAGS_STACK, PATH_ONLY_STACK]
RENAMED = ("Upd-Renamed", "Upd-Renamed-v2")
PATH_ONLY = "Upd-PathOnly"
NO_TAGS_PROFILES = ["Upd-NoTags-A", "Upd-NoTags-B"]
READ_PARAMETERS = iam.PolicyStatement(
    actions=["ssm:GetParameter"], resources=["arn:aws:ssm:*:*:parameter/updates/*"]
)


def owner(after: bool) -> str:
    return "team-b" if after else "team-a"


def compose_update_paths(app: App, *, after: bool = False) -> None:
    stack = Stack(app, STACK)
    Ec2AccessProfile(
        stack,
        "Renamed",
        instance_profile_name=RENAMED[1] if after else RENAMED[0],
        path=MOVED_PATH if after else PATH,
        tags={"Service": "Web"},
    )
    Ec2AccessProfile(
        stack,
        "Untagged",
        instance_profile_name="Upd-Untagged",
        path=PATH,
        tags={"Service": "Batch"},
        tag_instance_profile=not after,
    )
    Ec2AccessProfile(
        stack,
        "Statements",
        instance_profile_name="Upd-Statements",
        path=PATH,
        statements=[] if after else [READ_PARAMETERS],
        tags={"Service": "Config"},
    )
    Ec2AccessProfile(
        stack,
        "Managed",
        instance_profile_name="Upd-Managed",
        path=PATH,
        managed_policies=["AmazonSSMManagedInstanceCore"]
        if after
        else ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"],
        tags={"Service": "Ops"},
    )
    Ec2AccessProfile(
        stack,
        "CaseKey",
        instance_profile_name="Upd-CaseKey",
        path=PATH,
        tags={"CostCenter" if after else "costcenter": "4242"},
    )
    Tags.of(stack).add("Owner", owner(after))

    no_tags = Stack(app, NO_TAGS_STACK)
    for name in NO_TAGS_PROFILES:
        Ec2AccessProfile(
            no_tags,
            name,
            instance_profile_name=name,
            path=PATH,
            tags={"Service": "Quiet"},
            tag_instance_profile=not after,
        )

    path_only = Stack(app, PATH_ONLY_STACK)
    Ec2AccessProfile(
        path_only,
        "PathOnly",
        instance_profile_name=PATH_ONLY,
        path=MOVED_PATH if after else PATH,
        tags={"Service": "Pinned"},
    )
