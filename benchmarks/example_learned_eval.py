"""Rules, the learned model and both together, against the example study's ground truth.

After ``lxt run surveys/example`` (which adds the shipped reviewers' rounds to the decision log),
this trains the study's learner on those decisions exactly as the code stage does and scores,
per code, at segment level against ``truth/themes.csv`` (segments matched to truth sentences by
text): the codebook's rules alone, the learned model alone (every code it learned), and the
two together as ``lxt run`` publishes them (a code's rule suggestions replaced by the model's
where the model is used). Also prints how many segments each codes, beside the truth.

Run::

    lxt run surveys/example
    nice -n 10 .venv/bin/python benchmarks/example_learned_eval.py \\
        --study surveys/example --outputs outputs/example
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.coding.classifiers import learn_from_decisions  # noqa: E402
from toolkit.coding.codebook import load_codebook  # noqa: E402
from toolkit.coding.decisions import read_decisions  # noqa: E402
from toolkit.coding.review_select import normal_text  # noqa: E402
from toolkit.coding.suggest import AutoCoder  # noqa: E402
from toolkit.embeddings.backends import make_embedder  # noqa: E402
from toolkit.offline import enforce_offline  # noqa: E402
from toolkit.study.config import load_study  # noqa: E402


def segment_f1(pairs: set, truth: set, seg_ids: set, code: str) -> float:
    said = {s for s, c in pairs if c == code and s in seg_ids}
    actual = {s for s, c in truth if c == code}
    denom = len(said) + len(actual)
    return 2 * len(said & actual) / denom if denom else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=ROOT / "surveys" / "example")
    parser.add_argument("--outputs", type=Path, default=ROOT / "outputs" / "example")
    parser.add_argument("--out", type=Path, help="optional CSV of the per-code table")
    args = parser.parse_args(argv)
    enforce_offline()
    study = load_study(args.study)
    book = load_codebook(study.path(study.codebook))
    segments = pd.read_parquet(args.outputs / "data" / "segments.parquet")
    embedder = make_embedder(study.topics.embedding, study.seed)
    # The same inputs as the code stage: the rules' codings and their scores as features.
    rule, scores = AutoCoder(book, embedder, progress=False).code_segments(segments)
    learned = learn_from_decisions(
        read_decisions(study),
        segments,
        book,
        embedder,
        seed=study.seed,
        features=scores,
        suggested=rule,
    )
    used = set(learned.metrics.loc[learned.metrics["used"].astype(bool), "code"])
    # The model's own quality on every code it learned, used or not: what it would publish.
    trained = learned.metrics.assign(used=learned.metrics["trained"].astype(bool))
    model = replace(learned, metrics=trained).codings(segments)

    truth = pd.read_csv(args.study / "truth" / "themes.csv", dtype=str, keep_default_na=False)
    themes = truth.assign(k=truth["sentence"].map(normal_text)).drop_duplicates("k")
    themes = themes.set_index("k")["themes"]
    keys = segments["text"].map(normal_text)
    matched = segments.loc[keys.isin(themes.index)]
    truth_pairs = {
        (s, c)
        for s, k in zip(matched["seg_id"], keys[keys.isin(themes.index)], strict=True)
        for c in themes[k].split(";")
        if c
    }
    seg_ids = set(matched["seg_id"])
    rule_pairs = set(zip(rule["seg_id"], rule["code"], strict=True))
    model_pairs = set(zip(model["seg_id"], model["code"], strict=True))
    both = {(s, c) for s, c in rule_pairs if c not in used} | {
        (s, c) for s, c in model_pairs if c in used
    }
    rows = []
    for code in book.codable_ids:
        rows.append(
            {
                "code": code,
                "model_used": code in used,
                "rules_f1": segment_f1(rule_pairs, truth_pairs, seg_ids, code),
                "model_f1": segment_f1(model_pairs, truth_pairs, seg_ids, code),
                "published_f1": segment_f1(both, truth_pairs, seg_ids, code),
                "truth_segments": sum(1 for _, c in truth_pairs if c == code),
                "rules_segments": sum(1 for s, c in rule_pairs if c == code and s in seg_ids),
                "published_segments": sum(1 for s, c in both if c == code and s in seg_ids),
            }
        )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"\nmacro F1 over {len(table)} codes ({len(seg_ids)} segments matched to truth): "
        f"rules {table['rules_f1'].mean():.3f}, learned model {table['model_f1'].mean():.3f}, "
        f"published (rules + model where used) {table['published_f1'].mean():.3f}"
    )
    if args.out:
        table.round(4).to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
