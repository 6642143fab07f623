"""The review's command line: synthesize the app at a git ref and at the working tree, compare, report.

The base is checked out into a temporary ``git worktree`` (the working tree is left alone) and both
are synthesized by the real CDK CLI, each into a temporary folder. The Markdown goes to stdout and
``OUTPUT/review.md``, the JSON to ``OUTPUT/review.json``. Exit status: 0 no high finding, 1 at least
one, 2 the review could not run (an unknown ref, a failed synth).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from constructs_lib.audit.declared import read_assembly
from constructs_lib.audit.errors import AuditError
from constructs_lib.review.compare import review
from constructs_lib.review.profiles import Templates
from constructs_lib.review.report import to_json, to_markdown

EXIT_CLEAN, EXIT_HIGH, EXIT_FAILED = 0, 1, 2
CLI_TIMEOUT_SECONDS = 300
ROOT = Path.cwd()
"""The app's directory: the review runs where ``cdk.json`` is, as the CDK CLI does."""


class ReviewError(Exception):
    """The review could not run; the message says why."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make review",
        description="Compare the app's instance profiles at a git ref with the working tree.",
    )
    parser.add_argument("--base", required=True, metavar="REF", help="the git ref to compare with, e.g. main")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "cdk.out", metavar="DIR", help="default: cdk.out"
    )
    args = parser.parse_args(argv)
    try:
        base, head = synthesize_both(args.base)
    except ReviewError as problem:
        print(f"review: {problem}", file=sys.stderr)
        return EXIT_FAILED
    result = review(base, head, base_ref=args.base)
    markdown = to_markdown(result)
    sys.stdout.write(markdown)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "review.md").write_text(markdown, encoding="utf-8")
    (args.output / "review.json").write_text(json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8")
    return EXIT_HIGH if result.high else EXIT_CLEAN


def synthesize_both(ref: str) -> tuple[Templates, Templates]:
    """The app's templates at ``ref`` and in the working tree."""
    commit = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"{ref!r} is not a commit")
    with tempfile.TemporaryDirectory(prefix="review-") as scratch:
        tree = Path(scratch) / "base"
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit, what="cannot check it out")
        try:
            base = synthesize(tree, Path(scratch) / "base.out", f"at {ref}")
        finally:
            _git("worktree", "remove", "--force", str(tree), what="cannot remove the temporary worktree")
        head = synthesize(ROOT, Path(scratch) / "head.out", "in the working tree")
    return base, head


def synthesize(app_dir: Path, outdir: Path, label: str) -> Templates:
    """``cdk synth`` of the app in ``app_dir`` into ``outdir``: its templates by stack name."""
    cdk = cdk_cli(app_dir)
    try:
        result = subprocess.run(
            [cdk, "synth", "--quiet", "--output", str(outdir)],
            cwd=app_dir,
            env={**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "true"},
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ReviewError(f"cdk synth {label} took more than {CLI_TIMEOUT_SECONDS} s") from error
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-20:])
        raise ReviewError(f"cdk synth {label} failed:\n{tail}")
    try:
        return {stack.name: stack.template for stack in read_assembly(outdir)}
    except AuditError as error:
        raise ReviewError(str(error)) from error


def cdk_cli(app_dir: Path) -> str:
    """The app's own CDK CLI (``node_modules/.bin/cdk`` of the repository), else ``cdk`` on PATH."""
    local = ROOT / "node_modules" / ".bin" / "cdk"
    if local.exists():
        return str(local)
    found = shutil.which("cdk")
    if found is None:
        raise ReviewError("the CDK CLI is not installed: `npm install aws-cdk` in the app's repository")
    return found


def _git(*args: str, what: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=120, check=False
        )
    except OSError as error:
        raise ReviewError(f"cannot run git: {error}") from error
    if result.returncode != 0:
        raise ReviewError(f"git {args[0]}: {what}: {result.stderr.strip()}".rstrip(": "))
    return result.stdout.strip()
