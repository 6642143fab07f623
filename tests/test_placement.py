"""Placement: recorded profiles never move, new ones fill shards with room, full stacks are findings."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.catalog.placement import (
    HELPER_RESOURCES,
    MAX_PROFILES_PER_STACK,
    RESOURCES_PER_PROFILE,
    STACK_RESOURCE_LIMIT,
    Placement,
    Request,
    place,
    placement_path,
    read_placement,
)


def requests(*names: str, stack: str | None = None, size: int = 10) -> list[Request]:
    return [Request(name, stack, size, f"c.yaml:{i + 1}:3") for i, name in enumerate(names)]


def names(count: int, start: int = 0) -> list[str]:
    return [f"p{i:04}" for i in range(start, start + count)]


def test_the_shard_limit_leaves_cloudformation_headroom() -> None:
    resources = MAX_PROFILES_PER_STACK * RESOURCES_PER_PROFILE + HELPER_RESOURCES
    assert resources <= 0.8 * STACK_RESOURCE_LIMIT


def test_new_profiles_fill_the_first_shard_then_open_the_next() -> None:
    placed = place(requests(*names(5)), Placement(), max_profiles=2)
    assert placed.findings == []
    assert placed.placement.shards == {
        "Ec2AccessProfiles": ("p0000", "p0001"),
        "Ec2AccessProfiles-2": ("p0002", "p0003"),
        "Ec2AccessProfiles-3": ("p0004",),
    }
    assert placed.stacks["p0004"] == "Ec2AccessProfiles-3"


def test_a_removed_profile_leaves_a_hole_that_a_new_one_fills_and_nothing_moves() -> None:
    first = place(requests(*names(4)), Placement(), max_profiles=2).placement
    later = place(requests("p0003", "new", "p0000", "p0002"), first, max_profiles=2)
    assert later.findings == []
    assert later.placement.shards == {
        "Ec2AccessProfiles": ("new", "p0000"),
        "Ec2AccessProfiles-2": ("p0002", "p0003"),
    }


def test_an_emptied_shard_keeps_its_name_and_new_shards_never_reuse_one() -> None:
    first = place(requests(*names(4)), Placement(), max_profiles=2).placement
    emptied = place(requests("p0000", "p0001"), first, max_profiles=2).placement
    assert emptied.shards["Ec2AccessProfiles-2"] == ()
    grown = place(requests("p0000", "p0001", "x", "y", "z"), emptied, max_profiles=2).placement
    assert grown.shards == {
        "Ec2AccessProfiles": ("p0000", "p0001"),
        "Ec2AccessProfiles-2": ("x", "y"),
        "Ec2AccessProfiles-3": ("z",),
    }


def test_a_named_stack_is_kept_and_counts_against_its_room() -> None:
    placed = place(requests("a", "b", "c", stack="Hand-Written"), Placement(), max_profiles=2)
    assert placed.stacks == {"a": "Hand-Written", "b": "Hand-Written"}
    (finding,) = placed.findings
    assert (finding.rule_id, finding.profile, finding.value, finding.location) == (
        "EAP111",
        "c",
        "Hand-Written",
        "c.yaml:3:3",
    )
    assert "stack 'Hand-Written' has no room for it: at most 2 profiles" in finding.rule
    assert "remove 'stack:'" in finding.rule
    assert placed.placement.shards == {}
    # Recorded, with its profiles, so that it stays when it empties and they stay in it.
    assert placed.placement.stacks == {"Hand-Written": ("a", "b")}


def test_a_named_stack_stays_recorded_after_its_last_profile_goes() -> None:
    first = place(
        [*requests("web", stack="Ec2Access-Web"), *requests("db", stack="Ec2Access-Db")], Placement()
    ).placement
    assert first.stacks == {"Ec2Access-Db": ("db",), "Ec2Access-Web": ("web",)}
    emptied = place(requests("web", stack="Ec2Access-Web"), first)
    assert emptied.stacks == {"web": "Ec2Access-Web"}
    assert emptied.placement.stacks == {"Ec2Access-Db": (), "Ec2Access-Web": ("web",)}
    assert place([], emptied.placement).placement.stacks == {"Ec2Access-Db": (), "Ec2Access-Web": ()}


def test_a_catalogue_of_shards_only_keeps_the_file_it_had() -> None:
    placement = place(requests("a", "b"), Placement()).placement
    assert json.loads(placement.render()) == {"version": 1, "shards": {"Ec2AccessProfiles": ["a", "b"]}}


def test_a_shard_that_cannot_take_more_says_so_and_moves_nothing() -> None:
    recorded = Placement({"Ec2AccessProfiles": ("a", "b", "c")})
    placed = place(requests("a", "b", "c"), recorded, max_profiles=2)
    (finding,) = placed.findings
    assert (finding.rule_id, finding.profile, finding.value) == ("EAP111", "c", "Ec2AccessProfiles")
    assert "records it there" in finding.rule
    assert placed.stacks == {"a": "Ec2AccessProfiles", "b": "Ec2AccessProfiles"}


def test_the_size_budget_counts_too() -> None:
    placed = place(requests("a", "b", "c", size=400), Placement(), max_bytes=1000)
    assert placed.placement.shards == {"Ec2AccessProfiles": ("a", "b"), "Ec2AccessProfiles-2": ("c",)}


def test_a_stack_filled_exactly_to_its_byte_budget_takes_the_last_profile() -> None:
    placed = place(requests("a", "b", size=500), Placement(), max_bytes=1000)
    assert placed.placement.shards == {"Ec2AccessProfiles": ("a", "b")}
    over = place(requests("a", "b", size=501), Placement(), max_bytes=1000)
    assert over.placement.shards == {"Ec2AccessProfiles": ("a",), "Ec2AccessProfiles-2": ("b",)}


def test_new_profiles_try_the_shards_in_number_order_not_the_files_order() -> None:
    """A file edited by hand may list ``-2`` first: the lowest-numbered shard with room still wins."""
    recorded = Placement({"Ec2AccessProfiles-2": ("b",), "Ec2AccessProfiles": ("a",)})
    placed = place(requests("a", "b", "new"), recorded, max_profiles=3)
    assert placed.findings == []
    assert placed.stacks == {"a": "Ec2AccessProfiles", "b": "Ec2AccessProfiles-2", "new": "Ec2AccessProfiles"}


def test_recorded_profiles_keep_their_room_whatever_the_catalogues_order() -> None:
    """A new profile naming a full stack, listed before the one recorded there, is the one refused."""
    recorded = Placement({}, {"Ec2Access-Web": ("old",)})
    placed = place(
        [
            Request("new", "Ec2Access-Web", 10, "c.yaml:1:3"),
            Request("old", "Ec2Access-Web", 10, "c.yaml:2:3"),
        ],
        recorded,
        max_profiles=1,
    )
    assert placed.stacks == {"old": "Ec2Access-Web"}
    (finding,) = placed.findings
    assert (finding.rule_id, finding.profile, finding.value) == ("EAP111", "new", "Ec2Access-Web")
    assert placed.placement.stacks == {"Ec2Access-Web": ("old",)}


def test_a_named_stack_that_takes_none_of_its_profiles_is_still_recorded() -> None:
    """The only profile naming it is too large for any stack: the stack is recorded all the same."""
    placed = place(requests("huge", stack="Ec2Access-Big", size=2000), Placement(), max_bytes=1000)
    assert placed.stacks == {}
    assert [finding.rule_id for finding in placed.findings] == ["EAP111"]
    assert placed.placement.stacks == {"Ec2Access-Big": ()}


def test_naming_another_stack_for_a_recorded_profile_is_refused() -> None:
    recorded = Placement({"Ec2AccessProfiles-2": ("web",)})
    placed = place(requests("web", stack="Other"), recorded, placement_file="c.placement.json")
    (finding,) = placed.findings
    assert finding.rule_id == "EAP112"
    assert (
        "would move the profile off shard 'Ec2AccessProfiles-2', where c.placement.json records it"
        in finding.rule
    )
    assert placed.stacks == {}


@pytest.mark.parametrize(
    ("named_stack", "rule"),
    [
        (
            None,
            "would move the profile off stack 'Ec2Access-Web', where c.placement.json "
            "records it, to a shard: a move replaces the instance profile under every running instance; "
            "name the stack again (stack: Ec2Access-Web), or, to move it on purpose, delete its entry",
        ),
        (
            "Ec2Access-Other",
            "would move the profile off stack 'Ec2Access-Web', where c.placement.json records it: a move "
            "replaces the instance profile under every running instance; name 'Ec2Access-Web' again, or, "
            "to move it on purpose, delete its entry",
        ),
    ],
)
def test_a_profile_stays_in_the_named_stack_the_file_records(named_stack: str | None, rule: str) -> None:
    """Removing ``stack:`` (or its ``defaults:``), or naming another, would delete the instance profile
    from its stack and create it elsewhere: refused as a shard's profile naming a stack is."""
    recorded = Placement({}, {"Ec2Access-Web": ("Web",)})
    placed = place(requests("web", stack=named_stack), recorded, placement_file="c.placement.json")
    (finding,) = placed.findings
    assert (finding.rule_id, finding.field, finding.profile, finding.location) == (
        "EAP112",
        "stack",
        "web",
        "c.yaml:1:3",
    )
    assert finding.value == (named_stack or "(missing)")
    assert rule in finding.rule
    assert placed.stacks == {}
    assert place(requests("web", stack="Ec2Access-Web"), recorded).findings == []


