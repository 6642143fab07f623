"""The benchmark's figures: medians, ratios, the targets met or not, as a Markdown table and a plot."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.crossings import PerProfile
from bench.measure import Measurement
from bench.workloads import WORKLOADS

RATIO_TARGETS = {"library": 1.00, "construct": 1.00, "library-tagged": 1.15, "construct-tagged": 1.15}
"""CPU of each library workload over hand-written Python CDK's (``plain``) at N = 100 and 1,000."""
TARGET_SIZES = (100, 1000)
PEAK_TARGET = 1.10
"""Peak memory at N = 1,000 over hand-written Python CDK's."""
TAGGED_REFERENCE = "plain-tagged"
"""Hand-written CDK with a tag custom resource of its own: what the tagged workloads are also shown
against, with no target (their targets compare with ``plain``, which has no tags)."""
TAGGED_WORKLOADS = ("library-tagged", "construct-tagged")
CHECKER_TARGET_SECONDS = 1.0
LINEAR_TOLERANCE = 1.25
"""Linear: the cost of one more profile from 100 to 1,000 is within 25% of its cost from 10 to 100."""


@dataclass(frozen=True)
class Median:
    wall_seconds: float
    cpu_seconds: float
    peak_mib: float
    runs: int


@dataclass(frozen=True)
class TemplateCheck:
    """Whether the workloads synthesized the same templates (``bench.templates``), at every N measured
    and in every round."""

    sizes: list[int]
    """The N at which every workload's templates were compared."""
    problems: list[str]
    """How they differed; none when they did not."""

    @property
    def figure(self) -> str:
        if self.problems:
            return f"{len(self.problems)} difference(s), the first: {self.problems[0]}"
        return "the same at N = " + ", ".join(f"{count:,}" for count in self.sizes)


