"""The platform repository ``ec2-access-profiles init DIR`` writes, and how it is written.

The files are package data in ``files/``: what a new repository needs to synthesize, test, check,
review and deploy its catalogue with the same two commands as this package's own repository. One
placeholder, ``@VERSION@``, becomes this package's version, which the requirements and the
pre-commit hooks pin. The other pins (aws-cdk-lib, the CDK CLI, Node.js, the linters, the test
tools) are the versions this release is tested with: the repository's tests hold them equal to its
own locks. ``catalog.schema.json`` is generated, as ``ec2-access-profiles schema`` prints it.

Writing is all or nothing: when any file (or a folder in its way) exists already, nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from constructs_lib.catalog.schema import json_schema

VERSION_PLACEHOLDER = "@VERSION@"

TEMPLATES: Mapping[str, str] = {
    ".github/workflows/ci.yml": "ci.yml",
    ".gitignore": "gitignore",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    "Makefile": "Makefile",
    "README.md": "README.md",
    "app.py": "app.py.tmpl",
    "catalog.placement.json": "catalog.placement.json",
    "catalog.yaml": "catalog.yaml",
    "cdk.json": "cdk.json",
    "package-lock.json": "package-lock.json",
    "package.json": "package.json",
    "pyproject.toml": "pyproject.toml",
    "requirements.in": "requirements.in",
    "tests/__snapshots__/test_app/test_every_stack_matches_its_snapshot[Ec2AccessProfiles].json": (
        "snapshot-Ec2AccessProfiles.json"
    ),
    "tests/test_app.py": "test_app.py.tmpl",
}
"""Each file of the new repository (its path there) and the template in ``files/`` it comes from.
Templates of Python files end in ``.tmpl``, so that nothing takes them for modules of this package."""

SCHEMA_FILE = "catalog.schema.json"


class ExistingFilesError(Exception):
    """The folder holds some of the files already; ``paths`` names each one. Nothing was written."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__(", ".join(str(path) for path in paths))
        self.paths = paths


def render(version: str) -> dict[str, str]:
    """Every file of the new repository, by its path there, pinned on ``version``."""
    folder = files(__name__).joinpath("files")
    rendered = {
        target: folder.joinpath(template).read_text(encoding="utf-8").replace(VERSION_PLACEHOLDER, version)
        for target, template in TEMPLATES.items()
    }
    rendered[SCHEMA_FILE] = json.dumps(json_schema(), indent=2) + "\n"
    return dict(sorted(rendered.items()))


def write(directory: Path, version: str) -> list[Path]:
    """Write the new repository into ``directory`` (made if missing); return the files written.

    Raises ``ExistingFilesError`` before writing anything when a file exists at one of its paths, or
    something other than a folder stands where it needs one.
    """
    contents = render(version)
    targets = [directory / name for name in contents]
    in_the_way = sorted({path for path in targets if path.exists() or path.is_symlink()} | _blocked(targets))
    if in_the_way:
        raise ExistingFilesError(in_the_way)
    made: list[Path] = []  # files and folders, in the order they were made
    try:
        for path, text in zip(targets, contents.values(), strict=True):
            for folder in reversed([path.parent, *path.parent.parents]):
                if not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": never overwrite
                made.append(path)
                file.write(text)
        (directory / "app.py").chmod(0o755)
    except OSError:
        for made_path in reversed(made):  # all or nothing: a full disk leaves no half repository
            if made_path.is_dir():
                made_path.rmdir()
            else:
                made_path.unlink()
        raise
    return targets


def _blocked(targets: list[Path]) -> set[Path]:
    """Non-folders standing where a target needs a folder (``tests`` as a file, say)."""
    return {
        parent
        for path in targets
        for parent in path.parents
        if (parent.exists() or parent.is_symlink()) and not parent.is_dir()
    }
