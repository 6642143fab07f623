"""What the linters refuse becomes a high finding on its profile, with the fix (``review.refusals``).

First from validation reports written here, shaped as CDK writes them; then from small apps of this
file's own (not this repository's), synthesized in-process as the review's synth does it
(``@aws-cdk/core:failSynthOnValidationErrors`` false, so cdk-nag's refusal is recorded, not raised),
and reviewed by the real command in its ``--base-assembly``/``--head-assembly`` form.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.cli import main
from constructs_lib.review.compare import Review, review
from constructs_lib.review.refusals import Refusal, read_refusals
from constructs_lib.review.report import to_json, to_markdown
from constructs_lib.review.run import NEEDS_CLOUDSPLAINING
from tests.test_review import BASE, READ_ASSETS, app, profile
from tooling.cdk import ROOT

BUCKET_OBJECTS = "AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]"
NAG_TEXT = "The IAM entity contains wildcard permissions and does not have a cdk-nag rule suppression."
WEB_ROLE = "Stack/Web/Role/Resource"


def violation(rule: str, *paths: str, severity: str = "error", **more: Any) -> dict[str, Any]:
    return {
        "ruleName": rule,
        "description": NAG_TEXT,
        "severity": severity,
        "violatingConstructs": [{"constructPath": path} for path in paths],
        **more,
    }


def plugin(
    name: str, *violations: dict[str, Any], conclusion: str = "failure", **more: Any
) -> dict[str, Any]:
    return {"pluginName": name, "conclusion": conclusion, "violations": list(violations), **more}


def refused(rule: str = BUCKET_OBJECTS, *paths: str) -> list[Refusal]:
    report = {"pluginReports": [plugin("AwsSolutions", violation(rule, *(paths or (WEB_ROLE,))))]}
    return read_refusals(report)


def with_refusals(refusals: list[Refusal], catalogue: dict[str, str] | None = None, **more: Any) -> Review:
    return review(BASE, BASE, base_ref="main", refused=refusals, catalogue=catalogue, **more)


def refusal_messages(result: Review) -> list[str]:
    return [f.message for p in result.profiles for f in p.findings if f.rule == "linter-refused"]


# -- reading CDK's validation report -----------------------------------------------------------------


def test_what_fails_synth_is_read_and_what_passes_is_not() -> None:
    report = {
        "pluginReports": [
            plugin("NIST.800.53.R5", violation("N-1", "A", severity="warning"), conclusion="success"),
            plugin("AwsSolutions", violation("S-1", "B"), violation("S-2", "C", severity="warning")),
            plugin("cfn-lint", violation("W3005 Obsolete DependsOn", "D", severity="warning")),
            plugin("checkov", metadata={"error": "Validation plugin 'checkov' failed: boom"}),
        ]
    }
    found = [(r.plugin, r.rule, r.construct_paths) for r in read_refusals(report)]
    assert found == [
        ("AwsSolutions", "S-1", ("B",)),  # its warning does not fail the report
        ("cfn-lint", "W3005 Obsolete DependsOn", ("D",)),  # a report failed on warnings only: all of them
        ("checkov", "", ()),  # the plugin itself failed
    ]
    assert read_refusals(report)[-1].description == "Validation plugin 'checkov' failed: boom"
    assert read_refusals({}) == []


# -- on which profile, with which fix ----------------------------------------------------------------


def test_a_catalogue_profile_s_refusal_names_its_line_and_the_acknowledge_entry() -> None:
    result = with_refusals(refused(), catalogue={"Web-Profile": "catalog.yaml:12:5"})
    (profile_review,) = result.profiles
    assert profile_review.status == "unchanged"
    assert [(f.severity, f.rule) for f in profile_review.findings] == [("high", "linter-refused")]
    assert result.high
    (message,) = refusal_messages(result)
    assert message == (
        f"AwsSolutions refuses {BUCKET_OBJECTS} on {WEB_ROLE}, so `cdk synth` fails: "
        f"{NAG_TEXT.rstrip('.')}. Fix: grant exactly what is needed, or acknowledge it: in catalogue "
        "profile 'Web-Profile' (catalog.yaml:12:5), add to `acknowledge:` "
        '{resource: "arn:aws:s3:::bucket/*", reason: "why it is needed"}.'
    )
    text = to_markdown(result)
    assert "### `Web-Profile` (Ec2Access-Web): unchanged" in text  # shown: it has a finding
    assert "Unchanged:" not in text


def test_a_hand_written_profile_s_refusal_names_the_broad_access_to_pass() -> None:
    (message,) = refusal_messages(with_refusals(refused(), catalogue={}))
    assert message.endswith(
        "Fix: grant exactly what is needed, or acknowledge it: Ec2AccessProfile 'Stack/Web' takes "
        'acknowledge=[BroadAccess.resource("arn:aws:s3:::bucket/*", reason="why it is needed")].'
    )
    (unknown,) = refusal_messages(with_refusals(refused()))  # no cdk.json: both ways are given
    assert unknown.endswith(
        '(from a catalogue: add to its `acknowledge:` {resource: "arn:aws:s3:::bucket/*", '
        'reason: "why it is needed"}).'
    )


@pytest.mark.parametrize(
    ("rule", "entries"),
    [
        ("AwsSolutions-IAM5[Action::s3:Get*]", '{action: "s3:Get*", reason: "why it is needed"}'),
        (
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::b/*]",
            '{resource: "arn:${AWS::Partition}:s3:::b/*", reason: "why it is needed"}',
        ),
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonS3ReadOnlyAccess]",
            '{managed_policy: "AmazonS3ReadOnlyAccess", reason: "why it is needed"}',
        ),
        (
            "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
            '{action: "*", reason: "why it is needed"}, {resource: "*", reason: "why it is needed"}',
        ),
    ],
)
def test_each_cdk_nag_finding_gets_the_acknowledgment_that_settles_it(rule: str, entries: str) -> None:
    (message,) = refusal_messages(with_refusals(refused(rule), catalogue={"Web-Profile": "c.yaml:1:3"}))
    assert message.endswith(f"add to `acknowledge:` {entries}.")


def test_the_linters_plugin_s_own_fix_gives_way_to_the_located_one() -> None:
    """``add_linters`` words the acknowledgment too, without a line: the review's names the line."""
    named = violation(BUCKET_OBJECTS, WEB_ROLE)
    named["description"] = (
        f"{NAG_TEXT} In catalogue profile 'Web-Profile' (Stack/Web): write in the catalogue, under the "
        "profile's acknowledge: {resource: 'arn:aws:s3:::bucket/*', reason: ...} (not CDK's form below)."
    )
    found = read_refusals({"pluginReports": [plugin("AwsSolutions", named)]})
    (message,) = refusal_messages(with_refusals(found, catalogue={"Web-Profile": "catalog.yaml:12:5"}))
    assert "write in the catalogue" not in message
    assert f"fails: {NAG_TEXT.rstrip('.')}. Fix: grant exactly" in message


