"""``${AWS::Partition}`` and the other pseudo-parameters in a spec: checked as ARNs, resolved per account."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aws_cdk import Stack
from aws_cdk.assertions import Template

from constructs_lib import Ec2AccessProfile, ProfileSpec, check_profile
from constructs_lib.catalog.loader import load_catalog
from constructs_lib.core.pseudo_parameters import as_checked, substitute, unknown

BOUNDARY = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Boundary"


def join(*parts: object) -> dict[str, object]:
    return {"Fn::Join": ["", list(parts)]}


def test_pseudo_parameters_read_as_a_sample_account_and_policy_variables_are_left_alone() -> None:
    assert as_checked(BOUNDARY) == "arn:aws:iam::123456789012:policy/Boundary"
    assert as_checked("arn:aws:s3:::home/${aws:username}/*") == "arn:aws:s3:::home/${aws:username}/*"
    assert unknown("arn:${AWS::Partiton}:s3:::a/${AWS::Region}") == ["${AWS::Partiton}"]
    assert substitute({"Resource": ["a:${AWS::Region}"], "Effect": "Allow"}, {"AWS::Region": "R"}) == {
        "Resource": ["a:R"],
        "Effect": "Allow",
    }


def test_arns_with_pseudo_parameters_pass_the_arn_checks_and_keep_their_identity() -> None:
    spec = ProfileSpec(
        instance_profile_name="p",
        permissions_boundary=BOUNDARY,
        managed_policies=("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Reader",),
    )
    assert check_profile(spec) == []
    twice = ProfileSpec(
        managed_policies=(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Reader",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Reader",
        )
    )
    assert [finding.rule_id for finding in check_profile(twice)] == ["EAP021"]


def test_a_misspelt_pseudo_parameter_is_a_finding_where_it_is() -> None:
    spec = ProfileSpec(
        permissions_boundary="arn:${AWS::Partition}:iam::${AWS::Account}:policy/Boundary",
        statements=(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:${AWS::Partiton}:s3:::a/*"},
        ),
    )
    findings = [(f.rule_id, f.field, f.pointer) for f in check_profile(spec)]
    assert ("EAP009", "permissions_boundary", ("permissions_boundary",)) in findings
    assert ("EAP009", "statements", ("statements", 0)) in findings
    (statement,) = (f for f in check_profile(spec) if f.rule_id == "EAP009" and f.field == "statements")
    assert statement.rule.startswith("names ${AWS::Partiton}, which is no pseudo-parameter")


def test_from_spec_puts_cloudformation_references_in_their_place(stack: Stack) -> None:
    spec = ProfileSpec(
        instance_profile_name="reader",
        permissions_boundary=BOUNDARY,
        statements=(
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/app/*",
            },
        ),
    )
    Ec2AccessProfile.from_spec(stack, "Reader", spec)
    partition, account, region = ({"Ref": f"AWS::{name}"} for name in ("Partition", "AccountId", "Region"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "PermissionsBoundary": join("arn:", partition, ":iam::", account, ":policy/Boundary"),
            "Policies": [
                {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Resource": join(
                                    "arn:", partition, ":ssm:", region, ":", account, ":parameter/app/*"
                                )
                            }
                        ]
                    }
                }
            ],
        },
    )


def test_a_catalogue_may_name_the_account_and_partition(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            defaults:
              permissions_boundary: arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Boundary
            profiles:
              - name: reader
                statements:
                  - actions: [s3:GetObject]
                    resources: ["arn:${AWS::Partiton}:s3:::assets/report.csv"]
            """
        )
    )
    catalog = load_catalog(path)
    assert [(f.location, f.rule_id) for f in catalog.findings] == [(f"{path}:6:9", "EAP009")]
