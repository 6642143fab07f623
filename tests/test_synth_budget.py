"""Calls into Node.js per profile, the synth cost this library controls, held to what they are now.

Each call from Python into aws-cdk-lib crosses into its Node.js process and back (jsii), and costs
more than most of what a profile does (``python -m bench.crossings``). A change that adds a call per
profile fails here; one that saves a call lowers its budget here, so the saving is kept.
"""

from __future__ import annotations

import pytest

from bench.crossings import count

pytestmark = pytest.mark.node  # the workloads import aws-cdk-lib when they run, not when imported

BUDGET = {"library": 2, "construct": 4, "library-tagged": 2, "construct-tagged": 4}
"""Messages to Node.js one more profile costs, building and synthesizing (plain aws-cdk-lib: 9)."""


def per_profile(workload: str, small: int, large: int) -> float:
    before, after = count(workload, small), count(workload, large)
    return (sum(after.values()) - sum(before.values())) / (large - small)


@pytest.mark.parametrize("workload", list(BUDGET))
def test_one_more_profile_costs_its_budget_of_calls_into_node(workload: str) -> None:
    count(workload, 1)  # what a process does once (caches filled, modules loaded) is not per profile
    assert per_profile(workload, 2, 5) == BUDGET[workload]
