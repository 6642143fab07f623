"""The catalogue loader: every problem of a file reported at once, each at its FILE:LINE:COL."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from constructs_lib.catalog import loader
from constructs_lib.catalog.loader import (
    DEFAULT_STACK,
    MAX_LISTED_FINDINGS,
    Catalog,
    CatalogReadError,
    load_catalog,
)
from constructs_lib.catalog.marked_yaml import Node
from constructs_lib.catalog.placement import Placement
from constructs_lib.core.checker import AppSettings
from constructs_lib.core.least_privilege import BroadAccess

REQUIRED = AppSettings(required_tags=["Environment", "Owner"])


def catalog_of(tmp_path: Path, text: str, settings: AppSettings | None = None) -> Catalog:
    path = tmp_path / "catalog.yaml"
    path.write_text(dedent(text))
    return load_catalog(path, settings=settings)


def found(catalog: Catalog) -> list[tuple[str, str, str, object]]:
    """Each finding as (LINE:COL, rule ID, field, value), in the file's order."""
    prefix = f"{catalog.path}:"
    result = []
    for finding in catalog.findings:
        assert finding.location is not None
        assert finding.location.startswith(prefix)
        result.append((finding.location.removeprefix(prefix), finding.rule_id, finding.field, finding.value))
    return result


def messages(catalog: Catalog) -> list[str]:
    return [finding.line().removeprefix(f"{catalog.path}:") for finding in catalog.findings]


GOOD = """\
    defaults:
      path: /ec2/
      tags:
        Environment: Production
        Owner: platform
    profiles:
      - name: web-server
        presets: [ssm]
        managed_policies: [AmazonS3ReadOnlyAccess]
        tags: {Service: shop}
      - name: batch-worker
        id: Worker
        stack: Batch-Profiles
        max_session_duration_hours: 2
    """


def test_a_good_catalogue_has_profiles_and_no_findings(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, GOOD, REQUIRED)
    assert catalog.findings == ()
    assert catalog.errors == ()
    assert catalog.path == str(tmp_path / "catalog.yaml")
    web, worker = catalog.profiles
    assert (web.name, web.id, web.stack, web.index) == ("web-server", "web-server", DEFAULT_STACK, 0)
    assert (worker.name, worker.id, worker.stack, worker.index) == (
        "batch-worker",
        "Worker",
        "Batch-Profiles",
        1,
    )
    assert web.location == f"{catalog.path}:7:5"
    assert web.spec.presets == ("ssm",)
    assert web.spec.managed_policies == ("AmazonS3ReadOnlyAccess",)
    assert worker.spec.max_session_seconds == 7200


# The bad catalogue: every kind of mistake in one file, all reported in one run.
BAD = """\
    defaults:
      path: /ec2/
      tags:
        Environment: Production
    profiles:
      - name: web-server
        managed_policy: [AmazonS3ReadOnlyAccess]
        tags: {Owner: web}
      - name: Web-Server
        presets: ssm
        description: 123
        tags: {Owner: web}
      - name: bad name
        path: ec2
        max_session_duration_hours: 13
        tags: {aws:owner: me, Team: a&b, Owner: ops}
      - name: cache
        presets: [ssm, eks]
        managed_policies: [AmazonSSMManagedInstanceCore]
        stack: ec2_profiles
        path: /cache/
        path: /other/
        tags: {Owner: ops}
      - id: Orphan
        tags: {Owner: ops}
      - name: worker
        id: Web-Server
    """


def test_every_problem_of_a_bad_catalogue_is_reported_at_once_where_it_is(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, BAD, REQUIRED)
    assert found(catalog) == [
        # `worker` has no tags of its own: the required-tag finding points at the defaults' tags.
        ("4:5", "EAP014", "tags", "Owner"),
        ("7:5", "EAP101", "managed_policy", "managed_policy"),
        ("9:11", "EAP104", "name", "Web-Server"),
        ("10:14", "EAP102", "presets", "ssm"),
        ("11:18", "EAP102", "description", 123),
        ("13:11", "EAP001", "name", "bad name"),
        ("13:11", "EAP002", "role_name (defaulted from name)", "bad name"),
        ("14:11", "EAP003", "path", "ec2"),
        ("15:33", "EAP005", "max_session_duration_hours", 13),
        ("16:12", "EAP011", "tag key", "aws:owner"),
        ("16:27", "EAP012", "tags['Team']", "a&b"),
        ("18:20", "EAP025", "presets", "eks"),
        ("19:24", "EAP021", "managed_policies", "AmazonSSMManagedInstanceCore"),
        ("20:12", "EAP108", "stack", "ec2_profiles"),
        ("22:5", "EAP106", "path", "path"),
        ("24:5", "EAP103", "name", "(missing)"),
        ("27:9", "EAP107", "id", "Web-Server"),
    ]
    assert len(catalog.errors) == 17
    assert [profile.name for profile in catalog.profiles] == [
        "web-server",
        "Web-Server",
        "bad name",
        "cache",
        "#5",
        "worker",
    ]


