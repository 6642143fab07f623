"""The audit's pure core: policy documents compared as IAM reads them, each kind of finding, the
walk over listed profiles, tag repair plans and the three output formats. No AWS, no files."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.audit import documents, drift, repair, report
from constructs_lib.audit.findings import AuditFinding, NotAudited
from constructs_lib.audit.profiles import (
    AccountProfile,
    AccountRole,
    DeclaredProfile,
    DeclaredRole,
    ListedProfile,
)

TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ],
}
READ: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::assets/*"}],
}
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
SSM = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
BOUNDARY = "arn:aws:iam::123456789012:policy/ec2/Boundary"
TAGS = {"Environment": "Production", "Service": "WebApp"}


def declared(role: dict[str, Any] | None = None, **changes: Any) -> DeclaredProfile:
    """The declared profile ``web``; ``role`` changes fields of its role."""
    declared_role = DeclaredRole(
        logical_id="WebRole",
        path="/ec2/",
        trust_policy=TRUST,
        managed_policy_arns=frozenset({S3_READ}),
        inline_policies={"Permissions": READ},
        permissions_boundary=BOUNDARY,
        max_session_duration=7200,
        tags=TAGS,
    )
    profile = DeclaredProfile(
        stack="Web",
        logical_id="Web",
        where="Web/WebServer",
        name="web",
        path="/ec2/",
        tags=TAGS,
        role_name="web-role",
        role=replace(declared_role, **(role or {})),
    )
    return replace(profile, **changes)


def actual(role: dict[str, Any] | None = None, **changes: Any) -> AccountProfile:
    """The account's ``web`` as declared; ``role`` changes fields of its role."""
    account_role = AccountRole(
        name="web-role",
        path="/ec2/",
        trust_policy=TRUST,
        managed_policy_arns=frozenset({S3_READ}),
        inline_policies={"Permissions": READ},
        permissions_boundary=BOUNDARY,
        max_session_duration=7200,
        tags=TAGS,
        instance_profiles=("web",),
    )
    profile = AccountProfile(
        name="web",
        path="/ec2/",
        arn="arn:aws:iam::123456789012:instance-profile/ec2/web",
        tags=TAGS,
        role=replace(account_role, **(role or {})),
    )
    return replace(profile, **changes)


def found(findings: list[AuditFinding]) -> list[tuple[str, str, str | None, object, object]]:
    return [(f.kind, f.field, f.key, f.expected, f.actual) for f in findings]


