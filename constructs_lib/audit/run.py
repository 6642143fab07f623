"""One audit run: read the assembly, ask the account (or every account of a deployment), compare,
repair tags if asked, print.

The order is the contract: the assembly is read before any AWS call (an unreadable ``cdk.out``
fails at once); STS says which account and partition the credentials are in; the templates are
resolved for it; IAM is read page by page while ``drift`` compares; ``--repair-tags`` makes (or,
with ``--dry-run``, only prints) the tag changes; ``report`` prints everything.

With ``--deployment NAME --role-name ROLE`` the accounts are the deployment's (its Stages', or those
Organizations lists under its OUs, but the management account, to which StackSets never deploy);
the audit assumes ``ROLE`` in each and audits ``--parallel-accounts`` of them at once. An account
where STS refuses the role is a finding (``unreachable``); one where assuming it or auditing fails
otherwise could not be audited (``failed``, exit status 2). Either way the others are still
audited; one report has a section per account, and the exit status is the worst of them.

boto3's standard credential chain applies (environment, shared config and ``--profile``, SSO,
instance metadata), and so does ``AWS_ENDPOINT_URL`` (how the tests point it at the emulator).
Every call uses botocore's ``adaptive`` retry mode: throttling and transient errors are retried with
backoff, and the client slows its own rate when IAM throttles it, so a throttled audit is slower,
not failed; what still fails ends that account's audit with one line.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError
from botocore.loaders import Loader, create_loader

from constructs_lib.audit import declared as declared_module
from constructs_lib.audit import drift, repair, report
from constructs_lib.audit.account import (
    DEFAULT_CONCURRENCY,
    IamReader,
    StackResources,
    change_tags,
    identity,
    url_suffix,
)
from constructs_lib.audit.accounts import UnreachableError, assume, role_arn, stack_set_accounts
from constructs_lib.audit.declared import StackTemplate
from constructs_lib.audit.deployment import DeploymentTargets, deployment_targets
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.findings import AccountProblem
from constructs_lib.audit.intrinsics import Account

EXIT_IN_SYNC = 0
EXIT_FINDINGS = 1
EXIT_COULD_NOT_RUN = 2
MAX_ATTEMPTS = 10
"""Attempts of each call (botocore's adaptive mode waits longer between each)."""
DEFAULT_PARALLEL_ACCOUNTS = 4
UNREACHABLE_FIX = (
    "create the audit role in the account, trusting the auditing account "
    "(README: 'Auditing every account of a deployment')"
)
ASSUME_FAILED_FIX = (
    "audit again: STS did not refuse the role, the call failed (throttled past retries, no "
    "connection, expired credentials or STS inactive in the region: the reason says which)"
)


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
    concurrency: int = DEFAULT_CONCURRENCY
    """IAM calls in flight at once, per account."""
    deployment: str | None = None
    role_name: str | None = None
    parallel_accounts: int = DEFAULT_PARALLEL_ACCOUNTS


def retries(concurrency: int) -> Config:
    """Adaptive retries, and a connection for each call in flight."""
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}, max_pool_connections=concurrency + 2
    )


def run(options: AuditOptions, out: TextIO, err: TextIO) -> int:
    """Audit the account of the credentials (or every account of ``options.deployment``) against
    ``options.assembly``; return the exit status."""
    if options.deployment is not None:
        return _run_deployment(options, options.deployment, out, err)
    try:
        stacks = declared_module.read_assembly(options.assembly)
        session = _session(options)
        audit = audit_account(session, stacks, options, str(options.assembly))
    except AuditError as problem:
        print(f"audit: {problem}", file=err)
        return EXIT_COULD_NOT_RUN
    report.write(audit.result, options.form, out, err)
    if audit.failure is not None:
        print(f"audit: {audit.failure}", file=err)
    return audit.status


@dataclass(frozen=True)
class AccountAudit:
    """One account's result, and the repair that failed part-way, if one did."""

    result: report.AuditResult
    failure: AuditError | None = None

    @property
    def status(self) -> int:
        if self.failure is not None:
            return EXIT_COULD_NOT_RUN
        return EXIT_IN_SYNC if self.result.in_sync else EXIT_FINDINGS


