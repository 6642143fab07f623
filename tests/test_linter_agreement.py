"""``check`` and synth agree: what cdk-nag and cfn-lint refuse in a catalogue, the checker refuses, at a line.

A corpus of catalogue profiles, generated from statements that each cdk-nag rule reads (wildcards
acknowledged or not, denies before and after allows, ``not_actions``, action ``*`` on an ARN ending
in ``*``), is checked, then built as a catalogue app builds it and put through both cdk-nag packs
and cfn-lint, the linters ``make synth`` runs. It is built twice, in two Stages of one app: with
aws-cdk-lib's ``minimizePolicies`` flag (this app's, and ``cdk init``'s) and without it, since the flag
reorders the statements cdk-nag's NIST patterns read. The profiles the checker refuses are built
anyway (the construct does not apply the linter rules), so cdk-nag says what it would have refused.
One synth for the whole corpus.
"""

from __future__ import annotations

import random
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cdk_nag
import pytest
import yaml
from aws_cdk import App, Stage
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from constructs_lib.catalog import Catalog, load_catalog
from constructs_lib.cdk.catalog_stacks import CatalogStack
from constructs_lib.cdk.linters import lint_templates
from constructs_lib.core.checker import MINIMIZE_POLICIES_CONTEXT, AppSettings
from constructs_lib.core.linter_rules import (
    LINTER_RULES,
    NIST_ADMIN_ACCESS_PATTERN,
    NIST_FULL_ACCESS_PATTERN,
    rule_for,
)
from tooling.cdk import cli_context

BUCKET = "arn:aws:s3:::results-bucket"
SEED = 16
"""A seed under which each rule refuses at least three profiles (the first test holds it to that)."""
PROFILES = 40


@dataclass(frozen=True)
class Block:
    """A statement and the wildcards it needs acknowledged: always (else the construct refuses it) or not."""

    statement: dict[str, object]
    required: tuple[tuple[str, str], ...] = ()
    optional: tuple[tuple[str, str], ...] = ()


