"""Least privilege, the pure rules: which grants are broad, and what makes an acknowledgment usable.

Nothing here imports aws-cdk-lib (``make test-fast`` runs it); the construct's refusals are
``tests/test_least_privilege.py``'s.
"""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib import BroadAccess, ProfileSpec
from constructs_lib.core.checker import check_profile
from constructs_lib.core.least_privilege import ADMIN_MANAGED_POLICIES, broad_grants, check_acknowledgment

REASON = "Needed because the agent manages every object"


# ---------------------------------------------------------------------------------------------------
# Which grants are broad (pure)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, [("action", "*")]),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": "x"}, [("action", "s3:*")]),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["x", "*"]}, [("resource", "*")]),
        ({"Effect": "Allow", "Action": "s3:**", "Resource": "x"}, [("action", "s3:**")]),
        ({"Effect": "Allow", "Action": "***", "Resource": "x"}, [("action", "***")]),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "**"}, [("resource", "**")]),
        ({"Effect": "Allow", "Action": "iam:?*", "Resource": "x"}, [("action", "iam:?*")]),
        ({"Effect": "Allow", "Action": "?*", "Resource": "x"}, [("action", "?*")]),
        ({"Effect": "Allow", "Action": "iam:?", "Resource": "x"}, []),
        ({"Effect": "Allow", "Action": "iam:Pass?ole", "Resource": "x"}, []),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "x"}, [("action", "*")]),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "x"}, [("resource", "*")]),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
        ({"Action": "*", "Resource": "x"}, [("action", "*")]),  # no Effect: an Allow, as aws-cdk-lib reads it
        ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}, []),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["B", "Arn"]}}, []),
    ],
)
def test_broad_grants_are_whole_services_everything_and_not_clauses(
    statement: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert [(grant.kind, grant.pattern) for grant in broad_grants(statement)] == expected


def test_an_admin_policy_is_known_whatever_the_case_of_its_name() -> None:
    """IAM does not tell policy names apart by case: ``administratoraccess`` is still EAP024."""
    for written in ("administratoraccess", "arn:aws:iam::aws:policy/ADMINISTRATORACCESS"):
        spec = ProfileSpec(instance_profile_name="p", managed_policies=(written,))
        assert [finding.rule_id for finding in check_profile(spec)] == ["EAP024"], written


def test_a_run_of_stars_is_refused_as_one_star_and_acknowledged_as_written() -> None:
    """IAM reads ``s3:**`` as ``s3:*``: EAP042 refuses it (not the linters' EAP043, which would let an
    optional acknowledgment through), and the acknowledgment is the pattern as the statement writes it."""
    statement = {"Effect": "Allow", "Action": "s3:**", "Resource": "arn:aws:s3:::b/key"}
    spec = ProfileSpec(instance_profile_name="p", statements=(statement,))
    (finding,) = check_profile(spec, linters=True)
    assert (finding.rule_id, finding.value) == ("EAP042", "s3:**")
    assert "allows every action of s3" in finding.rule
    acknowledged = ProfileSpec(
        instance_profile_name="p",
        statements=(statement,),
        acknowledge=(BroadAccess.action("s3:**", reason=REASON),),
    )
    assert check_profile(acknowledged, linters=True) == []


@pytest.mark.parametrize(
    ("acknowledgment", "problem"),
    [
        (BroadAccess.action("s3:*", reason="1234567890"), None),
        (BroadAccess.action("s3:*", reason="  123456789  "), "has a reason of 9 characters"),
        (BroadAccess.action("s3:GetObject", reason=REASON), "is not a wildcard"),
        (BroadAccess.resource("arn:aws:s3:::b", reason=REASON), "is not a wildcard"),
        (BroadAccess.managed_policy("PowerUserAccess", reason=REASON), None),
        (BroadAccess.unknown_action("s3:NewAction", reason=REASON), None),
        (BroadAccess.unknown_action("s3:", reason=REASON), "is not an action"),
        (BroadAccess.unknown_action("NewAction", reason=REASON), "is not an action"),
        (BroadAccess.unknown_action(":NewAction", reason=REASON), "is not an action"),
        (BroadAccess.unknown_action("s3:New Action", reason=REASON), "is not an action"),
    ],
)
def test_an_acknowledgment_needs_a_wildcard_and_ten_characters_of_reason(
    acknowledgment: BroadAccess, problem: str | None
) -> None:
    found = check_acknowledgment(acknowledgment)
    assert (found is None) if problem is None else (found is not None and found.startswith(problem))


def test_admin_level_policies_are_the_three_iam_documents() -> None:
    assert set(ADMIN_MANAGED_POLICIES) == {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}
