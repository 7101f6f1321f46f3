"""The results of bench/run.py as the docs show them: a markdown table of the targets and an SVG
plot."""

from __future__ import annotations

import math
from typing import Any

from results import measured


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"{measured(results)} ({results['seconds_per_run']} s per wrk run)." + _load(results),
        "",
        "| what | target | measured | met |",
        "|---|---|---|---|",
    ]
    for target in results["targets"]:
        met = {True: "yes", False: "**no**", None: "skipped"}[target["met"]]
        lines.append(f"| {target['what']} | {target['target']} | {target['measured']} | {met} |")
    lines += [
        "",
        "The dashboard query at each store size (one connection, latencies in ms):",
        "",
        "| stored events | start to healthy (s) | RSS after load (MB) | p50 | p90 | p99 |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for store in results["stores"]:
        latency = store["latency"]
        lines.append(
            f"| {store['events']:,} | {store['startup_s']:.2f} | {store['rss_mb']:.0f} "
            f"| {latency['latency_p50_us'] / 1000:.2f} | {latency['latency_p90_us'] / 1000:.2f} "
            f"| {latency['latency_p99_us'] / 1000:.2f} |"
        )
    lines += [
        "",
        "Requests/s of the same request, four connections. The emulator and the bare handler send "
        "the 1000-row page (about 240 KB); Steady and Prism send the one-row example they make "
        "from the schema:",
        "",
        "| server | requests/s | p50 latency (ms) |",
        "|---|---:|---:|",
    ]
    for name, run in results["throughput"].items():
        if "skipped" in run:
            lines.append(f"| {name} | skipped: {run['skipped']} | |")
        else:
            lines.append(
                f"| {name} | {run['requests_per_s']:,.0f} | {run['latency_p50_us'] / 1000:.2f} |"
            )
    return "\n".join(lines) + "\n"


def _load(results: dict[str, Any]) -> str:
    load = results.get("load_average")
    if load is None:
        return ""
    return f" Load average (1 min) {load['start']:.2f} at the start, {load['end']:.2f} at the end."


def svg(stores: list[dict[str, Any]]) -> str:
    """Median and p90 latency against stored events, on a log axis."""
    width, height, left, right, top, bottom = 640, 320, 64, 24, 36, 48
    xs = [math.log10(store["events"]) for store in stores]
    x_lo, x_hi = math.floor(min(xs)), math.ceil(max(xs))
    y_hi: float = max(store["latency"]["latency_p90_us"] for store in stores) / 1000 * 1.25

    def x(events: int) -> float:
        return left + (math.log10(events) - x_lo) / (x_hi - x_lo) * (width - left - right)

    def y(ms: float) -> float:
        return height - bottom - ms / y_hi * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">'
        "Dashboard query latency against stored events "
        "(computed every time, no response cache)</text>",
        f'<line x1="{left}" y1="{y(0)}" x2="{width - right}" y2="{y(0)}" stroke="black"/>',
        f'<line x1="{left}" y1="{y(0)}" x2="{left}" y2="{top}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">'
        "stored events (log scale)</text>",
        f'<text x="16" y="{height / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {height / 2})">latency (ms)</text>',
    ]
    for power in range(x_lo, x_hi + 1):
        px = x(10**power)
        label = _EVENTS_LABELS.get(power, f"1e{power}")
        parts.append(f'<text x="{px}" y="{y(0) + 16}" text-anchor="middle">{label}</text>')
    step = _tick_step(y_hi)
    tick = 0.0
    while tick <= y_hi:
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4}" text-anchor="end">{tick:g}</text>')
        parts.append(
            f'<line x1="{left}" y1="{y(tick)}" x2="{width - right}" y2="{y(tick)}" stroke="#ddd"/>'
        )
        tick = round(tick + step, 6)
    for row, (key, colour, label) in enumerate(
        (("latency_p50_us", "#1f77b4", "median"), ("latency_p90_us", "#ff7f0e", "p90"))
    ):
        points = [(x(s["events"]), y(s["latency"][key] / 1000)) for s in stores]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
        ]
        legend_y = top + 12 + 16 * row
        parts.append(
            f'<line x1="{left + 12}" y1="{legend_y - 4}" x2="{left + 32}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{left + 38}" y="{legend_y}" fill="{colour}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


_EVENTS_LABELS = {3: "1k", 4: "10k", 5: "100k", 6: "1M", 7: "10M"}


def _tick_step(top: float) -> float:
    raw = top / 5
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
