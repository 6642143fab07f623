"""The benchmark measures what it says: the same resources in every workload, and honest figures.

Nothing here times anything against a target: ``make bench`` reports figures, tests never fail on time.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import construct_synth, library_synth, plain_synth
from bench.crossings import PerProfile, describe, describe_callback
from bench.measure import Measurement, measure
from bench.report import Median, Results, write_table
from bench.stacks import PROFILES_PER_STACK, STACK, stack_names
from bench.workloads import WORKLOADS
from constructs_lib.catalog.placement import MAX_PROFILES_PER_STACK, SHARD_PREFIX
from constructs_lib.cdk.instance_profile_tags import HANDLER_SOURCE
from tooling.cdk import ROOT

NATIVE = ROOT / "bench" / "native"
PROVIDER = "/InstanceProfileTagsProvider/"


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
        if PROVIDER in resource.get("Metadata", {}).get("aws:cdk:path", ""):
            continue  # the stack's tag function: asserted apart
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
        elif resource["Type"] == "AWS::IAM::InstanceProfile":
            rows.append((resource["Type"], properties.get("InstanceProfileName")))
    return sorted(rows, key=str)


def tag_resources(template: dict[str, Any]) -> list[Any]:
    return sorted(
        (
            json.dumps(resource["Properties"]["InstanceProfileName"]),
            json.dumps(resource["Properties"]["Tags"]),
        )
        for resource in template["Resources"].values()
        if resource["Type"] == "Custom::InstanceProfileTags"
    )


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


@pytest.mark.node
def test_the_construct_builds_the_same_resources_as_the_catalogue(
    library_and_plain: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    library, _ = library_and_plain
    construct_synth.main(3, str(tmp_path))
    construct = templates(tmp_path)
    assert shape(construct["Ec2AccessProfiles"]) == shape(library["Ec2AccessProfiles"])


@pytest.mark.node
def test_tagged_workloads_add_one_tag_resource_per_profile_and_nothing_else_per_profile(
    library_and_plain: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    _, plain = library_and_plain
    library_synth.main(3, str(tmp_path / "library"), tagged=True)
    construct_synth.main(3, str(tmp_path / "construct"), tagged=True)
    tagged = [
        templates(tmp_path / "library")["Ec2AccessProfiles"],
        templates(tmp_path / "construct")["Ec2AccessProfiles"],
    ]
    for template in tagged:
        assert shape(template) == shape(plain["Ec2AccessProfiles"])
        provider = [
            r["Type"]
            for r in template["Resources"].values()
            if PROVIDER in r.get("Metadata", {}).get("aws:cdk:path", "")
        ]
        assert sorted(provider) == ["AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Logs::LogGroup"]
        tags = tag_resources(template)
        assert len(tags) == 3
        assert (
            '[{"Key": "Environment", "Value": "Production"}, {"Key": "Service", "Value": "service-0000"}]'
            in {t for _, t in tags}
        )
    assert tag_resources(tagged[0]) == tag_resources(tagged[1])


@pytest.mark.node
def test_hand_written_tagging_builds_the_same_profiles_and_tag_resources(
    library_and_plain: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    """``plain-tagged``, the tagged workloads' reference: hand-written CDK with the same profiles, the
    same ``Custom::InstanceProfileTags`` on each, and a function of its own answering them."""
    _, plain = library_and_plain
    plain_synth.main(3, str(tmp_path / "plain"), tagged=True)
    construct_synth.main(3, str(tmp_path / "construct"), tagged=True)
    by_hand = templates(tmp_path / "plain")["Ec2AccessProfiles"]
    construct = templates(tmp_path / "construct")["Ec2AccessProfiles"]
    assert shape(by_hand) == shape(plain["Ec2AccessProfiles"])
    assert [tags for _, tags in tag_resources(by_hand)] == [tags for _, tags in tag_resources(construct)]
    assert len(tag_resources(by_hand)) == 3
    resources = by_hand["Resources"]
    for resource in resources.values():
        if resource["Type"] == "Custom::InstanceProfileTags":
            function, _ = resource["Properties"]["ServiceToken"]["Fn::GetAtt"]
            assert resources[function]["Type"] == "AWS::Lambda::Function"
            assert resource["Properties"]["ServiceTimeout"] == "300"
    function_code = [
        r["Properties"]["Code"]["ZipFile"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"
    ]
    assert function_code == [HANDLER_SOURCE.read_text()]  # the library's own handler, by hand


def imports_while(build: Any, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every module ``build()`` imports, as ``package.name`` for each name of a ``from`` import."""
    imported: set[str] = set()
    real_import = builtins.__import__

    def recording(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        imported.update([name, *(f"{name}.{each}" for each in fromlist or ())])
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", recording)
    build()
    return imported


@pytest.mark.node
@pytest.mark.parametrize("workload", ["plain", "construct", "library"])
def test_a_workload_without_tags_loads_nothing_only_tagging_needs(
    workload: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda's and Logs' Python modules are about 30 MiB and a fifth of a CPU second: a workload
    that loaded them without using them would weigh more than the app it stands for."""
    imported = imports_while(lambda: WORKLOADS[workload].main()(1, str(tmp_path)), monkeypatch)
    assert "aws_cdk.App" in imported  # the recording sees the workload's own imports
    assert not {"aws_cdk.aws_lambda", "aws_cdk.aws_logs"} & imported
    if workload == "plain":
        assert not [name for name in imported if name.startswith("constructs_lib")]


def test_every_workload_runs_as_a_process_of_its_own() -> None:
    assert WORKLOADS["library-tagged"].command(5, "out", 99)[-3:] == ["5", "out", "--tagged"]
    assert WORKLOADS["plain"].command(5, "out", 99)[-2:] == ["5", "out"]
    assert WORKLOADS["plain-tagged"].command(5, "out", 99)[-3:] == ["5", "out", "--tagged"]
    assert WORKLOADS["native"].command(5, "out", 99)[-3:] == ["5", "out", "99"]


def test_every_workload_shards_alike() -> None:
    names = stack_names(PROFILES_PER_STACK * 2 + 1)
    assert names[0] == names[PROFILES_PER_STACK - 1] == "Ec2AccessProfiles"
    assert names[PROFILES_PER_STACK] == "Ec2AccessProfiles-2"
    assert names[-1] == "Ec2AccessProfiles-3"


def test_the_workloads_stacks_are_the_librarys_shards() -> None:
    assert (PROFILES_PER_STACK, STACK) == (MAX_PROFILES_PER_STACK, SHARD_PREFIX)


def test_hand_written_cdk_loads_nothing_of_the_library() -> None:
    """Its process holds what a hand-written app's would: the library's modules (its catalogue package
    alone is about 7 MiB) would make the figures it divides by larger."""
    listed = (
        "import sys, bench.plain_synth; print([m for m in sys.modules if m.startswith('constructs_lib')])"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    loaded = subprocess.check_output([sys.executable, "-c", listed], cwd=ROOT, env=environment, text=True)
    assert loaded.strip() == "[]"


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


def results(cpu: dict[str, dict[int, float]], peak: dict[str, float] | None = None) -> Results:
    def medians(workload: str, by_count: dict[int, float]) -> dict[int, Median]:
        mib = (peak or {}).get(workload, 900)
        return {n: Median(wall_seconds=s, cpu_seconds=s, peak_mib=mib, runs=3) for n, s in by_count.items()}

    crossings = {"library": PerProfile(7.0, 1.0), "plain": PerProfile(9.0, 0.0)}
    return Results({w: medians(w, c) for w, c in cpu.items()}, 0.4, 0.9, crossings)


def test_targets_are_met_only_within_their_bounds() -> None:
    plain = {10: 5.0, 100: 7.7, 1000: 36.5}
    met = results(
        {
            "library": {10: 5.0, 100: 7.7, 1000: 36.0},
            "library-tagged": {10: 5.5, 100: 8.8, 1000: 41.9},
            "plain": plain,
        },
        peak={"library": 990, "library-tagged": 900, "plain": 900},
    )
    by_target = {target: m for target, _, m in met.targets()}
    assert by_target["library at most 1.00x hand-written Python CDK at N = 1,000"] is True
    assert by_target["library-tagged at most 1.15x hand-written Python CDK at N = 1,000"] is True
    assert by_target["library: peak memory at N = 1,000 at most 1.10x hand-written's"] is True
    assert by_target["construct at most 1.00x hand-written Python CDK at N = 100"] is None
    missed = results(
        {
            "library": {10: 5.0, 100: 7.8, 1000: 80.0},
            "library-tagged": {10: 5.5, 100: 8.9, 1000: 42.0},
            "plain": plain,
        },
        peak={"library": 991, "plain": 900},
    )
    by_target = {target: m for target, _, m in missed.targets()}
    assert by_target["library at most 1.00x hand-written Python CDK at N = 100"] is False
    assert by_target["library-tagged at most 1.15x hand-written Python CDK at N = 100"] is False
    assert by_target["library-tagged at most 1.15x hand-written Python CDK at N = 1,000"] is False
    assert by_target["library: peak memory at N = 1,000 at most 1.10x hand-written's"] is False
    # 7.8 -> 80.0 is 80 ms a profile after 31 ms: not linear.
    (linear,) = [row for row in missed.targets() if row[0].startswith("cost linear")]
    assert linear[1:] == ("31 ms then 80 ms per profile", False)


def test_the_table_shows_every_figure_each_ratio_and_target(tmp_path: Path) -> None:
    path = tmp_path / "results.md"
    write_table(results({"library": {100: 8.0, 1000: 38.0}, "plain": {100: 7.7, 1000: 36.5}}), path)
    text = path.read_text()
    assert "| 1,000 | 38.0 s / 38.0 s / 900 MiB | 36.5 s / 36.5 s / 900 MiB |" in text
    assert "| 1,000 | 1.04 |" in text
    assert "| library at most 1.00x hand-written Python CDK at N = 1,000 | 1.04x | **no** |" in text
    assert "| library | 7.0 | 1.0 | 8.0 |" in text
    assert "plain-tagged" not in text  # measured only when asked for


def test_the_tagged_workloads_are_shown_against_hand_written_tagging_with_no_target(tmp_path: Path) -> None:
    path = tmp_path / "results.md"
    cpu = {100: 8.0, 1000: 40.0}
    workloads = {
        "construct-tagged": cpu,
        "plain": {100: 7.0, 1000: 30.0},
        "plain-tagged": {100: 8.0, 1000: 50.0},
    }
    measured = results(workloads, peak={"construct-tagged": 800, "plain": 720, "plain-tagged": 850})
    write_table(measured, path)
    text = path.read_text()
    assert "| N | construct-tagged / plain (≤ 1.15) | construct-tagged / plain-tagged |" in text
    assert "| 1,000 | 1.33 | 0.80 |" in text
    assert "against plain-tagged's 850 MiB (no target): construct-tagged 800 MiB (0.94x)." in text
    targets = {target for target, _, _ in measured.targets()}
    assert not [target for target in targets if "plain-tagged" in target]


def test_the_table_shows_each_round_against_hand_written_cdks_in_the_same_round(tmp_path: Path) -> None:
    """Medians hide how far apart rounds are on a shared machine; each round shows it."""
    rounds = {
        "construct": {
            1000: [Measurement(9.0, 10.0, 780), Measurement(9.0, 13.0, 730), Measurement(9.0, 11.0, 800)]
        },
        "plain": {
            1000: [Measurement(9.0, 10.0, 730), Measurement(9.0, 10.0, 760), Measurement(9.0, 13.0, 730)]
        },
    }
    measured = Results.from_samples(rounds, checker_seconds=(0.4, 0.9), crossings={})
    assert measured.round_by_round("construct", 1000) == [
        (1.0, 780 / 730),
        (1.3, 730 / 760),
        (11 / 13, 800 / 730),
    ]
    path = tmp_path / "results.md"
    write_table(measured, path)
    text = path.read_text()
    assert "At N = 1,000, round by round" in text
    assert "| workload | N | round 1 | round 2 | round 3 |" in text
    assert "| construct | 1,000 | 1.00x / +6.8% | 1.30x / -3.9% | 0.85x / +9.6% |" in text
    target = "| construct at most 1.00x hand-written Python CDK at N = 1,000 |"
    assert f"{target} 1.00x (0.85x to 1.30x by round) | yes |" in text
    assert (
        "construct: peak memory at N = 1,000 at most 1.10x hand-written's | 780 MiB against 730 MiB" in text
    )
    assert "(-3.9% to +9.6% by round) | yes |" in text
    assert measured.to_json()["rounds"]["construct"]["1000"][1] == {
        "wall_seconds": 9.0,
        "cpu_seconds": 13.0,
        "peak_mib": 730,
    }
    write_table(results({"construct": {1000: 11.0}, "plain": {1000: 10.0}}), path)
    assert "round by round" not in path.read_text()  # no rounds recorded, none shown


def paired(ours: list[float], plain: list[float]) -> Results:
    """``construct`` and ``plain`` at 1,000 profiles, one CPU figure a round each."""
    rounds = {
        "construct": {1000: [Measurement(1.0, cpu, 700) for cpu in ours]},
        "plain": {1000: [Measurement(1.0, cpu, 700) for cpu in plain]},
    }
    return Results.from_samples(rounds, checker_seconds=(0.4, 0.9), crossings={})


def construct_at_1000(measured: Results) -> tuple[str, bool | None]:
    target = "construct at most 1.00x hand-written Python CDK at N = 1,000"
    (row,) = [row for row in measured.targets() if row[0] == target]
    return row[1], row[2]


def test_a_cpu_ratio_is_the_median_of_each_rounds_ratio_not_the_ratio_of_the_medians() -> None:
    """This machine's speed drifts between rounds, so two workloads are compared within a round, where
    both ran at the same speed. Either way round: the ratio of the medians (which mixes rounds) would
    call the first met and the second missed."""
    # Cheaper or equal in every round but one, yet its median comes from a slower round than plain's.
    mixed_up = paired([10.0, 13.0, 11.0], [10.0, 10.0, 13.0])
    assert (
        mixed_up.medians["construct"][1000].cpu_seconds / mixed_up.medians["plain"][1000].cpu_seconds == 1.1
    )
    assert mixed_up.ratio("construct", "plain", 1000) == 1.0
    assert construct_at_1000(mixed_up) == ("1.00x (0.85x to 1.30x by round)", True)
    # Dearer in two rounds of three, yet its median comes from a faster round than plain's.
    flattered = paired([10.5, 13.5, 8.4], [10.0, 13.0, 14.0])
    assert (
        flattered.medians["construct"][1000].cpu_seconds / flattered.medians["plain"][1000].cpu_seconds < 0.81
    )
    assert flattered.ratio("construct", "plain", 1000) == pytest.approx(13.5 / 13.0)
    assert construct_at_1000(flattered) == ("1.04x (0.60x to 1.05x by round)", False)


def test_the_report_is_written_again_alike_from_its_json(tmp_path: Path) -> None:
    """``python -m bench --report-only`` reads results.json, whose keys are sorted: the report keeps
    the workloads' order and every figure."""
    rounds = {
        workload: {
            n: [Measurement(1.0 + i, n / 100 + i + offset, 700 + i) for i in range(3)] for n in (100, 1000)
        }
        for offset, workload in enumerate(["library", "construct", "plain"])
    }
    crossings = {"construct": PerProfile(4.2, 0.1), "plain": PerProfile(9.0, 0.0)}
    measured = Results.from_samples(rounds, checker_seconds=(0.4, 0.9), crossings=crossings)
    first, again = tmp_path / "first.md", tmp_path / "again.md"
    write_table(measured, first)
    stored = json.loads(json.dumps(measured.to_json(), sort_keys=True))
    write_table(Results.from_json(stored), again)
    assert again.read_text() == first.read_text()
    assert "| N | library | construct | plain |" in first.read_text()  # WORKLOADS' order, not the file's


def test_a_measurement_is_a_plain_value() -> None:
    assert Measurement(1.0, 2.0, 3.0) == Measurement(wall_seconds=1.0, cpu_seconds=2.0, peak_mib=3.0)


def test_the_readme_shows_the_latest_committed_figures() -> None:
    figures = [
        line for line in (ROOT / "bench" / "results.md").read_text().splitlines() if line.startswith("|")
    ]
    readme = (ROOT / "README.md").read_text()
    assert figures
    assert [line for line in figures if line not in readme] == []


def test_the_review_benchmark_reviews_every_changed_profile() -> None:
    """bench.review measures what it says: every generated profile is read, changed and judged."""
    from bench.review import templates, time_review

    assert len(templates(200, changed=False)) == 3  # 99 profiles a stack
    seconds, reviewed = time_review(120, 1)
    assert reviewed == 120
    assert seconds > 0


def test_crossings_kinds_name_the_call_its_class_and_member_and_a_callbacks_answer() -> None:
    from jsii._kernel import types
    from jsii._kernel.providers.process import _CompleteRequest

    role = types.ObjRef("aws-cdk-lib.aws_iam.CfnRole@10042")
    callbacks: dict[str, str] = {}
    assert (
        describe(types.CreateRequest(fqn="aws-cdk-lib.aws_iam.CfnRole"), callbacks)
        == "create aws_iam.CfnRole"
    )
    assert describe(types.GetRequest(objref=role, property="ref"), callbacks) == "get aws_iam.CfnRole.ref"
    assert (
        describe(types.StaticInvokeRequest(fqn="aws-cdk-lib.Tags", method="of"), callbacks)
        == "staticinvoke Tags.of"
    )
    producer = types.ObjRef("Object@10007")
    callback = types.Callback(
        cbid="cb1", cookie="", invoke=types.InvokeRequest(objref=producer, method="produce")
    )
    callbacks["cb1"] = describe_callback(callback)
    answer = _CompleteRequest(complete=types.CompleteRequest(cbid="cb1", result=[]))
    assert describe(answer, callbacks) == "answer invoke Object.produce"
