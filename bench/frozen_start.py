"""Benchmark: cold start of the frozen app (PyInstaller bundle) to its main window.

Compared with the same app run from source and a bare PySide6 window; also times `--self-test`.

Timed like cold_start.py: a fresh process each run, offscreen, an empty SHOPSTREAM_HOME; the app
prints a marker when its window is first exposed and quits. Runs alternate; medians compared.
Build the bundle first (`make dist`, or pyinstaller packaging/shopstream-studio.spec).

    python bench/frozen_start.py [--bundle build/pyinstaller/shopstream-studio] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cold_start import ROOT, baseline_run, time_to_mark

DEFAULT_BUNDLE = ROOT / "build" / "pyinstaller" / "shopstream-studio"


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", SHOPSTREAM_HOME=str(home),
                SHOPSTREAM_BENCH_MARK="1", SHOPSTREAM_EXIT_AFTER_SHOW="1")


def window_run(command: list[str]) -> float:
    home = Path(tempfile.mkdtemp(prefix="shopstream-frozen-"))
    try:
        return time_to_mark(command, _env(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def self_test_run(program: Path) -> float:
    home = Path(tempfile.mkdtemp(prefix="shopstream-frozen-"))
    try:
        started = time.perf_counter()
        result = subprocess.run([str(program), "--self-test"], env=_env(home),
                                capture_output=True, text=True, timeout=300, check=False)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if result.returncode != 0:
        raise SystemExit(f"--self-test failed:\n{result.stdout}{result.stderr[-2000:]}")
    return elapsed


def _row(label: str, values: list[float]) -> str:
    return (f"  {label:<26}{statistics.median(values) * 1000:7.0f} ms "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args(argv)
    program = args.bundle / "shopstream-studio"
    if not program.is_file():
        print(f"frozen start: no bundle at {args.bundle}; build it with `make dist` (skipped)")
        return 0
    frozen_cmd = [str(program)]
    source_cmd = [sys.executable, "-m", "studio"]
    for command in (frozen_cmd, source_cmd):  # warm the OS file cache: measure start-up only
        window_run(command)
    baseline_run()
    frozen, source, bare, self_test = [], [], [], []
    for _ in range(args.runs):
        bare.append(baseline_run())
        source.append(window_run(source_cmd))
        frozen.append(window_run(frozen_cmd))
    for _ in range(max(1, args.runs // 2)):
        self_test.append(self_test_run(program))
    print(f"cold start to the main window, median of {args.runs} runs (offscreen)")
    print(_row("bare PySide6 window:", bare))
    print(_row("studio from source:", source))
    print(_row("studio frozen:", frozen))
    ratio = statistics.median(frozen) / statistics.median(bare)
    print(f"  ratio frozen / bare:      {ratio:7.2f}x")
    print(_row("frozen --self-test:", self_test))
    return 0


if __name__ == "__main__":
    sys.exit(main())