def test_a_profile_removed_may_come_back_elsewhere() -> None:
    """Only a recorded profile is held: once its removal is recorded, the name is free."""
    recorded = Placement({}, {"Ec2Access-Web": ("web",)})
    removed = place([], recorded).placement
    assert removed.stacks == {"Ec2Access-Web": ()}
    assert place(requests("web"), removed).stacks == {"web": "Ec2AccessProfiles"}


def test_a_file_listing_named_stacks_without_their_profiles_still_reads() -> None:
    """The form written before named stacks' profiles were recorded: names only, no profile held; the
    next placement records the profiles (so a locked synth asks for ``place`` once)."""
    old = '{"version": 1, "shards": {}, "stacks": ["Ec2Access-Db", "Ec2Access-Web"]}'
    recorded, findings = read_placement(old, "c.placement.json")
    assert findings == []
    assert recorded == Placement({}, {"Ec2Access-Db": (), "Ec2Access-Web": ()})
    placed = place(requests("web"), recorded)
    assert placed.findings == []
    assert placed.stacks == {"web": "Ec2AccessProfiles"}
    again = place(requests("web", stack="Ec2Access-Web"), recorded).placement
    assert again.stacks == {"Ec2Access-Db": (), "Ec2Access-Web": ("web",)}


def test_names_are_matched_ignoring_case_as_iam_does() -> None:
    recorded = Placement({"Ec2AccessProfiles-2": ("Web",)})
    assert place(requests("web"), recorded).stacks == {"web": "Ec2AccessProfiles-2"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(names(30)), unique=True, max_size=30),
    st.lists(st.sampled_from(names(30, 100)), unique=True, max_size=20),
    st.randoms(),
)
def test_survivors_never_move_whatever_is_added_removed_or_reordered(
    before: list[str], added: list[str], rng: random.Random
) -> None:
    first = place(requests(*before), Placement(), max_profiles=4)
    survivors = [name for name in before if rng.random() < 0.7]
    after = survivors + added
    rng.shuffle(after)
    second = place(requests(*after), first.placement, max_profiles=4)
    assert second.findings == []
    for name in survivors:
        assert second.stacks[name] == first.stacks[name]
    assert all(len(names_) <= 4 for names_ in second.placement.shards.values())
    assert set(first.placement.shards) <= set(second.placement.shards)
    # Deterministic: the same inputs give the same file, whatever the order.
    assert place(requests(*sorted(after)), first.placement, max_profiles=4).placement.render() == (
        second.placement.render()
    )