@dataclass(frozen=True)
class Results:
    medians: dict[str, dict[int, Median]]
    checker_seconds: float
    checker_cli_seconds: float
    crossings: dict[str, PerProfile]
    rounds: dict[str, dict[int, list[Measurement]]] = field(default_factory=dict)
    """Every run, in round order: the medians hide how far one round is from the next."""
    templates: TemplateCheck | None = None
    """Whether the figures compare like with like; None when not checked (a report of before the check)."""

    @staticmethod
    def from_samples(
        samples: dict[str, dict[int, list[Measurement]]],
        *,
        checker_seconds: tuple[float, float],
        crossings: dict[str, PerProfile],
        templates: TemplateCheck | None = None,
    ) -> Results:
        medians = {
            workload: {
                count: Median(
                    wall_seconds=statistics.median(m.wall_seconds for m in runs),
                    cpu_seconds=statistics.median(m.cpu_seconds for m in runs),
                    peak_mib=statistics.median(m.peak_mib for m in runs),
                    runs=len(runs),
                )
                for count, runs in by_count.items()
            }
            for workload, by_count in samples.items()
        }
        return Results(medians, checker_seconds[0], checker_seconds[1], crossings, samples, templates)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Results:
        """The results ``to_json`` wrote, read back: a report can be written again without measuring."""
        rounds, crossings = data["rounds"], data["crossings"]  # in WORKLOADS' order, not the file's
        samples = {
            workload: {
                int(count): [Measurement(**run) for run in runs] for count, runs in rounds[workload].items()
            }
            for workload in WORKLOADS
            if workload in rounds
        }
        return Results.from_samples(
            samples,
            checker_seconds=(data["checker_seconds"], data["checker_cli_seconds"]),
            crossings={w: PerProfile(**crossings[w]) for w in WORKLOADS if w in crossings},
            templates=TemplateCheck(**data["templates"]) if data.get("templates") else None,
        )

    def ratio(self, numerator: str, denominator: str, count: int) -> float | None:
        """CPU of ``numerator`` over ``denominator``'s: the median of each round's ratio.

        Every workload runs once a round, back to back, and this machine's speed drifts between
        rounds (by half within the hour, measured), so a ratio is taken within a round, where
        both ran at the same speed, then the median over rounds. The ratio of the two medians would
        mix rounds: in run H it read 1.08x for the catalogue at 100 profiles, whose rounds were
        1.10x, 0.87x and 0.88x. Without recorded rounds, the ratio of the medians.
        """
        paired = [cpu for cpu, _ in self.round_by_round(numerator, count, denominator)]
        if paired:
            return statistics.median(paired)
        try:
            return self.medians[numerator][count].cpu_seconds / self.medians[denominator][count].cpu_seconds
        except KeyError:
            return None

    def peak_ratio(self, numerator: str, denominator: str, count: int) -> float | None:
        """Peak memory of ``numerator`` over ``denominator``'s: the median of each round's ratio, as
        ``ratio`` takes CPU's (a round's load and page cache weigh on both alike). Without recorded
        rounds, the ratio of the medians."""
        paired = [memory for _, memory in self.round_by_round(numerator, count, denominator)]
        if paired:
            return statistics.median(paired)
        try:
            return self.medians[numerator][count].peak_mib / self.medians[denominator][count].peak_mib
        except KeyError:
            return None

    def round_by_round(self, workload: str, count: int, against: str = "plain") -> list[tuple[float, float]]:
        """Each round's CPU and peak memory of ``workload`` over ``against``'s in the same round."""
        ours, theirs = (
            self.rounds.get(workload, {}).get(count, []),
            self.rounds.get(against, {}).get(count, []),
        )
        if not ours or not theirs:
            return []
        return [
            (a.cpu_seconds / b.cpu_seconds, a.peak_mib / b.peak_mib)
            for a, b in zip(ours, theirs, strict=True)
        ]

    def marginal_ms(self, workload: str, low: int, high: int) -> float | None:
        """CPU milliseconds each profile adds between ``low`` and ``high`` profiles."""
        try:
            by_count = self.medians[workload]
            return 1000 * (by_count[high].cpu_seconds - by_count[low].cpu_seconds) / (high - low)
        except KeyError:
            return None

    def targets(self) -> list[tuple[str, str, bool | None]]:
        """(target, figure, met) for every target ``make bench`` can measure."""
        rows: list[tuple[str, str, bool | None]] = []
        for workload, target in RATIO_TARGETS.items():
            for count in TARGET_SIZES:
                ratio = self.ratio(workload, "plain", count)
                by_round = [cpu for cpu, _ in self.round_by_round(workload, count)]
                rows.append(
                    (
                        f"{workload} at most {target:.2f}x hand-written Python CDK at N = {count:,}",
                        "not measured" if ratio is None else f"{ratio:.2f}x" + _by_round(by_round, "{:.2f}x"),
                        None if ratio is None else ratio <= target,
                    )
                )
        small, large = self.marginal_ms("library", 10, 100), self.marginal_ms("library", 100, 1000)
        linear = None if small is None or large is None else large <= small * LINEAR_TOLERANCE
        rows.append(
            (
                "cost linear in N (per-profile cost from 100 to 1,000 within 25% of 10 to 100)",
                "not measured"
                if small is None or large is None
                else f"{small:.0f} ms then {large:.0f} ms per profile",
                linear,
            )
        )
        plain = self.medians.get("plain", {}).get(1000)
        for workload in RATIO_TARGETS:
            peak = self.medians.get(workload, {}).get(1000)
            ratio = self.peak_ratio(workload, "plain", 1000)
            gains = [memory - 1 for _, memory in self.round_by_round(workload, 1000)]
            rows.append(
                (
                    f"{workload}: peak memory at N = 1,000 at most {PEAK_TARGET:.2f}x hand-written's",
                    f"{ratio - 1:+.1%}"
                    + _by_round(gains, "{:+.1%}")
                    + f"; medians {peak.peak_mib:,.0f} MiB against {plain.peak_mib:,.0f} MiB"
                    if peak is not None and plain is not None and ratio is not None
                    else "not measured",
                    None if peak is None or plain is None or ratio is None else ratio <= PEAK_TARGET,
                )
            )
        rows.append(
            (
                "the checker under 1 s for 1,000 profiles",
                f"{self.checker_seconds:.2f} s in-process "
                f"({self.checker_cli_seconds:.2f} s as a CLI process)",
                self.checker_seconds < CHECKER_TARGET_SECONDS,
            )
        )
        rows.append(
            (
                "every workload synthesizes the same templates, logical IDs aside (bench/templates.py)",
                "not checked" if self.templates is None else self.templates.figure,
                None if self.templates is None else not self.templates.problems,
            )
        )
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "medians": {
                workload: {str(count): vars(median) for count, median in by_count.items()}
                for workload, by_count in self.medians.items()
            },
            "checker_seconds": self.checker_seconds,
            "checker_cli_seconds": self.checker_cli_seconds,
            "crossings": {workload: vars(calls) for workload, calls in self.crossings.items()},
            "rounds": {
                workload: {str(count): [vars(run) for run in runs] for count, runs in by_count.items()}
                for workload, by_count in self.rounds.items()
            },
            "targets": [{"target": t, "figure": f, "met": m} for t, f, m in self.targets()],
            "templates": None if self.templates is None else vars(self.templates),
        }