def test_an_unknown_key_suggests_the_closest_known_one(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            managed_policy: [AmazonS3ReadOnlyAccess]
            tgas: {Team: web}
        colour: blue
        """,
    )
    assert messages(catalog) == [
        "3:5: EAP101 profile 'web' managed_policy: 'managed_policy' is not a key here; "
        "did you mean 'managed_policies'? known keys: name, id, role_name, stack, path, description, "
        "presets, managed_policies, permissions_boundary, max_session_duration_hours, tags, "
        "credential_guard, statements, acknowledge, managed_policy_quota, deployments",
        "4:5: EAP101 profile 'web' tgas: 'tgas' is not a key here; did you mean 'tags'? known keys: name, "
        "id, role_name, stack, path, description, presets, managed_policies, permissions_boundary, "
        "max_session_duration_hours, tags, credential_guard, statements, acknowledge, managed_policy_quota, "
        "deployments",
        "5:1: EAP101 colour: 'colour' is not a key here; known keys: defaults, profiles, deployments",
    ]
    (profile,) = catalog.profiles
    assert profile.spec.managed_policies == ()


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            managed_policies: AmazonS3ReadOnlyAccess
            description: 123
            tags: [Environment]
            path: true
            max_session_duration_hours: two
            managed_policy_quota: 12.5
            tags2: x
        """,
    )
    assert messages(catalog)[:6] == [
        "3:23: EAP102 profile 'web' managed_policies: 'AmazonS3ReadOnlyAccess' is a string; "
        "expected a list of strings, e.g. [a, b]",
        "4:18: EAP102 profile 'web' description: 123 is a number; expected a string; quote it: '123'",
        "5:11: EAP102 profile 'web' tags: 'a list' is a list; "
        "expected a mapping of strings, e.g. {Team: web}",
        "6:11: EAP102 profile 'web' path: True is a boolean; expected a string; quote it: 'true'",
        "7:33: EAP102 profile 'web' max_session_duration_hours: 'two' is a string; expected a number",
        "8:27: EAP102 profile 'web' managed_policy_quota: 12.5 is a number; expected a whole number",
    ]
    (profile,) = catalog.profiles
    assert profile.spec.description is None
    assert profile.spec.tags == {}


def test_values_iam_refuses_are_found_by_the_checker_at_their_line(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web server
            role_name: WebServerRoleWithANameThatIsMuchLongerThanSixtyFourCharactersInTotal
            path: ec2
            max_session_duration_hours: 13
            tags:
              aws:owner: me
              Team: a&b
              team: web
        """,
    )
    assert found(catalog) == [
        ("2:11", "EAP001", "name", "web server"),
        (
            "3:16",
            "EAP002",
            "role_name",
            "WebServerRoleWithANameThatIsMuchLongerThanSixtyFourCharactersInTotal",
        ),
        ("4:11", "EAP003", "path", "ec2"),
        ("5:33", "EAP005", "max_session_duration_hours", 13),
        ("7:7", "EAP011", "tag key", "aws:owner"),
        ("8:7", "EAP012", "tags['Team']", "a&b"),
        ("9:7", "EAP013", "tag key", "team"),
    ]
    session = catalog.findings[3]
    assert session.rule == "is 46800 seconds; IAM allows 1 to 12 hours (3600 to 43200 seconds)"


def test_a_session_in_hours_within_bounds_becomes_seconds(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: a\n    max_session_duration_hours: 1.5\n")
    assert catalog.findings == ()
    assert catalog.profiles[0].spec.max_session_seconds == 5400


@pytest.mark.parametrize(("hours", "seconds"), [("1.1", 3960), ("1.2", 4320), ("2.3", 8280), ("11.9", 42840)])
def test_hours_that_are_whole_seconds_are_exact_whatever_the_float_product(
    tmp_path: Path, hours: str, seconds: int
) -> None:
    catalog = catalog_of(tmp_path, f"profiles:\n  - name: a\n    max_session_duration_hours: {hours}\n")
    assert catalog.findings == ()
    assert catalog.profiles[0].spec.max_session_seconds == seconds
    assert type(catalog.profiles[0].spec.max_session_seconds) is int  # not a float, nor a Decimal


def test_hours_that_are_not_whole_seconds_are_still_refused(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: a\n    max_session_duration_hours: 1.0001\n")
    assert found(catalog) == [("3:33", "EAP005", "max_session_duration_hours", 1.0001)]
    assert catalog.findings[0].rule == "is not a whole number of seconds"


@pytest.mark.parametrize(("hours", "shown"), [(".inf", "inf"), ("-.inf", "-inf"), (".nan", "nan")])
def test_hours_that_are_no_number_at_all_are_refused_not_a_crash(
    tmp_path: Path, hours: str, shown: str
) -> None:
    """YAML reads ``.inf`` and ``.nan`` as floats: no whole number of seconds, so EAP005 as any fraction."""
    catalog = catalog_of(tmp_path, f"profiles:\n  - name: a\n    max_session_duration_hours: {hours}\n")
    ((at, rule_id, field, value),) = found(catalog)
    assert (at, rule_id, field, str(value)) == ("3:33", "EAP005", "max_session_duration_hours", shown)
    assert catalog.findings[0].rule == "is not a whole number of seconds"


def test_a_fractional_session_is_shown_in_hours(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: a\n    max_session_duration_hours: 0.5\n")
    assert found(catalog) == [("3:33", "EAP005", "max_session_duration_hours", 0.5)]


def test_names_equal_ignoring_case_are_duplicates(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: Web
          - name: api
            role_name: WEB
          - name: web
        """,
    )
    assert messages(catalog) == [
        f"4:16: EAP104 profile 'api' role_name: 'WEB' is the role name of profile 'Web' too "
        f"({catalog.path}:2:11); IAM names are unique per account, ignoring case",
        f"5:11: EAP104 profile 'web' name: 'web' is the instance profile name of profile 'Web' too "
        f"({catalog.path}:2:11); IAM names are unique per account, ignoring case",
    ]