def test_the_file_is_sorted_json_one_name_per_line_and_reads_back() -> None:
    placement = Placement(
        {"Ec2AccessProfiles-10": ("b",), "Ec2AccessProfiles-2": ("z", "a"), "Ec2AccessProfiles": ()}
    )
    text = placement.render()
    assert list(json.loads(text)["shards"]) == [
        "Ec2AccessProfiles",
        "Ec2AccessProfiles-2",
        "Ec2AccessProfiles-10",
    ]
    assert '    "Ec2AccessProfiles-2": [\n      "a",\n      "z"\n    ]' in text
    assert read_placement(text, "f:1:1") == (
        Placement({k: tuple(sorted(v)) for k, v in placement.shards.items()}),
        [],
    )


def test_named_stacks_are_sorted_after_the_shards_with_their_profiles_and_read_back() -> None:
    placement = Placement({"Ec2AccessProfiles": ("a",)}, {"Ec2Access-Web": ("z", "b"), "Ec2Access-Db": ()})
    text = placement.render()
    assert list(json.loads(text)) == ["version", "shards", "stacks"]
    assert json.loads(text)["stacks"] == {"Ec2Access-Db": [], "Ec2Access-Web": ["b", "z"]}
    assert list(json.loads(text)["stacks"]) == ["Ec2Access-Db", "Ec2Access-Web"]
    assert read_placement(text, "f:1:1") == (
        Placement({"Ec2AccessProfiles": ("a",)}, {"Ec2Access-Db": (), "Ec2Access-Web": ("b", "z")}),
        [],
    )


