"""Benchmark: cold start of the studio to its main window, against a bare PySide6 window.

Each run launches a fresh process with QT_QPA_PLATFORM=offscreen and an empty SHOPSTREAM_HOME
(first run: no settings, no data). The studio prints a marker line when its main window is
first exposed (SHOPSTREAM_BENCH_MARK=1) and then quits by itself (SHOPSTREAM_EXIT_AFTER_SHOW=1;
the workspace opens only after the window is shown, so it is not started in this mode). The
baseline is `python -c` showing an empty QMainWindow, timed the same way in the same run.
Runs alternate between the two; medians are compared. Target: the window in at most 2 s.

    python bench/cold_start.py [--runs N]
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

ROOT = Path(__file__).resolve().parent.parent
MARK = "shopstream-window-shown"
TARGET_S = 2.0
TIMEOUT_S = 60.0

# The same expose detection as the studio's main window, around an empty window.
BASELINE = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class Exposed(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print("{MARK}", flush=True), app.quit()))
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
exposed = Exposed()
window.windowHandle().installEventFilter(exposed)
app.exec()
"""


def time_to_mark(command: list[str], env: dict[str, str]) -> float:
    """Seconds from launching `command` to its marker line; the process must then exit 0."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    elapsed = None
    for line in process.stdout:
        if line.startswith(MARK):
            elapsed = time.perf_counter() - started
            break
    try:
        _out, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit(f"{command[:3]} did not exit after showing its window") from None
    if elapsed is None or process.returncode != 0:
        raise SystemExit(f"{command[:3]} failed (exit {process.returncode}):\n{err[-2000:]}")
    return elapsed


def studio_run() -> float:
    home = Path(tempfile.mkdtemp(prefix="shopstream-cold-"))
    try:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SHOPSTREAM_HOME=str(home),
                   SHOPSTREAM_BENCH_MARK="1", SHOPSTREAM_EXIT_AFTER_SHOW="1")
        return time_to_mark([sys.executable, "-m", "studio"], env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def baseline_run() -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return time_to_mark([sys.executable, "-c", BASELINE], env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args(argv)
    baseline_run()  # warm the OS file cache for both: measure start-up, not the disk
    studio_run()
    studio, bare = [], []
    for _ in range(args.runs):
        bare.append(baseline_run())
        studio.append(studio_run())
    studio_s, bare_s = statistics.median(studio), statistics.median(bare)
    print(f"cold start to the main window, median of {args.runs} runs (offscreen)")
    print(f"  bare PySide6 window:    {bare_s * 1000:7.0f} ms "
          f"(min {min(bare) * 1000:.0f}, max {max(bare) * 1000:.0f})")
    print(f"  ShopStream Studio:      {studio_s * 1000:7.0f} ms "
          f"(min {min(studio) * 1000:.0f}, max {max(studio) * 1000:.0f})")
    print(f"  ratio studio / bare:    {studio_s / bare_s:7.2f}x")
    met = studio_s <= TARGET_S
    print(f"  target <= {TARGET_S:.1f} s:         {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
