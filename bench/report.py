"""Medians, ratios to the raw client of the same round, the Markdown table and the JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BASELINE = "raw"


@dataclass(frozen=True)
class Sample:
    """One contender doing one workload once."""

    wall_s: float
    cpu_s: float
    ops: int
    requests: dict[str, int] | None  # None: the contender's requests cannot be counted

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.wall_s if self.wall_s > 0 else float("inf")

    @property
    def cpu_s_per_op(self) -> float:
        return self.cpu_s / self.ops


@dataclass(frozen=True)
class ColdSample:
    """One fresh process: import, construct, one get_item (timed inside the child)."""

    wall_s: float
    cpu_s: float
    process_wall_s: float  # spawn to exit, interpreter start-up included


@dataclass(frozen=True)
class Figures:
    """Medians of one contender's figures, and their medians of per-round ratios to raw."""

    wall_s: float
    ops_per_s: float
    cpu_s_per_op: float
    wall_ratio: float
    ops_per_s_ratio: float
    cpu_per_op_ratio: float


@dataclass(frozen=True)
class ConcurrentFigures:
    """Medians of one contender's concurrent-workload figures (no raw baseline there)."""

    wall_s: float
    ops_per_s: float
    cpu_s_per_op: float


@dataclass(frozen=True)
class ColdFigures:
    """Cold-start medians and medians of per-run ratios to raw."""

    wall_s: float
    cpu_s: float
    process_wall_s: float
    wall_ratio: float
    cpu_ratio: float
    process_wall_ratio: float


