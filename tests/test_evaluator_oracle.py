"""The evaluator against an independent one, on a generated corpus of thousands of cases.

The independent evaluator is ``@cloud-copilot/iam-simulate`` (npm, pinned in package.json, run by
``tests/oracle/iam_simulate.mjs`` in Node.js): a maintained simulator of IAM's evaluation logic that
weighs identity policies, permissions boundaries, ``NotAction``/``NotResource``, policy variables and
every condition operator. moto's ``IAMPolicy`` was not used: it evaluates ``StringEquals`` only
(every other operator passes), treats an ``Allow`` whose condition fails as a deny, ignores
``NotResource`` (the statement then matches every resource), compares actions case-sensitively and
has no boundaries; ``test_moto_cannot_serve_as_the_independent_evaluator`` shows each gap.

The corpus is drawn with a fixed seed (the same cases every run): one to three identity policies and
sometimes a boundary, each of one to three statements, with exact, prefixed and whole-service
wildcard actions, ``NotAction``, exact and wildcard resources, ``NotResource``, explicit denies,
the credential guard's conditions and other operators, against contexts of a call from the
instance, from another VPC or address, without a VPC endpoint, via an AWS service and with IMDSv1
credentials. Some policies are real AWS-managed documents from the shipped data. Every request's
context is complete (``closed``): the simulator takes a missing key as absent, and so does the
evaluator then. KMS requests carry the default key policy (AWS KMS Developer Guide, "Default key
policy"), which leaves the decision to the account's IAM policies, as for every other service here.

Disagreements: 7 of 3,000, all of one kind, each checked below to be exactly that kind:

- **A policy variable whose key the request lacks, in a negated condition.** The guard's
  ``StringNotEquals {"aws:EC2InstanceSourceVPC": "${aws:SourceVpc}"}`` on a call made without a VPC
  endpoint (no ``aws:SourceVpc`` in the request: IAM User Guide, global condition keys,
  ``aws:SourceVpc`` "is included in the request context only if the requester uses a VPC endpoint").
  The evaluator takes the missing variable as a value that matches nothing, so "not equal" holds and
  the deny applies; iam-simulate takes the condition as false. AWS documents the deny: the AWS
  Security Blog's "How to use policies to restrict where EC2 instance credentials can be used from"
  (the pattern this guard follows; its note of 2023-03-07) says calls to services without a VPC
  endpoint are refused unless exempted, which is why the guard has a ``NotAction`` exemption list.
"""

from __future__ import annotations

import json
import random
import subprocess
from typing import Any

import pytest

from constructs_lib.core.aws_managed_policies import aws_managed_policies
from constructs_lib.core.evaluator import Policy, Profile, evaluate
from constructs_lib.core.request import Request
from tooling.cdk import ROOT

pytestmark = pytest.mark.cli  # runs Node.js from node_modules, as the CLI tests do

ACCOUNT = "111122223333"
SEED = 19
CASES = 3_000
ORACLE = ROOT / "tests" / "oracle" / "iam_simulate.mjs"
NODE = ROOT / ".venv" / "node-bin" / "node"

