"""How long `lxt run` takes on the example study from an empty model cache, per stage.

Goal (issue 14): the whole example study, ingest to reports, in under 3 minutes on this
2-core machine after set-up. Timings on a shared machine are noisy, so code versions are
compared side by side in one sitting: ``--tree`` names other checkouts of the toolkit, and
the runs alternate between them (this checkout first) so that a busy spell hits both.

Each run copies the study (and the codebooks it names) into a fresh temporary folder and
uses an empty model cache there, as a first `make demo` after set-up would.

Usage::

    .venv/bin/python benchmarks/example_run_timing.py [--runs 2] [--tree OTHER_CHECKOUT ...]
        [--json benchmarks/results/example_run_timing.json]

Prints one line per run (total and per-stage seconds) and the median per checkout, named by
its commit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# "  code       45.49 s  (segments ..." in the run's summary
STAGE_LINE = re.compile(r"^\s+([a-z_]+)\s+([\d.]+) s\b", re.MULTILINE)


def version(tree: Path) -> str:
    """The checkout's commit (short hash, "+changes" if its files differ), else its name."""
    git = ["git", "-C", str(tree)]
    done = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if done.returncode != 0:
        return tree.name
    dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def one_run(tree: Path, study: Path) -> dict:
    """Run `lxt run` from ``tree`` on a fresh copy of ``study``; total and stage seconds."""
    work = Path(tempfile.mkdtemp(prefix="lxt-run-bench-"))
    try:
        copy = work / "surveys" / study.name
        shutil.copytree(study, copy)
        shutil.copytree(REPO / "codebooks", work / "codebooks")
        env = {**os.environ, "PYTHONPATH": str(tree), "LXT_CACHE_DIR": str(work / "cache")}
        cmd = [sys.executable, "-m", "toolkit.cli", "run", str(copy), "--out", str(work / "out")]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
            raise SystemExit(f"lxt run from {tree} failed (exit {done.returncode})")
        stages = {name: float(s) for name, s in STAGE_LINE.findall(done.stdout)}
        return {"version": version(tree), "total_s": round(seconds, 1), "stages_s": stages}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=REPO / "surveys" / "example")
    parser.add_argument("--runs", type=int, default=2, help="runs per tree")
    parser.add_argument("--tree", type=Path, action="append", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    trees = [REPO, *[t.resolve() for t in args.tree]]
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "runs": [],
    }
    for i in range(args.runs):
        for tree in trees:
            run = one_run(tree, args.study.resolve())
            results["runs"].append(run)
            stages = ", ".join(f"{k} {v:.0f}" for k, v in run["stages_s"].items())
            print(f"run {i + 1}, {run['version']}: {run['total_s']} s ({stages})", flush=True)
    totals: dict[str, list[float]] = {}
    for run in results["runs"]:
        totals.setdefault(run["version"], []).append(run["total_s"])
    results["median_total_s"] = {v: round(statistics.median(t), 1) for v, t in totals.items()}
    for name, median in results["median_total_s"].items():
        print(f"median, {name}: {median} s")
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
