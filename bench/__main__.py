"""``python -m bench`` (``make bench``): synth cost of the library, plain aws-cdk-lib and native CDK.

At each N, one run of every workload per round, in an order that rotates from round to round so
machine noise falls on all alike; medians over the rounds, and each CPU ratio the median over rounds
of the two workloads' ratio within a round (``bench.report``). Then the calls into Node.js per profile
(``bench.crossings``). Writes ``bench/results.md``, ``bench/results.json`` and ``bench/results.png``.
Figures only: nothing here fails on a target. It fails on one thing: workloads that built different
templates (``bench.templates``, every run's, at every N and in every round). Then the report says so
first, the rounds stop after the one that showed it, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import crossings
from bench.explain import time_explain
from bench.measure import Measurement, measure
from bench.profiles import catalog_yaml
from bench.report import Results, TemplateCheck, write_plot, write_table
from bench.review import time_review
from bench.stacks import PROFILES_PER_STACK
from bench.templates import Fingerprint, differences, disagreements, fingerprint_of
from bench.workloads import WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"


def workload_environment() -> dict[str, str]:
    """The environment every workload runs in: this checkout first, and Python's bytecode cache on.

    With ``PYTHONDONTWRITEBYTECODE`` set, every process would compile aws-cdk-lib's modules from
    source again (about 0.7 s for its core and IAM, 1.3 s more for Lambda and Logs), which an
    installed package never does (pip compiles them when it installs): the bench measures synth,
    not that.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), "NODE_PATH": str(HERE / "native" / "node_modules")}


def run_synth(workload: str, count: int, env: dict[str, str]) -> tuple[Measurement, Fingerprint]:
    """Measure one run of ``workload``, and fingerprint what it wrote (after the measuring)."""
    with tempfile.TemporaryDirectory() as outdir:
        command = WORKLOADS[workload].command(count, outdir, PROFILES_PER_STACK)
        measured = measure(command, cwd=ROOT, env={**env, **WORKLOADS[workload].environment()})
        return measured, fingerprint_of(Path(outdir))


def compare_templates(built: dict[int, dict[str, Fingerprint]]) -> list[str]:
    """How the workloads' templates differ at each N (``bench.templates.disagreements``)."""
    tagged = [w for w, workload in WORKLOADS.items() if workload.tagged]
    by_hand = [w for w, workload in WORKLOADS.items() if workload.by_hand]
    return [
        f"N = {count:,}: {problem}"
        for count, by_workload in built.items()
        for problem in disagreements(
            {w: by_workload[w] for w in WORKLOADS if w in by_workload},
            tagged=tagged,
            by_hand=by_hand,
            profiles=count,
        )
    ]


def same_as_before(
    first: dict[int, dict[str, Fingerprint]], workload: str, count: int, built: Fingerprint, round_number: int
) -> list[str]:
    """Nothing when ``workload`` built at ``count`` what it built the first time (which is kept)."""
    before = first.setdefault(count, {}).setdefault(workload, built)
    if before == built:
        return []
    changed = differences(
        {**built.profiles, **built.tags, **built.function},
        {**before.profiles, **before.tags, **before.function},
        "round 1",
    )
    return [f"N = {count:,}: {workload} built other templates in round {round_number + 1}: {changed}"]