REQUESTS = (
    ("s3:GetObject", "arn:aws:s3:::bucket-a/logs/1.log"),
    ("s3:GetObject", "arn:aws:s3:::bucket-b/key"),
    ("s3:PutObject", "arn:aws:s3:::bucket-a/logs/1.log"),
    ("s3:DeleteObject", "arn:aws:s3:::bucket-a/logs/1.log"),
    ("s3:ListBucket", "arn:aws:s3:::bucket-a"),
    ("ec2:StartInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"),
    ("ec2:DescribeInstances", "*"),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/eve"),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-AbCdEf"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:log-stream:i-0abc"),
)
ACTIONS = (
    "s3:GetObject",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "s3:List*",
    "ec2:*",
    "ec2:Describe*",
    "ec2:StartInstance?",
    "iam:*",
    "iam:PassRole",
    "ssm:GetParameter*",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "logs:*",
    "*",
    "S3:getobject",
)
RESOURCES = (
    "*",
    "arn:aws:s3:::bucket-a",
    "arn:aws:s3:::bucket-a/*",
    "arn:aws:s3:::bucket-?/*",
    "arn:aws:s3:::*",
    f"arn:aws:ec2:*:{ACCOUNT}:instance/*",
    "arn:aws:ec2:us-east-1:444455556666:instance/*",
    f"arn:aws:iam::{ACCOUNT}:role/*",
    f"arn:aws:ssm:*:{ACCOUNT}:parameter/app/*",
    f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-*",
    "arn:aws:kms:*:*:key/*",
    f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:*",
)
GUARD_VPC = {
    "StringNotEquals": {"aws:EC2InstanceSourceVPC": "${aws:SourceVpc}"},
    "Null": {"ec2:SourceInstanceARN": "false"},
    "BoolIfExists": {"aws:ViaAWSService": "false"},
}
GUARD_ADDRESS = {
    "StringNotEquals": {"aws:EC2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"},
    "Null": {"ec2:SourceInstanceARN": "false"},
    "BoolIfExists": {"aws:ViaAWSService": "false"},
}
CONDITIONS: tuple[dict[str, Any], ...] = (
    GUARD_VPC,
    GUARD_ADDRESS,
    {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
    {"StringEquals": {"aws:SourceVpc": "vpc-1"}},
    {"StringNotEqualsIfExists": {"aws:SourceVpc": ["vpc-1", "vpc-3"]}},
    {"StringLike": {"aws:SourceVpce": "vpce-*"}},
    {"Bool": {"aws:ViaAWSService": "true"}},
    {"Null": {"aws:SourceVpc": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/16"}},
    {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/16"}},
    {"ArnLike": {"ec2:SourceInstanceARN": f"arn:aws:ec2:*:{ACCOUNT}:instance/*"}},
    {"ArnNotEquals": {"ec2:SourceInstanceARN": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"}},
    {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "PAYMENTS"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "cost"]}},
    {"ForAllValues:StringLike": {"aws:TagKeys": ["env", "te*"]}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "3600"}},
)
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"
ON_INSTANCE = {
    "ec2:SourceInstanceARN": INSTANCE,
    "aws:EC2InstanceSourceVPC": "vpc-1",
    "aws:EC2InstanceSourcePrivateIPv4": "10.0.0.5",
    "aws:SourceVpc": "vpc-1",
    "aws:SourceVpce": "vpce-1",
    "aws:VpcSourceIp": "10.0.0.5",
    "aws:SourceIp": "10.0.0.5",
    "ec2:RoleDelivery": "2.0",
    "aws:ViaAWSService": "false",
    "aws:PrincipalTag/team": "payments",
    "aws:CurrentTime": "2026-12-07T01:00:00Z",
}
CONTEXTS: tuple[dict[str, Any], ...] = (
    ON_INSTANCE,
    {**ON_INSTANCE, "aws:SourceVpc": "vpc-2"},
    {**ON_INSTANCE, "aws:VpcSourceIp": "10.0.0.99"},
    {k: v for k, v in ON_INSTANCE.items() if k not in ("aws:SourceVpc", "aws:VpcSourceIp", "aws:SourceVpce")},
    {**ON_INSTANCE, "aws:ViaAWSService": "true", "aws:SourceIp": "198.51.100.7", "aws:SourceVpc": "vpc-9"},
    {**ON_INSTANCE, "ec2:RoleDelivery": "1.0"},
    {**ON_INSTANCE, "aws:TagKeys": ["env", "team"]},
    {
        "aws:SourceIp": "203.0.113.9",
        "aws:CurrentTime": "2031-01-01T00:00:00Z",
        "aws:MultiFactorAuthAge": "7200",
    },
)
MANAGED = (
    "AmazonSSMManagedInstanceCore",
    "AmazonS3ReadOnlyAccess",
    "PowerUserAccess",
    "CloudWatchAgentServerPolicy",
)


def one_or_many(rng: random.Random, pool: tuple[str, ...]) -> str | list[str]:
    chosen = rng.sample(pool, rng.randint(1, 3))
    return chosen[0] if len(chosen) == 1 and rng.random() < 0.5 else chosen


def statement(rng: random.Random, effect: str) -> dict[str, Any]:
    drawn: dict[str, Any] = {"Effect": effect}
    drawn["NotAction" if rng.random() < 0.15 else "Action"] = one_or_many(rng, ACTIONS)
    drawn["NotResource" if rng.random() < 0.15 else "Resource"] = one_or_many(rng, RESOURCES)
    if rng.random() < (0.7 if effect == "Deny" else 0.3):
        drawn["Condition"] = dict(rng.choice(CONDITIONS))
    return drawn


def document(rng: random.Random, deny_share: float) -> dict[str, Any]:
    if rng.random() < 0.1:
        found = aws_managed_policies().get(rng.choice(MANAGED))
        assert found is not None
        return dict(found.document)
    statements = [
        statement(rng, "Deny" if rng.random() < deny_share else "Allow") for _ in range(rng.randint(1, 3))
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def corpus(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        action, resource = rng.choice(REQUESTS)
        cases.append(
            {
                "action": action,
                "resource": resource,
                "context": rng.choice(CONTEXTS),
                "identity": [document(rng, 0.3) for _ in range(rng.randint(1, 3))],
                "boundary": document(rng, 0.15) if rng.random() < 0.35 else None,
            }
        )
    return cases


def ours(case: dict[str, Any]) -> str:
    policies = tuple(Policy(f"identity{i}", "inline", doc) for i, doc in enumerate(case["identity"]))
    boundary = Policy("boundary", "boundary", case["boundary"]) if case["boundary"] else None
    context = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in case["context"].items()}
    decision = evaluate(
        Profile("web", policies, boundary), Request(case["action"], case["resource"], context, closed=True)
    )
    if decision.outcome == "denied":
        return "ExplicitlyDenied" if decision.statement is not None else "ImplicitlyDenied"
    return "Allowed" if decision.outcome == "allowed" else f"unknown: {decision.reason}"


def simulate(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    run = subprocess.run(
        [str(NODE), str(ORACLE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    answers: list[dict[str, Any]] = json.loads(run.stdout)
    return answers


def without_missing_variables(case: dict[str, Any]) -> dict[str, Any]:
    """The case with each policy variable whose key the context lacks written as a literal no request
    has: what the evaluator (and AWS) take such a variable to be. Only that changes."""
    text = json.dumps([case["identity"], case["boundary"]])
    for key in ("aws:SourceVpc", "aws:VpcSourceIp"):
        if key not in case["context"]:
            text = text.replace("${" + key + "}", f"no {key} in the request")
    identity, boundary = json.loads(text)
    return {**case, "identity": identity, "boundary": boundary}


EXPECTED_DISAGREEMENTS = 7


def test_the_evaluator_agrees_with_iam_simulate_but_for_missing_policy_variables() -> None:
    cases = corpus(CASES, SEED)
    answers = simulate(cases)
    errors = [(case, answer) for case, answer in zip(cases, answers, strict=True) if "error" in answer]
    assert not errors, errors[:3]
    disagreements = [
        (case, answer["result"], ours(case))
        for case, answer in zip(cases, answers, strict=True)
        if answer["result"] != ours(case)
    ]
    literal = [without_missing_variables(case) for case, _, _ in disagreements]
    explained = [
        (ours(changed), answer["result"])
        for changed, answer in zip(literal, simulate(literal) if literal else [], strict=True)
    ]
    assert explained == [(mine, mine) for _, _, mine in disagreements], json.dumps(
        disagreements[:2], indent=1
    )
    assert len(disagreements) == EXPECTED_DISAGREEMENTS
    outcomes = {answer["result"] for answer in answers}
    assert outcomes == {"Allowed", "ExplicitlyDenied", "ImplicitlyDenied"}  # the corpus covers all three


def test_the_corpus_covers_what_it_claims() -> None:
    cases = corpus(CASES, SEED)
    statements = [
        s
        for case in cases
        for doc in [*case["identity"], case["boundary"] or {}]
        for s in doc.get("Statement", [])
    ]
    assert sum(1 for case in cases if case["boundary"]) > 500
    assert sum(1 for s in statements if "NotAction" in s) > 200
    assert sum(1 for s in statements if "NotResource" in s) > 200
    assert sum(1 for s in statements if s.get("Effect") == "Deny") > 500
    assert sum(1 for s in statements if s.get("Condition") in (GUARD_VPC, GUARD_ADDRESS)) > 200


def test_the_simulator_is_a_real_check() -> None:
    """Negative control: a case the evaluator allows, changed by one deny, is denied by the simulator."""
    allowed: dict[str, Any] = {
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket-a/k",
        "context": ON_INSTANCE,
        "identity": [
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ],
        "boundary": None,
    }
    denied = {**allowed, "context": {**ON_INSTANCE, "aws:SourceVpc": "vpc-2"}}
    denied["identity"] = [
        *allowed["identity"],
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": GUARD_VPC}],
        },
    ]
    assert [answer["result"] for answer in simulate([allowed, denied])] == ["Allowed", "ExplicitlyDenied"]
    assert [ours(allowed), ours(denied)] == ["Allowed", "ExplicitlyDenied"]


def test_moto_cannot_serve_as_the_independent_evaluator() -> None:
    """Why moto's ``IAMPolicy`` is not the oracle: each of its gaps, against what IAM documents."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    def moto(*statements: dict[str, Any], action: str = "s3:GetObject", **context: str) -> PermissionResult:
        policy = IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
        return policy.is_action_permitted(action, "arn:aws:s3:::bucket-a/k", None, context)

    imds_v1 = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
    }
    # Only StringEquals is evaluated: a deny whose NumericLessThan is false (2.0 < 2.0) still denies.
    assert moto(imds_v1, **{"ec2:RoleDelivery": "2.0"}) == PermissionResult.DENIED
    # An allow whose condition does not hold is reported as a deny, where IAM just does not allow.
    vpc_only = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}},
    }
    assert moto(vpc_only, **{"aws:SourceVpc": "vpc-2"}) == PermissionResult.DENIED
    # NotResource is not read: a statement with it matches every resource.
    elsewhere = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket-a/*"}
    assert moto(elsewhere) == PermissionResult.PERMITTED
    # Action names are compared case-sensitively; IAM ignores their case.
    assert moto({"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}) == PermissionResult.NEUTRAL