@dataclass
class Results:
    """Everything one run measured. ``rounds[workload][r][contender]``."""

    meta: dict[str, Any]
    labels: dict[str, str]  # contender key -> label, in display order
    titles: dict[str, str]  # workload name -> title, in display order
    rounds: dict[str, list[dict[str, Sample]]] = field(default_factory=dict)
    concurrent_title: str = ""
    concurrent: list[dict[str, Sample]] = field(default_factory=list)  # one dict per round
    cold: list[dict[str, ColdSample]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    expected_batch_write_requests: int = 0
    typed: dict[str, str | None] = field(default_factory=dict)
    """Typed contenders (models in and out) -> their dict-returning twin, if they have one."""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(per_round: list[dict[str, Sample]], key: str) -> Figures | None:
    """Medians for ``key`` over the rounds where both it and the baseline ran."""
    rounds = [r for r in per_round if key in r and BASELINE in r]
    if not rounds:
        return None
    mine = [r[key] for r in rounds]
    base = [r[BASELINE] for r in rounds]
    return Figures(
        wall_s=median([s.wall_s for s in mine]),
        ops_per_s=median([s.ops_per_s for s in mine]),
        cpu_s_per_op=median([s.cpu_s_per_op for s in mine]),
        wall_ratio=median([s.wall_s / b.wall_s for s, b in zip(mine, base, strict=True)]),
        ops_per_s_ratio=median(
            [s.ops_per_s / b.ops_per_s for s, b in zip(mine, base, strict=True)]
        ),
        cpu_per_op_ratio=median(
            [s.cpu_s_per_op / b.cpu_s_per_op for s, b in zip(mine, base, strict=True)]
        ),
    )


def summarize_concurrent(per_round: list[dict[str, Sample]], key: str) -> ConcurrentFigures | None:
    """Medians for ``key`` over the rounds of the concurrent workload it ran in."""
    mine = [r[key] for r in per_round if key in r]
    if not mine:
        return None
    return ConcurrentFigures(
        wall_s=median([s.wall_s for s in mine]),
        ops_per_s=median([s.ops_per_s for s in mine]),
        cpu_s_per_op=median([s.cpu_s_per_op for s in mine]),
    )


def summarize_cold(runs: list[dict[str, ColdSample]], key: str) -> ColdFigures | None:
    """Cold-start medians for ``key`` over the runs where both it and the baseline ran."""
    paired = [(r[key], r[BASELINE]) for r in runs if key in r and BASELINE in r]
    if not paired:
        return None
    return ColdFigures(
        wall_s=median([s.wall_s for s, _ in paired]),
        cpu_s=median([s.cpu_s for s, _ in paired]),
        process_wall_s=median([s.process_wall_s for s, _ in paired]),
        wall_ratio=median([s.wall_s / b.wall_s for s, b in paired]),
        cpu_ratio=median([s.cpu_s / b.cpu_s for s, b in paired]),
        process_wall_ratio=median([s.process_wall_s / b.process_wall_s for s, b in paired]),
    )


def batch_write_requests(results: Results) -> dict[str, list[int]]:
    """BatchWriteItem requests each contender sent for the batch write, per round."""
    counts: dict[str, list[int]] = {}
    for per_round in results.rounds.get("batch_write", []):
        for key, sample in per_round.items():
            if sample.requests is not None:
                counts.setdefault(key, []).append(sample.requests.get("BatchWriteItem", 0))
    return counts


def model_cost(per_round: list[dict[str, Sample]], key: str, twin: str) -> float | None:
    """Median over rounds of ``key``'s CPU per op minus its dict twin's, in seconds."""
    diffs = [
        r[key].cpu_s_per_op - r[twin].cpu_s_per_op for r in per_round if key in r and twin in r
    ]
    return median(diffs) if diffs else None


def cell(value: str, ratio: float) -> str:
    return f"{value} ({ratio:.2f}x)"


def requests_cell(sample: Sample) -> str:
    """The requests one sample sent, or "-" where they could not be counted."""
    return "-" if sample.requests is None else f"{sum(sample.requests.values()):,}"


def markdown(results: Results) -> str:
    """The results as Markdown: one table for the workloads, one for cold start."""
    meta = results.meta
    lines = [
        "## DynamoDB client benchmark",
        "",
        f"Scale {meta['scale']:g}, {meta['rounds']} interleaved rounds (medians), "
        f"cold start median of {meta['cold_runs']}; {meta['endpoint_kind']}; "
        f"{meta['machine']}; Python {meta['python']}; "
        + ", ".join(f"{name} {version}" for name, version in meta["versions"].items())
        + ".",
        "",
        "Ratios in brackets: to the raw boto3 client in the same round (median of the "
        "per-round ratios). CPU is `time.process_time()` in the client process only; "
        "DynamoDB Local's JVM is another process.",
        "",
        *summary_table(results),
        *typed_table(results),
        "",
        "Every figure, medians over the rounds:",
        "",
        "| workload | contender | wall s | ops/s | client CPU µs/op | requests |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, title in results.titles.items():
        per_round = results.rounds.get(name, [])
        for key, label in results.labels.items():
            figures = summarize(per_round, key)
            if figures is None:
                continue
            last = [r[key] for r in per_round if key in r][-1]
            lines.append(
                f"| {title} | {label} | {cell(f'{figures.wall_s:.3f}', figures.wall_ratio)} "
                f"| {cell(f'{figures.ops_per_s:,.0f}', figures.ops_per_s_ratio)} "
                f"| {cell(f'{figures.cpu_s_per_op * 1e6:,.1f}', figures.cpu_per_op_ratio)} "
                f"| {requests_cell(last)} |"
            )
    lines += concurrent_table(results)
    lines += [
        "",
        "| cold start: import + construct + 1 get_item | wall ms | client CPU ms "
        "| whole process ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in results.labels.items():
        cold = summarize_cold(results.cold, key)
        if cold is None:
            continue
        lines.append(
            f"| {label} | {cell(f'{cold.wall_s * 1e3:.0f}', cold.wall_ratio)} "
            f"| {cell(f'{cold.cpu_s * 1e3:.0f}', cold.cpu_ratio)} "
            f"| {cell(f'{cold.process_wall_s * 1e3:.0f}', cold.process_wall_ratio)} |"
        )
    lines += ["", *notes(results)]
    return "\n".join(lines) + "\n"


SUMMARY_WORKLOADS = ("put_item", "get_item", "query", "batch_write", "batch_get")
SUMMARY_HEADINGS = ("put", "get", "query, per item", "batch write", "batch get")


def ratio_cells(results: Results, key: str) -> list[str]:
    """``key``'s client CPU per op as a ratio to raw, one cell per summary workload."""
    cells = []
    for name in SUMMARY_WORKLOADS:
        figures = summarize(results.rounds.get(name, []), key)
        cells.append("-" if figures is None else f"{figures.cpu_per_op_ratio:.2f}")
    return cells


def ops_cell(results: Results, name: str, key: str) -> str:
    figures = summarize(results.rounds.get(name, []), key)
    return "-" if figures is None else f"{figures.ops_per_s:,.0f}"


def summary_table(results: Results) -> list[str]:
    """Every contender on one line: CPU per op against raw, sequential ops/s, cold start."""
    lines = [
        "Client CPU per operation as a ratio to the raw client (lower is better), sequential "
        "ops/s, and cold start (import, construct, one `get_item`; wall ms, ratio to raw):",
        "",
        "| contender | "
        + " | ".join(SUMMARY_HEADINGS)
        + " | put ops/s | get ops/s | cold start ms |",
        "| --- |" + " ---: |" * (len(SUMMARY_HEADINGS) + 3),
    ]
    for key, label in results.labels.items():
        if all(summarize(results.rounds.get(n, []), key) is None for n in SUMMARY_WORKLOADS):
            continue
        cold = summarize_cold(results.cold, key)
        cold_cell = "-" if cold is None else cell(f"{cold.wall_s * 1e3:.0f}", cold.wall_ratio)
        lines.append(
            f"| {label} | "
            + " | ".join(ratio_cells(results, key))
            + f" | {ops_cell(results, 'put_item', key)} | {ops_cell(results, 'get_item', key)}"
            + f" | {cold_cell} |"
        )
    return lines


OURS = ("service_typed", "service_async_typed", "service_typed_lean", "service_async_typed_lean")
"""The project's own typed contenders; the rest of the typed ones are its peers."""


def best_peer_row(results: Results) -> list[str]:
    """Per workload, the lowest CPU ratio among the typed peers (issue 19's bar)."""
    peers = [key for key in results.typed if key not in OURS]
    cells = []
    for name in SUMMARY_WORKLOADS:
        ratios = [
            figures.cpu_per_op_ratio
            for key in peers
            if (figures := summarize(results.rounds.get(name, []), key)) is not None
        ]
        cells.append(f"{min(ratios):.2f}" if ratios else "-")
    if all(c == "-" for c in cells):
        return []
    return ["| *best of the typed peers* | " + " | ".join(cells) + " | | |"]


def typed_table(results: Results) -> list[str]:
    """The typed contenders: models in and out, against raw and against their dict twin."""
    rows = []
    for key, twin in results.typed.items():
        label = results.labels.get(key, key)
        if all(summarize(results.rounds.get(n, []), key) is None for n in SUMMARY_WORKLOADS):
            continue
        costs = []
        for name in ("get_item", "query", "batch_get"):
            cost = None if twin is None else model_cost(results.rounds.get(name, []), key, twin)
            costs.append("-" if cost is None else f"{cost * 1e6:+.1f}")
        twin_label = "-" if twin is None else results.labels.get(twin, twin)
        rows.append(
            f"| {label} | " + " | ".join(ratio_cells(results, key)) + f" | {' / '.join(costs)} "
            f"| {twin_label} |"
        )
    if not rows:
        return []
    rows += best_peer_row(results)
    return [
        "",
        "Typed: items in and out as model instances, built inside the timed call. Client CPU "
        "per operation as a ratio to the raw client, and what the models cost per item over "
        "the same library's dict results (µs of client CPU, get / query / batch get):",
        "",
        "| typed contender | " + " | ".join(SUMMARY_HEADINGS) + " | models' µs per item "
        "| against |",
        "| --- |" + " ---: |" * (len(SUMMARY_HEADINGS) + 1) + " --- |",
        *rows,
    ]


def concurrent_table(results: Results) -> list[str]:
    """The concurrent workload: the asyncio contenders only, medians over the rounds."""
    rows = []
    for key, label in results.labels.items():
        figures = summarize_concurrent(results.concurrent, key)
        if figures is None:
            continue
        last = [r[key] for r in results.concurrent if key in r][-1]
        rows.append(
            f"| {label} | {figures.wall_s:.3f} | {figures.ops_per_s:,.0f} "
            f"| {figures.cpu_s_per_op * 1e6:,.1f} | {requests_cell(last)} |"
        )
    if not rows:
        return []
    return [
        "",
        f"| {results.concurrent_title} | wall s | ops/s | client CPU µs/op | requests |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def notes(results: Results) -> list[str]:
    """Batch-write request counts against the target, and what was skipped or failed."""
    expected = results.expected_batch_write_requests
    batch_items = results.meta["sizes"]["batch_write"]
    lines = []
    for key, counts in batch_write_requests(results).items():
        label = results.labels.get(key, key)
        verdict = "met" if all(c == expected for c in counts) else "MISSED"
        if key == "service":
            lines.append(
                f"- {label} batch write: {'/'.join(map(str, counts))} BatchWriteItem requests "
                f"per round for {batch_items:,} items (target exactly {expected:,}): {verdict}."
            )
    uncounted = {
        key
        for per_round in results.rounds.values()
        for samples in per_round
        for key, sample in samples.items()
        if sample.requests is None
    }
    for key in (k for k in results.labels if k in uncounted):
        lines.append(
            f'- {results.labels[key]}: requests not counted ("-"): the library offers no '
            "handle on its client to count them on."
        )
    for key, reason in results.skipped.items():
        lines.append(f"- Skipped {results.labels.get(key, key)}: {reason}")
    for key, reason in results.failed.items():
        lines.append(f"- FAILED {results.labels.get(key, key)}: {reason}")
    return lines


def _per_contender(
    labels: dict[str, str],
    samples: list[dict[str, Any]],
    summarize_one: Callable[[Any, str], Any],
    name: str,
) -> dict[str, Any]:
    """Each contender's summary and samples (under ``name``) of one workload, for the JSON."""
    section: dict[str, Any] = {}
    for key, label in labels.items():
        figures = summarize_one(samples, key)
        if figures is not None:
            section[key] = {
                "label": label,
                "summary": asdict(figures),
                name: [asdict(sample[key]) for sample in samples if key in sample],
            }
    return section


def to_json(results: Results) -> dict[str, Any]:
    """Every sample, and the summaries the table shows."""
    workloads: dict[str, Any] = {}
    for name, title in results.titles.items():
        per_round = results.rounds.get(name, [])
        contenders: dict[str, Any] = {}
        for key, label in results.labels.items():
            figures = summarize(per_round, key)
            if figures is None:
                continue
            contenders[key] = {
                "label": label,
                "summary": asdict(figures),
                "rounds": [asdict(r[key]) for r in per_round if key in r],
            }
        workloads[name] = {"title": title, "contenders": contenders}
    cold = _per_contender(results.labels, results.cold, summarize_cold, "runs")
    concurrent = _per_contender(results.labels, results.concurrent, summarize_concurrent, "rounds")
    return {
        "meta": results.meta,
        "workloads": workloads,
        "concurrent": {"title": results.concurrent_title, "contenders": concurrent},
        "cold_start": cold,
        "batch_write_requests": {
            "expected": results.expected_batch_write_requests,
            "per_contender": batch_write_requests(results),
        },
        "typed": results.typed,
        "skipped": results.skipped,
        "failed": results.failed,
    }


def write_json(results: Results, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Write ``to_json(results)``, with ``extra`` sections (``paired``) added at its end."""
    path.write_text(json.dumps(to_json(results) | (extra or {}), indent=2, allow_nan=True) + "\n")
