"""The linters the tests run, run by the app's own ``cdk synth`` as CDK policy-validation plugins.

``add_linters(app)`` registers cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs and cfn-lint with
``Validations.of(app)``: after synthesis CDK hands every template to each plugin, and a violation
fails synth with CDK's validation report (also written to ``cdk.out/validation-report.json``). The
platform team's synth then fails where the tests fail. This is the app's choice, not the library's:
the linters come with the ``[lint]`` extra (``pip install 'ec2-access-profiles[lint]'``), and are
imported only here, when ``add_linters`` is called; the rest of ``constructs_lib`` records its
acknowledgments with aws-cdk-lib's ``Validations`` and never imports cdk-nag or cfn-lint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Validations,
)
from constructs import IConstruct

LINT_EXTRA = "pip install 'ec2-access-profiles[lint]'"
"""What brings cdk-nag and cfn-lint: the library depends on neither without it."""


class LintersMissingError(ImportError):
    """cdk-nag or cfn-lint is not installed: the ``[lint]`` extra was left out."""


def add_linters(app: IConstruct) -> None:
    """Run both cdk-nag packs and cfn-lint over every template when ``app`` synthesizes.

    Needs the ``[lint]`` extra; without it, raises ``LintersMissingError`` saying how to install it.
    """
    try:
        from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks
    except ModuleNotFoundError as error:
        raise LintersMissingError(_missing("cdk-nag")) from error
    if find_spec("cfnlint") is None:  # checked now, not when synth calls the plugin; not imported yet
        raise LintersMissingError(_missing("cfn-lint"))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app), CfnLintPlugin())


def _missing(distribution: str) -> str:
    return f"add_linters needs {distribution}, which is not installed: {LINT_EXTRA}"


@jsii.implements(IPolicyValidationPlugin)
class CfnLintPlugin:
    """cfn-lint as a CDK policy-validation plugin: each error and warning a violation, no exception.

    Informational matches (``I...`` rules) are reported too: the app's templates have none, and the
    tests hold them to that.
    """

    @property
    def name(self) -> str:
        return "cfn-lint"

    @property
    def version(self) -> str:
        return metadata.version("cfn-lint")

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        violations = lint_templates(context.template_paths)
        return PolicyValidationPluginReport(success=not violations, violations=violations)


def lint_templates(paths: Iterable[str]) -> list[PolicyViolation]:
    """cfn-lint's findings over the templates at ``paths``, one violation per rule and message."""
    from cfnlint.api import lint_file  # cfn-lint loads its schemas on import: only when linting

    violations = []
    for path in sorted(paths):
        for match in lint_file(Path(path)):
            where = list(getattr(match, "path", None) or [])
            logical_id = str(where[1]) if len(where) > 1 and where[0] == "Resources" else "(template)"
            violations.append(
                PolicyViolation(
                    rule_name=f"{match.rule.id} {match.rule.shortdesc}",
                    description=f"{match.message} ({Path(path).name}:{match.linenumber})",
                    fix=str(match.rule.source_url),
                    severity=str(match.rule.severity),
                    violating_resources=[
                        PolicyViolatingResource(
                            resource_logical_id=logical_id,
                            template_path=path,
                            locations=[_location(where)],
                        )
                    ],
                )
            )
    return violations


def _location(path: Sequence[object]) -> str:
    return "/".join(str(part) for part in path[2:]) or "/"
