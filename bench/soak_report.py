"""The soak's results as a table: (what, target, measured, met) rows, and their Markdown."""

from __future__ import annotations

from typing import Any

import results as results_files

from emulator.wire.limits import JOURNAL_BYTES, MiB

HEALTH_TARGET_MS = 100.0


def five_xx(results: dict[str, Any]) -> int:
    """Every 5xx that was not injected, across the run."""
    count = len([f for f in results["mixed"]["failures_5xx_or_errors"] if ": 5" in f])
    count += sum(1 for s in results["heavy"]["statuses"] if s >= 500)
    count += sum(1 for r in results["abuse"]["requests"] if r["status"] >= 500)
    count += sum(1 for r in results["abuse"]["cursors"]["all"] if r["status"] >= 500)
    for key in ("journal_json_bodies", "journal_control_bytes"):
        journal = results["abuse"][key]
        count += sum(v for k, v in journal["request_statuses"].items() if k.startswith("5"))
        count += journal["journal_status"] >= 500
    count += sum(
        1
        for key in ("reset_1m", "state_export", "state_load", "snapshot")
        if results["big"][key]["status"] >= 500
    )
    return count


def table(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(what, target, measured, met) rows; met None when there is no target."""
    mixed, heavy, abuse_, big = results["mixed"], results["heavy"], results["abuse"], results["big"]
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(what: str, target: str, measured: str, met: bool | None) -> None:
        rows.append((what, target, measured, met))

    def latency(what: str, phase: dict[str, Any], key: str, target: float | None) -> None:
        """Worst and p99 of a probe, with the longest full GC pause of the phase beside them."""
        measured = f"worst {phase[key]['worst_ms']:.0f} ms, p99 {phase[key]['p99_ms']:.0f} ms"
        if phase.get("gc", {}).get("full_collections"):
            measured += f" (longest full GC: {phase['gc']['longest_ms']:.0f} ms)"
        if target is None:
            row(what, "reported", measured, None)
        else:
            row(what, f"worst <= {target:.0f} ms", measured, phase[key]["worst_ms"] <= target)

    failures = mixed["failures_5xx_or_errors"]
    row(
        f"mixed load, {mixed['tokens']} tokens for {mixed['seconds']:.0f} s: 5xx not injected, "
        "or connection errors",
        "0",
        f"{len(failures)} of {mixed['requests']:,} requests ({mixed['requests_per_s']:,}/s, "
        f"emulator CPU {mixed['emulator_cpu_share']:.0%} of a core; "
        f"{sum(mixed['injected'].values()):,} faults injected and hit)",
        not failures,
    )
    row(
        "mixed load: answers other than expected",
        "0",
        str(mixed["unexpected_count"]),
        mixed["unexpected_count"] == 0,
    )
    latency("mixed load: health", mixed, "health", None)
    q = heavy["query"]
    row(
        f"heaviest usage query: {q['windows']:,} hour windows x {q['customers']} customers, "
        f"{q['group_values']} group values, one page: {q['numbers']:,} numbers, "
        f"{heavy['response_mb']} MiB",
        "200; one value more 400",
        f"{'/'.join(map(str, heavy['statuses']))} in "
        f"{', '.join(f'{s:.1f}' for s in heavy['seconds'])} s; "
        f"one more: {heavy['one_more_value']['status']}",
        all(s == 200 for s in heavy["statuses"]) and heavy["one_more_value"]["status"] == 400,
    )
    latency("heaviest query: health", heavy, "health", HEALTH_TARGET_MS)
    latency(
        "heaviest query: another tenant's small query",
        heavy,
        "other_tenant_small_usage",
        HEALTH_TARGET_MS,
    )
    reset = big["reset_1m"]
    latency(f"1M-event reset ({reset['seconds']:.1f} s): health", reset, "health", HEALTH_TARGET_MS)
    row("1M-event reset: RSS after", "reported", f"{reset['rss_after_mb']:.0f} MiB", None)
    export, load, snap = big["state_export"], big["state_load"], big["snapshot"]
    latency(
        f"GET /_emulator/state, {export['mib']} MiB streamed ({export['seconds']:.1f} s): health",
        export,
        "health",
        HEALTH_TARGET_MS,
    )
    latency(
        f"POST /_emulator/state, {load['bytes'] / MiB:.1f} MiB ({load['seconds']:.1f} s, "
        f"{load['status']}): health (known: the JSON parse holds the loop)",
        load,
        "health",
        None,
    )
    latency(
        f"POST /_emulator/snapshot of {snap['large_tenants']} ({snap['seconds']:.1f} s, "
        f"{snap['status']}): health",
        snap,
        "health",
        HEALTH_TARGET_MS,
    )
    row("POST /_emulator/snapshot: peak RSS", "reported", f"{snap['rss_peak_mb']:.0f} MiB", None)
    for r in abuse_["requests"]:
        target = f"{r['expected']}"
        measured = f"{r['status']} in {r['seconds']:.3f} s, RSS peak +{r['growth_peak_mb']:.1f} MiB"
        met = r["ok"]
        if r["what"].startswith("gzip bomb"):
            target += " within 0.5 s, < 50 MB growth"
            met = met and r["seconds"] <= 0.5 and r["growth_peak_mb"] < 50
        row(r["what"], target, measured, met)
    c = abuse_["cursors"]
    statuses = ", ".join(f"{n} x {k}" for k, n in sorted(c["statuses"].items()))
    row(
        f"tampered cursors and valid-MAC cursors of the wrong shape ({c['cases']} cases, 3 "
        "endpoints)",
        "400 (in-shape positions never issued: 200 or 400)",
        f"{c['ok']} of {c['cases']} as expected ({statuses})",
        not c["failed"],
    )
    for key, what in (
        ("journal_json_bodies", "200 requests of ~890 KiB JSON"),
        ("journal_control_bytes", "200 requests of 1000 KiB of control bytes"),
    ):
        j = abuse_[key]
        row(
            f"journal after {what}: GET /_emulator/requests",
            f"{JOURNAL_BYTES // MiB} MiB plus JSON overhead",
            f"{j['journal_response_mib']} MiB ({j['journal_entries']} entries)",
            None,
        )
    row(
        "RSS before and after the attacks",
        "back within 20 MiB",
        f"{abuse_['rss_before_mb']:.0f} -> {abuse_['rss_after_mb']:.0f} MiB "
        f"({abuse_['rss_change_mb']:+.1f})",
        abs(abuse_["rss_change_mb"]) <= 20,
    )
    drop = big["drop_large_tenants"]
    row(
        "RSS with the large tenants, then after dropping them",
        "reported",
        f"{drop['rss_before_mb']:.0f} -> {drop['rss_after_mb']:.0f} MiB",
        None,
    )
    cycles = drop["rss_after_each_rebuild_and_drop_mb"]
    row(
        "RSS after each of 3 rebuilds (230,000 events) and drops of one tenant",
        "level (no growth over 20 MiB)",
        " -> ".join(f"{mb:.0f}" for mb in cycles) + " MiB",
        max(cycles) - cycles[0] <= 20,
    )
    row(
        "peak RSS (VmHWM), final RSS",
        "reported",
        f"{results['rss_peak_mb']:.0f} MiB, {results['rss_final_mb']:.0f} MiB",
        None,
    )
    row(
        "5xx that were not injected, whole run",
        "0",
        str(results["five_xx"]),
        results["five_xx"] == 0,
    )
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"{results_files.measured(results)} (load average {results['load_before']} before, "
        f"{results['load_after']} after; {results['total_s']:.0f} s in all).",
        "",
        "| what | target | measured | met |",
        "|---|---|---|---|",
    ]
    for what, target, measured, met in results["table"]:
        mark = "" if met is None else "yes" if met else "**no**"
        lines.append(f"| {what} | {target} | {measured} | {mark} |")
    return "\n".join(lines) + "\n"
