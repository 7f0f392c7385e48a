"""The figures ``bench.load`` prints: the side-by-side table, per-request latencies, targets."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass

from bench.load_http import Drive
from devtools.dynamodb_local import NPM_VERSION


@dataclass(frozen=True)
class Measured:
    """One app's drive, and the CPU used over it: seconds of CPU per second of wall time."""

    drive: Drive
    cpu: dict[str, float]
    """By process: the app, DynamoDB Local's JVM, the load driver, everything else."""
    machine_busy: float
    """The share of all the machine's cores that was busy."""


def merge(parts: list[Measured]) -> Measured:
    """One app's rounds as one measurement: latencies pooled, CPU weighted by time."""
    drive = Drive()
    for part in parts:
        drive.seconds += part.drive.seconds
        drive.latencies += part.drive.latencies
        drive.errors += part.drive.errors
        for kind, values in part.drive.by_kind.items():
            drive.by_kind.setdefault(kind, []).extend(values)

    def weighted(shares: list[float]) -> float:
        return sum(s * part.drive.seconds for s, part in zip(shares, parts, strict=True)) / (
            drive.seconds
        )

    cpu = {name: weighted([part.cpu[name] for part in parts]) for name in parts[0].cpu}
    return Measured(drive, cpu, weighted([part.machine_busy for part in parts]))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (share 0.5 for p50), in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(measured: Measured) -> str:
    """One line: requests/s, p50, p99, errors and the machine's other load."""
    drive = measured.drive
    return (
        f"{drive.requests_per_second:.0f} requests/s, p50 {percentile(drive.latencies, 0.5):.0f}"
        f" ms, p99 {percentile(drive.latencies, 0.99):.0f} ms, {sum(drive.errors.values())}"
        f" errors; other processes used {100 * measured.cpu['everything else']:.0f}% of a core"
    )


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def rows(measured: Measured) -> dict[str, tuple[float, str]]:
    """Every figure of one app, by label, with its format."""
    drive = measured.drive
    figures: dict[str, tuple[float, str]] = {"requests/s": (drive.requests_per_second, "{:.0f}")}
    for label, share in (("p50 ms", 0.5), ("p95 ms", 0.95), ("p99 ms", 0.99)):
        figures[label] = (percentile(drive.latencies, share), "{:.1f}")
    figures["errors"] = (sum(drive.errors.values()), "{:.0f}")
    for process, share in measured.cpu.items():
        figures[f"CPU of {process}, % of one core"] = (100 * share, "{:.0f}%")
    for process in ("the app", "DynamoDB Local"):
        per_request = 1000 * measured.cpu[process] / (drive.requests_per_second or 1)
        figures[f"CPU of {process} per request, ms"] = (per_request, "{:.2f}")
    figures["machine busy, % of all cores"] = (100 * measured.machine_busy, "{:.0f}%")
    return figures


def table(results: dict[str, Measured]) -> str:
    """The side-by-side Markdown table; the last app is the baseline of the ratios."""
    names = list(results)
    *ours, baseline = names
    head = " | ".join(names + [f"{name} / {baseline}" for name in ours])
    lines = [f"| | {head} |", "| --- |" + " ---: |" * (len(names) + len(ours))]
    figures = {name: rows(measured) for name, measured in results.items()}
    for label, (_, shape) in figures[baseline].items():
        values = [figures[name][label][0] for name in names]
        cells = [shape.format(value) for value in values]
        cells += [ratio(value, values[-1]) for value in values[:-1]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def by_kind(results: dict[str, Measured]) -> str:
    """p50/p99 per kind of request, per app."""
    lines = ["| request | app | count | p50 ms | p99 ms |", "| --- | --- | ---: | ---: | ---: |"]
    for name, measured in results.items():
        for kind, values in sorted(measured.drive.by_kind.items()):
            lines.append(
                f"| {kind} | {name} | {len(values)} | {percentile(values, 0.5):.1f}"
                f" | {percentile(values, 0.99):.1f} |"
            )
    return "\n".join(lines)


def verdict(results: dict[str, Measured]) -> str:
    """Each app against the targets (vs the last app, aioboto3's), then the errors."""
    *ours, (baseline_name, baseline) = results.items()
    lines = []
    for name, measured in ours:
        throughput = measured.drive.requests_per_second / baseline.drive.requests_per_second
        tail = percentile(measured.drive.latencies, 0.99) / percentile(
            baseline.drive.latencies, 0.99
        )
        errors = sum(measured.drive.errors.values())
        lines.append(
            f"{name}: requests/s {throughput:.2f}x {baseline_name}'s (target >= 1.5x:"
            f" {'met' if throughput >= 1.5 else 'not met'}); p99 {tail:.2f}x (target <= 0.7x:"
            f" {'met' if tail <= 0.7 else 'not met'}); errors {errors}"
            f" (target 0: {'met' if errors == 0 else 'not met'})"
        )
    lines.append(ceiling(baseline))
    for name, measured in results.items():
        for error, count in measured.drive.errors.most_common(5):
            lines.append(f"  {name} error: {error} x{count}")
    return "\n".join(lines)


def ceiling(theirs: Measured) -> str:
    """What an app costing no CPU at all could reach against aioboto3's, on this machine.

    With the cores saturated, every request costs its app's CPU plus DynamoDB Local's and
    the driver's; an app of zero cost still pays the other two.
    """
    rate = theirs.drive.requests_per_second or 1.0
    shared = (theirs.cpu["DynamoDB Local"] + theirs.cpu["the load driver"]) / rate
    whole = shared + theirs.cpu["the app"] / rate
    return (
        f"ceiling: per request, DynamoDB Local and the driver cost {1000 * shared:.2f} ms of"
        f" CPU, aioboto3's app {1000 * theirs.cpu['the app'] / rate:.2f} ms; on saturated"
        f" cores an app costing nothing would reach at most {whole / shared:.2f}x aioboto3's"
        " requests/s"
    )


def machine() -> str:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return (
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}),"
        f" {platform.system()} {platform.release()}, {platform.processor() or platform.machine()};"
        f" Python {platform.python_version()}; DynamoDB Local {NPM_VERSION} in memory on"
        f" {java.stderr.splitlines()[0] if java.stderr else 'java'}"
    )
