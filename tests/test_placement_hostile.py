"""Placement against hostile input: bounded size and nesting, linear checks, no work on refused names.

Scale is asserted by counting operations (comparisons, copies, encodings), never by timing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.catalog.marked_yaml import MAX_BYTES, MAX_DEPTH
from constructs_lib.catalog.placement import (
    MAX_FILE_FINDINGS,
    TEMPLATE_BYTES_BUDGET,
    TEMPLATE_BYTES_LIMIT,
    Placement,
    Request,
    estimated_bytes,
    place,
    read_placement,
)
from constructs_lib.cli import commands as cli
from constructs_lib.core.findings import Finding
from constructs_lib.core.spec import ProfileSpec
from constructs_lib.core.validation import INSTANCE_PROFILE_NAME_MAX


class _Counted(str):
    """A name that counts the comparisons and lowered copies made of it."""

    __slots__ = ()
    equalities = 0
    lowered = 0

    def __eq__(self, other: object) -> bool:
        _Counted.equalities += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def lower(self) -> str:
        _Counted.lowered += 1
        return str.lower(self)


@pytest.fixture(autouse=True)
def counts() -> None:
    _Counted.equalities = _Counted.lowered = 0


def only(findings: list[Finding]) -> tuple[str | None, str, str]:
    (finding,) = findings
    return finding.location, finding.field, finding.rule


# -- the file's bounds ------------------------------------------------------------------------------


def test_nesting_past_the_bound_is_a_finding_where_it_passes_it_not_a_recursion_error() -> None:
    text = "[" * 400_000  # what made json.loads raise RecursionError
    location, field, rule = only(read_placement(text, "c.placement.json")[1])
    assert (location, field) == (f"c.placement.json:1:{MAX_DEPTH + 1}", "file")
    assert rule == f"nests deeper than {MAX_DEPTH} levels; a placement file needs 3"


def test_nesting_is_counted_across_lines_and_strings_holding_brackets_do_not_count() -> None:
    text = '{"version": 1,\n "shards": {"[[[": ' + "[" * (MAX_DEPTH - 2) + "\n[[]]]}}"
    location, _, rule = only(read_placement(text, "c.placement.json")[1])
    assert location == "c.placement.json:3:1"  # the 65th bracket
    assert rule.startswith("nests deeper than")


def test_strings_with_escapes_are_read_whole_so_marks_stay_on_their_entries() -> None:
    text = '{"version": 1, "shards": {"Ec2Access\\u0050rofiles": ["a\\"[[[{\\\\", "b", "B"]}}'
    location, field, rule = only(read_placement(text, "c.placement.json")[1])
    assert (location, field) == ("c.placement.json:1:72", "shards['Ec2AccessProfiles']")
    assert rule == "is recorded more than once (in 'Ec2AccessProfiles'); keep one"


def test_nesting_up_to_the_bound_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    _, field, rule = only(read_placement(text, "c.placement.json")[1])
    assert (field, rule.split(":")[0]) == ("version", "is not a placement file")


def test_a_file_past_the_size_bound_is_refused_before_it_is_parsed() -> None:
    text = " " * (MAX_BYTES + 1)
    location, field, rule = only(read_placement(text, "c.placement.json")[1])
    assert (location, field) == ("c.placement.json:1:1", "file")
    assert rule == f"is larger than {MAX_BYTES:,} characters; a placement file is refused past that"


def test_malformed_json_is_a_finding_at_its_line_and_column() -> None:
    text = '{\n  "version": 1,\n  "shards": {\n    "Ec2AccessProfiles": ["a" "b"]\n  }\n}\n'
    location, field, rule = only(read_placement(text, "c.placement.json")[1])
    assert (location, field) == ("c.placement.json:4:31", "file")
    assert rule == "is not JSON: Expecting ',' delimiter"


def test_an_unterminated_string_stops_the_scan_and_json_says_where() -> None:
    text = '{"version": 1, "shards": {"Ec2AccessProfiles": ["a\\"' + '\\"[' * 10_000
    location, _, rule = only(read_placement(text, "c.placement.json")[1])
    assert (location, rule) == ("c.placement.json:1:49", "is not JSON: Unterminated string starting at")


def test_json_python_refuses_is_a_finding_not_a_crash() -> None:
    text = '{"version": ' + "1" * 5_000 + "}"
    location, _, rule = only(read_placement(text, "c.placement.json")[1])
    assert location == "c.placement.json:1:1"
    assert rule.startswith("is not JSON: Exceeds the limit (4300 digits)")


# -- linear checks ----------------------------------------------------------------------------------


def test_duplicates_are_found_with_a_bounded_number_of_comparisons(monkeypatch: pytest.MonkeyPatch) -> None:
    """``names.count(name)`` and ``name in stacks[:position]`` compared every pair: 2,000 names made
    two million comparisons, 40,000 took 15 s. Now each name is looked up once."""
    count = 2_000
    shard_names = [f"p{i}" for i in range(count)]
    stacks = [f"S{i}" for i in range(count)]
    text = json.dumps({"version": 1, "shards": {"Ec2AccessProfiles": shard_names}, "stacks": stacks})
    counted = {
        "version": 1,
        "shards": {"Ec2AccessProfiles": [_Counted(name) for name in shard_names]},
        "stacks": [_Counted(name) for name in stacks],
    }
    monkeypatch.setattr(json, "loads", lambda _text, **_: counted)
    placement, findings = read_placement(text, "c.placement.json")
    assert findings == []
    assert len(placement.shards["Ec2AccessProfiles"]) == count
    assert _Counted.equalities < 2 * count


def test_every_problem_is_at_its_line_and_past_the_bound_the_rest_are_counted() -> None:
    names = ["x"] * (MAX_FILE_FINDINGS + 500)
    text = Placement({"Ec2AccessProfiles": tuple(names)}).render()
    _, findings = read_placement(text, "c.placement.json")
    assert len(findings) == MAX_FILE_FINDINGS + 1
    assert [finding.location for finding in findings[:2]] == ["c.placement.json:6:7", "c.placement.json:7:7"]
    assert findings[-1].location == "c.placement.json:1:1"
    assert findings[-1].rule.startswith("has 499 more problems, not listed; restore it from version control")


# -- placing ----------------------------------------------------------------------------------------


def test_a_name_longer_than_iam_allows_is_not_placed_nor_copied() -> None:
    """The checker refuses it (EAP001); 2,000 aliases of a 1 MiB name made 2 GB of lowered copies."""
    long_name = _Counted("a" * (INSTANCE_PROFILE_NAME_MAX + 1))
    longest = "b" * INSTANCE_PROFILE_NAME_MAX
    requests = [Request(long_name, None, 10, "c.yaml:1:3")] * 3 + [Request(longest, None, 10, "c.yaml:2:3")]
    placed = place(requests, Placement())
    assert placed.stacks == {longest: "Ec2AccessProfiles"}
    assert placed.findings == []
    assert _Counted.lowered == 0


def test_a_profile_too_large_for_any_stack_opens_no_shard() -> None:
    requests = [Request(name, None, TEMPLATE_BYTES_BUDGET + 1, "c.yaml:1:3") for name in ("a", "b", "c")]
    placed = place(requests, Placement())
    assert [(finding.rule_id, finding.value) for finding in placed.findings] == [
        ("EAP111", "Ec2AccessProfiles")
    ] * 3
    assert placed.placement.shards == {}


def test_a_profile_whose_texts_pass_the_template_limit_is_estimated_without_encoding_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoded: list[int] = []
    dumps = json.dumps

    def counted(value: object, **options: Any) -> str:
        encoded.append(1)
        return dumps(value, **options)

    monkeypatch.setattr(json, "dumps", counted)
    assert estimated_bytes(ProfileSpec(description="x" * TEMPLATE_BYTES_LIMIT)) > TEMPLATE_BYTES_LIMIT
    assert encoded == []
    assert estimated_bytes(ProfileSpec(description="x")) < TEMPLATE_BYTES_BUDGET  # the control
    assert encoded == [1]


# -- through the command line -----------------------------------------------------------------------


def test_check_reports_a_hostile_placement_file_as_a_finding_at_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text("profiles:\n  - {name: p1}\n")
    Path("c.placement.json").write_text("[" * 400_000)
    assert cli.main(["check", "c.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"c.placement.json:1:65: EAP110 file: 'c.placement.json' nests deeper than {MAX_DEPTH} levels; "
        "a placement file needs 3\n"
    )
    assert err == "c.yaml: 1 profile, 1 problem\n"
