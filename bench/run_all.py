"""Runs every benchmark script in this folder, one after another, and reports which failed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    this = Path(__file__).name
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != this and not p.name.startswith("_")
    )
    if wanted:
        scripts = [p for p in scripts if p.stem in wanted]
    failed: list[str] = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        took = time.perf_counter() - started
        print(f"--- {script.stem}: exit {result.returncode} in {took:.1f} s")
        if result.returncode:
            failed.append(script.stem)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    print(f"\nall {len(scripts)} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
