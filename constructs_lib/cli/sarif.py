"""The checker's findings as SARIF 2.1.0, the format GitHub code scanning reads.

One run, the tool ``ec2-access-profiles`` with the rules that matched (as cfn-lint's SARIF formatter
does), and one result per finding: its rule ID, level, message and ``FILE:LINE:COL`` as a region.
Paths are written relative to the directory ``check`` runs in (the repository root in CI), with
``/`` separators and percent-encoded as the URI references SARIF requires (RFC 3986: a space is
``%20``), so code scanning shows each finding on its line of the pull request. Columns count Unicode
code points, as the YAML reader's marks do, and the run says so (``columnKind``). Pure Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePath
from urllib.parse import quote

from constructs_lib.core.findings import Finding
from constructs_lib.core.rules import BY_ID

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/cos02/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
TOOL = "ec2-access-profiles"
INFORMATION_URI = "https://pypi.org/project/ec2-access-profiles/"
URI_BASE_ID = "SRCROOT"
"""Where relative paths start: the directory ``check`` ran in."""
COLUMN_KIND = "unicodeCodePoints"
"""What a column counts: a finding's column is the YAML reader's, in characters (code points)."""


def sarif_log(findings: Iterable[tuple[str, Finding]], *, version: str) -> dict[str, object]:
    """A SARIF log of ``findings``, each given with the catalogue it was found in."""
    results = []
    rule_ids: list[str] = []
    for catalogue, finding in findings:
        if finding.rule_id not in rule_ids:
            rule_ids.append(finding.rule_id)
        results.append(_result(catalogue, finding, rule_ids.index(finding.rule_id)))
    driver: dict[str, object] = {
        "name": TOOL,
        "version": version,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(rule_id) for rule_id in rule_ids],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": COLUMN_KIND,
        "originalUriBaseIds": {
            URI_BASE_ID: {"description": {"text": f"The directory `{TOOL} check` ran in."}}
        },
        "results": results,
    }
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}


def _rule(rule_id: str) -> dict[str, object]:
    rule = BY_ID.get(rule_id)
    if rule is None:
        return {"id": rule_id}
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}. Example: {rule.example}"},
        "help": {"text": rule.fix},
    }


def _result(catalogue: str, finding: Finding, rule_index: int) -> dict[str, object]:
    path, line, column = _where(finding.location or f"{catalogue}:1:1")
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": "warning" if finding.severity == "warning" else "error",
        "message": {"text": f"{finding.subject}{finding.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(path),
                    "region": {"startLine": line, "startColumn": column},
                }
            }
        ],
    }


def _where(location: str) -> tuple[str, int, int]:
    """``FILE:LINE:COL`` split, the file's own colons kept."""
    path, line, column = location.rsplit(":", 2)
    return path, max(int(line), 1), max(int(column), 1)


def _artifact(path: str) -> dict[str, str]:
    """A relative URI reference when the path is under the working directory, else a ``file:`` URI;
    either percent-encoded (a file name's bytes that are not UTF-8 as themselves, ``%FF``)."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return {"uri": absolute.as_uri()}
    uri = quote(PurePath(relative).as_posix(), safe="/", errors="surrogateescape")
    return {"uri": uri, "uriBaseId": URI_BASE_ID}