# -- documents --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        {
            "Version": "2012-10-17",
            "Statement": {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::assets/*"},
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": ["s3:GetObject"], "Effect": "Allow", "Resource": ["arn:aws:s3:::assets/*"]}
            ],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Read",
                    "Action": "S3:getobject",
                    "Effect": "Allow",
                    "Resource": "arn:aws:s3:::assets/*",
                }
            ],
        },
        {"Version": "2012-10-17", "Statement": [READ["Statement"][0], READ["Statement"][0]]},
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": ["s3:GetObject", "s3:GetObject"],
                    "Effect": "Allow",
                    "Resource": "arn:aws:s3:::assets/*",
                }
            ],
        },
    ],
    ids=[
        "one-statement-object",
        "one-element-lists",
        "sid-and-action-case",
        "repeated-statement",
        "repeated-action",
    ],
)
def test_documents_that_iam_reads_alike_are_the_same(written: dict[str, Any]) -> None:
    assert documents.same(READ, written)
    assert documents.canonical(READ) == documents.canonical(written)


@pytest.mark.parametrize(
    "written",
    [
        {
            "Version": "2012-10-17",
            "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::ASSETS/*"}],
        },
        {
            "Version": "2012-10-17",
            "Statement": [{"Action": "s3:GetObject", "Effect": "Deny", "Resource": "arn:aws:s3:::assets/*"}],
        },
        {"Statement": READ["Statement"]},
        {
            "Version": "2012-10-17",
            "Statement": [*READ["Statement"], {"Action": "s3:PutObject", "Effect": "Allow", "Resource": "*"}],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {"NotAction": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::assets/*"}
            ],
        },
    ],
    ids=["resource-case", "effect", "version-left-out-is-2008", "extra-statement", "not-action"],
)
def test_documents_that_mean_something_else_differ(written: dict[str, Any]) -> None:
    assert not documents.same(READ, written)


def test_version_defaults_to_2008_as_iam_reads_it() -> None:
    assert documents.canonical({"Statement": []}) == {"Version": "2008-10-17", "Statement": []}


def test_principals_and_conditions_compare_by_meaning() -> None:
    declared_document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]},
                "Condition": {
                    "Bool": {"aws:SecureTransport": True},
                    "StringEquals": {"aws:PrincipalTag/Team": ["b", "a"]},
                },
            },
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"},
        ],
    }
    stored = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}},
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"]},
                "Condition": {
                    "Bool": {"AWS:SecureTransport": "true"},
                    "StringEquals": {"aws:principaltag/team": ["a", "b"]},
                },
            },
        ],
    }
    assert documents.same(declared_document, stored)
    assert not documents.same(declared_document, stored, partition="aws-cn")


def test_difference_gives_only_the_statements_each_side_lacks() -> None:
    write = {"Action": "s3:PutObject", "Effect": "Allow", "Resource": "arn:aws:s3:::assets/*"}
    held = {"Version": "2012-10-17", "Statement": [READ["Statement"][0], write]}
    assert documents.difference(READ, held) == (
        {"Version": "2012-10-17", "Statement": []},
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": ["s3:putobject"], "Effect": "Allow", "Resource": ["arn:aws:s3:::assets/*"]}
            ],
        },
    )


ACTIONS = st.lists(
    st.sampled_from(["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "ec2:Describe*"]), min_size=1
)
STATEMENTS = st.lists(
    st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": ACTIONS,
            "Resource": st.lists(st.sampled_from(["*", "arn:aws:s3:::a/*", "arn:aws:s3:::b"]), min_size=1),
        }
    ),
    min_size=1,
    max_size=6,
)


@given(statements=STATEMENTS, seed=st.integers())
def test_order_and_repeats_never_change_a_document(statements: list[dict[str, Any]], seed: int) -> None:
    shuffle = random.Random(seed)
    reordered = [
        {
            key: shuffle.sample(value, len(value)) + value[:1] if isinstance(value, list) else value
            for key, value in s.items()
        }
        for s in statements
    ]
    shuffle.shuffle(reordered)
    original = {"Version": "2012-10-17", "Statement": statements}
    assert documents.same(original, {"Version": "2012-10-17", "Statement": reordered + reordered[:1]})


# -- compare: each kind of finding ------------------------------------------------------------------


def test_a_profile_as_declared_has_no_finding() -> None:
    assert drift.compare(declared(), actual()) == []


def test_a_profile_the_account_does_not_hold_is_missing() -> None:
    (finding,) = drift.compare(declared(), None)
    assert finding == AuditFinding(
        "missing", "web", "profile", "/ec2/web", None, "deploy it: cdk deploy Web", where="Web/WebServer"
    )


def test_a_profile_at_another_path_is_path_drift() -> None:
    (finding,) = drift.compare(declared(), actual(path="/other/"))
    assert (finding.kind, finding.field, finding.expected, finding.actual) == (
        "drift",
        "path",
        "/ec2/",
        "/other/",
    )
    assert "IAM cannot move a profile" in finding.fix


def test_profile_tags_are_held_to_exactly_the_declared_set_but_aws_tags() -> None:
    tags = {"Environment": "Staging", "Extra": "x", "aws:cloudformation:stack-name": "Web"}
    findings = drift.compare(declared(), actual(tags=tags))
    assert found(findings) == [
        ("drift", "tags", "Environment", "Production", "Staging"),
        ("drift", "tags", "Extra", None, "x"),
        ("drift", "tags", "Service", "WebApp", None),
    ]
    assert {f.fix for f in findings} == {"ec2-access-profiles audit --repair-tags"}


def test_profile_tags_are_not_audited_when_the_app_does_not_tag_the_profile() -> None:
    assert drift.compare(declared(tags=None), actual(tags={"Anything": "goes"})) == []


def test_a_profile_without_a_role_is_broken() -> None:
    (finding,) = drift.compare(declared(), replace(actual(), role=None))
    assert found([finding]) == [("broken", "role", None, "web-role", None)]
    assert (
        finding.fix == "aws iam add-role-to-instance-profile --instance-profile-name web --role-name web-role"
    )


def test_a_role_in_more_than_one_profile_is_broken() -> None:
    (finding,) = drift.compare(declared(), actual(role={"instance_profiles": ("other", "web")}))
    assert found([finding]) == [("broken", "role.instance_profiles", None, ["web"], ["other", "web"])]
    assert finding.fix.endswith(
        "aws iam remove-role-from-instance-profile --instance-profile-name other --role-name web-role"
    )


def test_another_role_in_the_profile_is_reported_alone() -> None:
    other = actual(role={"name": "intruder", "tags": {}, "managed_policy_arns": frozenset()})
    (finding,) = drift.compare(declared(), other)
    assert found([finding]) == [("drift", "role", None, "web-role", "intruder")]
    assert "--role-name intruder && aws iam add-role-to-instance-profile" in finding.fix


def test_names_match_ignoring_case_as_iam_does() -> None:
    assert drift.compare(declared(role_name="WEB-ROLE"), actual()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"path": "/"}, [("drift", "role.path", None, "/ec2/", "/")]),
        ({"max_session_duration": 3600}, [("drift", "role.max_session_duration", None, 7200, 3600)]),
        ({"permissions_boundary": None}, [("drift", "role.permissions_boundary", None, BOUNDARY, None)]),
        (
            {"managed_policy_arns": frozenset({SSM})},
            [
                ("drift", "role.managed_policies", S3_READ, "attached", None),
                ("drift", "role.managed_policies", SSM, None, "attached"),
            ],
        ),
        (
            {"tags": {"Environment": "Production"}},
            [("drift", "role.tags", "Service", "WebApp", None)],
        ),
        ({"inline_policies": {}}, [("drift", "role.inline_policies", "Permissions", READ, None)]),
    ],
    ids=["path", "session", "boundary", "managed", "tags", "inline-missing"],
)
def test_each_role_field_drifts(changes: dict[str, Any], expected: list[Any]) -> None:
    assert found(drift.compare(declared(), actual(role=changes))) == expected


def test_role_fixes_are_the_iam_commands_that_put_it_back() -> None:
    held = actual(
        role={
            "max_session_duration": 3600,
            "permissions_boundary": None,
            "managed_policy_arns": frozenset({SSM}),
            "tags": {"Environment": "Production", "Owner": "me"},
            "inline_policies": {"Permissions": READ, "Extra": READ},
        }
    )
    assert [f.fix for f in drift.compare(declared(), held)] == [
        f"aws iam attach-role-policy --role-name web-role --policy-arn {S3_READ}",
        f"aws iam detach-role-policy --role-name web-role --policy-arn {SSM}",
        "aws iam delete-role-policy --role-name web-role --policy-name Extra",
        "aws iam put-role-permissions-boundary --role-name web-role --permissions-boundary "
        "arn:aws:iam::123456789012:policy/ec2/Boundary",
        "aws iam update-role --role-name web-role --max-session-duration 7200",
        "aws iam untag-role --role-name web-role --tag-keys Owner",
        "aws iam tag-role --role-name web-role --tags Key=Service,Value=WebApp",
    ]


def test_inline_and_trust_policies_drift_by_meaning_and_show_what_differs() -> None:
    written_differently = {
        "Statement": {
            "Sid": "X",
            "Action": ["S3:GetObject"],
            "Effect": "Allow",
            "Resource": "arn:aws:s3:::assets/*",
        },
        "Version": "2012-10-17",
    }
    assert (
        drift.compare(declared(), actual(role={"inline_policies": {"Permissions": written_differently}}))
        == []
    )
    widened = {"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Effect": "Allow", "Resource": "*"}]}
    (finding,) = drift.compare(declared(), actual(role={"inline_policies": {"Permissions": widened}}))
    assert (finding.field, finding.key) == ("role.inline_policies", "Permissions")
    assert finding.expected == {
        "Version": "2012-10-17",
        "Statement": [{"Action": ["s3:getobject"], "Effect": "Allow", "Resource": ["arn:aws:s3:::assets/*"]}],
    }
    assert finding.actual == {
        "Version": "2012-10-17",
        "Statement": [{"Action": ["s3:*"], "Effect": "Allow", "Resource": ["*"]}],
    }
    assert finding.fix.startswith(
        "aws iam put-role-policy --role-name web-role --policy-name Permissions --policy-document '{"
    )
    trusting_all = {
        "Version": "2012-10-17",
        "Statement": [{**TRUST["Statement"][0], "Principal": {"AWS": "*"}}],
    }
    (trust,) = drift.compare(declared(), actual(role={"trust_policy": trusting_all}))
    assert trust.field == "role.trust_policy"
    assert trust.fix.startswith("aws iam update-assume-role-policy --role-name web-role --policy-document '")


def test_an_inline_policy_computed_at_deploy_must_exist_but_its_text_is_not_audited() -> None:
    computed = declared(role={"inline_policies": {"Permissions": None}})
    assert drift.compare(computed, actual(role={"inline_policies": {"Permissions": {"Statement": []}}})) == []
    (finding,) = drift.compare(computed, actual(role={"inline_policies": {}}))
    assert (finding.key, finding.expected, finding.actual) == (
        "Permissions",
        "a document computed at deploy",
        None,
    )


def test_fields_not_audited_are_left_alone() -> None:
    skipped = declared(not_audited={"role.managed_policies": "uses Fn::ImportValue", "tags": "uses Fn::If"})
    assert drift.compare(skipped, actual(role={"managed_policy_arns": frozenset()}, tags={})) == []


def test_a_profile_whose_role_the_template_does_not_define_is_checked_by_role_name() -> None:
    by_name = replace(declared(), role=None)
    assert drift.compare(by_name, actual(role={"path": "/x/", "tags": {}})) == []
    assert found(drift.compare(by_name, actual(role={"name": "other"}))) == [
        ("drift", "role", None, "web-role", "other")
    ]


# -- audit: the walk over the account ---------------------------------------------------------------


def listed(name: str, path: str = "/ec2/", roles: tuple[str, ...] = ("web-role",)) -> ListedProfile:
    return ListedProfile(name, path, f"arn:aws:iam::123456789012:instance-profile{path}{name}", roles)


def test_audit_reports_unexpected_missing_and_moved_profiles_sorted() -> None:
    moved = replace(declared(name="moved"), where="Web/Moved")
    gone = replace(declared(name="gone"), where="Web/Gone")
    lookups: list[str] = []

    def find(name: str) -> ListedProfile | None:
        lookups.append(name)
        return listed("moved", "/old/") if name == "moved" else None

    def read(profile: ListedProfile) -> AccountProfile:
        return actual(role={"instance_profiles": (profile.name,)}, name=profile.name, path=profile.path)

    findings = drift.audit(
        [declared(), moved, gone], iter([listed("Hand-Made", roles=()), listed("WEB")]), find=find, read=read
    )
    assert [(f.kind, f.profile, f.field) for f in findings] == [
        ("missing", "gone", "profile"),
        ("unexpected", "Hand-Made", "profile"),
        ("drift", "moved", "path"),
    ]
    assert lookups == ["moved", "gone"]
    assert findings[1].fix == (
        "declare it in the app, or delete it if nothing uses it: "
        "aws iam delete-instance-profile --instance-profile-name Hand-Made"
    )


def test_a_generated_name_not_yet_made_is_missing_without_a_lookup() -> None:
    unnamed = replace(declared(), name=None, where="Web/Unnamed")
    findings = drift.audit([unnamed], iter([]), find=pytest.fail, read=pytest.fail)  # type: ignore[arg-type]
    assert [(f.kind, f.profile, f.expected) for f in findings] == [
        ("missing", "Web/Unnamed", "/ec2/(a name CloudFormation generates)")
    ]


def test_audit_reads_each_listed_profile_before_listing_the_next() -> None:
    """Memory holds one listed profile at a time: reading is interleaved with listing, never after it."""
    events: list[str] = []
    names = [f"p{number}" for number in range(3)]

    def listing() -> Iterator[ListedProfile]:
        for name in names:
            events.append(f"listed {name}")
            yield listed(name)

    def read(profile: ListedProfile) -> AccountProfile:
        events.append(f"read {profile.name}")
        return replace(actual(), name=profile.name)

    profiles = [replace(declared(), name=name) for name in names]
    drift.audit(profiles, listing(), find=pytest.fail, read=read)
    assert events == ["listed p0", "read p0", "listed p1", "read p1", "listed p2", "read p2"]


# -- findings, repairs, reports ---------------------------------------------------------------------

TAG_DRIFT = [
    AuditFinding(
        "drift", "web", "tags", "WebApp", None, drift.REPAIR_TAGS_FIX, key="Service", where="Web/WebServer"
    ),
    AuditFinding(
        "drift", "web", "tags", None, "x", drift.REPAIR_TAGS_FIX, key="Extra", where="Web/WebServer"
    ),
    AuditFinding("drift", "web", "role.tags", "WebApp", None, "aws iam tag-role ...", key="Service"),
    AuditFinding("unexpected", "Hand-Made", "profile", None, "/ec2/Hand-Made", "delete it"),
]


def test_a_finding_is_one_line_and_json() -> None:
    finding = TAG_DRIFT[0]
    assert finding.line() == (
        "drift profile 'web' (Web/WebServer) tags['Service']: expected 'WebApp', actual none; "
        "fix: ec2-access-profiles audit --repair-tags"
    )
    assert finding.to_json() == {
        "kind": "drift",
        "profile": "web",
        "where": "Web/WebServer",
        "field": "tags",
        "key": "Service",
        "expected": "WebApp",
        "actual": None,
        "fix": "ec2-access-profiles audit --repair-tags",
    }
    document = AuditFinding("drift", "web", "role.trust_policy", TRUST, None, "fix").line()
    assert 'expected {"Statement":[{"Action":"sts:AssumeRole"' in document


def test_repair_plans_only_instance_profile_tag_drift() -> None:
    changes = repair.plan(TAG_DRIFT)
    assert changes == [  # untag first: IAM may hold 'service' and 'Service' as one key
        repair.TagChange("UntagInstanceProfile", "web", keys=("Extra",)),
        repair.TagChange("TagInstanceProfile", "web", tags={"Service": "WebApp"}),
    ]
    assert [c.line(dry_run=True) for c in changes] == [
        "would untag profile 'web': Extra (UntagInstanceProfile)",
        "would tag profile 'web': Service='WebApp' (TagInstanceProfile)",
    ]
    assert changes[1].line(dry_run=False) == "tagged profile 'web': Service='WebApp' (TagInstanceProfile)"
    assert repair.repaired(TAG_DRIFT, changes) == TAG_DRIFT[2:]


RESULT = report.AuditResult(
    account_id="123456789012",
    partition="aws",
    assembly="cdk.out",
    owned_paths=("/ec2/",),
    declared=4,
    findings=tuple(TAG_DRIFT[:1] + TAG_DRIFT[3:]),
    not_audited=(
        NotAudited(
            "web", "role.inline_policies['Grants']", "its value uses Fn::GetAtt B.Arn, computed at deploy"
        ),
    ),
    remaining=2,
)


def test_text_report_prints_findings_on_stdout_and_the_rest_on_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    report.write(RESULT, "text", out, err)
    assert out.getvalue().splitlines() == [finding.line() for finding in RESULT.findings]
    assert err.getvalue().splitlines() == [
        "not audited: profile 'web' role.inline_policies['Grants']: its value uses Fn::GetAtt B.Arn, "
        "computed at deploy",
        "account 123456789012 (aws): 4 profiles declared in cdk.out, under /ec2/: "
        "2 findings (1 unexpected, 1 drift)",
    ]


def test_in_sync_text_report_leaves_stdout_empty() -> None:
    out, err = io.StringIO(), io.StringIO()
    report.write(replace(RESULT, findings=(), not_audited=(), remaining=0), "text", out, err)
    assert out.getvalue() == ""
    assert (
        err.getvalue() == "account 123456789012 (aws): 4 profiles declared in cdk.out, under /ec2/: in sync\n"
    )


def test_json_report_is_one_document() -> None:
    out = io.StringIO()
    report.write(RESULT, "json", out, io.StringIO())
    document = json.loads(out.getvalue())
    assert document["in_sync"] is False
    assert document["findings"] == [finding.to_json() for finding in RESULT.findings]
    assert document["not_audited"][0]["field"] == "role.inline_policies['Grants']"
    assert (document["account"], document["owned_paths"], document["remaining"]) == (
        "123456789012",
        ["/ec2/"],
        2,
    )


def test_json_in_sync_is_what_is_left_after_the_repairs() -> None:
    """As the exit status: findings all repaired is in sync; findings left, or only planned, are not."""
    changes = tuple(repair.plan(TAG_DRIFT[:2]))
    repaired = replace(RESULT, findings=tuple(TAG_DRIFT[:2]), repairs=changes, remaining=0)
    for result, in_sync in (
        (repaired, True),
        (replace(repaired, dry_run=True, remaining=2), False),
        (RESULT, False),
    ):
        out = io.StringIO()
        report.write(result, "json", out, io.StringIO())
        assert (json.loads(out.getvalue())["in_sync"], result.in_sync) == (in_sync, in_sync)


def test_markdown_report_is_a_table_with_escaped_cells() -> None:
    out = io.StringIO()
    piped = AuditFinding("drift", "web", "tags", "a|b", "`x`", "fix it", key="K")
    report.write(replace(RESULT, findings=(piped,)), "markdown", out, io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "## Audit of account 123456789012"
    assert "| Kind | Profile | Field | Expected | Actual | Fix |" in lines
    assert "| drift | `web` | `tags['K']` | `a\\|b` | `` `x` `` | `fix it` |" in lines
    assert lines[-1].startswith("- not audited: profile 'web'")


def test_a_credential_guard_missing_in_the_account_is_inline_policy_drift() -> None:
    from constructs_lib.core.credential_guard import CredentialGuard

    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets/*"}
    guarded = {"Version": "2012-10-17", "Statement": [read, *CredentialGuard().statements()]}
    unguarded = {"Version": "2012-10-17", "Statement": [read]}
    app = declared(role={"inline_policies": {"Permissions": guarded}})
    assert drift.compare(app, actual(role={"inline_policies": {"Permissions": guarded}})) == []
    (finding,) = drift.compare(app, actual(role={"inline_policies": {"Permissions": unguarded}}))
    assert (finding.field, finding.key) == ("role.inline_policies", "Permissions")
    assert "aws:ec2instancesourcevpc" in json.dumps(finding.expected).lower()
    assert "aws:ec2instancesourcevpc" not in json.dumps(finding.actual).lower()


def test_a_policy_under_a_condition_is_no_drift_when_absent_and_compared_when_present() -> None:
    """The template's ``Condition`` may not hold in this account: a policy it leaves out is not missing."""
    extra = "arn:aws:iam::123456789012:policy/ProdMP"
    conditional = {
        "role": {
            "inline_policies": {"Permissions": READ, "ProdOnly": READ},
            "managed_policy_arns": frozenset({S3_READ, extra}),
            "conditional_policies": frozenset({"prodonly", extra.lower()}),
        }
    }
    assert drift.compare(declared(**conditional), actual()) == []
    wrong = {**READ, "Statement": [{**READ["Statement"][0], "Action": "s3:*"}]}
    held = actual({"inline_policies": {"Permissions": READ, "ProdOnly": wrong}})
    assert [(f.field, f.key) for f in drift.compare(declared(**conditional), held)] == [
        ("role.inline_policies", "ProdOnly")
    ]


def test_a_role_tag_changed_only_in_case_is_untagged_before_it_is_tagged() -> None:
    """Run in the order printed, the fixes end with exactly the declared key (IAM may hold both as one)."""
    findings = drift.compare(declared(), actual({"tags": {"Environment": "Production", "service": "WebApp"}}))
    fixes = [f.fix for f in findings if f.field == "role.tags"]
    assert fixes == [
        "aws iam untag-role --role-name web-role --tag-keys service",
        "aws iam tag-role --role-name web-role --tags Key=Service,Value=WebApp",
    ]
