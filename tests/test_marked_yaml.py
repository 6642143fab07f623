"""The bounded YAML reader: marks as editors show them, and hostile files refused, never obeyed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from textwrap import dedent

import pytest

from constructs_lib.catalog import marked_yaml
from constructs_lib.catalog.marked_yaml import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_DUPLICATE_KEYS,
    Mark,
    Node,
    YamlError,
    load,
    read_bounded,
)


def refused(text: str) -> YamlError:
    with pytest.raises(YamlError) as caught:
        load(text.encode())
    return caught.value


def pairs(node: Node | None) -> dict[object, Node]:
    assert node is not None
    assert node.kind == "map"
    return {key.value: value for key, value in node.value}


def test_marks_are_one_based_lines_and_columns_of_each_node() -> None:
    root = load(
        dedent(
            """\
            profiles:
              - name: web
                tags: {Team: shop}
            """
        ).encode()
    )
    assert root is not None
    assert root.mark == Mark(1, 1)
    (key, profiles), *_ = root.value
    assert key.mark == Mark(1, 1)
    assert profiles.kind == "seq"
    assert profiles.mark == Mark(2, 3)
    (entry,) = profiles.value
    assert entry.mark == Mark(2, 5)
    fields = {key.value: (key, value) for key, value in entry.value}
    assert fields["name"][0].mark == Mark(2, 5)
    assert fields["name"][1].mark == Mark(2, 11)
    assert fields["name"][1].value == "web"
    assert fields["tags"][1].mark == Mark(3, 11)
    ((team, shop),) = fields["tags"][1].value
    assert (team.mark, shop.mark) == (Mark(3, 12), Mark(3, 18))


def test_scalars_keep_the_text_as_written() -> None:
    values = pairs(load(b"a: 0x1F\nb: '12'\nc: yes\n"))
    assert (values["a"].value, values["a"].text) == (31, "0x1F")
    assert (values["b"].value, values["b"].text) == ("12", "12")
    assert values["c"].value is True


def test_an_empty_document_is_none() -> None:
    assert load(b"") is None
    assert load(b"# only a comment\n") is None


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"profiles: *l{levels}", ""])


@pytest.mark.parametrize(("width", "mark"), [(9, Mark(7, 15)), (10, Mark(6, 55))])
def test_a_billion_laughs_is_refused_after_a_few_anchors_in_bounded_memory(width: int, mark: Mark) -> None:
    text = billion_laughs(9, width)
    assert len(text) < 1_000  # 9**10 or 10**10 scalars once expanded
    tracemalloc.start()
    try:
        problem = refused(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem.rule_id == "EAP105"
    assert problem.message == ("expands to more than 1,000,000 nodes through aliases; write it out plainly")
    # Refused at the alias that takes a list past a million nodes (the 2nd *l5 of 9**6 nodes
    # each, the 10th *l4 of 10**5), long before the last anchor: nothing was expanded.
    assert problem.mark == mark
    assert peak < 50 * 1024 * 1024


def test_a_long_value_repeated_by_alias_is_refused_past_what_a_file_may_hold() -> None:
    """Few nodes, many characters: one 1 MiB value aliased ten times is 10 MiB of names to read,
    compare and print, from a 1 MiB file."""
    long = "a" * 2**20
    lines = [f"  - {{id: P{i}, name: *n}}\n" for i in range(10)]
    text = f"names: &n {long}\nprofiles:\n{''.join(lines)}"
    problem = refused(text)
    assert problem.rule_id == "EAP105"
    assert problem.message == (
        "expands to more than 8,388,608 characters through aliases; write it out plainly"
    )
    assert problem.mark == Mark(10, 5)  # the profile that goes past: its list holds 8 copies then
    assert load(f"names: &n {long}\nprofiles:\n{''.join(lines[:6])}".encode()) is not None  # 7 MiB


def test_aliases_within_the_bound_are_shared_not_copied() -> None:
    root = load(b"base: &b [x, y]\nother: *b\n")
    values = pairs(root)
    assert values["other"] is values["base"]
    assert root is not None
    assert root.size == 1 + 2 * 3 + 2  # each use of the alias counts its nodes again


def test_a_file_over_the_byte_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(b"a" * 100)
    assert read_bounded(exact, limit=100) == b"a" * 100
    over = tmp_path / "over.yaml"
    over.write_bytes(b"a" * 101)
    with pytest.raises(YamlError) as caught:
        read_bounded(over, limit=100)
    assert caught.value.rule_id == "EAP105"
    assert caught.value.message == "is larger than 100 bytes; a catalogue is refused past that"
    assert caught.value.mark is None


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs an endless file")
def test_an_endless_file_is_refused_after_the_limit() -> None:
    # /dev/zero never ends: reading it all would never return.
    with pytest.raises(YamlError) as caught:
        read_bounded(Path("/dev/zero"), limit=4096)
    assert caught.value.rule_id == "EAP105"


def test_the_default_limit_is_eight_megabytes(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(YamlError) as caught:
        read_bounded(big)
    assert caught.value.message == "is larger than 8,388,608 bytes; a catalogue is refused past that"


def test_python_object_tags_are_refused_and_nothing_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    for text in (
        f"a: !!python/object/apply:os.system ['touch {marker}']\n",
        f"a: !!python/object/new:os.system ['touch {marker}']\n",
        "a: !!python/name:os.system\n",
        f"- !!python/object/apply:subprocess.call [[touch, '{marker}']]\n",
    ):
        problem = refused(text)
        assert problem.rule_id == "EAP105"
        assert "never Python objects or custom tags" in problem.message
        assert "tag:yaml.org,2002:python/" in problem.message
    assert not marker.exists()


def test_the_python_tag_is_refused_where_it_is_written() -> None:
    problem = refused("profiles:\n  - name: !!python/object/apply:os.system ['true']\n")
    assert (problem.rule_id, problem.mark) == ("EAP105", Mark(2, 11))


def test_custom_tags_such_as_cloudformations_are_refused() -> None:
    problem = refused("profiles:\n  - name: !Ref ProfileName\n")
    assert problem.rule_id == "EAP105"
    assert problem.mark == Mark(2, 11)
    assert problem.message.startswith("uses the tag '!Ref'; a catalogue takes plain YAML only")
    assert refused("a: !Sub\n  - x\n").rule_id == "EAP105"
    assert refused("a: !!set {x}\n").rule_id == "EAP105"
    assert refused("a: !!binary aGk=\n").rule_id == "EAP105"


def test_standard_tags_are_read() -> None:
    values = pairs(load(b"a: !!str 12\nb: !!int '7'\nc: !!float 1\n"))
    assert values["a"].value == "12"
    assert values["b"].value == 7
    assert values["c"].value == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc\n", "is not valid YAML: 'abc' is not a !!int"),
        ("a: !!float x\n", "is not valid YAML: 'x' is not a !!float"),
        ("a: !!bool maybe\n", "is not valid YAML: 'maybe' is not a !!bool"),
        ("a: !!map x\n", "is not valid YAML: 'x' is not a !!map"),
    ],
)
def test_a_standard_tag_on_a_value_it_does_not_fit_is_a_finding_not_a_crash(text: str, message: str) -> None:
    problem = refused(text)
    assert (problem.rule_id, problem.message, problem.mark) == ("EAP100", message, Mark(1, 4))


def test_nesting_is_bounded() -> None:
    inside = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load(inside.encode()) is not None
    problem = refused("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert problem.rule_id == "EAP105"
    assert problem.message == "nests deeper than 64 levels"
    assert problem.mark == Mark(1, MAX_DEPTH + 1)


def test_deep_block_nesting_is_refused_at_the_line_that_goes_too_deep() -> None:
    text = "".join(f"{'  ' * level}k{level}:\n" for level in range(MAX_DEPTH)) + f"{'  ' * MAX_DEPTH}v: 1\n"
    problem = refused(text)
    assert problem.rule_id == "EAP105"
    assert problem.mark == Mark(MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)


def test_merge_keys_are_refused() -> None:
    problem = refused(
        dedent(
            """\
            base: &base {path: /ec2/}
            profiles:
              - <<: *base
                name: web
            """
        )
    )
    assert problem.rule_id == "EAP105"
    assert problem.mark == Mark(3, 5)
    assert problem.message.startswith("is a merge key ('<<')")


def test_two_documents_are_refused_at_the_second() -> None:
    problem = refused("profiles: []\n---\nprofiles: []\n")
    assert (problem.rule_id, problem.message, problem.mark) == (
        "EAP100",
        "holds more than one YAML document",
        Mark(2, 1),
    )


def test_a_syntax_error_is_reported_where_it_is() -> None:
    problem = refused("profiles:\n  - name: web\n\tpath: /ec2/\n")
    assert (problem.rule_id, problem.mark) == ("EAP100", Mark(3, 1))
    assert problem.message.startswith("is not valid YAML: found a tab character")
    problem = refused("profiles:\n  - name: web\n     path: /ec2/\n")  # indented under `web`
    assert (problem.rule_id, problem.mark) == ("EAP100", Mark(3, 10))
    assert problem.message == "is not valid YAML: mapping values are not allowed in this context"


@pytest.mark.parametrize(
    ("text", "mark"), [("a: *nowhere\n", Mark(1, 4)), ("a: &self [*self]\n", Mark(1, 11))]
)
def test_an_alias_without_its_anchor_is_refused(text: str, mark: Mark) -> None:
    problem = refused(text)
    assert (problem.rule_id, problem.mark) == ("EAP100", mark)
    assert problem.message.endswith("has no anchor")


def test_duplicate_keys_are_listed_not_resolved() -> None:
    root = load(b"path: /a/\nname: web\npath: /b/\nname: web\npath: /c/\n")
    assert root is not None
    assert [(key.value, key.mark) for key in root.duplicates] == [
        ("path", Mark(3, 1)),
        ("name", Mark(4, 1)),
        ("path", Mark(5, 1)),
    ]
    assert [(key.value, value.value) for key, value in root.value] == [
        ("path", "/a/"),
        ("name", "web"),
        ("path", "/b/"),
        ("name", "web"),
        ("path", "/c/"),
    ]


def test_keys_equal_only_in_different_mappings_are_no_duplicates() -> None:
    root = load(b"- {name: a}\n- {name: b}\n")
    assert root is not None
    assert [item.duplicates for item in root.value] == [[], []]


def test_dates_and_times_stay_strings_as_written() -> None:
    values = pairs(load(b"day: 2024-01-31\nwhen: 2001-12-14t21:59:43.10-05:00\n"))
    assert values["day"].value == "2024-01-31"
    assert values["when"].value == "2001-12-14t21:59:43.10-05:00"


def refused_bytes(data: bytes) -> YamlError:
    with pytest.raises(YamlError) as caught:
        load(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "mark", "message"),
    [
        (
            b"profiles:\n  - name: caf\xe9\n",  # Latin-1
            Mark(2, 14),
            "is not UTF-8 text: byte 0xE9 begins no UTF-8 character here; save the catalogue as UTF-8",
        ),
        (
            b"a: \xc3\xa9\xff\n",  # the column counts characters: the 2-byte e-acute is one
            Mark(1, 5),
            "is not UTF-8 text: byte 0xFF begins no UTF-8 character here; save the catalogue as UTF-8",
        ),
        (
            b"profiles:\n  - name: a\n  - name: b\x00c\n",
            Mark(3, 12),
            "is not valid YAML: character U+0000 is not allowed (control characters are not allowed)",
        ),
        (
            b"a: \xc3\xa9\x01\n",
            Mark(1, 5),
            "is not valid YAML: character U+0001 is not allowed (control characters are not allowed)",
        ),
    ],
)
def test_a_byte_the_reader_cannot_take_is_reported_at_its_line_and_column_in_one_line(
    data: bytes, mark: Mark, message: str
) -> None:
    problem = refused_bytes(data)
    assert (problem.rule_id, problem.mark, problem.message) == ("EAP100", mark, message)


def test_every_refused_tag_is_reported_in_file_order() -> None:
    problem = refused(
        dedent(
            """\
            profiles:
              - name: a
                description: !!python/object/apply:os.system ["true"]
              - name: !custom x
                tags: !!python/name:os.system {}
                path: !!int abc
              - <<: {name: c}
            """
        )
    )
    assert [(each.rule_id, each.mark) for each in problem.problems] == [
        ("EAP105", Mark(3, 18)),
        ("EAP105", Mark(4, 11)),
        ("EAP105", Mark(5, 11)),
        ("EAP100", Mark(6, 11)),
        ("EAP105", Mark(7, 5)),
    ]
    assert problem.problems[1].message.startswith("uses the tag '!custom'")


def test_the_problem_that_stops_the_reader_comes_after_those_it_read_past() -> None:
    problem = refused("a: !custom x\nb: [c\nd: !!python/name:os.system\n")
    assert [(each.rule_id, each.mark) for each in problem.problems] == [
        ("EAP105", Mark(1, 4)),
        ("EAP100", Mark(3, 2)),
    ]
    assert problem.problems[1].message.startswith("is not valid YAML")


def test_duplicate_keys_are_bounded_and_a_file_of_them_is_refused_at_the_first_past_the_bound() -> None:
    text = "profiles:\n" + "defaults:\n" * (MAX_DUPLICATE_KEYS + 1)
    root = load(text.encode())
    assert root is not None
    assert len(root.duplicates) == MAX_DUPLICATE_KEYS
    problem = refused(text + "profiles:\n")
    assert (problem.rule_id, problem.mark) == ("EAP105", Mark(MAX_DUPLICATE_KEYS + 3, 1))
    assert problem.message == (
        "repeats keys within their mapping more than 1,000 times ('profiles' here); "
        "a catalogue gives each key once per mapping"
    )
    # A file of the largest size made of repeats stops there too, never read to its end.
    whole = (b"profiles:\n" + b"defaults:\n" * MAX_BYTES)[:MAX_BYTES]
    assert refused_bytes(whole).mark == Mark(MAX_DUPLICATE_KEYS + 3, 1)


def test_a_file_of_too_many_nodes_without_aliases_is_not_said_to_expand_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(marked_yaml, "MAX_EXPANDED_NODES", 10)
    problem = refused("profiles: [" + ", ".join(["a"] * 11) + "]\n")
    assert (problem.rule_id, problem.mark) == ("EAP105", Mark(1, 39))  # the list and its 10th item
    assert problem.message == (
        "holds more than 10 nodes (keys, values and list items, an alias counting what it repeats); "
        "a catalogue is far smaller"
    )
