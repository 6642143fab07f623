"""``AuditError``: the audit could not run. Its message is one line that says what failed and where."""

from __future__ import annotations


class AuditError(Exception):
    """The audit could not run (an unreadable assembly, an API call that failed): exit status 2.

    The message is one line: the file, or the API call and the profile it was for, and why.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        """AWS's error code when an API call answered with one (``AccessDenied``, ``Throttling``), so a
        caller can tell a refusal from a failure without reading the message."""