def test_an_unknown_preset_suggests_a_shipped_one(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: node\n    presets: [eks]\n")
    assert messages(catalog) == [
        "3:15: EAP025 profile 'node' presets: 'eks' is not a preset; did you mean 'ecs'? "
        "presets are ssm, cloudwatch-agent, ecs, batch, eks-node, eks-cni"
    ]


def test_a_profile_without_a_name_is_reported_at_its_entry(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - path: /ec2/\n  - name: ''\n")
    assert found(catalog)[0] == ("2:5", "EAP103", "name", "(missing)")
    assert catalog.findings[0].profile == "#1"
    assert catalog.findings[0].rule == (
        "is required here; give name: instance profile name, 1 to 128 of A-Za-z0-9+=,.@_-"
    )
    assert found(catalog)[1][:2] == ("3:11", "EAP001")


def test_a_key_given_twice_in_a_mapping_is_reported_at_the_second(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            path: /a/
            tags:
              Team: web
              Team: shop
            path: /b/
        """,
    )
    assert found(catalog) == [
        ("6:7", "EAP106", "tags key", "Team"),
        ("7:5", "EAP106", "path", "path"),
    ]
    assert (
        catalog.findings[1].rule == "is given more than once in this mapping; YAML would keep only the last"
    )


def test_a_policy_a_preset_brings_is_not_given_again(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: host
            presets: [ssm]
            managed_policies:
              - AmazonS3ReadOnlyAccess
              - AmazonSSMManagedInstanceCore
        """,
    )
    assert messages(catalog) == [
        "6:9: EAP021 profile 'host' managed_policies: 'AmazonSSMManagedInstanceCore' is already attached "
        "by preset 'ssm'; remove it from managed_policies"
    ]


def test_construct_ids_are_unique_per_stack_only(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
          - name: web-eu
            id: web
          - name: web-us
            id: web
            stack: Us-Profiles
        """,
    )
    assert messages(catalog) == [
        "4:9: EAP107 profile 'web-eu' id: 'web' is the construct ID of profile 'web' in stack "
        "'Ec2AccessProfiles' too; give each its own id"
    ]
    assert [(profile.id, profile.stack) for profile in catalog.profiles] == [
        ("web", "Ec2AccessProfiles"),
        ("web", "Ec2AccessProfiles"),
        ("web", "Us-Profiles"),
    ]


def test_a_construct_id_the_library_gives_a_child_of_the_stack_is_refused(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: InstanceProfileTagsProvider\n  - name: web\n")
    assert messages(catalog) == [
        "2:5: EAP107 profile 'InstanceProfileTagsProvider' id: 'InstanceProfileTagsProvider' is the "
        "construct ID the library gives a child of every stack (the tag function, "
        "cdk.instance_profile_tags.PROVIDER_ID); give the profile another id"
    ]
    renamed = "profiles:\n  - name: InstanceProfileTagsProvider\n    id: TagsProviderProfile\n"
    assert catalog_of(tmp_path, renamed).findings == ()


def test_a_stack_name_cloudformation_refuses_is_reported(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: web\n    stack: 1st_stack\n")
    assert found(catalog) == [("3:12", "EAP108", "stack", "1st_stack")]


def test_required_tags_from_the_app_settings_are_checked(tmp_path: Path) -> None:
    text = """\
        defaults:
          tags: {Environment: Production}
        profiles:
          - name: web
            tags: {Owner: web}
          - name: api
            tags: {Team: api}
          - name: db
        """
    catalog = catalog_of(tmp_path, text, REQUIRED)
    assert found(catalog) == [
        ("2:9", "EAP014", "tags", "Owner"),  # db's tags are all the defaults'
        ("7:11", "EAP014", "tags", "Owner"),
    ]
    assert catalog.findings[1].rule == (
        "are required on every profile by the context key 'ec2-access-profile:requiredTags' "
        "(Environment, Owner) but missing; add them to the profile's tags or to the catalogue's defaults"
    )
    assert catalog_of(tmp_path, text).findings == ()


def test_malformed_app_settings_are_findings(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: web\n", AppSettings(required_tags="Environment"))
    assert [(finding.rule_id, finding.field) for finding in catalog.findings] == [
        ("EAP070", "context 'ec2-access-profile:requiredTags'")
    ]


def test_defaults_apply_to_every_profile_tags_merge_and_other_keys_override(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        defaults:
          path: /ec2/
          stack: Shared-Profiles
          max_session_duration_hours: 2
          tags: {Environment: Production, Team: platform}
          presets: [ssm]
        profiles:
          - name: web
            path: /web/
            presets: [cloudwatch-agent]
            tags: {Team: web, Service: shop}
          - name: plain
        """,
    )
    assert catalog.findings == ()
    web, plain = catalog.profiles
    assert web.spec.path == "/web/"
    assert web.spec.presets == ("cloudwatch-agent",)
    assert dict(web.spec.tags) == {"Environment": "Production", "Team": "web", "Service": "shop"}
    assert web.spec.max_session_seconds == 7200
    assert web.stack == "Shared-Profiles"
    assert plain.spec.path == "/ec2/"
    assert plain.spec.presets == ("ssm",)
    assert dict(plain.spec.tags) == {"Environment": "Production", "Team": "platform"}
    assert plain.stack == "Shared-Profiles"


def test_a_finding_about_an_inherited_value_points_at_the_defaults(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        defaults:
          path: ec2
          max_session_duration_hours: 13
          tags:
            Team: a&b
        profiles:
          - name: web
            tags: {Owner: web}
          - name: api
            path: /api/
            max_session_duration_hours: 1
            tags: {Team: api}
        """,
    )
    assert [
        (location, rule_id, finding.profile)
        for (location, rule_id, _, _), finding in zip(found(catalog), catalog.findings, strict=True)
    ] == [
        ("2:9", "EAP003", "web"),
        ("3:31", "EAP005", "web"),
        ("5:5", "EAP012", "web"),  # web's own tags add Owner; Team still comes from the defaults
    ]


def test_a_problem_in_defaults_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        defaults:
          name: shared
          path: [a]
        profiles:
          - name: web
        """,
    )
    assert found(catalog) == [
        ("2:3", "EAP101", "defaults.name", "name"),
        ("3:9", "EAP102", "defaults.path", "a list"),
    ]


def test_statements_become_iam_json(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - sid: ReadAssets
                actions: [s3:GetObject, s3:ListBucket]
                resources: ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"]
                conditions:
                  StringEquals: {aws:RequestedRegion: eu-west-1}
                  IpAddress: {aws:SourceIp: [10.0.0.0/8, 192.168.0.0/16]}
                  Bool: {aws:SecureTransport: true}
              - effect: Deny
                not_actions: [s3:GetObject]
                not_resources: ["arn:aws:s3:::assets/*"]
            acknowledge:
              - resource: "arn:aws:s3:::assets/*"
                reason: the web tier serves every object of its bucket
        """,
    )
    assert catalog.findings == ()
    assert catalog.profiles[0].spec.statements == (
        {
            "Effect": "Allow",
            "Sid": "ReadAssets",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"],
            "Condition": {
                "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                "Bool": {"aws:SecureTransport": True},
            },
        },
        {"Effect": "Deny", "NotAction": ["s3:GetObject"], "NotResource": ["arn:aws:s3:::assets/*"]},
    )


def test_statement_problems_point_at_the_statement(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:GetObject]
                resources: ["arn:aws:s3:::assets/*"]
              - actions: ["s3:*"]
                resources: ["*"]
                principal: me
                conditions:
                  StringEquals: {aws:PrincipalTag/Team: {nested: map}}
                  Bool: [true]
        """,
    )
    assert found(catalog) == [
        ("4:9", "EAP043", "statements", "arn:aws:s3:::assets/*"),
        ("6:9", "EAP042", "statements", "s3:*"),
        ("6:9", "EAP042", "statements", "*"),
        ("8:9", "EAP101", "statements[1].principal", "principal"),
        ("10:49", "EAP102", "statements[1].conditions.StringEquals.aws:PrincipalTag/Team", "a mapping"),
        ("11:17", "EAP102", "statements[1].conditions.Bool", "a list"),
    ]
    # The nested mapping is reported, never passed on into the policy as YAML nodes.
    assert catalog.profiles[0].spec.statements[1]["Condition"] == {"StringEquals": {}}


def test_a_statement_after_one_left_out_is_reported_at_its_own_line(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - [not, a, mapping]
              - actions: ["s3 GetObject"]
                resources: ["*"]
        """,
    )
    assert found(catalog) == [
        ("4:9", "EAP102", "statements[0]", "a list"),
        ("5:9", "EAP041", "statements", "s3 GetObject"),
        ("5:9", "EAP042", "statements", "*"),
    ]


def test_acknowledgments_become_broad_access(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: ops
            managed_policies: [AdministratorAccess]
            statements:
              - actions: ["s3:*"]
                resources: ["*"]
            acknowledge:
              - action: "s3:*"
                reason: The agent syncs every bucket of the account
              - resource: "*"
                reason: Bucket names are only known at run time
              - managed_policy: AdministratorAccess
                reason: Break-glass host of the operators
        """,
    )
    assert catalog.findings == ()
    assert catalog.profiles[0].spec.acknowledge == (
        BroadAccess.action("s3:*", reason="The agent syncs every bucket of the account"),
        BroadAccess.resource("*", reason="Bucket names are only known at run time"),
        BroadAccess.managed_policy("AdministratorAccess", reason="Break-glass host of the operators"),
    )


def test_an_acknowledgment_gives_exactly_one_kind_and_a_reason(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: ops
            acknowledge:
              - reason: Nothing is named here at all
              - action: "*"
                resource: "*"
                reason: Two kinds given in one
              - action: "ec2:*"
              - action: "ec2:*"
                reason: short
        """,
    )
    assert found(catalog) == [
        ("4:9", "EAP103", "acknowledge[0]", None),
        ("5:9", "EAP102", "acknowledge[1]", None),
        ("8:9", "EAP103", "acknowledge[2].reason", "(missing)"),
        # The only acknowledgment read is the spec's first: the finding is still at its own line.
        ("9:9", "EAP050", "acknowledge (action)", "ec2:*"),
    ]
    assert (
        catalog.findings[0].rule
        == "gives none of action, resource, managed_policy, unknown_action; give exactly one"
    )
    assert catalog.findings[1].rule == (
        "gives action and resource of action, resource, managed_policy, unknown_action; give exactly one"
    )
    assert catalog.profiles[0].spec.acknowledge == (BroadAccess.action("ec2:*", reason="short"),)


@pytest.mark.parametrize(
    ("text", "value"),
    [("", "(empty)"), ("# nothing yet\n", "(empty)"), ("- name: web\n", "a list"), ("web\n", "a string")],
)
def test_a_file_that_is_not_a_catalogue_mapping_is_one_finding(tmp_path: Path, text: str, value: str) -> None:
    catalog = catalog_of(tmp_path, text)
    assert found(catalog) == [("1:1", "EAP102", "file", value)]
    assert catalog.findings[0].rule == (
        "is not a catalogue: the file is a mapping with a 'profiles:' list (and optional 'defaults:')"
    )
    assert catalog.profiles == ()


def test_a_catalogue_needs_a_profiles_list(tmp_path: Path) -> None:
    assert found(catalog_of(tmp_path, "defaults: {path: /ec2/}\n")) == [
        ("1:1", "EAP103", "profiles", "(missing)")
    ]
    assert found(catalog_of(tmp_path, "profiles: {name: web}\n")) == [
        ("1:11", "EAP102", "profiles", "a mapping")
    ]
    assert found(catalog_of(tmp_path, "profiles:\n  - web\n")) == [
        ("2:5", "EAP102", "profiles[0]", "a string")
    ]
    assert catalog_of(tmp_path, "profiles: []\n").findings == ()


def test_yaml_the_reader_refuses_is_one_finding_about_the_file(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "profiles:\n  - name: !Ref ProfileName\n")
    assert found(catalog) == [("2:11", "EAP105", "file", catalog.path)]
    catalog = catalog_of(tmp_path, "profiles:\n  - name: [web\n")
    assert found(catalog) == [("3:1", "EAP100", "file", catalog.path)]


def test_a_file_over_the_size_bound_is_refused_at_its_start(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    with path.open("wb") as stream:
        stream.truncate(8 * 1024 * 1024 + 1)
    catalog = load_catalog(path)
    assert found(catalog) == [("1:1", "EAP105", "file", str(path))]


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(CatalogReadError) as caught:
        load_catalog(missing)
    assert str(caught.value) == f"{missing}: cannot read the catalogue: No such file or directory"


def test_a_directory_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(CatalogReadError, match="cannot read the catalogue: Is a directory"):
        load_catalog(tmp_path)


def test_the_way_out_of_a_broad_grant_is_said_in_the_catalogues_words(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: ops
            managed_policies: [PowerUserAccess]
            statements:
              - actions: ["s3:*"]
                resources: ["*"]
        """,
    )
    rules = {(finding.rule_id, finding.value): finding.rule for finding in catalog.findings}
    assert rules[("EAP024", "PowerUserAccess")].endswith(
        "acknowledge it with {managed_policy: 'PowerUserAccess', reason: ...} under acknowledge"
    )
    assert rules[("EAP042", "s3:*")].endswith(
        "acknowledge it with {action: 's3:*', reason: ...} under acknowledge"
    )
    assert rules[("EAP042", "*")].endswith(
        "acknowledge it with {resource: '*', reason: ...} under acknowledge"
    )
    assert not any("BroadAccess" in rule for rule in rules.values())


def test_a_required_key_given_empty_says_what_it_takes_where_it_is_written(tmp_path: Path) -> None:
    catalog = catalog_of(tmp_path, "defaults: {path: /ec2/}\nprofiles:\n")
    assert messages(catalog) == [
        "2:1: EAP103 profiles: '(empty)' is required here; "
        "give profiles: the profiles, each an instance profile and its role"
    ]


def test_a_condition_operator_or_key_given_twice_is_reported_not_dropped(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:GetObject]
                resources: ["arn:aws:s3:::assets/key"]
                conditions:
                  StringEquals:
                    aws:SourceVpc: vpc-0123456789abcdef0
                    aws:RequestedRegion: eu-west-1
                    aws:SourceVpc: vpc-2
                  StringEquals:
                    aws:PrincipalTag/Team: web
        """,
    )
    assert found(catalog) == [
        ("10:13", "EAP106", "statements[0].conditions.StringEquals key", "aws:SourceVpc"),
        ("11:11", "EAP106", "statements[0].conditions.StringEquals", "StringEquals"),
    ]
    assert {finding.rule for finding in catalog.findings} == {
        "is given more than once in this mapping; YAML would keep only the last"
    }


@pytest.mark.parametrize(
    ("written", "value", "as_read"),
    [
        ("012345", 5349, "5349"),  # YAML 1.1 octal
        ("-0", 0, "0"),
        ("0x1F", 31, "31"),
        ("0b101", 5, "5"),
        ("1_000", 1000, "1000"),
        ("+5", 5, "5"),
        ("190:20:30", 685230, "685230"),  # base 60
        ("1.50", 1.5, "1.5"),
        ("1.5e+3", 1500.0, "1500.0"),
        (".inf", float("inf"), "infinity"),
        ("-.Inf", float("-inf"), "-infinity"),
        ("no", False, "false"),
        ("Yes", True, "true"),
        ("off", False, "false"),
        ("TRUE", True, "true"),
    ],
)
def test_a_condition_value_yaml_would_convert_is_refused_with_a_hint_to_quote_it(
    tmp_path: Path, written: str, value: object, as_read: str
) -> None:
    catalog = catalog_of(
        tmp_path,
        f"""\
        profiles:
          - name: web
            statements:
              - actions: [s3:GetObject]
                resources: ["arn:aws:s3:::assets/key"]
                conditions: {{StringEquals: {{aws:PrincipalTag/CostCenter: {written}}}}}
        """,
    )
    (finding,) = catalog.findings
    assert (finding.location, finding.rule_id) == (f"{catalog.path}:6:66", "EAP102")
    assert finding.field == "statements[0].conditions.StringEquals.aws:PrincipalTag/CostCenter"
    assert finding.value == value
    assert finding.rule.endswith(
        f"; expected the value as written, but YAML reads {written} as {as_read}; quote it: '{written}'"
    )
    assert catalog.profiles[0].spec.statements[0]["Condition"] == {"StringEquals": {}}


def test_a_nan_condition_value_is_refused_too(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:ListBucket]
                resources: ["arn:aws:s3:::assets"]
                conditions: {NumericLessThan: {s3:max-keys: .nan}}
        """,
    )
    assert messages(catalog) == [
        "6:53: EAP102 profile 'web' statements[0].conditions.NumericLessThan.s3:max-keys: nan is a number; "
        "expected the value as written, but YAML reads .nan as not a number; quote it: '.nan'"
    ]


def test_condition_values_as_written_and_quoted_ones_are_kept_as_they_are(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:ListBucket]
                resources: ["arn:aws:s3:::assets"]
                conditions:
                  StringEquals:
                    aws:PrincipalTag/CostCenter: '012345'
                    aws:RequestedRegion: "no"
                    s3:prefix: [1.5e3, '.inf', 2024-01-01, home/]
                  NumericLessThan: {s3:max-keys: 1000}
                  NumericGreaterThan: {aws:MultiFactorAuthAge: -1.5}
                  DateGreaterThan: {aws:CurrentTime: 2024-01-01T00:00:00Z}
                  Bool: {aws:SecureTransport: true, aws:ViaAWSService: false}
        """,
    )
    assert catalog.errors == ()
    assert catalog.profiles[0].spec.statements[0]["Condition"] == {
        "StringEquals": {
            "aws:PrincipalTag/CostCenter": "012345",
            "aws:RequestedRegion": "no",
            "s3:prefix": ["1.5e3", ".inf", "2024-01-01", "home/"],
        },
        "NumericLessThan": {"s3:max-keys": 1000},
        "NumericGreaterThan": {"aws:MultiFactorAuthAge": -1.5},
        "DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"},
        "Bool": {"aws:SecureTransport": True, "aws:ViaAWSService": False},
    }


def test_each_converted_value_of_a_condition_list_is_reported(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:ListBucket]
                resources: ["arn:aws:s3:::assets"]
                conditions:
                  StringLike: {s3:prefix: [1.5e3, .inf, 2024-01-01, 0x10, null, home/]}
        """,
    )
    field = "statements[0].conditions.StringLike.s3:prefix"
    assert found(catalog) == [
        ("7:43", "EAP102", f"{field}[1]", float("inf")),
        ("7:61", "EAP102", f"{field}[3]", 16),
        ("7:67", "EAP102", f"{field}[4]", None),
    ]
    assert catalog.profiles[0].spec.statements[0]["Condition"] == {"StringLike": {}}


