"""When the command line's output cannot be written: a full disk is one line and exit 2; a reader of a
pipe that has gone (``check | head -1``) is exit 141 without a word; never a traceback. And a ``check``
that cannot read ``cdk.json`` still prints a valid (empty) JSON or SARIF document, which CI uploads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.cli import commands as cli
from tooling.cdk import ROOT

MANY_PROBLEMS = "profiles:\n" + "".join(f"  - name: bad name {n}\n" for n in range(900))
"""Some 1,800 findings: far more than a pipe holds, so the writer is still writing when its reader goes."""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "constructs_lib", *argv]


def environment() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full")
def test_a_full_disk_is_one_line_and_exit_2(tmp_path: Path) -> None:
    Path("catalog.yaml").write_text(MANY_PROBLEMS)
    for form in ("text", "sarif"):
        with Path("/dev/full").open("w") as full:
            result = subprocess.run(
                command("check", "catalog.yaml", "--format", form),
                stdout=full,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=environment(),
                text=True,
                timeout=120,
                check=False,
            )
        assert (result.returncode, result.stderr) == (
            2,
            "ec2-access-profiles: cannot write the output: No space left on device\n",
        )


def test_a_reader_that_stops_reading_ends_it_quietly(tmp_path: Path) -> None:
    """``check | head -1``: the Python documentation's recipe for SIGPIPE, and the status a shell
    reports for a command that signal ended (128 + 13)."""
    Path("catalog.yaml").write_text(MANY_PROBLEMS)
    with subprocess.Popen(
        command("check", "catalog.yaml"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment(),
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline().startswith("catalog.yaml:2:11: EAP001 ")
        process.stdout.close()
        err = process.stderr.read()
        status = process.wait(timeout=120)
    assert (status, err) == (141, "")


@pytest.mark.parametrize(
    ("form", "empty"),
    [
        ("json", {"catalogs": []}),
        ("sarif", None),
    ],
)
def test_an_unreadable_cdk_json_still_prints_an_empty_document(
    capsys: pytest.CaptureFixture[str], form: str, empty: object
) -> None:
    Path("catalog.yaml").write_text("profiles:\n  - name: web\n")
    Path("cdk.json").write_text("{not json")
    assert cli.main(["check", "catalog.yaml", "--format", form]) == 2
    out, err = capsys.readouterr()
    assert err == "cdk.json:1:2: is not valid JSON: Expecting property name enclosed in double quotes\n"
    document = json.loads(out)
    if form == "sarif":
        assert document["version"] == "2.1.0"
        assert [run["results"] for run in document["runs"]] == [[]]
    else:
        assert document == empty


def test_an_unreadable_cdk_json_prints_nothing_on_stdout_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    Path("catalog.yaml").write_text("profiles:\n  - name: web\n")
    assert cli.main(["check", "catalog.yaml", "--cdk-json", "missing.json"]) == 2
    assert capsys.readouterr() == ("", "missing.json: cannot read it: No such file or directory\n")