BLOCKS = {
    "exact": Block({"actions": ["s3:GetObject"], "resources": [f"{BUCKET}/report.csv"]}),
    "objects": Block(
        {"actions": ["s3:GetObject"], "resources": [f"{BUCKET}/*"]}, optional=(("resource", f"{BUCKET}/*"),)
    ),
    "partition": Block(
        {
            "actions": ["s3:PutObject"],
            "resources": ["arn:${AWS::Partition}:s3:::results-${AWS::AccountId}/*"],
        },
        optional=(("resource", "arn:${AWS::Partition}:s3:::results-${AWS::AccountId}/*"),),
    ),
    "get-star": Block({"actions": ["s3:Get*"], "resources": [BUCKET]}, optional=(("action", "s3:Get*"),)),
    "list-and-get": Block(
        {"actions": ["s3:List*", "s3:GetObject"], "resources": [BUCKET, f"{BUCKET}/*"]},
        optional=(("action", "s3:List*"), ("resource", f"{BUCKET}/*")),
    ),
    "service": Block({"actions": ["s3:*"], "resources": [BUCKET]}, required=(("action", "s3:*"),)),
    "describe": Block(
        {"actions": ["ec2:DescribeInstances"], "resources": ["*"]}, required=(("resource", "*"),)
    ),
    "deny-service": Block(
        {"effect": "Deny", "actions": ["s3:*"], "resources": [BUCKET]}, optional=(("action", "s3:*"),)
    ),
    "deny-all": Block(
        {
            "effect": "Deny",
            "actions": ["*"],
            "resources": ["*"],
            "conditions": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ),
    "not-actions": Block({"not_actions": ["iam:*"], "resources": [BUCKET]}, required=(("action", "*"),)),
    "star-on-objects": Block(
        {"actions": ["*"], "resources": [f"{BUCKET}/*"]},
        required=(("action", "*"),),
        optional=(("resource", f"{BUCKET}/*"), ("resource", "*")),
    ),
}


def corpus() -> dict[str, object]:
    """The catalogue: each profile one to three blocks, in any order, each wildcard acknowledged or not."""
    chooser = random.Random(SEED)
    names = sorted(BLOCKS)
    profiles = []
    for number in range(PROFILES):
        chosen = chooser.sample(names, chooser.randint(1, 3))
        wildcards = dict.fromkeys(
            [w for name in chosen for w in BLOCKS[name].required]
            + [w for name in chosen for w in BLOCKS[name].optional if chooser.random() < 0.5]
        )
        profile: dict[str, object] = {
            "name": f"P{number:02d}-{'-'.join(chosen)}",
            "statements": [BLOCKS[name].statement for name in chosen],
        }
        if wildcards:
            profile["acknowledge"] = [
                {kind: pattern, "reason": f"corpus case {number}: {kind} {pattern} on purpose"}
                for kind, pattern in wildcards
            ]
        profiles.append(profile)
    return {"defaults": {"tags": {"Environment": "Test"}}, "profiles": profiles}


@dataclass(frozen=True)
class Verdicts:
    catalog: Catalog
    """The corpus as ``check`` reads it, with the app's setting of ``minimizePolicies``."""
    nag: dict[str, set[str]]
    """cdk-nag's unacknowledged findings on each profile's resources, by profile name."""
    elsewhere: list[tuple[str, str]]
    """cdk-nag's findings on resources of no profile."""
    cfn_lint: list[str]


MODES = {"merged": ("Merged", True), "unmerged": ("Unmerged", False)}
"""The corpus is built twice, as apps with and without ``@aws-cdk/aws-iam:minimizePolicies`` build it."""


@pytest.fixture(scope="module")
def all_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdicts]:
    folder = tmp_path_factory.mktemp("agreement")
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump(corpus(), sort_keys=False))
    application = App(context=cli_context(), outdir=str(folder / "cdk.out"))
    catalogs, owners = {}, {}
    for mode, (name, minimize) in MODES.items():
        catalogs[mode] = load_catalog(
            path, settings=AppSettings.from_context({**cli_context(), MINIMIZE_POLICIES_CONTEXT: minimize})
        )
        stage = Stage(application, name)
        stage.node.set_context(MINIMIZE_POLICIES_CONTEXT, minimize)
        CatalogStack(stage, "Profiles", profiles=catalogs[mode].profiles)
        for profile in catalogs[mode].profiles:
            owners[f"{name}/Profiles/{profile.id}/"] = (mode, profile.name)
    assembly = application.synth()  # first: cdk-nag reads the acknowledgments aspects record at synth
    nag: dict[str, dict[str, set[str]]] = {
        mode: {p.name: set() for p in catalogs[mode].profiles} for mode in MODES
    }
    elsewhere: list[tuple[str, str]] = []
    for pack in (AwsSolutionsChecks(application), NIST80053R5Checks(application)):
        for violation in pack.validate_scope(application).violations:
            for resource in violation.violating_resources:
                where = resource.construct_path or ""
                owner = next((owner for prefix, owner in owners.items() if where.startswith(prefix)), None)
                if owner is None:
                    elsewhere.append((violation.rule_name, where))
                else:
                    nag[owner[0]][owner[1]].add(violation.rule_name)
    templates = [
        s.template_full_path for stage in assembly.nested_assemblies for s in stage.nested_assembly.stacks
    ]
    assert len(templates) == len(MODES)
    cfn_lint = [v.rule_name for v in lint_templates(templates)]
    return {mode: Verdicts(catalogs[mode], nag[mode], elsewhere, cfn_lint) for mode in MODES}


@pytest.fixture(params=sorted(MODES))
def verdicts(all_verdicts: dict[str, Verdicts], request: pytest.FixtureRequest) -> Verdicts:
    return all_verdicts[request.param]


def refused_by_check(catalog: Catalog, name: str) -> set[str]:
    return {f.rule_id for f in catalog.errors if f.profile == name}


def seen_by_cdk_nag(catalog: Catalog, name: str) -> set[str]:
    """What cdk-nag reports of what check refuses: when its AwsSolutions-IAM5 fails on an Allow with
    ``not_actions`` (EAP044), it reports that failure alone, not the role's wildcards (EAP043), which
    it reports once the statement is fixed."""
    refused = refused_by_check(catalog, name)
    return refused - {"EAP043"} if "EAP044" in refused else refused


