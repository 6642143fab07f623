"""Text into one cell of a Markdown table, for every report that writes one (explain, review, audit,
the rules table). Pure Python.

A value comes from a file or an account, so it must stay in its cell: a ``|`` would split the row and
a line break would end it and let the rest write rows (or any Markdown) of its own.
"""

from __future__ import annotations


def cell(text: str) -> str:
    """``text`` escaped for one cell: ``|`` as ``\\|``, line breaks as ``\\n`` and ``\\r``."""
    return text.replace("|", "\\|").replace("\r", "\\r").replace("\n", "\\n")