@pytest.mark.parametrize(
    ("text", "field", "message", "at"),
    [
        ("{", "file", "is not JSON", "1:2"),
        ('{"version": 2, "shards": {}}', "version", "is not a placement file", "1:2"),
        ("[]", "version", "is not a placement file", "1:1"),
        ('{"version": 1, "shards": []}', "shards", "is not a mapping", "1:16"),
        ('{"version": 1, "shards": {"Mine": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"Ec2AccessProfiles-01": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"Ec2AccessProfiles-0": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"ec2accessprofiles": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"Ec2AccessProfiles2": []}}', "shards", "is not a shard name", "1:27"),
        # N starts at 2 (the first shard has none), and a name is matched whole, line break included.
        ('{"version": 1, "shards": {"Ec2AccessProfiles-1": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"Ec2AccessProfiles\\n": []}}', "shards", "is not a shard name", "1:27"),
        ('{"version": 1, "shards": {"Ec2AccessProfiles-2\\n": []}}', "shards", "is not a shard name", "1:27"),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": [1]}}',
            "shards['Ec2AccessProfiles']",
            "is not a list of names",
            "1:27",
        ),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": ["a"], "Ec2AccessProfiles-2": ["A"]}}',
            "shards['Ec2AccessProfiles-2']",
            "is recorded more than once (in 'Ec2AccessProfiles' and 'Ec2AccessProfiles-2')",
            "1:79",
        ),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": ["a", "b", "A"]}}',
            "shards['Ec2AccessProfiles']",
            "is recorded more than once (in 'Ec2AccessProfiles')",
            "1:59",
        ),
        (
            '{"version": 1, "shards": {}, "stacks": "Web"}',
            "stacks",
            "is not a mapping of stack names",
            "1:30",
        ),
        (
            '{"version": 1, "shards": {}, "stacks": {"web_stack": []}}',
            "stacks",
            "is not a stack name",
            "1:41",
        ),
        (
            '{"version": 1, "shards": {}, "stacks": {"Web": "a"}}',
            "stacks['Web']",
            "is not a list of names",
            "1:41",
        ),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": ["a"]}, "stacks": {"Web": ["A"]}}',
            "stacks['Web']",
            "is recorded more than once (in 'Ec2AccessProfiles' and 'Web')",
            "1:75",
        ),
        (
            '{"version": 1, "shards": {}, "stacks": {"Web": [], "Web": []}}',
            "stacks",
            "is a key more than once; JSON keeps only the last",
            "1:52",
        ),
        ('{"version": 1, "shards": {}, "stacks": ["web_stack"]}', "stacks", "is not a stack name", "1:41"),
        (
            '{"version": 1, "shards": {}, "stacks": ["Web", "Web"]}',
            "stacks",
            "is recorded more than once",
            "1:48",
        ),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": ["a"]}, "shards": {}}',
            "file",
            "is a key more than once; JSON keeps only the last",
            "1:56",
        ),
        (
            '{"version": 1, "shards": {"Ec2AccessProfiles": ["a"], "Ec2AccessProfiles": ["b"]}}',
            "shards",
            "is a key more than once; JSON keeps only the last",
            "1:55",
        ),
    ],
)
def test_a_damaged_file_is_a_finding_at_its_entry(text: str, field: str, message: str, at: str) -> None:
    placement, findings = read_placement(text, "c.placement.json")
    assert placement == Placement()
    (finding,) = findings
    assert (finding.rule_id, finding.field, finding.location) == ("EAP110", field, f"c.placement.json:{at}")
    assert message in finding.rule