def write_table(results: Results, path: Path) -> None:
    workloads = list(results.medians)
    counts = sorted({count for by_count in results.medians.values() for count in by_count})
    ratios = [(w, "plain") for w in RATIO_TARGETS if w in results.medians and "plain" in results.medians]
    if TAGGED_REFERENCE in results.medians:
        ratios += [(w, TAGGED_REFERENCE) for w in TAGGED_WORKLOADS if w in results.medians]
    if "plain" in results.medians and "native" in results.medians:
        ratios.append(("plain", "native"))
    header = ["N", *workloads]
    lines = [
        "<!-- Written by `make bench` (bench/__main__.py); do not edit by hand. -->",
        "",
        *_template_problems(results),
        "Synth of N profiles, whole process (Python and its Node.js together; Node alone for native):",
        "medians of wall time / CPU time / peak memory.",
        "",
        *(f"- {w}: {WORKLOADS[w].label}" for w in workloads),
        "",
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    for count in counts:
        cells = [f"{count:,}"]
        for workload in workloads:
            m = results.medians[workload].get(count)
            cells.append(
                "" if m is None else f"{m.wall_seconds:.1f} s / {m.cpu_seconds:.1f} s / {m.peak_mib:,.0f} MiB"
            )
        lines.append("| " + " | ".join(cells) + " |")
    if ratios:
        reference = f"; none against {TAGGED_REFERENCE}" if TAGGED_REFERENCE in results.medians else ""
        lines += [
            "",
            "CPU ratios, each the median over rounds of the two workloads' ratio in the same round",
            f"(target in brackets{reference}):",
            "",
        ]
        header = ["N"] + [
            f"{a} / {b}" + (f" (≤ {RATIO_TARGETS[a]:.2f})" if a in RATIO_TARGETS and b == "plain" else "")
            for a, b in ratios
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        for count in counts:
            cells = [f"{count:,}"]
            for a, b in ratios:
                ratio = results.ratio(a, b, count)
                cells.append("" if ratio is None else f"{ratio:.2f}")
            lines.append("| " + " | ".join(cells) + " |")
    lines += _round_by_round(results)
    by_hand = results.medians.get(TAGGED_REFERENCE, {}).get(1000)
    if by_hand is not None:
        peaks = [
            f"{w} {m.peak_mib:,.0f} MiB ({results.peak_ratio(w, TAGGED_REFERENCE, 1000):.2f}x)"
            for w in TAGGED_WORKLOADS
            if (m := results.medians.get(w, {}).get(1000)) is not None
        ]
        against = f"against {TAGGED_REFERENCE}'s {by_hand.peak_mib:,.0f} MiB (no target)"
        lines += ["", f"Peak memory at N = 1,000 {against}: " + ", ".join(peaks) + "."]
    if results.crossings:
        lines += [
            "",
            "Messages from Python to Node.js per profile (`python -m bench.crossings`):",
            "",
            "| workload | building | app.synth() | total |",
            "| --- | --- | --- | --- |",
        ]
        for workload, calls in results.crossings.items():
            lines.append(f"| {workload} | {calls.build:.1f} | {calls.synth:.1f} | {calls.total:.1f} |")
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for target, figure, met in results.targets():
        lines.append(
            f"| {target} | {figure} | {'not measured' if met is None else 'yes' if met else '**no**'} |"
        )
    path.write_text("\n".join(lines) + "\n")


def _template_problems(results: Results) -> list[str]:
    """The report's first words when the workloads built different templates: its figures compare
    different apps."""
    if results.templates is None or not results.templates.problems:
        return []
    return [
        "**The workloads' templates differ: these figures do not compare the same app, and `python -m bench`",
        "failed.**",
        "",
        *(f"- {problem}" for problem in results.templates.problems),
        "",
    ]


def _by_round(values: list[float], form: str) -> str:
    """`` (A to B by round)``: how far apart the rounds behind a median are; nothing for one round."""
    if len(values) < 2:
        return ""
    return f" ({form.format(min(values))} to {form.format(max(values))} by round)"


def _round_by_round(results: Results) -> list[str]:
    """The targets' workloads at the targets' sizes, round by round: how far apart the rounds are."""
    rows = {
        (w, count): by_round
        for count in TARGET_SIZES
        for w in RATIO_TARGETS
        if (by_round := results.round_by_round(w, count))
    }
    if not rows:
        return []
    rounds = max(len(by_round) for by_round in rows.values())
    sizes = " and ".join(f"N = {count:,}" for count in sorted({count for _, count in rows}))
    lines = [
        "",
        f"At {sizes}, round by round (every workload runs once a round, back to back): CPU and peak",
        "memory against plain's in the same round.",
        "",
        "| workload | N | " + " | ".join(f"round {n}" for n in range(1, rounds + 1)) + " |",
        "|" + " --- |" * (rounds + 2),
    ]
    for (workload, count), by_round in rows.items():
        cells = [f"{cpu:.2f}x / {peak - 1:+.1%}" for cpu, peak in by_round]
        lines.append(f"| {workload} | {count:,} | " + " | ".join(cells) + " |")
    return lines


def write_plot(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4.5), dpi=100)
    for workload, by_count in results.medians.items():
        counts = sorted(by_count)
        axes.plot(counts, [by_count[c].cpu_seconds for c in counts], marker="o", label=workload)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("profiles (N)")
    axes.set_ylabel("CPU seconds of the whole synth process (median)")
    axes.set_title("Synth cost against N")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    # No timestamp in the file, so an unchanged plot is an unchanged file.
    figure.savefig(path, metadata={"Software": None})
    pyplot.close(figure)
