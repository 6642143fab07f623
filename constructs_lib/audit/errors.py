"""``AuditError``: the audit could not run. Its message is one line that says what failed and where."""

from __future__ import annotations


class AuditError(Exception):
    """The audit could not run (an unreadable assembly, an API call that failed): exit status 2.

    The message is one line: the file, or the API call and the profile it was for, and why.
    """
