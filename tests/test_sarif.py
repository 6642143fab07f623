"""``check --format sarif``: SARIF 2.1.0 that GitHub code scanning shows on each finding's line.

No maintained Python package ships the SARIF 2.1.0 schema, so the test holds the log to what the
schema requires and what code scanning reads (github.com docs, "SARIF support for code scanning"):
``version``, ``runs[].tool.driver.name``, each result's ``message.text`` and a physical location with
a relative URI and a region starting at a line and column.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from textwrap import dedent
from typing import Any
from urllib.parse import unquote

import pytest

from constructs_lib.cli import commands as cli
from constructs_lib.cli.sarif import sarif_log
from constructs_lib.core.findings import Finding
from constructs_lib.core.rules import BY_ID

CATALOG = """\
    profiles:
      - name: results
        statements:
          - actions: [s3:GetObject]
            resources: ["arn:aws:s3:::results-bucket/*"]
      - name: Web Server
"""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def sarif_of(text: str, capsys: pytest.CaptureFixture[str], *, name: str = "catalog.yaml") -> Any:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(dedent(text))
    status = cli.main(["check", "--format", "sarif", name])
    out, err = capsys.readouterr()
    assert err == ""
    log = json.loads(out)
    log["status"] = status
    return log


def test_each_finding_is_a_result_on_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    log = sarif_of(CATALOG, capsys, name="platform/catalog.yaml")
    assert log["status"] == 1
    assert (log["version"], log["$schema"].endswith("sarif-schema-2.1.0.json")) == ("2.1.0", True)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "ec2-access-profiles"
    places = [
        (
            result["ruleId"],
            result["level"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"],
        )
        for result in run["results"]
    ]
    assert places == [
        ("EAP043", "error", "platform/catalog.yaml", {"startLine": 4, "startColumn": 9}),
        ("EAP001", "error", "platform/catalog.yaml", {"startLine": 6, "startColumn": 11}),
        ("EAP002", "error", "platform/catalog.yaml", {"startLine": 6, "startColumn": 11}),
    ]
    first = run["results"][0]["message"]["text"]
    assert first.startswith("profile 'results' statements 'arn:aws:s3:::results-bucket/*' is a wildcard")
    assert "{resource: 'arn:aws:s3:::results-bucket/*', reason: ...} under acknowledge" in first


def test_the_rules_that_matched_are_described_and_indexed(capsys: pytest.CaptureFixture[str]) -> None:
    (run,) = sarif_of(CATALOG, capsys)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["EAP043", "EAP001", "EAP002"]
    assert rules[0]["shortDescription"]["text"] == BY_ID["EAP043"].title
    assert rules[0]["help"]["text"] == BY_ID["EAP043"].fix
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
            in (run["originalUriBaseIds"])
        )


def test_a_clean_catalogue_is_a_run_without_results(capsys: pytest.CaptureFixture[str]) -> None:
    log = sarif_of("profiles:\n  - name: web\n", capsys)
    assert log["status"] == 0
    assert [(run["results"], run["tool"]["driver"]["rules"]) for run in log["runs"]] == [([], [])]


def test_a_warning_is_a_warning_and_a_file_outside_is_a_file_uri(tmp_path: Path) -> None:
    outside = tmp_path.parent / "elsewhere.yaml"
    finding = Finding(
        "EAP085", "acknowledge", "s3:GetObject", "is known", location=f"{outside}:3:7", severity="warning"
    )
    log: Any = sarif_log([(str(outside), finding)], version="1.2.3")
    (run,) = log["runs"]
    (result,) = run["results"]
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": outside.as_uri()}
    assert run["tool"]["driver"]["version"] == "1.2.3"


def test_a_finding_without_a_line_is_shown_at_the_top_of_its_catalogue() -> None:
    finding = Finding("EAP070", "context", "x", "is not a list")
    log: Any = sarif_log([("catalog.yaml", finding)], version="0")
    (run,) = log["runs"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]) == (
        "catalog.yaml",
        {"startLine": 1, "startColumn": 1},
    )


def test_a_message_shows_the_profile_escaped_and_shortened() -> None:
    """Code scanning shows the message as text: a name cannot add lines to it, nor a megabyte."""
    finding = Finding("EAP001", "name", "x", "is refused", (), "evil\n" + "a" * 1_000_000, "c.yaml:2:11")
    (result,) = sarif_log([("c.yaml", finding)], version="1.0")["runs"][0]["results"]  # type: ignore[index]
    text = result["message"]["text"]
    assert text.startswith("profile 'evil\\naaa")
    assert text.endswith("aaa' (1,000,005 characters) name 'x' is refused")
    assert len(text) < 400


def test_a_path_is_a_percent_encoded_uri_reference(capsys: pytest.CaptureFixture[str]) -> None:
    """SARIF's ``uri`` is an RFC 3986 URI reference: a space, a ``#`` or a ``%`` in a file name is
    percent-encoded, else code scanning reads ``#`` as a fragment and ``%25`` as ``%``."""
    name = "my dir/ünï#%.yaml"
    (run,) = sarif_of(CATALOG, capsys, name=name)["runs"]
    places = [result["locations"][0]["physicalLocation"] for result in run["results"]]
    uris = {place["artifactLocation"]["uri"] for place in places}
    assert uris == {"my%20dir/%C3%BCn%C3%AF%23%25.yaml"}
    assert {unquote(uri) for uri in uris} == {name}


def test_a_file_name_that_is_not_utf_8_is_encoded_byte_for_byte() -> None:
    name = os.fsdecode(b"caf\xe9.yaml")  # as Python reads such a name from the command line
    finding = Finding("EAP070", "context", "x", "is not a list", location=f"{name}:2:3")
    log: Any = sarif_log([(name, finding)], version="0")
    (run,) = log["runs"]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "caf%E9.yaml", "uriBaseId": "SRCROOT"}


def test_columns_are_unicode_code_points_and_the_run_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """The YAML reader counts a column in characters: an emoji (two UTF-16 code units) is one."""
    line = '  - {description: "\U0001f600", name: "Web Server"}'
    (run,) = sarif_of(f"profiles:\n{line}\n", capsys)["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    columns = {
        result["locations"][0]["physicalLocation"]["region"]["startColumn"]
        for result in run["results"]
        if result["ruleId"] == "EAP001"
    }
    assert columns == {line.index('"Web') + 1}
    assert line.index('"Web') + 1 != len(line[: line.index('"Web')].encode("utf-16-le")) // 2 + 1
