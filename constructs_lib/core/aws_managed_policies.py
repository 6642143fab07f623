"""AWS-managed policy documents, read offline from the data moto ships.

moto (Apache-2.0) keeps every AWS-managed policy's default version in one module,
``moto/iam/aws_managed_policies.py``, regenerated from IAM before its releases. This module is the only
one that knows that layout. It finds the file without importing moto (importing it would load
boto3), reads it once on first use (about 50 ms for 1,500-odd policies) and answers by name, path or
ARN. When moto is not installed (the ``managed-policies`` extra), nothing is known and every
AWS-managed policy is *unknown* to the evaluator, never guessed.

The data's date is the newest ``UpdateDate`` of any policy in it: the day of the last AWS change the
data has seen.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.core import pseudo_parameters
from constructs_lib.core.evaluator import Kind, Policy
from constructs_lib.core.findings import Finding
from constructs_lib.core.spec import ProfileSpec

DISTRIBUTION = "moto"
EXTRA = "managed-policies"
_DATA_FILE = ("iam", "aws_managed_policies.py")
_ARN_MARK = ":iam::aws:policy/"


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS-managed policy: its name, IAM path and default version's document."""

    name: str
    path: str
    """``/``, ``/service-role/``, ``/job-function/``, ..."""
    document: Mapping[str, Any]
    updated: str
    """The default version's date, ``2019-05-23``."""

    @property
    def qualified_name(self) -> str:
        """The name as a profile gives it: ``service-role/AmazonEC2RoleforSSM``."""
        return f"{self.path.strip('/')}/{self.name}" if self.path != "/" else self.name


class AwsManagedPolicies:
    """The shipped documents, by name. Use ``aws_managed_policies()``: it is cached."""

    def __init__(self, policies: Mapping[str, ManagedPolicy], source: Path | None) -> None:
        self._policies = {name.lower(): policy for name, policy in policies.items()}
        self.source = source
        """The file read; ``None`` when the data is not installed."""

    @property
    def available(self) -> bool:
        return self.source is not None

    @functools.cached_property
    def date(self) -> str:
        """The newest policy update the data has seen (``2026-09-30``); ``""`` when not installed."""
        return max((policy.updated for policy in self._policies.values()), default="")

    @functools.cached_property
    def version(self) -> str:
        """The version of the package that ships the data; ``""`` when not installed."""
        if not self.available:
            return ""
        from importlib import metadata  # only when asked: it costs a third of start-up

        return metadata.version(DISTRIBUTION)

    def __len__(self) -> int:
        return len(self._policies)

    @functools.cache  # noqa: B019 (one per process, with the data)
    def qualified_names(self) -> tuple[str, ...]:
        """Every policy's name as a profile gives it (``service-role/AmazonEC2RoleforSSM``)."""
        return tuple(sorted(policy.qualified_name for policy in self._policies.values()))

    def get(self, reference: str) -> ManagedPolicy | None:
        """The policy a profile names: ``AmazonSSMManagedInstanceCore``,
        ``service-role/AmazonEC2RoleforSSM`` or its ARN; ``None`` when the data does not have it."""
        name = aws_managed_name(reference) if reference.startswith("arn:") else reference
        if name is None:
            return None
        path, _, bare = name.rpartition("/")
        policy = self._policies.get(bare.lower())
        if policy is None or policy.path.strip("/").lower() != path.strip("/").lower():
            return None
        return policy


def aws_managed_name(arn: str) -> str | None:
    """``service-role/AmazonEC2RoleforSSM`` from ``arn:aws:iam::aws:policy/service-role/...``; None
    for any other ARN (a customer-managed policy's account is a number, never ``aws``)."""
    _, mark, tail = arn.partition(_ARN_MARK)
    return tail if mark and arn.startswith("arn:") and tail else None


def unknown_policy_findings(spec: ProfileSpec, data: AwsManagedPolicies) -> list[Finding]:
    """A warning (EAP026) for each AWS-managed policy ``spec`` names that ``data`` does not have.

    IAM refuses to attach a policy that does not exist only at deploy; the data knows every
    AWS-managed policy of its date, so a name it lacks is most likely a typo, or a policy newer than
    the data: a warning, never a refusal. Nothing when the data is not installed.
    """
    if not data.available:
        return []
    findings = []
    for index, given in enumerate(spec.managed_policies):
        if not isinstance(given, str):
            continue
        reference = pseudo_parameters.as_checked(given)
        name = aws_managed_name(reference) if reference.startswith("arn:") else reference
        if name is None or data.get(name) is not None:
            continue
        closest = difflib.get_close_matches(name, data.qualified_names(), n=1)
        hint = f"; did you mean {closest[0]!r}?" if closest else "; check its name and path"
        rule = f"is not an AWS-managed policy in the data of {data.date} (moto {data.version}){hint}"
        pointer = ("managed_policies", index)
        findings.append(Finding("EAP026", "managed_policies", given, rule, pointer, severity="warning"))
    return findings


@functools.cache
def aws_managed_policies() -> AwsManagedPolicies:
    """The data of this process, read on first use."""
    spec = importlib.util.find_spec(DISTRIBUTION)  # finds the package without running it
    if spec is None or spec.origin is None:
        return AwsManagedPolicies({}, None)
    source = Path(spec.origin).parent.joinpath(*_DATA_FILE)
    if not source.is_file():
        return AwsManagedPolicies({}, None)
    return AwsManagedPolicies(_parse(source.read_text(encoding="utf-8")), source)


def _parse(text: str) -> dict[str, ManagedPolicy]:
    """The policies of moto's module: one JSON object between its first and last triple quotes."""
    start, end = text.index('"""') + 3, text.rindex('"""')
    raw: Mapping[str, Mapping[str, Any]] = json.loads(text[start:end])
    return {
        name: ManagedPolicy(
            name=name,
            path=str(entry.get("Path", "/")),
            document=entry["Document"],
            updated=str(entry.get("UpdateDate", ""))[:10],
        )
        for name, entry in raw.items()
    }


def managed_policy(
    reference: str, customer: Mapping[str, Mapping[str, Any]] | None = None, kind: Kind | None = None
) -> Policy:
    """A managed policy a role names (ARN or AWS-managed name) as the evaluator weighs it.

    Its document comes from ``customer`` (the app's own policies, by ARN), else from the AWS-managed
    data; any other policy is unknown, with the reason, never guessed.
    """
    if customer and reference in customer:
        return Policy(reference, kind or "customer-managed", customer[reference])
    name = aws_managed_name(reference) if reference.startswith("arn:") else reference
    if name is None:
        return Policy(
            reference, kind or "customer-managed", None, "not defined by the app: its document is not known"
        )
    data = aws_managed_policies()
    if not data.available:
        reason = f"the AWS-managed policy data is not installed (pip install 'ec2-access-profiles[{EXTRA}]')"
        return Policy(name, kind or "aws-managed", None, reason)
    found = data.get(name)
    if found is None:
        return Policy(
            name,
            kind or "aws-managed",
            None,
            f"not in the AWS-managed policy data (moto {data.version}, of {data.date})",
        )
    return Policy(name, kind or "aws-managed", found.document)
