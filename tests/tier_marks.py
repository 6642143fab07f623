"""What ``tests/conftest.py`` reads of a collected test to mark its tier, kept apart from it so that
``tests/test_tiers.py`` can import it and stay pure (the conftest's fixtures import aws-cdk-lib)."""

from __future__ import annotations

import pytest
from _pytest.python import DirectParamFixtureDef

COLLECTED = pytest.StashKey[list[pytest.Item]]()
"""Every test the run collected, before ``--fast-tier`` or ``-m`` leaves any out: ``tests/test_tiers.py``
checks that none of a pure module's tests leaves the fast tier without a reason."""


def fixtures_of(item: pytest.Item) -> set[str]:
    """The fixtures ``item`` uses, those its fixtures use included: not the names it parametrizes
    directly, which pytest lists beside them (a ``stack`` argument of ``parametrize`` is a value, not
    the conftest's ``stack`` fixture, and starts no Node.js)."""
    if not isinstance(item, pytest.Function):
        return set()
    definitions = item._fixtureinfo.name2fixturedefs
    return {
        name
        for name in item.fixturenames
        if definitions.get(name) and not isinstance(definitions[name][-1], DirectParamFixtureDef)
    }
