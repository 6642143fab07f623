"""One audit run: read the assembly, ask the account, compare, repair tags if asked, print.

The order is the contract: the assembly is read before any AWS call (an unreadable ``cdk.out``
fails at once); STS says which account and partition the credentials are in; the templates are
resolved for it; IAM is read page by page while ``drift`` compares; ``--repair-tags`` makes (or,
with ``--dry-run``, only prints) the tag changes; ``report`` prints everything.

boto3's standard credential chain applies (environment, shared config and ``--profile``, SSO,
instance metadata), and so does ``AWS_ENDPOINT_URL`` (how the tests point it at the emulator).
Every call uses botocore's ``standard`` retry mode: throttling and transient errors are retried
with backoff, and what still fails ends the run with one line (exit status 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from constructs_lib.audit import declared as declared_module
from constructs_lib.audit import drift, repair, report
from constructs_lib.audit.account import IamReader, StackResources, change_tags, identity, url_suffix
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.intrinsics import Account

EXIT_IN_SYNC = 0
EXIT_FINDINGS = 1
EXIT_COULD_NOT_RUN = 2
RETRIES = Config(retries={"mode": "standard"})


@dataclass(frozen=True)
class AuditOptions:
    """The command line's choices (``ec2-access-profiles audit --help``)."""

    assembly: Path = Path("cdk.out")
    form: str = "text"
    profile: str | None = None
    region: str | None = None
    repair_tags: bool = False
    dry_run: bool = False
    page_size: int = 100


def run(options: AuditOptions, out: TextIO, err: TextIO) -> int:
    """Audit the account of the credentials against ``options.assembly``; return the exit status."""
    try:
        stacks = declared_module.read_assembly(options.assembly)
        try:
            session = boto3.Session(profile_name=options.profile, region_name=options.region)
        except BotoCoreError as error:
            raise AuditError(f"cannot start an AWS session: {error}") from error
        partition, account_id = identity(session.client("sts", config=RETRIES))
        account = Account(partition, account_id, region=session.region_name, url_suffix=url_suffix(partition))
        declared = declared_module.declared_profiles(stacks, account, StackResources(session, RETRIES))
        if not declared.profiles and not declared.not_audited:
            raise AuditError(
                f"{options.assembly}: declares no AWS::IAM::InstanceProfile for account {account_id}: "
                "nothing to audit"
            )
        iam = session.client("iam", config=RETRIES)
        reader = IamReader(iam, options.page_size)
        findings = drift.audit(
            declared.profiles,
            reader.list_profiles(declared.owned_paths),
            find=reader.find,
            read=reader.read,
            partition=partition,
        )
    except AuditError as problem:
        print(f"audit: {problem}", file=err)
        return EXIT_COULD_NOT_RUN

    changes = repair.plan(findings) if options.repair_tags else []
    made: list[repair.TagChange] = []
    failure: AuditError | None = None
    for change in changes:
        try:
            if not options.dry_run:
                change_tags(iam, change)
        except AuditError as problem:
            failure = problem
            break
        made.append(change)
    remaining = findings if options.dry_run else repair.repaired(findings, made)
    result = report.AuditResult(
        account_id=account_id,
        partition=partition,
        assembly=str(options.assembly),
        owned_paths=declared.owned_paths,
        declared=len(declared.profiles),
        findings=tuple(findings),
        not_audited=declared.not_audited,
        other_accounts=declared.other_accounts,
        repairs=tuple(made),
        dry_run=options.dry_run,
        remaining=len(remaining),
    )
    report.write(result, options.form, out, err)
    if failure is not None:
        print(f"audit: {failure}", file=err)
        return EXIT_COULD_NOT_RUN
    return EXIT_FINDINGS if remaining else EXIT_IN_SYNC