def test_nist_full_access_names_the_profile_s_own_service_wide_actions() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::private/*"}
    head = app(profile(statements=[deny, READ_ASSETS]))
    found = refused("NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess")
    result = review(BASE, head, base_ref="main", refused=found, catalogue={"Web-Profile": "c.yaml:1:3"})
    (message,) = refusal_messages(result)
    assert message.endswith('add to `acknowledge:` {action: "s3:*", reason: "why it is needed"}.')


def test_a_refusal_no_acknowledgment_settles_says_what_to_change() -> None:
    report = {
        "pluginReports": [
            plugin(
                "cfn-lint",
                violation("E3031 Pattern", WEB_ROLE, suggestedFix="https://github.com/aws-cloudformation/x"),
            )
        ]
    }
    (message,) = refusal_messages(
        with_refusals(read_refusals(report), catalogue={"Web-Profile": "c.yaml:1:3"})
    )
    assert message.endswith(
        "Fix: change catalogue profile 'Web-Profile' (c.yaml:1:3) until the rule passes "
        "(https://github.com/aws-cloudformation/x); no acknowledgment settles it."
    )


def test_a_resource_without_construct_path_is_found_by_its_logical_id() -> None:
    bare = violation("E3031 Pattern")
    bare["violatingConstructs"] = [
        {
            "constructPath": "",
            "cloudFormationResource": {"templatePath": "/x/S.template.json", "logicalId": "WebRole"},
        }
    ]
    result = with_refusals(read_refusals({"pluginReports": [plugin("cfn-lint", bare)]}), catalogue={})
    assert len(refusal_messages(result)) == 1


def test_a_refusal_of_no_profile_is_high_and_reported_apart() -> None:
    path = "Stack/Queue/Resource"
    result = with_refusals(refused("AwsSolutions-SQS3", path))
    assert refusal_messages(result) == []
    assert result.high
    ((where, finding),) = result.outside
    assert where == path
    assert finding.message.startswith(
        f"AwsSolutions refuses AwsSolutions-SQS3 on {path}, so `cdk synth` fails"
    )
    assert to_json(result)["outside_profiles"] == [{"construct_path": path, **finding.to_json()}]
    assert f"- **high** `linter-refused` ({path}): AwsSolutions refuses" in to_markdown(result)
    assert to_json(result)["counts"]["high"] == 1


def test_a_refusal_the_base_had_too_says_so() -> None:
    (message,) = refusal_messages(with_refusals(refused(), base_refused=refused()))
    assert message.endswith("It is refused at `main` too.")
    (fresh,) = refusal_messages(with_refusals(refused(), base_refused=refused("AwsSolutions-IAM4")))
    assert "too" not in fresh.rsplit("Fix:", 1)[-1]


def test_a_new_profile_that_is_refused_is_added_with_its_refusal_first() -> None:
    head = app(profile(), profile("Uploader", name="Uploader"))
    found = refused(BUCKET_OBJECTS, "Stack/Uploader/Role/Resource")
    result = review(BASE, head, base_ref="main", refused=found, catalogue={})
    added = next(p for p in result.profiles if p.status == "added")
    assert added.findings[0].rule == "linter-refused"
    assert "Ec2AccessProfile 'Stack/Uploader'" in added.findings[0].message


# -- the command, on small apps synthesized here ----------------------------------------------------


WRITE_BUCKET = {"actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::bucket/*"]}
READ_KEY = {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/reports/latest.json"]}


def hand_written_app(outdir: Path, *grants: dict[str, list[str]], stage: str | None = None) -> Path:
    """A platform team's own app: one stack (in a Stage, if named), one ``Ec2AccessProfile``, the linters."""
    from aws_cdk import App, Stack, Stage
    from aws_cdk import aws_iam as iam

    from constructs_lib import Ec2AccessProfile
    from constructs_lib.cdk.linters import add_linters
    from tests.conftest import library_context

    context = {**library_context(), "@aws-cdk/core:failSynthOnValidationErrors": False}
    application = App(context=context, outdir=str(outdir))
    stack = Stack(Stage(application, stage) if stage else application, "Workers")
    statements = [iam.PolicyStatement(actions=g["actions"], resources=g["resources"]) for g in grants]
    Ec2AccessProfile(stack, "Uploader", instance_profile_name="Uploader", statements=statements)
    add_linters(application)
    application.synth()
    return outdir


def catalogue_app(outdir: Path, catalog: Path) -> Path:
    """An app whose profiles come from a catalogue, with the linters plugin."""
    from aws_cdk import App

    from constructs_lib.catalog import load_catalog
    from constructs_lib.cdk.catalog_stacks import catalog_stacks
    from constructs_lib.cdk.linters import add_linters
    from tests.conftest import library_context

    context = {**library_context(), "@aws-cdk/core:failSynthOnValidationErrors": False}
    application = App(context=context, outdir=str(outdir))
    catalog_stacks(application, load_catalog(catalog))
    add_linters(application)
    application.synth()
    return outdir


def reviewed(tmp_path: Path, base: Path, head: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = main(
        [
            "review",
            "--base-assembly",
            str(base),
            "--head-assembly",
            str(head),
            "--output",
            str(tmp_path / "r"),
        ]
    )
    assert (tmp_path / "r" / "review.md").read_text() == capsys.readouterr().out
    return status, json.loads((tmp_path / "r" / "review.json").read_text())


def test_a_hand_written_app_s_refused_change_gets_its_report_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = hand_written_app(tmp_path / "base", READ_KEY)
    head = hand_written_app(tmp_path / "head", READ_KEY, WRITE_BUCKET)
    assert "AwsSolutions-IAM5" in (head / "validation-report.json").read_text()  # cdk-nag did refuse it
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py", "context": {}}')
    monkeypatch.chdir(tmp_path)
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 1
    (entry,) = document["profiles"]
    assert (entry["instance_profile"], entry["status"]) == ("Uploader", "changed")
    refusal = entry["findings"][0]
    assert (refusal["severity"], refusal["rule"]) == ("high", "linter-refused")
    assert refusal["message"].startswith(
        f"AwsSolutions refuses {BUCKET_OBJECTS} on Workers/Uploader/Role/Resource, so `cdk synth` fails"
    )
    assert refusal["message"].endswith(
        "Ec2AccessProfile 'Workers/Uploader' takes "
        'acknowledge=[BroadAccess.resource("arn:aws:s3:::bucket/*", reason="why it is needed")].'
    )
    assert document["outside_profiles"] == []
    assert (
        main(
            ["review", "--base-assembly", str(base), "--head-assembly", str(base), "--output", str(tmp_path)]
        )
        == 0
    )


def test_a_refusal_in_a_stage_is_found_on_its_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = hand_written_app(tmp_path / "base", READ_KEY, stage="Prod")
    head = hand_written_app(tmp_path / "head", READ_KEY, WRITE_BUCKET, stage="Prod")
    monkeypatch.chdir(tmp_path)
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 1
    (entry,) = document["profiles"]
    assert entry["findings"][0]["rule"] == "linter-refused"
    assert "on Prod/Workers/Uploader/Role/Resource" in entry["findings"][0]["message"]
    assert document["outside_profiles"] == []


def test_a_catalogue_app_s_refused_change_names_the_catalogue_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = "  - name: Uploader\n    id: Uploader\n    stack: Workers\n    description: Uploads reports\n"
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"profiles:\n{entry}")
    base = catalogue_app(tmp_path / "base", catalog)
    catalog.write_text(
        f"profiles:\n{entry}    statements:\n      - actions: [s3:PutObject]\n"
        '        resources: ["arn:aws:s3:::bucket/*"]\n'
    )
    head = catalogue_app(tmp_path / "head", catalog)
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py", "context": {"catalog": "catalog.yaml"}}')
    monkeypatch.chdir(tmp_path)
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 1
    (entry_json,) = document["profiles"]
    message = entry_json["findings"][0]["message"]
    assert message.endswith(
        "in catalogue profile 'Uploader' (catalog.yaml:2:5), add to `acknowledge:` "
        '{resource: "arn:aws:s3:::bucket/*", reason: "why it is needed"}.'
    )
    readme = (ROOT / "README.md").read_text()
    assert f"\n- **high** `linter-refused`: {message}\n" in readme  # the README shows this very line


# -- could not run ----------------------------------------------------------------------------------


def test_without_cloudsplaining_it_exits_2_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "cloudsplaining", None)  # what find_spec reads as not installed
    status = main(["review", "--base", "HEAD", "--output", str(tmp_path)])
    assert status == 2
    assert capsys.readouterr().err == NEEDS_CLOUDSPLAINING + "\n"
    assert "[review]" in NEEDS_CLOUDSPLAINING
    assert list(tmp_path.iterdir()) == []


def test_an_output_it_cannot_write_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    side = write_assembly(tmp_path / "side", {"": BASE})
    (tmp_path / "file").write_text("")
    assert (
        main(
            [
                "review",
                "--base-assembly",
                str(side),
                "--head-assembly",
                str(side),
                "--output",
                str(tmp_path / "file"),
            ]
        )
        == 2
    )
    captured = capsys.readouterr()
    assert captured.err.startswith(f"review: cannot write the report in {tmp_path / 'file'}: ")
    assert captured.out == ""


def test_a_directory_without_cdk_json_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["review", "--base", "HEAD", "--output", str(tmp_path / "out")]) == 2
    expected = f"review: no cdk.json in {tmp_path.resolve()}: run the review where the app's cdk.json is\n"
    assert capsys.readouterr().err == expected
    assert not (tmp_path / "out").exists()


def test_an_unreadable_assembly_or_a_half_pair_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--base-assembly", str(tmp_path), "--head-assembly", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"review: {tmp_path / 'manifest.json'}: cannot read it")
    assert main(["review", "--base-assembly", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "review: give --base REF, or both --base-assembly DIR and --head-assembly DIR\n"
    )


# -- assemblies written here: Stages, and no Node.js ------------------------------------------------


def write_assembly(directory: Path, stages: dict[str, dict[str, dict[str, Any]]]) -> Path:
    """A cloud assembly as ``cdk synth`` lays it out: stacks at the top (stage ``""``) or in Stages."""
    artifacts: dict[str, Any] = {}
    for stage, templates in stages.items():
        folder = directory / f"assembly-{stage}" if stage else directory
        folder.mkdir(parents=True, exist_ok=True)
        stage_artifacts = {
            f"{stage}{name}": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": f"{name}.template.json", "stackName": name},
            }
            for name in templates
        }
        for name, template in templates.items():
            (folder / f"{name}.template.json").write_text(json.dumps(template))
        if stage:
            (folder / "manifest.json").write_text(json.dumps({"artifacts": stage_artifacts}))
            artifacts[f"assembly-{stage}"] = {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": f"assembly-{stage}"},
            }
        else:
            artifacts.update(stage_artifacts)
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return directory


def test_stacks_of_the_same_name_in_two_stages_are_both_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = app(profile())
    base = write_assembly(tmp_path / "base", {"Dev": same, "Prod": same})
    wider = app(profile(tags={"Environment": "Production", "Team": "Web"}))
    head = write_assembly(tmp_path / "head", {"Dev": same, "Prod": wider})
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 0
    stacks = {p["stack"]: p["status"] for p in document["profiles"]}
    assert stacks == {"Dev/Ec2Access-Web": "unchanged", "Prod/Ec2Access-Web": "changed"}


def test_the_review_of_assemblies_starts_no_node_js(tmp_path: Path) -> None:
    from tests.test_cli import no_node_environment

    env, marker = no_node_environment(tmp_path)
    base = write_assembly(tmp_path / "base", {"": BASE})
    head = write_assembly(tmp_path / "head", {"": app(profile(path="/web/"))})
    program = (
        "import sys; from constructs_lib.cli import main\n"
        f"status = main(['review', '--base-assembly', {str(base)!r}, '--head-assembly', {str(head)!r}])\n"
        "assert 'aws_cdk' not in sys.modules and 'jsii' not in sys.modules\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stderr  # the profile is replaced: high
    assert "| `Web-Profile` | Ec2Access-Web | replaced | high |" in result.stdout
    assert not marker.exists()


def test_an_error_annotation_fails_synth_and_is_a_refusal_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--ignore-errors`` lets synth finish past an error annotation: the manifest still holds it."""
    base = write_assembly(tmp_path / "base", {"": BASE})
    head = write_assembly(tmp_path / "head", {"": BASE})
    manifest = json.loads((head / "manifest.json").read_text())
    error = {"type": "aws:cdk:error", "data": "Role names must be unique"}
    manifest["artifacts"]["Ec2Access-Web"]["metadata"] = {"/Stack/Web/Role/Resource": [error]}
    (head / "manifest.json").write_text(json.dumps(manifest))
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 1
    (entry,) = document["profiles"]
    assert entry["findings"][0]["message"].startswith(
        "Construct Annotations refuses aws:cdk:error on Stack/Web/Role/Resource, so `cdk synth` fails: "
        "Role names must be unique."
    )
    report = {"pluginReports": [plugin("Construct Annotations", conclusion="success")]}
    (head / "validation-report.json").write_text(
        json.dumps(report)
    )  # the report carries them: not read twice
    assert reviewed(tmp_path, base, head, capsys)[0] == 0


def test_the_catalogue_is_the_one_cdk_json_names_else_unknown(tmp_path: Path) -> None:
    from constructs_lib.review.run import catalogue_profiles

    cdk_json = tmp_path / "cdk.json"
    assert catalogue_profiles(cdk_json) is None  # no cdk.json: not known
    cdk_json.write_text('{"app": "python3 app.py", "context": {}}')
    assert catalogue_profiles(cdk_json) == {}  # no catalogue: every profile is written in Python
    cdk_json.write_text('{"app": "python3 app.py", "context": {"catalog": "missing.yaml"}}')
    assert catalogue_profiles(cdk_json) is None
    (tmp_path / "c.yaml").write_text("profiles:\n  - name: Web\n    id: Web\n    stack: S\n")
    cdk_json.write_text('{"context": {"catalog": "c.yaml"}}')
    assert catalogue_profiles(cdk_json) == {"Web": f"{tmp_path / 'c.yaml'}:2:5"}
    cdk_json.write_text("{not json")
    assert catalogue_profiles(cdk_json) is None


def test_a_stage_added_beside_another_leaves_its_stacks_as_they_were(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = app(profile(), stack="Workers")
    base = write_assembly(tmp_path / "base", {"Prod": same})
    head = write_assembly(tmp_path / "head", {"Prod": same, "Dev": same})
    status, document = reviewed(tmp_path, base, head, capsys)
    assert status == 0
    assert {p["stack"]: p["status"] for p in document["profiles"]} == {
        "Prod/Workers": "unchanged",
        "Dev/Workers": "added",
    }