def test_the_corpus_is_otherwise_clean_and_meets_every_rule(verdicts: Verdicts) -> None:
    """Only the linter rules find anything, each of them does, and some profiles pass everything."""
    linter_ids = {rule.id for rule in LINTER_RULES}
    assert {f.rule_id for f in verdicts.catalog.findings} == linter_ids
    for rule_id in linter_ids:
        refused = [
            p for p in verdicts.catalog.profiles if rule_id in refused_by_check(verdicts.catalog, p.name)
        ]
        assert len(refused) >= 3, rule_id
    passing = [p for p in verdicts.catalog.profiles if not refused_by_check(verdicts.catalog, p.name)]
    assert len(passing) >= 5
    assert any(p.spec.acknowledge for p in passing)
    masked = [
        p.name
        for p in verdicts.catalog.profiles
        if seen_by_cdk_nag(verdicts.catalog, p.name) != refused_by_check(verdicts.catalog, p.name)
    ]
    assert len(masked) < len(verdicts.catalog.profiles) // 4


def test_cdk_nag_refuses_exactly_what_check_refuses_profile_by_profile(verdicts: Verdicts) -> None:
    disagreements = []
    for profile in verdicts.catalog.profiles:
        nag = verdicts.nag[profile.name]
        reproduced = {rule.id if (rule := rule_for(finding)) else finding for finding in nag}
        checked = seen_by_cdk_nag(verdicts.catalog, profile.name)
        if reproduced != checked:
            disagreements.append((profile.name, sorted(nag), sorted(checked)))
    assert disagreements == []


def test_each_wildcard_cdk_nag_names_is_the_value_check_names(verdicts: Verdicts) -> None:
    for profile in verdicts.catalog.profiles:
        if "EAP043" not in seen_by_cdk_nag(verdicts.catalog, profile.name):
            continue
        named = {
            finding.partition("::")[2].removesuffix("]").replace("<", "${").replace(">", "}")
            for finding in verdicts.nag[profile.name]
            if finding.startswith("AwsSolutions-IAM5[")
        }
        checked = {
            f.value for f in verdicts.catalog.errors if f.profile == profile.name and f.rule_id == "EAP043"
        }
        assert named == checked, profile.name


def test_every_refusal_of_check_is_at_a_line_of_the_catalogue(verdicts: Verdicts) -> None:
    for finding in verdicts.catalog.errors:
        assert finding.location is not None
        file, line, column = finding.location.rsplit(":", 2)
        assert (Path(file).name, int(line) > 1, int(column) >= 1) == ("catalog.yaml", True, True)


def test_nothing_else_is_refused(verdicts: Verdicts) -> None:
    """Synth refuses nothing outside the profiles (the tag handler's findings are acknowledged), and
    cfn-lint nothing at all: no catalogue that synth refuses passes check."""
    assert (verdicts.elsewhere, verdicts.cfn_lint) == ([], [])


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("IAMPolicyNoStatementsWithFullAccess", NIST_FULL_ACCESS_PATTERN),
        ("IAMPolicyNoStatementsWithAdminAccess", NIST_ADMIN_ACCESS_PATTERN),
    ],
)
def test_the_nist_patterns_are_cdk_nag_s_own(rule: str, pattern: re.Pattern[str]) -> None:
    """The installed cdk-nag's regular expression, with JavaScript's ``.`` and without the named group."""
    bundle = next((Path(cdk_nag.__file__).parent / "_jsii").glob("cdk-nag@*.jsii.tgz"))
    with tarfile.open(bundle) as archive:
        member = archive.extractfile(f"package/lib/rules/iam/{rule}.js")
        assert member is not None
        source = member.read().decode()
    (theirs,) = re.findall(r"const reg = /(.*)/gm;", source)
    assert without_named_groups(pattern.pattern).replace(r"[^\n\r\u2028\u2029]", ".") == theirs


def without_named_groups(pattern: str) -> str:
    """``pattern`` with each ``(?P<name>...)`` written as its contents."""
    kept: list[str] = []
    named: list[bool] = []
    index = 0
    while index < len(pattern):
        group = re.match(r"\(\?P<\w+>", pattern[index:])
        if pattern[index] == "\\":
            kept.append(pattern[index : index + 2])
            index += 2
            continue
        if group:
            named.append(True)
            index += group.end()
            continue
        if pattern[index] == "(":
            named.append(False)
        elif pattern[index] == ")" and named.pop():
            index += 1
            continue
        kept.append(pattern[index])
        index += 1
    return "".join(kept)
