"""One synthesized app as the review reads it: its templates and what synth refused, from ``cdk.out``.

The templates come from the audit's reader (``manifest.json`` and the nested assemblies of Stages).
A stack is named by its stack name; where two Stages hold stacks of the same name (a catalogue's
shards in each account), each is named ``STAGE/STACK`` instead, so none hides another.

What synth refused is CDK's ``validation-report.json`` (``refusals.read_refusals``), and the error
annotations of ``manifest.json`` when the report does not carry them already (CDK adds them to the
report only under the ``@aws-cdk/core:annotationsInValidationReport`` feature flag). A directory
without a manifest is not a cloud assembly: ``ReviewError``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.audit.declared import MANIFEST, NESTED_ASSEMBLY, read_assembly
from constructs_lib.audit.errors import AuditError
from constructs_lib.review.profiles import Templates
from constructs_lib.review.refusals import Refusal, read_refusals

VALIDATION_REPORT = "validation-report.json"
ANNOTATIONS_PLUGIN = "Construct Annotations"
"""The plugin name under which CDK puts annotations in its validation report."""
ERROR_ANNOTATION = "aws:cdk:error"


class ReviewError(Exception):
    """The review could not run (exit status 2); the message says why, in one or a few lines."""


@dataclass(frozen=True)
class Assembly:
    """A synthesized app: templates by stack, and every violation that fails its synth."""

    templates: Templates
    refused: tuple[Refusal, ...]


def read(directory: Path) -> Assembly:
    """The cloud assembly in ``directory``; ``ReviewError`` when it is not one or cannot be read."""
    try:
        stacks = read_assembly(directory)
    except AuditError as error:
        raise ReviewError(str(error)) from error
    names = Counter(stack.name for stack in stacks)
    templates = {
        stack.name if names[stack.name] == 1 else f"{_stage(directory, stack.template_file)}/{stack.name}": (
            stack.template
        )
        for stack in stacks
    }
    report = _json(directory / VALIDATION_REPORT) if (directory / VALIDATION_REPORT).is_file() else {}
    refused = read_refusals(report)
    plugins = {str(p.get("pluginName")) for p in report.get("pluginReports") or [] if isinstance(p, Mapping)}
    if ANNOTATIONS_PLUGIN not in plugins:
        refused += list(_error_annotations(directory, depth=0))
    return Assembly(templates, tuple(refused))


def _stage(root: Path, template_file: str) -> str:
    """The Stage of a nested assembly's template: its directory, ``assembly-Prod`` read as ``Prod``."""
    folder = Path(template_file).parent
    return "root" if folder == root else folder.name.removeprefix("assembly-")


def _error_annotations(directory: Path, depth: int) -> Iterator[Refusal]:
    manifest = _json(directory / MANIFEST)
    for artifact in (manifest.get("artifacts") or {}).values():
        if artifact.get("type") == NESTED_ASSEMBLY and depth < 16:
            yield from _error_annotations(directory / artifact["properties"]["directoryName"], depth + 1)
        for path, entries in (artifact.get("metadata") or {}).items():
            for entry in entries:
                if entry.get("type") == ERROR_ANNOTATION:
                    yield Refusal(
                        ANNOTATIONS_PLUGIN,
                        ERROR_ANNOTATION,
                        str(entry.get("data", "")),
                        "",
                        (path.lstrip("/"),),
                    )


def _json(path: Path) -> Any:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReviewError(f"{path}: cannot read it: {error}") from error
    if not isinstance(document, dict):
        raise ReviewError(f"{path}: is not a JSON object")
    return document