def test_each_finding_is_at_the_line_of_its_entry_as_the_file_is_written() -> None:
    """The file as ``place`` writes it, one name a line: a duplicate is found on its own line."""
    text = Placement({"Ec2AccessProfiles": ("a", "b"), "Ec2AccessProfiles-2": ("c", "B")}).render()
    _, findings = read_placement(text, "c.placement.json")
    assert [(finding.location, finding.value) for finding in findings] == [("c.placement.json:9:7", "B")]
    assert text.splitlines()[8] == '      "B",'


def test_the_loaders_file_location_is_taken_as_the_file() -> None:
    """``catalog.loader`` passes ``FILE:1:1``; the findings are at their entries all the same."""
    _, findings = read_placement('{"version": 1, "shards": {"Mine": []}}', "c.placement.json:1:1")
    assert [finding.location for finding in findings] == ["c.placement.json:1:27"]


def test_the_file_sits_beside_the_catalogue() -> None:
    assert str(placement_path("conf/catalog.yaml")) == "conf/catalog.placement.json"


def test_a_profile_naming_the_shard_it_is_recorded_on_stays_recorded_there_once() -> None:
    """``stack: Ec2AccessProfiles`` on the profile recorded there moves nothing: the file keeps it on
    the shard, not on the shard and as a named stack too (a file that then refused itself)."""
    recorded = Placement({"Ec2AccessProfiles": ("web",)})
    placed = place(requests("web", stack="Ec2AccessProfiles"), recorded)
    assert placed.findings == []
    assert placed.stacks == {"web": "Ec2AccessProfiles"}
    assert read_placement(placed.placement.render(), "c.placement.json") == (placed.placement, [])
    assert placed.placement.shards == {"Ec2AccessProfiles": ("web",)}


def test_a_named_stacks_profile_keeps_its_recorded_spelling_as_a_shards_does() -> None:
    """``Web`` renamed ``web``: the same IAM name, and the file stays as it was (up to date)."""
    recorded = Placement({"Ec2AccessProfiles": ("Api",)}, {"Ec2Access-Web": ("Web",)})
    placed = place([*requests("api"), *requests("web", stack="Ec2Access-Web")], recorded)
    assert placed.findings == []
    assert placed.placement.render() == recorded.render()