def audit_account(
    session: Any,
    stacks: tuple[StackTemplate, ...],
    options: AuditOptions,
    assembly: str,
    expected_account: str | None = None,
) -> AccountAudit:
    """Audit the account of ``session`` against ``stacks``; ``AuditError`` if it cannot run.

    ``WrongAccountError`` when ``expected_account`` is given and the session is another's: before
    anything is read, and so before ``--repair-tags`` could change a profile there.
    """
    config = retries(options.concurrency)
    partition, account_id = identity(session.client("sts", config=config))
    if expected_account is not None and account_id != expected_account:
        raise WrongAccountError(account_id)
    account = Account(partition, account_id, region=session.region_name, url_suffix=url_suffix(partition))
    declared = declared_module.declared_profiles(stacks, account, StackResources(session, config))
    if not declared.profiles and not declared.not_audited:
        raise AuditError(
            f"{assembly}: declares no AWS::IAM::InstanceProfile for account {account_id}: nothing to audit"
        )
    iam = session.client("iam", config=config)
    names = {profile.name.lower() for profile in declared.profiles if profile.name is not None}
    with IamReader(
        iam, options.page_size, concurrency=options.concurrency, wanted=lambda name: name.lower() in names
    ) as reader:
        findings = drift.audit(
            declared.profiles,
            reader.list_profiles(declared.owned_paths),
            find=reader.find,
            read=reader.read,
            partition=partition,
        )

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
        assembly=assembly,
        owned_paths=declared.owned_paths,
        declared=len(declared.profiles),
        findings=tuple(findings),
        not_audited=declared.not_audited,
        other_accounts=declared.other_accounts,
        repairs=tuple(made),
        dry_run=options.dry_run,
        remaining=len(remaining),
    )
    return AccountAudit(result, failure)


# -- every account of a deployment ------------------------------------------------------------------


def _run_deployment(options: AuditOptions, name: str, out: TextIO, err: TextIO) -> int:
    if not options.role_name:
        print("audit: --deployment needs --role-name ROLE, the role to assume in each account", file=err)
        return EXIT_COULD_NOT_RUN
    try:
        targets = deployment_targets(options.assembly, name)
        session = _session(options)
        config = retries(options.concurrency)
        partition, _ = identity(session.client("sts", config=config))
        skipped = None
        if targets.organizational_units:
            organizations = session.client("organizations", config=config)
            accounts, skipped = stack_set_accounts(organizations, targets.organizational_units)
        else:
            accounts = list(targets.by_account)
    except AuditError as problem:
        print(f"audit: {problem}", file=err)
        return EXIT_COULD_NOT_RUN

    sts = session.client("sts", config=retries(options.parallel_accounts))
    role = options.role_name
    loader = create_loader()

    def audit_one(account: str) -> report.AccountSection:
        arn = role_arn(partition, account, role)
        return _audit_member(sts, loader, targets, account, arn, options, session.region_name)

    with ThreadPoolExecutor(max(1, options.parallel_accounts), thread_name_prefix="audit-account") as pool:
        sections = tuple(pool.map(audit_one, accounts))
    result = report.DeploymentResult(
        deployment=name,
        assembly=str(options.assembly),
        role_name=options.role_name,
        organizational_units=targets.organizational_units,
        sections=sections,
        skipped_management_account=skipped,
    )
    report.write_deployment(result, options.form, out, err)
    return result.status


def _audit_member(
    sts: Any,
    loader: Loader,
    targets: DeploymentTargets,
    account: str,
    arn: str,
    options: AuditOptions,
    region: str | None,
) -> report.AccountSection:
    """One account of the deployment, in a session of its own; what goes wrong there stays in its section."""
    region = targets.region_of(account) or region
    try:
        credentials = assume(sts, arn)
    except UnreachableError as problem:
        return report.AccountSection(
            account, problem=AccountProblem("unreachable", account, str(problem), UNREACHABLE_FIX)
        )
    except AuditError as problem:
        return report.AccountSection(
            account, problem=AccountProblem("failed", account, str(problem), ASSUME_FAILED_FIX)
        )
    shared = botocore.session.get_session()
    shared.register_component("data_loader", loader)  # each account's clients parse no model again
    member = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
        botocore_session=shared,
    )
    where = f"{targets.assembly} (deployment {targets.name})"
    try:
        audit = audit_account(member, targets.stacks_of(account), options, where, expected_account=account)
    except WrongAccountError as other:
        reason = f"{arn} gave credentials of account {other.account_id}"
        return report.AccountSection(
            account, problem=AccountProblem("failed", account, reason, "check the role's ARN")
        )
    except AuditError as problem:
        fix = f"give {arn} the audit's permission policy (README), then audit again"
        return report.AccountSection(account, problem=AccountProblem("failed", account, str(problem), fix))
    failure = str(audit.failure) if audit.failure is not None else None
    return report.AccountSection(account, result=audit.result, repair_failure=failure, status=audit.status)


class WrongAccountError(Exception):
    """The credentials are another account's than the one to audit (``account_id``)."""

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id)
        self.account_id = account_id


def _session(options: AuditOptions) -> Any:
    try:
        return boto3.Session(profile_name=options.profile, region_name=options.region)
    except BotoCoreError as error:
        raise AuditError(f"cannot start an AWS session: {error}") from error
