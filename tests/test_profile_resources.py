"""The package's own jsii assembly is what ``make native`` builds from ``native/``, loaded by its name."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NATIVE = ROOT / "native"
ASSEMBLY = ROOT / "constructs_lib" / "cdk" / "profile_resources" / "_jsii"
PACKED = ["src/index.ts", "package.json", "README.md"]
"""What ``npm pack`` copies from ``native/`` as it is; the rest (``.jsii``, ``lib/``) is compiled from it."""


def _tarball() -> Path:
    (tarball,) = ASSEMBLY.glob("*.jsii.tgz")
    return tarball


def _packed(name: str) -> bytes:
    with tarfile.open(_tarball()) as archive:
        member = archive.extractfile(f"package/{name}")
        assert member is not None
        return member.read()


@pytest.mark.parametrize("name", PACKED)
def test_the_committed_assembly_was_packed_from_native(name: str) -> None:
    """A change to native/ without `make native` (or a tarball edited by hand) fails here."""
    assert _packed(name) == (NATIVE / name).read_bytes(), f"run `make native` and commit {_tarball().name}"


def test_the_assembly_is_compiled_from_the_same_source() -> None:
    """jsii's assembly records each type's source file; its compiled JavaScript is that source's."""
    resources = json.loads(_packed(".jsii"))["types"]["ec2-access-profiles-native.ProfileResources"]
    assert resources["locationInModule"]["filename"] == "src/index.ts"
    compiled = _packed("lib/index.js").decode()
    assert "new aws_iam_1.CfnRole(roleScope, 'Resource', {" in compiled
    assert "const made = JSON.parse(spec);" in compiled
    assert "Tags.of(profile).add(key, value)" in compiled


def test_the_loader_names_the_packed_assembly() -> None:
    package = json.loads(_packed("package.json"))
    assert _tarball().name == f"{package['name']}@{package['version']}.jsii.tgz"
    loader = (ASSEMBLY / "__init__.py").read_text()
    assert re.search(rf'^NAME = "{re.escape(package["name"])}"$', loader, re.MULTILINE)
    assert re.search(rf'^VERSION = "{re.escape(package["version"])}"$', loader, re.MULTILINE)
