"""How long do `lxt validate` and the ingest stage take, and where does the time go?

Generates a synthetic study of the given size (``toolkit.synthetic.generate_study``) in a
temporary folder, then times

1. **validate**: reading and checking every input (``toolkit.study.validate.read_study_inputs``);
2. **tables without redaction**: pseudonymising, scoring and building all six tables with a
   redactor that changes nothing, to show the cost of everything but redaction;
3. **full ingest** (unless ``--skip-redaction``): the real stage, with the study's redactor.

Peak memory (max resident set size of this process) is printed at the end.

Run::

    .venv/bin/python benchmarks/ingest_speed.py                            # the example size
    .venv/bin/python benchmarks/ingest_speed.py --participants 20000 --skip-redaction
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Unchanged:
    text: str


class IdentityRedactor:
    """Stands in for the redactor to measure everything else; never used for real outputs."""

    def redact(self, text: str) -> _Unchanged:
        return _Unchanged(text)

    def redact_parts(self, parts: list[str]) -> list[_Unchanged]:
        return [_Unchanged(p) for p in parts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=450)
    parser.add_argument("--transcripts", type=int, default=45)
    parser.add_argument("--skip-redaction", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("LXT_PSEUDONYM_KEY", "benchmark key, not for real studies")
    from toolkit.ingest.stage import build_tables
    from toolkit.privacy.pseudonymise import Pseudonymiser
    from toolkit.study.config import load_study
    from toolkit.study.pipeline import run_study
    from toolkit.study.validate import read_study_inputs
    from toolkit.synthetic import generate_study

    with tempfile.TemporaryDirectory(prefix="lxt-bench-") as tmp:
        folder = Path(tmp) / "study"
        t0 = time.perf_counter()
        generate_study(folder, participants=args.participants, transcripts=args.transcripts)
        print(f"generated {args.participants} participants, {args.transcripts} transcripts "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip

        study = load_study(folder)
        t0 = time.perf_counter()
        inputs, problems = read_study_inputs(study)
        print(f"validate: {time.perf_counter() - t0:.2f} s, {len(problems)} problems")

        t0 = time.perf_counter()
        tables = build_tables(inputs, study.cohort_names, Pseudonymiser.from_environment(),
                              IdentityRedactor())  # fmt: skip
        sizes = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
        print(f"tables without redaction: {time.perf_counter() - t0:.2f} s ({sizes})")

        if not args.skip_redaction:
            t0 = time.perf_counter()
            run_study(folder, out=Path(tmp) / "out", stages=["ingest"], progress=False)
            print(f"full ingest stage (with redaction): {time.perf_counter() - t0:.1f} s")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
