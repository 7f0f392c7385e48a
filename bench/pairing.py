"""The lean twins against pydynox, paired within each round: steadier than ratios to raw.

On a small shared machine one contender's CPU per operation moves by 20 to 40% from
round to round, and a ratio to the raw client carries the raw client's swing too. Two
contenders measured in the same round share its conditions, so the median over rounds of
their per-round ratio is the figure to compare them by.
"""

from __future__ import annotations

from bench.report import SUMMARY_HEADINGS, SUMMARY_WORKLOADS, Results, Sample, median

PAIRS: dict[str, str] = {
    "service_lean": "pydynox",
    "service_async_lean": "pydynox_async",
    "service_async_lean_uvloop": "pydynox_async_uvloop",
    "service_typed_lean": "pydynox_model",
    "service_async_typed_lean": "pydynox_model",
}
"""Each of the project's lean contenders, and the peer it is measured against."""


def paired_ratio(per_round: list[dict[str, Sample]], key: str, peer: str) -> float | None:
    """Median over the rounds both ran of ``key``'s CPU per op over ``peer``'s."""
    ratios = [
        r[key].cpu_s_per_op / r[peer].cpu_s_per_op for r in per_round if key in r and peer in r
    ]
    return median(ratios) if ratios else None


def paired(results: Results) -> dict[str, dict[str, float | None]]:
    """For each pair that ran: its paired ratio per summary workload (None where not run)."""
    found: dict[str, dict[str, float | None]] = {}
    for key, peer in PAIRS.items():
        ratios = {
            name: paired_ratio(results.rounds.get(name, []), key, peer)
            for name in SUMMARY_WORKLOADS
        }
        if any(ratio is not None for ratio in ratios.values()):
            found[key] = ratios
    return found


def paired_table(results: Results) -> list[str]:
    """The pairs as Markdown rows: below 1.00 the project's twin spends less CPU."""
    rows = []
    for key, ratios in paired(results).items():
        cells = ["-" if r is None else f"{r:.2f}" for r in ratios.values()]
        label, peer = results.labels.get(key, key), results.labels.get(PAIRS[key], PAIRS[key])
        rows.append(f"| {label} | {peer} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return [
        "",
        "Paired in each round: the project's lean twin's client CPU per operation over its "
        "pydynox peer's in the same round, median over the rounds (below 1.00: less CPU):",
        "",
        "| contender | against | " + " | ".join(SUMMARY_HEADINGS) + " |",
        "| --- | --- |" + " ---: |" * len(SUMMARY_HEADINGS),
        *rows,
    ]