def time_checker(count: int, rounds: int) -> tuple[float, float]:
    """Median seconds to load and check ``count`` profiles: in-process (the pure core), and as a CLI."""
    sys.path.insert(0, str(ROOT))
    from constructs_lib.catalog.loader import load_catalog

    in_process: list[float] = []
    whole: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(catalog_yaml(count))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for _ in range(rounds):
            started = time.perf_counter()
            catalog = load_catalog(path)
            in_process.append(time.perf_counter() - started)
            if catalog.findings or len(catalog.profiles) != count:
                raise RuntimeError(f"the benchmark catalogue is not clean: {catalog.findings[:3]}")
            cli = [sys.executable, "-m", "constructs_lib", "check", str(path)]
            whole.append(measure(cli, cwd=Path(folder), env=env).wall_seconds)
    return statistics.median(in_process), statistics.median(whole)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each workload at each N (default 5)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument(
        "--crossings",
        type=int,
        nargs=2,
        default=list(crossings.DEFAULT_SIZES),
        metavar=("SMALL", "LARGE"),
        help="the two sizes calls into Node.js per profile are counted between",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write the report again from results.json (after a change to the report)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE,
        help="the folder of results.md, results.json and results.png (default bench/, as committed)",
    )
    args = parser.parse_args()
    if args.report_only:
        results = Results.from_json(json.loads((args.output / "results.json").read_text()))
        write_report(results, args.output)
        fail_on_different_templates(results)
        return

    env = workload_environment()
    for workload in args.workloads:  # untimed: each module is compiled once, before any run is timed
        run_synth(workload, 1, env)
    samples: dict[str, dict[int, list[Measurement]]] = {
        w: {n: [] for n in args.sizes} for w in args.workloads
    }
    order: list[str] = list(args.workloads)
    built: dict[int, dict[str, Fingerprint]] = {}
    """Each workload's templates at each N, as its first run built them."""
    problems: list[str] = []
    for round_number in range(args.rounds):
        for count in args.sizes:
            for workload in order:
                result, templates = run_synth(workload, count, env)
                samples[workload][count].append(result)
                progress(round_number, workload, count, result)
                problems += same_as_before(built, workload, count, templates, round_number)
            order = order[1:] + order[:1]
        if round_number == 0:
            problems += compare_templates(built)
        if problems:
            print("the workloads' templates differ: stopping after this round", file=sys.stderr, flush=True)
            break
    checked = TemplateCheck(sorted(built), problems)
    measured = {w: {n: runs for n, runs in by_count.items() if runs} for w, by_count in samples.items()}
    if problems:  # figures of different apps: the report says so, and nothing more is measured
        results = Results.from_samples(
            measured, checker_seconds=time_checker(1000, 1), crossings={}, templates=checked
        )
        write_report(results, args.output)
        fail_on_different_templates(results)
    checker = time_checker(1000, args.rounds)
    counted = [w for w in args.workloads if WORKLOADS[w].module is not None]
    calls = crossings.per_profile(counted, *args.crossings)
    write_report(
        Results.from_samples(measured, checker_seconds=checker, crossings=calls, templates=checked),
        args.output,
    )
    with tempfile.TemporaryDirectory() as folder:
        warm, whole = time_explain(Path(folder), args.rounds)
    print(
        f"explain, one profile with 10 AWS-managed policies: {warm:.3f} s in-process, "
        f"{whole:.3f} s as a CLI run"
    )
    seconds, _ = time_review(1000, args.rounds)
    print(f"review of 1,000 changed profiles: {seconds:.2f} s beyond the two syntheses (target: < 10 s)")


def write_report(results: Results, folder: Path = HERE) -> None:
    """results.md, results.png and results.json, as committed; the table is printed too."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(results, folder / "results.md")
    write_plot(results, folder / "results.png")
    (folder / "results.json").write_text(json.dumps(results.to_json(), indent=2, sort_keys=True) + "\n")
    print((folder / "results.md").read_text())


def fail_on_different_templates(results: Results) -> None:
    """Exit 1, naming the differences, when the workloads' templates differed."""
    if results.templates is not None and results.templates.problems:
        raise SystemExit(
            "python -m bench: the workloads built different templates, so its figures compare different "
            "apps (results.md lists how):\n" + "\n".join(results.templates.problems)
        )


def progress(round_number: int, workload: str, count: int, result: Measurement) -> None:
    line: Callable[..., None] = print
    line(
        f"round {round_number + 1}: {workload:16} N={count:<5} {result.wall_seconds:6.2f} s wall "
        f"{result.cpu_seconds:6.2f} cpu-s {result.peak_mib:7.0f} MiB",
        flush=True,
    )


if __name__ == "__main__":
    main()
