"""``python -m toolkit.synthetic --out surveys/example --seed 2026``: write the example study."""

from __future__ import annotations

import argparse
import sys
import time

from toolkit.synthetic import generate_study


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the study, print one line; exit status 1 on bad sizes."""
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.synthetic",
        description="Generate the synthetic example study (made-up people, known answers).",
    )
    parser.add_argument("--out", required=True, help="study folder to write, e.g. surveys/example")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--participants", type=int, default=450, help="number of people")
    parser.add_argument("--transcripts", type=int, default=45, help="number of interviews")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        folder = generate_study(args.out, args.seed, args.participants, args.transcripts)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(
        f"Wrote a synthetic study with {args.participants} participants and "
        f"{args.transcripts} transcripts to {folder} in {seconds:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
