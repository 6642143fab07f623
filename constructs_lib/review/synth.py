"""The app at a git ref and in the working tree, each synthesized by the real CDK CLI through ``cdk.json``.

The app is the one whose ``cdk.json`` is in the current directory, as the CDK CLI finds it. The
base is checked out into a temporary ``git worktree`` (the working tree is left alone; an app in a
subdirectory of its repository is found at the same place in the worktree), and both sides are
synthesized at once (two processes: synth is most of a review's time), each into a temporary folder,
with:

- ``--context @aws-cdk/core:failSynthOnValidationErrors=false``: CDK's own switch for an app whose
  caller handles the validation report (aws/aws-cdk#37909; the CLI's ``cdk validate`` sets it). A
  policy-validation plugin that refuses a template (cdk-nag, cfn-lint) no longer throws; CDK still
  writes ``validation-report.json`` beside the templates. An aws-cdk-lib that predates the switch
  throws as before, and the review cannot run;
- ``--ignore-errors``: the CLI then reads that report and would fail on it; here the review reads it
  instead and makes each refusal a finding (``refusals``).

Anything else that fails synth (the app raises, a bad catalogue) is ``ReviewError``: exit status 2.
The CDK CLI is the app's own (``node_modules/.bin/cdk`` of its directory or repository), else the one
on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from constructs_lib.review.assembly import Assembly, ReviewError, read

CLI_TIMEOUT_SECONDS = 600
GIT_TIMEOUT_SECONDS = 120
RECORD_REFUSALS = ("--ignore-errors", "--context", "@aws-cdk/core:failSynthOnValidationErrors=false")


def synthesize_both(ref: str, app_dir: Path) -> tuple[Assembly, Assembly]:
    """The app in ``app_dir`` at ``ref`` and as its working tree is."""
    app_dir = app_dir.resolve()
    if not (app_dir / "cdk.json").is_file():
        raise ReviewError(f"no cdk.json in {app_dir}: run the review where the app's cdk.json is")
    top = Path(_git(app_dir, "rev-parse", "--show-toplevel", what="not in a git repository"))
    commit = _git(
        app_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"{ref!r} is not a commit"
    )
    cdk = cdk_cli(app_dir, top)
    place = app_dir.relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="review-") as scratch:
        tree = Path(scratch) / "base"
        _git(app_dir, "worktree", "add", "--detach", "--quiet", str(tree), commit, what="cannot check it out")
        try:
            if not (tree / place / "cdk.json").is_file():
                raise ReviewError(f"{ref} has no {place / 'cdk.json'}: there is no app to compare with")
            with ThreadPoolExecutor(max_workers=2) as both:
                base = both.submit(synthesize, cdk, tree / place, Path(scratch) / "base.out", f"at {ref}")
                head = both.submit(
                    synthesize, cdk, app_dir, Path(scratch) / "head.out", "in the working tree"
                )
                return base.result(), head.result()
        finally:
            _git(
                app_dir,
                "worktree",
                "remove",
                "--force",
                str(tree),
                what="cannot remove the temporary worktree",
            )


def synthesize(cdk: str, app_dir: Path, outdir: Path, label: str) -> Assembly:
    """``cdk synth`` of the app in ``app_dir`` into ``outdir``, linters' refusals recorded, not fatal."""
    try:
        result = subprocess.run(
            [cdk, "synth", "--quiet", *RECORD_REFUSALS, "--output", str(outdir)],
            cwd=app_dir,
            env={**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "true"},
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ReviewError(f"cdk synth {label} took more than {CLI_TIMEOUT_SECONDS} s") from error
    except OSError as error:
        raise ReviewError(f"cannot run the CDK CLI {cdk}: {error}") from error
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-20:])
        raise ReviewError(f"cdk synth {label} failed:\n{tail}")
    return read(outdir)


def cdk_cli(app_dir: Path, top: Path) -> str:
    """The app's own CDK CLI: ``node_modules/.bin/cdk`` in its directory or its repository's, else PATH's."""
    for folder in dict.fromkeys((app_dir, top)):
        local = folder / "node_modules" / ".bin" / "cdk"
        if local.exists():
            return str(local.resolve())
    found = shutil.which("cdk")
    if found is None:
        raise ReviewError("the CDK CLI is not installed: `npm install aws-cdk` in the app's repository")
    return found


def _git(app_dir: Path, *args: str, what: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(app_dir), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReviewError(f"cannot run git: {error}") from error
    if result.returncode != 0:
        raise ReviewError(f"git {args[0]}: {what}: {result.stderr.strip()}".rstrip(": "))
    return result.stdout.strip()
