"""The one error type every check in this library raises."""

from __future__ import annotations

from collections.abc import Sequence

from constructs_lib.core.findings import Finding, show_value


class ProfileValidationError(ValueError):
    """Input that IAM or CloudFormation would refuse, caught while the construct is built.

    The message names the construct path, the field, the value and the rule, e.g.::

        Ec2AccessProfile 'Prod/WebServer': role_name 'a…a' is 65 characters; IAM allows 1 to 64

    ``profile``, ``field``, ``value``, ``rule`` and ``rule_id`` describe the first problem;
    ``findings`` holds every problem the checker found, the first included. When there are more, the
    message lists them on the lines below.
    """

    def __init__(
        self,
        profile: str,
        field: str,
        value: object,
        rule: str,
        *,
        rule_id: str | None = None,
        findings: Sequence[Finding] = (),
    ) -> None:
        self.profile = profile
        self.field = field
        self.value = value
        self.rule = rule
        self.rule_id = rule_id
        self.findings: tuple[Finding, ...] = tuple(findings) or (
            Finding(rule_id or "", field, value, rule, profile=profile),
        )
        message = f"Ec2AccessProfile '{profile}': {field} {show_value(value)} {rule}"
        more = self.findings[1:]
        if more:
            message += f"\nand {len(more)} more:" + "".join(f"\n  {f.rule_id} {f.message}" for f in more)
        super().__init__(message)

    @classmethod
    def from_findings(cls, profile: str, findings: Sequence[Finding]) -> ProfileValidationError:
        """The error for a profile's findings: the first describes it, all are carried."""
        first = findings[0]
        return cls(profile, first.field, first.value, first.rule, rule_id=first.rule_id, findings=findings)
