"""The tag function's resources: exact while they fit, shared prefixes (never above a path) when not."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.core.tag_permissions import Target, covers, resource_patterns


def within(characters: int) -> Callable[[Sequence[str]], bool]:
    return lambda resources: sum(len(r) + 1 for r in resources) <= characters


def reached(resources: Sequence[str], target: Target) -> bool:
    return any(covers(resource, target.resource) for resource in resources)


def test_exact_when_the_list_fits() -> None:
    targets = [Target("/ec2/", "web"), Target("/ec2/", "db"), Target("/batch/", None)]
    assert resource_patterns(targets, fits=lambda _: True) == ("/batch/*", "/ec2/db", "/ec2/web")


def test_a_pattern_for_an_unnamed_profile_covers_the_named_ones_under_its_path() -> None:
    targets = [Target("/ec2/", "web"), Target("/ec2/", None)]
    assert resource_patterns(targets, fits=lambda _: True) == ("/ec2/*",)


def test_largest_groups_first_and_only_as_many_as_needed() -> None:
    targets = [Target("/p/", f"team-a-{i}") for i in range(5)] + [Target("/p/", "solo"), Target("/p/", "x1")]
    exact = resource_patterns(targets, fits=lambda _: True)
    assert len(exact) == 7
    patterns = resource_patterns(targets, fits=lambda resources: len(resources) <= 3)
    assert patterns == ("/p/solo", "/p/team-a-*", "/p/x1")


def test_never_shorter_than_the_path() -> None:
    targets = [Target("/one/", f"n{i}") for i in range(3)] + [Target("/two/", f"n{i}") for i in range(3)]
    assert resource_patterns(targets, fits=lambda resources: len(resources) <= 2) == ("/one/n*", "/two/n*")
    # Nothing fits: one pattern per path, which the role's limit check then reports.
    assert resource_patterns(targets, fits=lambda _: False) == ("/one/*", "/two/*")


def test_nothing_to_reach_gives_nothing() -> None:
    assert resource_patterns([], fits=lambda _: False) == ()


names = st.text(alphabet="abc-0123", min_size=1, max_size=12)
paths = st.sampled_from(["/", "/ec2/", "/ec2/team/", "/batch/"])
targets = st.lists(st.builds(Target, paths, st.one_of(st.none(), names)), max_size=40)


@given(targets, st.integers(min_value=0, max_value=400))
def test_every_target_is_reached_and_nothing_outside_its_paths(found: list[Target], budget: int) -> None:
    resources = resource_patterns(found, fits=within(budget))
    assert all(reached(resources, target) for target in found)
    for resource in resources:
        assert any(resource.startswith(target.path) for target in found), resource
    if sum(len(t.resource) + 1 for t in set(found)) <= budget:
        assert set(resources) <= {t.resource for t in found}


@given(targets, st.integers(min_value=0, max_value=400), st.randoms())
def test_the_order_of_the_profiles_does_not_matter(found: list[Target], budget: int, rng: object) -> None:
    shuffled = list(found)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert resource_patterns(found, fits=within(budget)) == resource_patterns(shuffled, fits=within(budget))
