"""``Finding``: one problem the checker found, in a shape both people and tools can read.

Like a cdk-nag finding, it keeps the stable rule ID (``constructs_lib.core.rules``) apart from the human
text. It says where (``profile``: a construct path or a catalogue profile's name, and ``location``:
``FILE:LINE:COL`` when the profile came from a file), which field, the value, and the rule broken,
written as the end of a sentence. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from constructs_lib.core.spec import Pointer

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A problem with one profile: which rule, where, which field and value, and what is allowed."""

    rule_id: str
    """The rule's stable ID, e.g. ``EAP003`` (see ``constructs_lib.core.rules``)."""
    field: str
    """The field as messages name it: ``path``, ``tags['Team']``, ``acknowledge (action)``."""
    value: object
    """The value that breaks the rule."""
    rule: str
    """What is wrong and what is allowed, as the end of a sentence."""
    pointer: Pointer = ()
    """Where the value is in the spec, for front doors that map it to a line: ``("tags", "Team")``."""
    profile: str = ""
    """The profile: a construct path, or a catalogue profile's name."""
    location: str | None = None
    """``FILE:LINE:COL`` of the value, when the profile came from a file."""
    severity: Severity = "error"

    @property
    def message(self) -> str:
        """``FIELD VALUE RULE``, as ``ProfileValidationError`` has always written it."""
        return f"{self.field} {show_value(self.value)} {self.rule}"

    def line(self) -> str:
        """One line for terminals and editors: ``FILE:LINE:COL: RULE-ID profile 'NAME' FIELD: VALUE RULE``."""
        where = f"{self.location}: " if self.location else ""
        who = f"profile '{self.profile}' " if self.profile else ""
        return f"{where}{self.rule_id} {who}{self.field}: {show_value(self.value)} {self.rule}"

    def to_json(self) -> dict[str, object]:
        """The finding as JSON for tools: its attributes (not the pointer), the value as messages show it."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "profile": self.profile,
            "location": self.location,
            "field": self.field,
            "value": show_value(self.value),
            "rule": self.rule,
            "message": self.message,
        }


def show_value(value: object, limit: int = 80) -> str:
    """Quote a value for a message, shortening long ones so the message stays readable."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-limit // 4 :]} ({len(str(value))} characters)"
