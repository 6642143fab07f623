"""``Finding``: one problem the checker found, in a shape both people and tools can read.

Like a cdk-nag finding, it keeps the stable rule ID (``constructs_lib.core.rules``) apart from the human
text. It says where (``profile``: a construct path or a catalogue profile's name, and ``location``:
``FILE:LINE:COL`` when the profile came from a file), which field, the value, and the rule broken,
written as the end of a sentence.

What reaches a terminal is user data, so it is shown, never obeyed or trusted for size: every text a
finding prints (the profile, the field, the value, the rule, the location) has its non-printable
characters escaped as ``repr`` escapes them (a name holding ``ESC [2K`` or a newline cannot erase a
line or forge one), and a long one is shortened with a marker that says so: ``'aaaa…aaa' (1,048,576
characters)``. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from constructs_lib.core.spec import Pointer

Severity = Literal["error", "warning"]

VALUE_LIMIT = 80
"""Characters of a quoted value a message shows before shortening it."""
LABEL_LIMIT = 300
"""Characters of a profile label or a field a message shows: a valid name (at most 128) is never
shortened, nor is a construct path such as ``Stage/Stack/Profile``."""
RULE_LIMIT = 2_000
"""Characters of a rule a message shows: the longest rule the library writes is a few hundred; only a
rule quoting a hostile value reaches this."""


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
        field, rule = show_text(self.field, LABEL_LIMIT), show_text(self.rule, RULE_LIMIT)
        return f"{field} {show_value(self.value)} {rule}"

    @property
    def subject(self) -> str:
        """``profile 'NAME' `` (with its space), or nothing when the finding is about no profile."""
        return f"profile {show_value(self.profile, LABEL_LIMIT)} " if self.profile else ""

    def line(self) -> str:
        """One line for terminals and editors: ``FILE:LINE:COL: RULE-ID profile 'NAME' FIELD: VALUE RULE``."""
        where = f"{show_text(self.location)}: " if self.location else ""
        field = show_text(self.field, LABEL_LIMIT)
        rule = show_text(self.rule, RULE_LIMIT)
        return f"{where}{self.rule_id} {self.subject}{field}: {show_value(self.value)} {rule}"

    def to_json(self) -> dict[str, object]:
        """The finding as JSON for tools: its attributes (not the pointer), each text as messages show it
        (the location as it is: tools read the path in it)."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "profile": show_text(self.profile, LABEL_LIMIT),
            "location": self.location,
            "field": show_text(self.field, LABEL_LIMIT),
            "value": show_value(self.value),
            "rule": show_text(self.rule, RULE_LIMIT),
            "message": self.message,
        }


def show_value(value: object, limit: int = VALUE_LIMIT) -> str:
    """Quote a value for a message, shortening long ones so the message stays readable.

    A long string is cut before it is quoted, so showing a megabyte costs what showing ``limit``
    characters does.
    """
    if isinstance(value, str) and len(value) > 2 * limit:
        text = repr(value[:limit] + value[-limit:])  # the head and tail shown below, one quote style
    else:
        text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-limit // 4 :]} ({len(str(value)):,} characters)"


def show_text(text: str, limit: int | None = None) -> str:
    """Free text (a field, a rule, a path) for one line of output: its non-printable characters escaped
    as ``repr`` escapes them, and, past ``limit`` characters, its middle replaced by ``…`` and its
    length said: ``... (2,345 characters)``."""
    if limit is not None and len(text) > limit:
        return (
            f"{_printable(text[: limit // 2])}…{_printable(text[-limit // 4 :])} ({len(text):,} characters)"
        )
    return _printable(text)


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
