"""One review run: get both apps' assemblies, compare them, write the report, say the exit status.

The assemblies come from ``--base REF`` (both synthesized here: ``synth``) or from
``--base-assembly DIR --head-assembly DIR`` (a CI job synthesized them already: no git, no synth;
synthesized with ``cdk synth --ignore-errors -c @aws-cdk/core:failSynthOnValidationErrors=false``,
they carry what the linters refuse too). The app's catalogue, when ``./cdk.json`` names one (its
``catalog`` context key, as ``build_catalog`` reads it), tells which profiles come from it, so that a
refusal's fix names the catalogue's ``acknowledge:`` key at the profile's line.

The Markdown goes to stdout and ``OUTPUT/review.md``, the JSON to ``OUTPUT/review.json``. Exit
status: 0 no high finding, 1 at least one, 2 the review could not run (cloudsplaining missing, an
unknown ref, a synth that failed for another reason than a linter, an unreadable assembly, an
output folder it cannot write); then nothing is printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TextIO

from constructs_lib.catalog.loader import CatalogReadError, load_catalog
from constructs_lib.core.checker import AppSettings
from constructs_lib.review import assembly, synth
from constructs_lib.review.assembly import ReviewError
from constructs_lib.review.compare import review
from constructs_lib.review.report import to_json, to_markdown

EXIT_CLEAN, EXIT_HIGH, EXIT_FAILED = 0, 1, 2
CDK_JSON = "cdk.json"
CATALOG_CONTEXT = "catalog"
NEEDS_CLOUDSPLAINING = (
    "review: needs cloudsplaining, which is not installed: pip install 'ec2-access-profiles[review]'"
)


@dataclass(frozen=True)
class ReviewOptions:
    """The command line's choices (``ec2-access-profiles review --help``): a ref, or two assemblies."""

    base: str | None = None
    base_assembly: Path | None = None
    head_assembly: Path | None = None
    output: Path = Path("cdk.out")
    app_dir: Path = Path()
    """Where ``cdk.json`` is: the current directory, as the CDK CLI reads it."""


def run(options: ReviewOptions, out: TextIO, err: TextIO) -> int:
    """Review the change; return the exit status."""
    if find_spec("cloudsplaining") is None:
        print(NEEDS_CLOUDSPLAINING, file=err)
        return EXIT_FAILED
    try:
        base, head, base_label, head_label = _assemblies(options)
    except ReviewError as problem:
        print(f"review: {problem}", file=err)
        return EXIT_FAILED
    result = review(
        base.templates,
        head.templates,
        base_ref=base_label,
        head_ref=head_label,
        refused=head.refused,
        base_refused=base.refused,
        catalogue=catalogue_profiles(options.app_dir / CDK_JSON) if head.refused else None,
    )
    markdown = to_markdown(result)
    try:
        options.output.mkdir(parents=True, exist_ok=True)
        (options.output / "review.md").write_text(markdown, encoding="utf-8")
        document = json.dumps(to_json(result), indent=2) + "\n"
        (options.output / "review.json").write_text(document, encoding="utf-8")
    except OSError as error:
        print(f"review: cannot write the report in {options.output}: {error.strerror or error}", file=err)
        return EXIT_FAILED
    out.write(markdown)
    return EXIT_HIGH if result.high else EXIT_CLEAN


def _assemblies(options: ReviewOptions) -> tuple[assembly.Assembly, assembly.Assembly, str, str]:
    """Both apps and their labels: synthesized from the ref, or read from the two assemblies."""
    if options.base is not None and options.base_assembly is None and options.head_assembly is None:
        base, head = synth.synthesize_both(options.base, options.app_dir)
        return base, head, options.base, "working tree"
    if options.base is None and options.base_assembly is not None and options.head_assembly is not None:
        base, head = assembly.read(options.base_assembly), assembly.read(options.head_assembly)
        return base, head, str(options.base_assembly), str(options.head_assembly)
    raise ReviewError("give --base REF, or both --base-assembly DIR and --head-assembly DIR")


def catalogue_profiles(cdk_json: Path) -> Mapping[str, str] | None:
    """``FILE:LINE:COL`` of each profile of the catalogue ``cdk.json`` names, by name.

    ``{}`` when ``cdk.json`` names no catalogue (every profile is written in Python); ``None`` when
    it is not known (no readable ``cdk.json`` or catalogue): a fix then gives both ways to write it.
    """
    try:
        document = json.loads(cdk_json.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    context = document.get("context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        return None
    path = context.get(CATALOG_CONTEXT)
    if not isinstance(path, str):
        return {}
    try:
        catalog = load_catalog(cdk_json.parent / path, settings=AppSettings.from_context(context))
    except (CatalogReadError, ValueError):
        return None
    return {p.name: p.location for p in catalog.profiles}
