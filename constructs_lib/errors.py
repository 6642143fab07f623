"""The one error type every check in this library raises."""

from __future__ import annotations


class ProfileValidationError(ValueError):
    """Input that IAM or CloudFormation would refuse, caught while the construct is built.

    The message names the construct path, the field, the value and the rule, e.g.::

        Ec2AccessProfile 'Prod/WebServer': role_name 'a…a' is 65 characters; IAM allows 1 to 64
    """

    def __init__(self, profile: str, field: str, value: object, rule: str) -> None:
        self.profile = profile
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"Ec2AccessProfile '{profile}': {field} {_show(value)} {rule}")


def _show(value: object, limit: int = 80) -> str:
    """Quote a value for a message, shortening long ones so the message stays readable."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-limit // 4 :]} ({len(str(value))} characters)"
