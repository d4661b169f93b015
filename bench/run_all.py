"""Runs every benchmark script in this folder, one after another, reports which failed, and
sums up the live control room's figures (chat throughput, UI stalls, memory, latency).

    python bench/run_all.py [--full] [name ...]

By default the chat benchmarks run in a quick mode (100,000 messages through realtime, the
model's 1,000,000-message burst, a smaller cache burst: a few minutes on a laptop); `--full`
runs them as their own defaults do (1,000,000 messages through realtime: several minutes
more). Names choose scripts (`python bench/run_all.py chat_burst chat_model`). The other
benchmarks always run with their own defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Arguments of the chat benchmarks in the quick (default) run.
QUICK_ARGS: dict[str, list[str]] = {
    "chat_burst": ["--messages", "100000", "--max-seconds", "90", "--latency-count", "1000"],
    "chat_model": ["--messages", "1000000", "--cache-messages", "50000"],
}
#: Benchmarks whose figures the summary reads (each writes them with --json).
SUMMARISED = ("chat_burst", "chat_model")


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # not on every platform
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def command(script: Path, *, full: bool, figures: Path | None) -> list[str]:
    args = [] if full else QUICK_ARGS.get(script.stem, [])
    if figures is not None:
        args = [*args, "--json", str(figures)]
    return [sys.executable, str(script), *args]


def summary(figures: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """The figures issue 7 asks for, from the chat benchmarks' results."""
    rows: list[tuple[str, str]] = []
    burst = figures.get("chat_burst")
    if burst:
        rows += [
            ("realtime → cache → model",
             f"{burst['burst_rate']:,.0f} messages/s ({burst['burst_arrived']:,} messages)"),
            ("longest UI-thread stall in that burst (5 ms QTimer heartbeat)",
             f"{burst['stall_ms']:.1f} ms"),
            ("bare QAbstractListModel append, same rows", f"{burst['bare_rate']:,.0f} rows/s"),
            ("ratio realtime pipeline / bare model",
             f"{burst['burst_rate'] / burst['bare_rate']:.4f}"),
            (f"realtime latency insert → model, local mode (n={burst['latency_n']:,})",
             f"p50 {burst['p50_ms']:.1f} ms, p95 {burst['p95_ms']:.1f} ms"),
            (f"memory (RSS) after {burst['burst_arrived']:,} messages through realtime",
             f"{burst['rss_mb']:,.0f} MB"),
        ]
    chat = figures.get("chat_model")
    if chat:
        model, cache = chat["model"], chat["cache"]
        rows += [
            ("chat model append (UI thread)",
             f"{model['model_rate']:,.0f} messages/s, longest batch "
             f"{model['model_longest_ms']:.1f} ms"),
            ("ratio chat model / bare model", f"{model['ratio']:.2f}"),
            (f"memory (RSS) after {model['messages']:,} messages in the chat model",
             f"{model['rss_mb']:,.0f} MB ({model['rows_kept']:,} rows kept)"),
            ("cache → chat model",
             f"{cache['rate']:,.0f} messages/s, longest UI-thread stall "
             f"{cache['stall_ms']:.1f} ms"),
        ]
    return rows


def main(argv: list[str]) -> int:
    full = "--full" in argv
    wanted = {a for a in argv if not a.startswith("--")}
    unknown = {a for a in argv if a.startswith("--")} - {"--full"}
    if unknown:
        print(f"unknown option(s): {', '.join(sorted(unknown))} (only --full)", file=sys.stderr)
        return 2
    this = Path(__file__).name
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != this and not p.name.startswith("_")
    )
    if wanted:
        missing = wanted - {p.stem for p in scripts}
        if missing:
            print(f"no such benchmark: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
        scripts = [p for p in scripts if p.stem in wanted]
    failed: list[str] = []
    figures: dict[str, dict[str, Any]] = {}
    mode = "full" if full else "quick"
    with tempfile.TemporaryDirectory(prefix="shopstream-bench-figures-") as tmp:
        for script in scripts:
            out = Path(tmp) / f"{script.stem}.json" if script.stem in SUMMARISED else None
            print(f"\n=== {script.stem} ({mode}) — load average {load_average()} ===",
                  flush=True)
            started = time.perf_counter()
            result = subprocess.run(command(script, full=full, figures=out), cwd=HERE.parent)
            took = time.perf_counter() - started
            print(f"--- {script.stem}: exit {result.returncode} in {took:.1f} s, "
                  f"load average {load_average()}")
            if result.returncode:
                failed.append(script.stem)
            if out is not None and out.exists():
                figures[script.stem] = json.loads(out.read_text())
    rows = summary(figures)
    if rows:
        print(f"\n=== live control room figures ({mode} run; load average {load_average()},"
              f" {os.cpu_count()} CPUs) ===")
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    print(f"\nall {len(scripts)} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
