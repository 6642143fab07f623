"""One synthesized app as the review reads it: its templates and what synth refused, from ``cdk.out``.

The templates come from the audit's reader (``manifest.json`` and the nested assemblies of Stages).
A stack is named by its stack name, after its Stage's path where it is in one (``Prod/Workers``):
two Stages may hold stacks of the same name (a catalogue's shards in each account), and a Stage
added beside another leaves the names of the other's stacks, and so their review, as they were.
The member template of each StackSet (a catalogue's deployment to organizational units), inline or
a file asset, is read as the audit reads it (``deployment.stack_set_members``) and named by its
StackSet after the stack that declares it (``Ec2AccessProfiles-StackSets-org/org-Ec2AccessProfiles``):
its profiles are those every member account gets, and one moved to another StackSet is replaced.

What synth refused is CDK's ``validation-report.json`` (``refusals.read_refusals``), and the error
annotations of ``manifest.json`` when the report does not carry them already (CDK adds them to the
report only under the ``@aws-cdk/core:annotationsInValidationReport`` feature flag). A directory
without a manifest is not a cloud assembly: ``ReviewError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.audit.declared import MANIFEST, NESTED_ASSEMBLY, read_assembly
from constructs_lib.audit.deployment import stack_set_members
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
        members = [stack_set_members(stack) for stack in stacks]
    except AuditError as error:
        raise ReviewError(str(error)) from error
    stages = _stages(directory, "", depth=0)
    templates: dict[str, Mapping[str, Any]] = {}
    for stack, its_members in zip(stacks, members, strict=True):
        stage = stages.get(Path(stack.template_file).parent, "")
        name = f"{stage}/{stack.name}" if stage else stack.name
        templates[name] = stack.template
        templates.update((f"{name}/{member.name}", member.template) for member in its_members)
    report = _json(directory / VALIDATION_REPORT) if (directory / VALIDATION_REPORT).is_file() else {}
    refused = read_refusals(report)
    plugins = {str(p.get("pluginName")) for p in report.get("pluginReports") or [] if isinstance(p, Mapping)}
    if ANNOTATIONS_PLUGIN not in plugins:
        refused += list(_error_annotations(directory, depth=0))
    return Assembly(templates, tuple(refused))


def _stages(directory: Path, stage: str, depth: int) -> dict[Path, str]:
    """The Stage path of the assembly in ``directory`` and of each nested in it, by folder: ``""`` at
    the top, else the manifest's ``displayName`` (``Prod``, ``Prod/Blue``), or the folder's name
    without ``assembly-``."""
    found = {directory: stage}
    for artifact in (_json(directory / MANIFEST).get("artifacts") or {}).values():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == NESTED_ASSEMBLY and depth < 16:
            folder = str(properties["directoryName"])
            name = str(properties.get("displayName") or folder.removeprefix("assembly-"))
            found.update(_stages(directory / folder, name, depth + 1))
    return found


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
