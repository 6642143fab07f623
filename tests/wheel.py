"""The package's wheel, built as a release would build it: from the files git tracks, in a copy.

``pip wheel`` of the repository itself leaves setuptools' ``build/`` behind, and a later build
reuses it, so a module since moved or removed would still ship and the wheel's tests would read a
stale package. A copy of the tracked files holds only what a fresh clone holds.

The build frontend is uv's (``uv build``, the uv this repository pins): the same PEP 517 build in an
isolated environment with pyproject.toml's ``build-system.requires``; every file of its wheel is
byte for byte the one ``pip wheel`` writes, for a third of pip's CPU (about 0.8 s instead of 2.4 s).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tooling.cdk import ROOT


def build_wheel(outdir: Path) -> Path:
    """Build the wheel into ``outdir`` from a copy of the tracked files; return its path."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    with tempfile.TemporaryDirectory(prefix="wheel-source-") as scratch:
        source = Path(scratch)
        for name in filter(None, tracked):
            if (ROOT / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, source / name)
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "uv"),
                "build",
                "--quiet",
                "--wheel",
                "--out-dir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    (built,) = outdir.glob("*.whl")
    return built
