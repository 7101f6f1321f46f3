"""The one results writer of the benchmarks: every run's figures with when, where and how.

    record = results.stamp()  # date (UTC), machine, command: taken when the run starts
    ...
    results.write("tenants", {**record, ...}, markdown)

`write` puts `bench/results/<name>.json` and `bench/results/<name>.md`; both carry the date (UTC),
the machine (CPU model, cores, memory, Python, system) and the exact command line. A benchmark
writes nothing else that is tracked: the docs change only through `update_docs`, which a benchmark
calls when given `--update-docs`, and which replaces the text between `<!-- bench:<name> -->` and
`<!-- /bench:<name> -->` in docs/speed.md.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
# A run with other options than the benchmark's own (a short trial) goes here, untracked, so that
# it never replaces a full measurement.
TRIALS = BENCH / ".cache" / "results"
DOCS = ROOT / "docs" / "speed.md"


def machine() -> dict[str, Any]:
    """The CPU model, its cores, the memory, the Python version and the system."""
    cpu = platform.processor() or platform.machine()
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:  # not Linux: what platform knows
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def command(argv: list[str] | None = None) -> str:
    """The command line that ran this benchmark, its script relative to the repository."""
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0]).resolve()
    if script.is_relative_to(ROOT):
        argv[0] = script.relative_to(ROOT).as_posix()
    return "python " + shlex.join(argv)


def stamp(argv: list[str] | None = None) -> dict[str, Any]:
    """When (UTC), on what and with which command a run is made: the first keys of its results."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "command": command(argv),
    }


def measured_under_load(record: dict[str, Any]) -> str:
    """`measured`, then the load average (1 min) at the start and the end, from the record's
    `load_average` (`os.getloadavg()` at each), as a sentence."""
    start, end = record["load_average"]["start"][0], record["load_average"]["end"][0]
    return (
        f"{measured(record)}. Load average (1 min) {start:.2f} at the start, {end:.2f} at the end."
    )


def measured(record: dict[str, Any]) -> str:
    """The opening of a results table: "Measured DATE on CPU (N cores, M GiB), Python V, with
    `COMMAND`" (no full stop: each benchmark adds what else it reports)."""
    m = record["machine"]
    size = f"{m['cores']} cores"
    if m.get("memory_gib"):  # results written before the memory was recorded have none
        size += f", {m['memory_gib']:g} GiB memory"
    return (
        f"Measured {record['date']} on {m['cpu']} ({size}), Python {m['python']}, "
        f"with `{record['command']}`"
    )


def write(
    name: str,
    data: dict[str, Any],
    markdown: str,
    folder: Path = RESULTS,
    extra: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """`<folder>/<name>.json` and `<folder>/<name>.md` (and each of `extra`, file name -> text).
    Both carry the date, machine and command: those of `data`, or now's if it has none; the
    Markdown starts with `measured(...)` unless it says so itself."""
    record = {**stamp(), **data}
    if measured(record) not in markdown:
        markdown = f"{measured(record)}.\n\n{markdown}"
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / f"{name}.json", folder / f"{name}.md"
    json_path.write_text(json.dumps(record, indent=2) + "\n")
    md_path.write_text(markdown)
    for file_name, text in (extra or {}).items():
        (folder / file_name).write_text(text)
    print(f"bench: wrote {_shown(json_path)} and {_shown(md_path)}")
    return json_path, md_path


def spread(values: list[float], digits: int) -> dict[str, Any]:
    """The median, min and max of a run's measurements, and the measurements, rounded alike."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "values": [round(value, digits) for value in values],
    }


def update_docs(name: str, markdown: str, docs: Path = DOCS) -> None:
    """Replace what is between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in `docs` with
    `markdown`; the rest of the file is left as it is. SystemExit if the markers are missing."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = docs.read_text() if docs.exists() else ""
    before, found_start, rest = text.partition(start)
    _, found_end, after = rest.partition(end)
    if not found_start or not found_end:
        raise SystemExit(f"bench: {_shown(docs)} has no {start} ... {end} section; not updated")
    docs.write_text(f"{before}{start}\n{markdown.rstrip()}\n{end}{after}")
    print(f"bench: updated the {name} section of {_shown(docs)}")


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
