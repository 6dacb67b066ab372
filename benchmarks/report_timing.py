"""How long `lxt report` takes on the example study: first run, re-run, --jobs 1 vs --jobs 2.

Goal (issue 8): the whole example study (three cohorts, both reports each, plus the overview)
in under 3 minutes on a 2-core machine after set-up, and a re-run with nothing changed in
under 30 seconds.

The study is built once (``lxt run`` stages up to ``analyse``) into a temporary outputs
folder, unless ``--out`` names an existing one; then each timing removes ``reports/`` first
(except the re-run, which must find everything unchanged).

Usage::

    .venv/bin/python benchmarks/report_timing.py [--study surveys/example] [--out DIR]

Prints one line per measurement and writes them as JSON to ``--json`` if given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def lxt_report(study: Path, out: Path, jobs: int) -> float:
    cmd = [
        sys.executable,
        "-m",
        "toolkit.cli",
        "report",
        str(study),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"lxt report failed (exit {done.returncode})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=REPO / "surveys" / "example")
    parser.add_argument("--out", type=Path, help="an already built outputs folder to reuse")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lxt-report-bench-"))
    out = args.out
    if out is None:
        from toolkit.study.pipeline import STAGES, run_study

        out = work / "outputs"
        stages = [name for name, _ in STAGES if name != "report"]
        t0 = time.perf_counter()
        run_study(args.study, out=out, stages=stages, progress=False)
        print(f"set-up (lxt run without reports): {time.perf_counter() - t0:.1f} s")

    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1min": os.getloadavg()[0],
    }
    for jobs in (2, 1):
        shutil.rmtree(out / "reports", ignore_errors=True)
        results[f"first_run_jobs_{jobs}_s"] = round(lxt_report(args.study, out, jobs), 1)
        print(f"first run, --jobs {jobs}: {results[f'first_run_jobs_{jobs}_s']} s")
    results["rerun_nothing_changed_s"] = round(lxt_report(args.study, out, 2), 1)
    print(f"re-run, nothing changed: {results['rerun_nothing_changed_s']} s")
    results["load_average_1min_after"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
