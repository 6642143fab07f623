"""The benchmark measures what it says: the same resources in every workload, and honest figures.

Nothing here times anything against a target: ``make bench`` reports figures, tests never fail on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import library_synth, plain_synth
from bench.measure import Measurement, measure
from bench.report import Median, Results, write_table
from bench.stacks import PROFILES_PER_STACK, stack_names
from tooling.cdk import ROOT

NATIVE = ROOT / "bench" / "native"


def templates(outdir: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in outdir.glob("*.template.json")
    }


def shape(template: dict[str, Any]) -> list[tuple[str, Any]]:
    """What each profile is made of, without logical IDs or CDK metadata: type and key properties."""
    rows = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            rows.append(
                (
                    "role",
                    (
                        properties["RoleName"],
                        properties["Path"],
                        json.dumps(properties["ManagedPolicyArns"], sort_keys=True),
                        json.dumps(properties["Policies"], sort_keys=True),
                        json.dumps(properties["AssumeRolePolicyDocument"], sort_keys=True),
                        json.dumps(properties["Tags"], sort_keys=True),
                    ),
                )
            )
        else:
            rows.append((resource["Type"], properties.get("InstanceProfileName")))
    return sorted(rows, key=str)


@pytest.fixture(scope="module")
def library_and_plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    library, plain = tmp_path_factory.mktemp("library"), tmp_path_factory.mktemp("plain")
    library_synth.main(3, str(library))
    plain_synth.main(3, str(plain))
    return templates(library), templates(plain)


@pytest.mark.node
def test_hand_written_cdk_builds_exactly_the_librarys_resources(
    library_and_plain: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    library, plain = library_and_plain
    assert sorted(library) == sorted(plain) == ["Ec2AccessProfiles"]
    (name,) = library
    assert shape(library[name]) == shape(plain[name])
    assert len(shape(plain[name])) == 6  # three roles, three instance profiles


def test_every_workload_shards_alike() -> None:
    names = stack_names(PROFILES_PER_STACK * 2 + 1)
    assert names[0] == names[PROFILES_PER_STACK - 1] == "Ec2AccessProfiles"
    assert names[PROFILES_PER_STACK] == "Ec2AccessProfiles-2"
    assert names[-1] == "Ec2AccessProfiles-3"


@pytest.mark.node
def test_native_cdk_builds_the_same_resources_too(
    library_and_plain: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    """``make test`` installs the native workload (``bench/native/package-lock.json``) for this."""
    assert (NATIVE / "node_modules" / "aws-cdk-lib").is_dir(), "run make test: it installs bench/native"
    subprocess.run(
        ["node", str(NATIVE / "synth.js"), "3", str(tmp_path), str(PROFILES_PER_STACK)],
        check=True,
        env={**os.environ, "NODE_PATH": str(NATIVE / "node_modules")},
    )
    _, plain = library_and_plain
    native = templates(tmp_path)
    assert shape(native["Ec2AccessProfiles"]) == shape(plain["Ec2AccessProfiles"])


def test_measure_counts_the_cpu_and_memory_of_the_whole_process_tree(tmp_path: Path) -> None:
    # A parent that starts a child which holds 300 MiB and spins for 0.5 s of CPU, then waits for it.
    child = (
        "import time\n"
        "held = bytearray(300 * 2**20)\n"
        "end = time.process_time() + 0.5\n"
        "while time.process_time() < end: pass\n"
        "time.sleep(0.3)"
    )
    parent = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}], check=True)"
    result = measure([sys.executable, "-c", parent], cwd=tmp_path, env=dict(os.environ))
    assert result.cpu_seconds >= 0.5
    assert result.peak_mib >= 300
    assert result.wall_seconds >= result.cpu_seconds * 0.5


def test_measure_fails_with_the_output_of_a_failed_process(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        measure([sys.executable, "-c", "raise SystemExit('boom')"], cwd=tmp_path, env=dict(os.environ))


def results(library: dict[int, float], plain: dict[int, float], peak: float = 900) -> Results:
    def medians(cpu: dict[int, float]) -> dict[int, Median]:
        return {n: Median(wall_seconds=s, cpu_seconds=s, peak_mib=peak, runs=3) for n, s in cpu.items()}

    return Results({"library": medians(library), "plain": medians(plain)}, 0.4, 0.9)


def test_targets_are_met_only_within_their_bounds() -> None:
    met = results({10: 5.0, 100: 8.0, 1000: 38.0}, {10: 5.0, 100: 7.7, 1000: 36.5})
    assert [m for _, _, m in met.targets()] == [True, True, True, True, True]
    missed = results({10: 5.0, 100: 9.0, 1000: 80.0}, {10: 5.0, 100: 7.7, 1000: 36.5}, peak=2100)
    assert [m for _, _, m in missed.targets()] == [False, False, False, False, True]
    # 9.0 -> 80.0 is 79 ms a profile after 44 ms: not linear.
    assert missed.targets()[2][1] == "44 ms then 79 ms per profile"


def test_the_table_shows_every_figure_and_each_target(tmp_path: Path) -> None:
    path = tmp_path / "results.md"
    write_table(results({100: 8.0, 1000: 38.0}, {100: 7.7, 1000: 36.5}), path)
    text = path.read_text()
    assert "| 1,000 | 38.0 s / 38.0 s / 900 MiB | 36.5 s / 36.5 s / 900 MiB | 1.04 |" in text
    assert "| library within 1.05x of hand-written Python CDK at N = 1,000 | 1.04x | yes |" in text
    assert "| peak memory under 2 GiB at N = 1,000 | 900 MiB | yes |" in text


def test_a_measurement_is_a_plain_value() -> None:
    assert Measurement(1.0, 2.0, 3.0) == Measurement(wall_seconds=1.0, cpu_seconds=2.0, peak_mib=3.0)


def test_the_readme_shows_the_latest_committed_figures() -> None:
    figures = [
        line for line in (ROOT / "bench" / "results.md").read_text().splitlines() if line.startswith("|")
    ]
    readme = (ROOT / "README.md").read_text()
    assert figures
    assert [line for line in figures if line not in readme] == []
