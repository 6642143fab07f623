#!/usr/bin/env python3
"""Print how long synthesis takes and how much memory it uses. Figures only: nothing here fails on them.

Run through ``make benchmark`` so the pinned Node.js and CDK CLI are on PATH.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_cli_synth(runs: int) -> list[float]:
    """Wall time of the real ``cdk synth``, which starts Python, jsii's Node.js and the app."""
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as outdir:
            started = time.perf_counter()
            subprocess.run(
                [str(cdk), "synth", "--quiet", "--output", outdir],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            timings.append(time.perf_counter() - started)
    return timings


def time_in_process_synth(runs: int) -> tuple[float, list[float]]:
    """Time to import aws-cdk-lib (starts jsii), then each in-process synthesis of the whole app."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from tooling.cdk import synthesize_app, use_supported_node  # what the tests share

    use_supported_node()
    import aws_cdk  # noqa: F401  (starts jsii's Node.js process)

    import_seconds = time.perf_counter() - started
    timings = []
    for _ in range(runs):
        outdir = Path(tempfile.mkdtemp())
        started = time.perf_counter()
        synthesize_app(outdir)
        timings.append(time.perf_counter() - started)
        shutil.rmtree(outdir)
    return import_seconds, timings


def time_checker(profiles: int, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to load and check a catalogue of ``profiles``: in-process, and the whole CLI process."""
    from constructs_lib.catalog import load_catalog
    from tooling.sample_catalog import sample_catalog

    in_process, whole = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(sample_catalog(profiles))
        for _ in range(runs):
            started = time.perf_counter()
            catalog = load_catalog(path)
            in_process.append(time.perf_counter() - started)
            assert not catalog.findings, catalog.findings[:3]
            assert len(catalog.profiles) == profiles
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "constructs_lib", "check", str(path)],
                cwd=folder,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=True,
                capture_output=True,
            )
            whole.append(time.perf_counter() - started)
    return in_process, whole


def time_catalog_synth(profiles: int) -> tuple[float, float, float]:
    """The real ``cdk synth`` of a sample catalogue of ``profiles``: wall seconds, CPU seconds of every
    process it started (Node.js, Python, jsii), and the largest process's peak memory in MiB."""
    from tooling.sample_catalog import sample_catalog

    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    with tempfile.TemporaryDirectory() as folder:
        catalog = Path(folder) / "catalog.yaml"
        catalog.write_text(sample_catalog(profiles))
        command = [str(cdk), "synth", "--quiet", "-c", f"catalog={catalog}", "--output", f"{folder}/out"]
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"cdk synth of {profiles} profiles failed ({child.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def describe(timings: list[float]) -> str:
    return (
        f"median {statistics.median(timings):.2f} s, min {min(timings):.2f} s, "
        f"max {max(timings):.2f} s over {len(timings)} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument(
        "--catalog-sizes",
        default="100,1000",
        help="catalogue sizes whose cdk synth is measured once each (default 100,1000; '' for none)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    in_process_check, cli_check = time_checker(1000, args.runs)
    print(f"check 1,000 profiles (in-process): {describe(in_process_check)}")
    print(f"check 1,000 profiles (CLI process): {describe(cli_check)}")
    cli = time_cli_synth(args.runs)
    print(f"cdk synth (CLI, whole app):        {describe(cli)}")
    import_seconds, in_process = time_in_process_synth(args.runs)
    print(f"import aws_cdk + start jsii:       {import_seconds:.2f} s")
    print(f"in-process synth (first run):      {in_process[0]:.2f} s")
    print(f"in-process synth (later runs):     {describe(in_process[1:] or in_process)}")
    for size in filter(None, args.catalog_sizes.split(",")):
        wall, cpu, peak = time_catalog_synth(int(size))
        print(
            f"cdk synth, {int(size):,} catalogue profiles: {wall:.1f} s, CPU {cpu:.1f} s, peak {peak:.0f} MiB"
        )
    peak_python = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory, Python process:       {peak_python:.0f} MiB")
    print(f"peak memory, largest child:        {peak_children:.0f} MiB (Node.js of jsii or the CLI)")


if __name__ == "__main__":
    main()
