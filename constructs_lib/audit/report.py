"""The audit's result, printed as text (one line per finding), JSON or Markdown. Deterministic.

- ``text``: each finding and each tag repair on one line on standard output; what was not audited
  and a summary on standard error, so standard output is empty when the account is in sync;
- ``json``: one document on standard output, for tools;
- ``markdown``: a heading, the summary and a table of findings, for a pull request or a CI summary.

A deployment's report (``write_deployment``) has the same per account, one section each: in text,
a ``== account ID ==`` line before each account's findings (or its problem) on standard output,
each account's summary and the deployment's total on standard error; in JSON, one document with an
entry per account; in Markdown, a heading and then each account's section.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from constructs_lib.audit.findings import KINDS, AccountProblem, AuditFinding, NotAudited
from constructs_lib.audit.repair import TagChange
from constructs_lib.core import markdown

FORMATS = ("text", "json", "markdown")


@dataclass(frozen=True)
class AuditResult:
    """Everything one run found and did."""

    account_id: str
    partition: str
    assembly: str
    owned_paths: tuple[str, ...]
    declared: int
    findings: tuple[AuditFinding, ...]
    not_audited: tuple[NotAudited, ...] = ()
    other_accounts: tuple[str, ...] = ()
    repairs: tuple[TagChange, ...] = ()
    dry_run: bool = False
    remaining: int = 0
    """Findings left once the repairs were made (all of them under ``--dry-run``)."""

    @property
    def in_sync(self) -> bool:
        """Nothing is left once the repairs were made: what the exit status says, and JSON's ``in_sync``."""
        return self.remaining == 0

    def summary(self) -> str:
        """``account 123456789012 (aws): 4 profiles declared in cdk.out, under /ec2/: in sync``."""
        paths = ", ".join(self.owned_paths) or "no path"
        head = (
            f"account {self.account_id} ({self.partition}): {_count(self.declared, 'profile')} declared in "
            f"{self.assembly}, under {paths}: "
        )
        if not self.findings:
            return head + "in sync"
        kinds = Counter(finding.kind for finding in self.findings)
        counted = ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS if kinds[kind])
        text = head + f"{_count(len(self.findings), 'finding')} ({counted})"
        if self.repairs:
            profiles = len({change.profile for change in self.repairs})
            done = "would repair" if self.dry_run else "repaired"
            text += f"; {done} the tags of {_count(profiles, 'profile')}, {self.remaining} left"
        return text


@dataclass(frozen=True)
class AccountSection:
    """One account of a deployment: its result, or the problem that kept it from being audited."""

    account: str
    result: AuditResult | None = None
    problem: AccountProblem | None = None
    repair_failure: str | None = None
    """The tag repair that failed part-way (the findings and the repairs made are in ``result``)."""
    status: int = 1
    """As the single-account audit's: 0 in sync, 1 findings, 2 it could not finish."""

    @property
    def exit_status(self) -> int:
        if self.problem is not None:
            return 1 if self.problem.kind == "unreachable" else 2
        return self.status

    def summary(self) -> str:
        if self.result is not None:
            return self.result.summary()
        return self.problem.line() if self.problem is not None else f"account {self.account}: not audited"

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {"account": self.account, "problem": None, "repair_failure": None}
        if self.result is not None:
            document.update(_document(self.result))
        document["problem"] = self.problem.to_json() if self.problem is not None else None
        document["repair_failure"] = self.repair_failure
        return document


@dataclass(frozen=True)
class DeploymentResult:
    """Every account of one deployment."""

    deployment: str
    assembly: str
    role_name: str
    organizational_units: tuple[str, ...]
    sections: tuple[AccountSection, ...]
    skipped_management_account: str | None = None
    """The organization's management account, when it is under the OUs: StackSets never deploy to it,
    so it is not audited, and the summary says so."""

    @property
    def status(self) -> int:
        """The worst account's: 2 over 1 over 0. No account at all is a finding: nothing was audited."""
        return max((section.exit_status for section in self.sections), default=1)

    def summary(self) -> str:
        """``deployment prod: 3 accounts: 1 in sync, 1 with findings, 1 unreachable``, and the
        management account left out of the OUs, if it was under them."""
        counts = Counter(_state(section) for section in self.sections)
        where = f" under {', '.join(self.organizational_units)}" if self.organizational_units else ""
        skipped = (
            f"; not audited: account {self.skipped_management_account}, the organization's management "
            "account, to which StackSets never deploy"
            if self.skipped_management_account is not None
            else ""
        )
        if not self.sections:
            return f"deployment {self.deployment}: no active account{where}: nothing audited{skipped}"
        states = ", ".join(f"{counts[state]} {state}" for state in _STATES if counts[state])
        return (
            f"deployment {self.deployment}: {_count(len(self.sections), 'account')}{where}: {states}{skipped}"
        )