def test_condition_operators_and_keys_yaml_reads_as_other_than_strings_are_refused(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: web
            statements:
              - actions: [s3:ListBucket]
                resources: ["arn:aws:s3:::assets"]
                conditions:
                  StringEquals: {0x1F: a}
                  yes: {aws:SourceVpc: vpc-1}
        """,
    )
    assert messages(catalog) == [
        "7:26: EAP102 profile 'web' statements[0].conditions.StringEquals key: 31 is a number; "
        "expected a string; quote it: '0x1F'",
        "8:11: EAP102 profile 'web' statements[0].conditions operator: True is a boolean; "
        "expected a string; quote it: 'yes'",
    ]


def test_keys_are_matched_to_their_duplicates_by_identity_not_by_comparing_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def compared(self: Node, other: object) -> bool:
        raise AssertionError("nodes compared field by field: each lookup scans the duplicates")

    monkeypatch.setattr(Node, "__eq__", compared)
    repeats = "".join(f"        K: v{index}\n" for index in range(3))
    catalog = catalog_of(
        tmp_path,
        "profiles:\n  - name: web\n    path: /a/\n    path: /b/\n    path: /c/\n    tags:\n"
        + repeats
        + "conditions_here: 1\nprofiles: []\n",
    )
    assert [(location, rule_id, field) for location, rule_id, field, _ in found(catalog)] == [
        ("4:5", "EAP106", "path"),
        ("5:5", "EAP106", "path"),
        ("8:9", "EAP106", "tags key"),
        ("9:9", "EAP106", "tags key"),
        ("10:1", "EAP101", "conditions_here"),
        ("11:1", "EAP106", "profiles"),
    ]


def test_every_tag_the_reader_refuses_is_reported_not_only_the_first(tmp_path: Path) -> None:
    catalog = catalog_of(
        tmp_path,
        """\
        profiles:
          - name: a
            description: !!python/object/apply:os.system ["true"]
          - name: !Ref Name
            tags: !!python/name:os.system {}
        """,
    )
    assert found(catalog) == [
        ("3:18", "EAP105", "file", catalog.path),
        ("4:11", "EAP105", "file", catalog.path),
        ("5:11", "EAP105", "file", catalog.path),
    ]


@pytest.mark.parametrize(
    ("data", "location", "rule"),
    [
        (
            b"profiles:\n  - name: caf\xe9\n",
            "2:14",
            "is not UTF-8 text: byte 0xE9 begins no UTF-8 character here; save the catalogue as UTF-8",
        ),
        (
            b"profiles:\n  - name: a\n  - name: b\x00c\n",
            "3:12",
            "is not valid YAML: character U+0000 is not allowed (control characters are not allowed)",
        ),
    ],
)
def test_a_byte_the_reader_cannot_take_is_one_line_at_its_own_line_and_column(
    tmp_path: Path, data: bytes, location: str, rule: str
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes(data)
    catalog = load_catalog(path)
    assert messages(catalog) == [f"{location}: EAP100 file: {str(path)!r} {rule}"]


def test_past_a_thousand_problems_the_rest_are_counted_not_listed(tmp_path: Path) -> None:
    """A million bad list items must not print a million lines; what is left out is said, with its count."""
    catalog = catalog_of(tmp_path, "profiles: [" + ", ".join(["a"] * 1_500) + "]\n")
    assert len(catalog.findings) == MAX_LISTED_FINDINGS + 1
    assert {finding.rule_id for finding in catalog.findings[:-1]} == {"EAP102"}
    last = catalog.findings[-1]
    assert (last.rule_id, last.severity) == ("EAP105", "error")
    assert "has 500 more problems (500 of them errors), not listed" in last.line()
    assert len(catalog_of(tmp_path, "profiles: [" + ", ".join(["a"] * 1_000) + "]\n").findings) == 1_000


def test_past_a_thousand_problems_the_count_tells_errors_from_warnings_and_points_at_the_first_left_out(
    tmp_path: Path,
) -> None:
    """1,000 errors listed, then three warnings (EAP085) and two errors left out: the summary counts
    five problems, two of them errors, at the first one it leaves out."""
    warning = (
        "  - name: w{}\n    acknowledge:\n      - unknown_action: s3:GetObject\n"
        "        reason: In the reference now\n"
    )
    text = "profiles:\n" + "  - a\n" * 1_000 + "".join(warning.format(i) for i in range(3)) + "  - b\n" * 2
    catalog = catalog_of(tmp_path, text)
    assert len(catalog.findings) == MAX_LISTED_FINDINGS + 1
    assert found(catalog)[-2] == ("1001:5", "EAP102", "profiles[999]", "a string")
    last = catalog.findings[-1]
    assert (last.rule_id, last.severity, last.location) == ("EAP105", "error", f"{catalog.path}:1004:9")
    assert last.rule == (
        "has 5 more problems (2 of them errors), not listed; fix those listed first, and check again"
    )


def test_only_the_profiles_the_file_does_not_record_are_unrecorded(tmp_path: Path) -> None:
    """``Web`` is recorded as the catalogue writes it; ``db`` is new: the file is out of date for it alone."""
    (tmp_path / "catalog.placement.json").write_text(
        '{"version": 1, "shards": {"Ec2AccessProfiles": ["Web"]}}'
    )
    catalog = catalog_of(tmp_path, "profiles:\n  - name: Web\n  - name: db\n")
    assert catalog.findings == ()
    assert catalog.placement_changed
    unrecorded = loader.unrecorded_findings(catalog)
    assert [(f.rule_id, f.profile, f.value, f.location) for f in unrecorded] == [
        ("EAP113", "db", "Ec2AccessProfiles", f"{catalog.path}:3:5")
    ]


def test_a_placement_file_that_records_the_catalogue_already_is_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "catalog.placement.json").write_text(Placement({"Ec2AccessProfiles": ("db", "web")}).render())
    catalog = catalog_of(tmp_path, "profiles:\n  - name: web\n  - name: db\n")
    assert not catalog.placement_changed
    placement = Path(catalog.placement_file)
    before = placement.stat()
    loader.write_placement(catalog)
    after = placement.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.placement.json", "catalog.yaml"]


def test_the_placement_file_is_replaced_whole_never_written_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted write must not leave the record of the shards half written: a new file is
    written beside it and renamed over it, and nothing is left behind when the write fails."""
    catalog = catalog_of(tmp_path, "profiles:\n  - name: web\n")
    placement = Path(catalog.placement_file)
    placement.write_text("the recorded placement")
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def watch(source: Any, target: Any) -> None:
        replaced.append((Path(source).name, Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watch)
    loader.write_placement(catalog)
    assert replaced == [(f".{placement.name}.{os.getpid()}.tmp", placement.name)]
    assert placement.read_text() == catalog.placement.render()

    def fail(source: Any, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    placement.write_text("the recorded placement")
    with pytest.raises(OSError, match="disk full"):
        loader.write_placement(catalog)
    assert placement.read_text() == "the recorded placement"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.placement.json", "catalog.yaml"]
