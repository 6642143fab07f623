"""What ``check`` prints from hostile files: escaped, so it cannot forge a line; shortened, so it
cannot flood the terminal; always saying that it was shortened and from how long."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib.cli import commands as cli
from constructs_lib.core.findings import LABEL_LIMIT, RULE_LIMIT, Finding, show_text, show_value

FORGED = "evil\x1b[2K\rforged.yaml:1:1: all good\nnames.yaml: 1 profile, no problems\n"
"""A name that, printed raw, erases its line and prints a clean summary (the hostile test's
``inject.yaml``)."""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def catalogue(name: str, text: str) -> str:
    Path(name).write_text(text)
    return name


def printable_lines(text: str) -> list[str]:
    lines = text.splitlines()
    assert text == "".join(f"{line}\n" for line in lines)  # no "\r" or other line break inside
    assert all(line.isprintable() for line in lines), [line for line in lines if not line.isprintable()]
    return lines


def test_a_name_cannot_forge_a_line_or_move_the_cursor(capsys: pytest.CaptureFixture[str]) -> None:
    quoted = json.dumps(FORGED)
    assert cli.main(["check", catalogue("c.yaml", f"profiles:\n  - name: {quoted}\n")]) == 1
    out, err = capsys.readouterr()
    escaped = repr(FORGED)
    assert printable_lines(out) == [
        f"c.yaml:2:11: EAP001 profile {escaped} name: {show_value(FORGED)} contains '\\x1b'; IAM allows "
        "only letters A-Z and a-z, digits and +=,.@_-",
        f"c.yaml:2:11: EAP002 profile {escaped} role_name (defaulted from name): {show_value(FORGED)} is 70 "
        "characters; IAM allows 1 to 64",
    ]
    assert printable_lines(err) == ["c.yaml: 1 profile, 2 problems"]


def test_a_file_name_is_printed_escaped_too(capsys: pytest.CaptureFixture[str]) -> None:
    name = catalogue("c\x1b[2K\n.yaml", "profiles:\n  - name: web\n")
    assert cli.main(["check", name]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert printable_lines(err) == ["c\\x1b[2K\\n.yaml: 1 profile, no problems"]


def test_an_unreadable_file_is_named_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "missing\r.yaml"]) == 2
    _, err = capsys.readouterr()
    (line,) = printable_lines(err)
    assert line.startswith("missing\\r.yaml: cannot read the catalogue")


def test_a_long_name_shared_by_aliases_prints_a_bounded_output_that_says_it_was_shortened(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One 100,000-character name used by 20 profiles printed 100 kB per finding, label and rule."""
    name = "a" * 100_000
    text = f"x: &x {name}\nprofiles:\n" + "  - {name: *x}\n" * 20
    assert cli.main(["check", catalogue("c.yaml", text)]) == 1
    out, _ = capsys.readouterr()
    lines = printable_lines(out)
    assert len(lines) > 40
    assert max(len(line) for line in lines) < RULE_LIMIT + 2 * LABEL_LIMIT
    assert all("'aaa" in line and "…" in line and "(100,000 characters)" in line for line in lines[1:])


def test_json_output_shows_long_labels_as_text_output_does(capsys: pytest.CaptureFixture[str]) -> None:
    name = "a" * 100_000
    assert cli.main(["check", "--format", "json", catalogue("c.yaml", f"profiles:\n  - name: {name}\n")]) == 1
    findings = json.loads(capsys.readouterr().out)["catalogs"][0]["findings"]
    assert {finding["profile"] for finding in findings} == {show_text(name, LABEL_LIMIT)}
    assert show_text(name, LABEL_LIMIT).endswith("(100,000 characters)")


# -- the finding's own text -------------------------------------------------------------------------


def test_every_text_of_a_finding_is_escaped_in_its_line() -> None:
    finding = Finding("EAP001", "tags['a\nb']", "v\r", "is \x1b[31mred", (), "p\n", "c\n.yaml:1:1")
    assert finding.line() == "c\\n.yaml:1:1: EAP001 profile 'p\\n' tags['a\\nb']: 'v\\r' is \\x1b[31mred"
    assert finding.message == "tags['a\\nb'] 'v\\r' is \\x1b[31mred"


def test_a_valid_name_and_an_ordinary_rule_are_shown_as_they_are() -> None:
    name = "a" * 128
    finding = Finding("EAP003", "path", "ec2", "is not an IAM path", (), name, "c.yaml:3:9")
    assert finding.line() == f"c.yaml:3:9: EAP003 profile '{name}' path: 'ec2' is not an IAM path"
    assert finding.to_json()["profile"] == name


def test_a_rule_quoting_a_huge_value_is_shortened_with_its_length() -> None:
    rule = f"is the name of profile '{'a' * 1_000_000}' too; names are unique"
    line = Finding("EAP104", "name", "x", rule, (), "p").line()
    assert len(line) < RULE_LIMIT
    assert line.startswith("EAP104 profile 'p' name: 'x' is the name of profile 'aaaa")
    assert "a…a" in line
    assert line.endswith("aaaa' too; names are unique (1,000,047 characters)")


def test_showing_a_huge_value_is_bounded_and_keeps_one_quote_style() -> None:
    value = "it's " + "a" * 1_000_000 + '"end'
    shown = show_value(value)
    assert shown == f"{repr(value)[:40]}…{repr(value)[-20:]} (1,000,009 characters)"
