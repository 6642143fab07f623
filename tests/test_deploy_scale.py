"""A sharded catalogue of 120 profiles on the emulator, deployed with the real CLI, then edited.

One run: deploy, list every profile page by page, insert, remove and reorder profiles, deploy again,
and compare each surviving instance profile's ID, which CloudFormation changes only by replacing it.
120 is the smallest run that proves each claim: two shards (99 profiles a stack), so survivors are
kept in place across stacks, and more profiles than IAM's default page of 100, so listing pages
(40 a page here, three pages). It was 300 profiles on four shards: the same proofs, 2.5 times the
deploy. The run's wall time is printed (``-s``), never asserted.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as cdk_app
from emulator import DEPLOY, Emulator
from emulator.inspect import list_profile_names
from tooling.cdk import cli_context
from tooling.sample_catalog import sample_catalog

pytestmark = pytest.mark.emulator

PROFILES = 120
PAGE_SIZE = 40
PATH = "/ec2/team/"
REMOVED = range(0, PROFILES, 15)  # 8 profiles, from both shards
ADDED = range(1000, 1012)
DEPLOY_TIMEOUT = 1800


def name(index: int) -> str:
    return f"profile-number-{index:04}-for-team"


@dataclass
class Run:
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    listed_first: list[str]
    pages_first: int
    listed_second: list[str]
    ids_first: dict[str, str]
    ids_second: dict[str, str]
    stacks: list[str]
    contract: dict[str, Any]


def synthesize(catalog: Path, outdir: Path) -> None:
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    application.synth()


def profile_ids(iam: Any, names: list[str]) -> dict[str, str]:
    return {
        n: iam.get_instance_profile(InstanceProfileName=n)["InstanceProfile"]["InstanceProfileId"]
        for n in names
    }


@pytest.fixture(scope="module")
def run(bootstrapped_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Run:
    emulator = bootstrapped_emulator
    folder = tmp_path_factory.mktemp("scale")
    catalog = folder / "catalog.yaml"
    iam = emulator.client("iam")
    started = time.perf_counter()
    catalog.write_text(sample_catalog(PROFILES))
    synthesize(catalog, folder / "first.out")
    first = emulator.cdk(*DEPLOY[:1], "--app", str(folder / "first.out"), *DEPLOY[1:], timeout=DEPLOY_TIMEOUT)
    listed_first, pages_first = list_profile_names(iam, PATH, PAGE_SIZE)
    ids_first = profile_ids(iam, listed_first)
    deployed = time.perf_counter()
    # Insert new profiles first, drop some, and write the rest in reverse order.
    kept = [index for index in range(PROFILES) if index not in REMOVED]
    catalog.write_text(sample_catalog([*ADDED, *reversed(kept)]))
    synthesize(catalog, folder / "second.out")
    second = emulator.cdk(
        *DEPLOY[:1], "--app", str(folder / "second.out"), *DEPLOY[1:], timeout=DEPLOY_TIMEOUT
    )
    listed_second, _ = list_profile_names(iam, PATH, PAGE_SIZE)
    ids_second = profile_ids(iam, listed_second)
    contract = emulator.client("ssm").get_parameter(Name=f"/ec2-access-profiles/{name(1)}")["Parameter"]
    stacks = sorted(s["StackName"] for s in emulator.client("cloudformation").describe_stacks()["Stacks"])
    redeployed = time.perf_counter() - deployed
    print(f"\n{PROFILES} profiles: deploy {deployed - started:.0f} s, edit and redeploy {redeployed:.0f} s")
    return Run(
        first, second, listed_first, pages_first, listed_second, ids_first, ids_second, stacks, contract
    )


def test_both_deploys_succeed(run: Run) -> None:
    assert run.first.returncode == 0, run.first.stderr[-3000:]
    assert run.second.returncode == 0, run.second.stderr[-3000:]


def test_paging_lists_exactly_the_catalogue(run: Run) -> None:
    assert sorted(run.listed_first) == sorted(name(i) for i in range(PROFILES))
    assert run.pages_first == -(-PROFILES // PAGE_SIZE)


def test_after_the_edit_the_account_holds_exactly_the_new_catalogue(run: Run) -> None:
    expected = [name(i) for i in ADDED] + [name(i) for i in range(PROFILES) if i not in REMOVED]
    assert sorted(run.listed_second) == sorted(expected)


def test_no_surviving_profile_was_replaced(run: Run) -> None:
    survivors = [name(i) for i in range(PROFILES) if i not in REMOVED]
    assert {n: run.ids_second[n] for n in survivors} == {n: run.ids_first[n] for n in survivors}


def test_the_shards_are_the_stacks_and_publish_the_contract(run: Run) -> None:
    assert [s for s in run.stacks if s.startswith("Ec2AccessProfiles")] == [
        "Ec2AccessProfiles",
        "Ec2AccessProfiles-2",
    ]
    assert f'"instanceProfileName":"{name(1)}"' in run.contract["Value"]
    assert run.ids_second[name(1)] not in run.contract["Value"]  # names and ARNs, not IDs