_STATES = ("in sync", "with findings", "unreachable", "failed")


def _state(section: AccountSection) -> str:
    if section.problem is not None:
        return section.problem.kind
    if section.repair_failure is not None:
        return "failed"
    return "in sync" if section.exit_status == 0 else "with findings"


def write_deployment(result: DeploymentResult, form: str, out: TextIO, err: TextIO) -> None:
    """Print a deployment's report in the format ``form``: a section per account."""
    if form == "json":
        document = {
            "deployment": result.deployment,
            "assembly": result.assembly,
            "role_name": result.role_name,
            "organizational_units": list(result.organizational_units),
            "skipped_management_account": result.skipped_management_account,
            "in_sync": result.status == 0,
            "accounts": [section.to_json() for section in result.sections],
        }
        json.dump(document, out, indent=2)
        out.write("\n")
        return
    if form == "markdown":
        out.write(f"# Audit of deployment {result.deployment}\n\n{markdown.cell(result.summary())}\n")
        for section in result.sections:
            out.write("\n")
            if section.result is not None:
                _markdown(section.result, out, level="###")
            else:
                out.write(f"### Audit of account {section.account}\n\n{markdown.cell(section.summary())}\n")
            if section.repair_failure is not None:
                out.write(f"\n- {markdown.cell(section.repair_failure)}\n")
        return
    for section in result.sections:
        print(f"== account {section.account} ==", file=out)
        if section.result is not None:
            _text(section.result, out, err)
        else:
            print(section.summary(), file=out)
        if section.repair_failure is not None:
            print(f"audit: {section.repair_failure}", file=err)
    print(result.summary(), file=err)


def write(result: AuditResult, form: str, out: TextIO, err: TextIO) -> None:
    """Print ``result`` in the format ``form`` (one of ``FORMATS``)."""
    if form == "json":
        _json(result, out)
    elif form == "markdown":
        _markdown(result, out)
    else:
        _text(result, out, err)


def _text(result: AuditResult, out: TextIO, err: TextIO) -> None:
    for finding in result.findings:
        print(finding.line(), file=out)
    for change in result.repairs:
        print(change.line(dry_run=result.dry_run), file=out)
    for notice in result.not_audited:
        print(notice.line(), file=err)
    for stack in result.other_accounts:
        print(f"not audited: stack '{stack}': its environment is another account", file=err)
    print(result.summary(), file=err)


def _json(result: AuditResult, out: TextIO) -> None:
    json.dump(_document(result), out, indent=2, sort_keys=False)
    out.write("\n")


def _document(result: AuditResult) -> dict[str, object]:
    return {
        "account": result.account_id,
        "partition": result.partition,
        "assembly": result.assembly,
        "owned_paths": list(result.owned_paths),
        "declared_profiles": result.declared,
        "in_sync": result.in_sync,
        "findings": [finding.to_json() for finding in result.findings],
        "not_audited": [notice.to_json() for notice in result.not_audited],
        "other_account_stacks": list(result.other_accounts),
        "repairs": [change.to_json() for change in result.repairs],
        "dry_run": result.dry_run,
        "remaining": result.remaining,
    }


def _markdown(result: AuditResult, out: TextIO, level: str = "##") -> None:
    out.write(f"{level} Audit of account {result.account_id}\n\n{markdown.cell(result.summary())}\n")
    if result.findings:
        out.write("\n| Kind | Profile | Field | Expected | Actual | Fix |\n")
        out.write("| --- | --- | --- | --- | --- | --- |\n")
        for finding in result.findings:
            cells = (
                finding.kind,
                finding.profile,
                finding.subject,
                _shown(finding.expected),
                _shown(finding.actual),
                finding.fix,
            )
            out.write("| " + " | ".join(_code(cell) if i else cell for i, cell in enumerate(cells)) + " |\n")
    if result.repairs:
        lines = [change.line(dry_run=result.dry_run) for change in result.repairs]
        out.write("\n" + "".join(f"- {markdown.cell(line)}\n" for line in lines))
    notices = [n.line() for n in result.not_audited] + [
        f"not audited: stack '{stack}': its environment is another account" for stack in result.other_accounts
    ]
    if notices:
        out.write("\n" + "".join(f"- {markdown.cell(notice)}\n" for notice in notices))


def _shown(value: object) -> str:
    if value is None:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _code(text: str) -> str:
    """A table cell in code: backticks that cannot close early, and pipes that cannot split the row."""
    text = markdown.cell(text)
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
