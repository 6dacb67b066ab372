"""Benchmark the topic pipeline against plain BERTopic, and its scaling with the static model.

Usage (from the repository root; writes JSON results to benchmarks/results/):

    .venv/bin/python benchmarks/topics_benchmark.py compare [--study surveys/example]
    .venv/bin/python benchmarks/topics_benchmark.py scale [--sizes 1000 10000 100000]
    .venv/bin/python benchmarks/topics_benchmark.py realtext --corpus careopinion-short [--n 4000]

``compare``: on the example study's segments and the SAME MiniLM embeddings, this pipeline
(:func:`toolkit.topics.model.fit_topic_model`) against ``BERTopic().fit_transform`` with default
parameters: wall time, peak memory, outlier share, NPMI, diversity and agreement (NMI, ARI)
with the planted themes in ``truth/themes.csv`` (segments with exactly one planted theme,
matched by text; NMI is sklearn's arithmetic-mean NMI, and the chance-adjusted AMI is reported
beside it because NMI rises with the number of clusters), and how many topics are mostly
(half or more) one planted group, the generator's small talk counting as a group, with the
median share of a topic's largest group. NPMI of both sides is computed by the
same function over the same segments. Both fits compute UMAP (the pipeline's reduction cache
is off for them). Also the cold (empty cache) and warm (cached embeddings and UMAP reductions)
time of embed + fit, as a re-run of the stage with unchanged inputs. Each measurement runs in
its own process; numba's one-off compilation is warmed up first so that neither side pays for
it.

``realtext``: real patient feedback held outside the repository (Care Opinion, CC BY-NC-SA;
folder from ``LXT_CAREOPINION`` or ``../shared/data/careopinion``): short answers against their
human subcategory, longer stories against the major category of their first code, or long
documents (four stories of one major category, ``careopinion-long``) against it. For this
pipeline and a plain ``BERTopic()`` (only UMAP's seed fixed) on the same MiniLM embeddings:
NMI/AMI with the human categories (outliers and, for the pipeline, fillers count as one group
each), NPMI of the unigram top words, diversity, outlier and filler shares, ARI between seeds
42 and 43, and fit time. Labels are printed for reading, never written to the results file.

``scale``: 1k/10k/100k distinct segments (pairs of example sentences) with the ``static``
backend (distilled first if needed): time and peak memory (VmHWM, reset per stage) per stage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results"


def reset_peak() -> None:
    # Writing 5 to clear_refs resets the peak resident set size (VmHWM) on Linux.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def warm_numba() -> None:
    import numpy as np
    from umap import UMAP

    UMAP(n_neighbors=5, n_components=2, random_state=0).fit(
        np.random.default_rng(0).normal(size=(60, 8))
    )


def build_segments(study: Path, out: Path):
    import pandas as pd

    from toolkit.study.pipeline import run_study

    # A throwaway pseudonym key: the benchmark never keeps its outputs.
    os.environ.setdefault("LXT_PSEUDONYM_KEY", "benchmark-only key, not for real studies")
    if not (out / "data" / "segments.parquet").exists():
        run_study(study, out=out, stages=["ingest", "segment"], progress=False)
    return pd.read_parquet(out / "data" / "segments.parquet")


def planted_labels(study: Path, texts: list[str], no_theme: str | None = None) -> list[str | None]:
    """Each text's one planted theme; None for several themes or none on record.

    ``no_theme`` names the generator's deliberate small talk as one more group instead.
    """
    import pandas as pd

    truth = pd.read_csv(study / "truth" / "themes.csv")
    if no_theme is not None:
        truth = truth.assign(themes=truth["themes"].fillna(no_theme))
    truth = truth[truth["themes"].notna() & ~truth["themes"].astype(str).str.contains(";")]
    by_text = truth.groupby("sentence")["themes"].agg(lambda s: s.mode().iat[0]).to_dict()
    return [by_text.get(t) for t in texts]


def topic_purity(topics, groups) -> dict:
    """How many topics are mostly one planted group: a topic that mixes several themes has
    no theme a label could name, however the label is chosen."""
    import pandas as pd

    frame = pd.DataFrame({"topic": topics, "group": groups}).dropna()
    frame = frame[frame["topic"] >= 0]
    if frame.empty:
        return {"topics_mostly_one_theme": 0, "median_topic_purity": float("nan")}
    share = frame.groupby("topic")["group"].agg(lambda s: s.value_counts(normalize=True).iat[0])
    return {
        "topics_mostly_one_theme": int((share >= 0.5).sum()),
        "median_topic_purity": round(float(share.median()), 4),
    }


def _quality(topics, words, texts, study, queue_extra):
    import numpy as np
    from sklearn.metrics import (
        adjusted_mutual_info_score,
        adjusted_rand_score,
        normalized_mutual_info_score,
    )

    from toolkit.topics.quality import npmi_coherence, topic_diversity

    labels = planted_labels(study, texts)
    mask = np.array([lab is not None for lab in labels])
    truth = [lab for lab in labels if lab is not None]
    topics = np.asarray(topics)
    return {
        "n_topics": len(words),
        "outlier_share": round(float(np.mean(topics == -1)), 4),
        "npmi": round(npmi_coherence(words, texts), 4),
        "diversity": round(topic_diversity(words), 4),
        "nmi_planted": round(float(normalized_mutual_info_score(truth, topics[mask])), 4),
        "ari_planted": round(float(adjusted_rand_score(truth, topics[mask])), 4),
        "ami_planted": round(float(adjusted_mutual_info_score(truth, topics[mask])), 4),
        "n_planted_segments": int(mask.sum()),
        **topic_purity(topics, planted_labels(study, texts, no_theme="(no theme)")),
        **queue_extra,
    }


def run_fit(kind: str, study: str, segments_path: str, cache: str, queue) -> None:
    import logging
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    os.environ["LXT_CACHE_DIR"] = cache
    from toolkit.embeddings.backends import get_embedder
    from toolkit.topics.model import EmbedderBackend, fit_topic_model
    from toolkit.topics.stage import spoken_mask

    segments = pd.read_parquet(segments_path)
    texts = segments["text"].astype(str).tolist()
    spoken = spoken_mask(segments)
    embedder = get_embedder("minilm", cache_dir=Path(cache) / "embeddings")
    t0 = time.perf_counter()
    embeddings = embedder.encode(texts)
    embed_s = time.perf_counter() - t0
    warm_numba()
    reset_peak()
    t0 = time.perf_counter()
    if kind == "pipeline":
        # UMAP computed here, as for the plain fit: the cache is measured by run_end_to_end.
        fitted = fit_topic_model(
            texts, embeddings, embedder, seed=42, reduction_cache=None, spoken=spoken
        )
        topics = fitted.topics
        words = [fitted.keywords(t) for t in fitted.topic_ids]
    else:
        from bertopic import BERTopic

        logging.getLogger("BERTopic").setLevel(logging.ERROR)
        model = BERTopic(embedding_model=EmbedderBackend(embedder))
        topics, _ = model.fit_transform(texts, embeddings=embeddings)
        words = [[w for w, _ in model.get_topic(t)][:10] for t in sorted(set(topics)) if t >= 0]
    fit_s = time.perf_counter() - t0
    extra = {
        "fit_seconds": round(fit_s, 2),
        "embed_seconds": round(embed_s, 2),
        "fit_peak_mb": peak_mb(),
    }
    queue.put((kind, _quality(topics, words, texts, Path(study), extra)))


def run_end_to_end(segments_path: str, cache: str, queue) -> None:
    """Embed + fit through the caches at ``cache`` (embeddings, UMAP), as the stage does."""
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    from toolkit.embeddings.backends import get_embedder
    from toolkit.topics.model import fit_topic_model
    from toolkit.topics.stage import spoken_mask

    warm_numba()
    segments = pd.read_parquet(segments_path)
    texts = segments["text"].astype(str).tolist()
    t0 = time.perf_counter()
    embedder = get_embedder("minilm", cache_dir=cache)
    embeddings = embedder.encode(texts)
    fit_topic_model(texts, embeddings, embedder, seed=42, spoken=spoken_mask(segments))
    queue.put(round(time.perf_counter() - t0, 2))


def in_process(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def compare(study: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="lxt-bench-"))
    segments = build_segments(study, work / "out")
    seg_path = str(work / "out" / "data" / "segments.parquet")
    cache = str(work / "cache")
    results = {"n_segments": len(segments), "n_distinct": int(segments["text"].nunique())}
    cold_cache = str(work / "cold")
    results["end_to_end_cold_seconds"] = in_process(run_end_to_end, seg_path, cold_cache)
    results["end_to_end_warm_seconds"] = in_process(run_end_to_end, seg_path, cold_cache)
    results["warm_over_cold"] = round(
        results["end_to_end_warm_seconds"] / results["end_to_end_cold_seconds"], 3
    )
    # The cold run filled the cache: both fits below use the very same cached embeddings.
    os.makedirs(cache, exist_ok=True)
    os.symlink(cold_cache, Path(cache) / "embeddings")
    for kind in ("plain", "pipeline"):
        name, res = in_process(run_fit, kind, str(study), seg_path, cache)
        results[name] = res
        print(name, res, flush=True)
    results["time_ratio_pipeline_over_plain"] = round(
        results["pipeline"]["fit_seconds"] / results["plain"]["fit_seconds"], 3
    )
    return results


def run_scale(n: int, study: str, queue) -> None:
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    from toolkit.embeddings.backends import get_embedder
    from toolkit.privacy.disclosure import DisclosureRule
    from toolkit.topics.model import fit_topic_model
    from toolkit.topics.quality import quality_summary
    from toolkit.topics.quotes import topic_quotes

    work = Path(tempfile.mkdtemp(prefix="lxt-scale-"))
    segments = build_segments(Path(study), work / "out")
    base = segments["text"].astype(str).tolist()
    rng = np.random.default_rng(0)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < n:  # distinct two-sentence segments, so no duplicates collapse
        a, b = rng.integers(0, len(base), 2)
        t = f"{base[a]} {base[b]}"
        if t not in seen:
            seen.add(t)
            texts.append(t)
    pids = [f"p{i % 450}" for i in range(n)]
    warm_numba()
    stages = {}
    reset_peak()
    t0 = time.perf_counter()
    embedder = get_embedder("static", cache_dir=work / "cache")
    embeddings = embedder.encode(texts)
    stages["embed"] = {"seconds": round(time.perf_counter() - t0, 2), "peak_mb": peak_mb()}
    reset_peak()
    t0 = time.perf_counter()
    fitted = fit_topic_model(texts, embeddings, embedder, seed=42)
    stages["fit"] = {"seconds": round(time.perf_counter() - t0, 2), "peak_mb": peak_mb()}
    reset_peak()
    t0 = time.perf_counter()
    words = [fitted.keywords(t) for t in fitted.topic_ids]
    quality = quality_summary(words, texts, fitted.topics)
    import pandas as pd

    frame = pd.DataFrame({"seg_id": range(n), "pid": pids, "text": texts})
    topic_quotes(frame, fitted.topics, embeddings, DisclosureRule())
    stages["quality_and_quotes"] = {
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_mb": peak_mb(),
    }
    total = sum(s["seconds"] for s in stages.values())
    queue.put(
        {
            "n": n,
            "embedding": embedder.identity,
            "stages": stages,
            "total_seconds": round(total, 2),
            "quality": quality,
            "parameters": fitted.parameters.as_dict(),
        }
    )


def scale(study: Path, sizes: list[int]) -> list[dict]:
    from toolkit.embeddings.static import distill_static_model, static_model_folder

    if static_model_folder() is None:
        t0 = time.perf_counter()
        distill_static_model(progress=False)
        print(f"distilled static model in {time.perf_counter() - t0:.0f} s", flush=True)
    out = []
    for n in sizes:
        res = in_process(run_scale, n, str(study))
        print(res, flush=True)
        out.append(res)
    return out


# --- Real text ------------------------------------------------------------------------------
# Real comments are read from a folder outside the repository (never copied into it); labels
# are printed to the console for reading, not written to the results file.
CAREOPINION = Path(
    os.environ.get("LXT_CAREOPINION")
    or next(
        (
            str(root / "shared" / "data" / "careopinion")
            for root in (REPO.parent, REPO.parent.parent)
            if (root / "shared" / "data" / "careopinion").is_dir()
        ),
        "careopinion",
    )
)


def load_corpus(name: str, n: int | None, seed: int = 0):
    """(texts, human categories) of a real corpus: ``careopinion-short``, ``-stories``, ``-long``.

    Short feedback: one human subcategory per comment (44 kinds). Stories: several
    sentences each with up to six category codes; the first code's major category (the
    ``label`` the publisher gives each code in the short-feedback file) is the truth, so
    that a topic is not penalised for picking one of a story's several themes. Long: news-
    length documents (median about 390 word pieces, 80% longer than MiniLM reads at once),
    each four stories of the same major category joined in a seeded random order, so that a
    model that reads only a document's opening sees a quarter of its evidence.
    """
    import pandas as pd

    short = pd.read_csv(CAREOPINION / "text_data.csv")
    short = short[short["feedback"].astype(str).str.strip().ne("") & short["feedback"].notna()]
    if name == "careopinion-short":
        frame = short.rename(columns={"feedback": "text", "subcategory": "truth"})
    elif name in ("careopinion-stories", "careopinion-long"):
        major = short.drop_duplicates("code").set_index("code")["label"]
        stories = pd.read_csv(CAREOPINION / "co_multi_label.csv")
        stories = stories[stories["feedback"].notna()]
        stories["truth"] = stories["cat_1"].str.lower().map(major)
        frame = stories.dropna(subset=["truth"]).rename(columns={"feedback": "text"})
        if name == "careopinion-long":
            frame = _joined(frame, per_document=4, seed=seed)
    else:
        raise SystemExit(f"unknown corpus {name!r}")
    if n is not None and n < len(frame):
        frame = frame.sample(n=n, random_state=seed)
    return frame["text"].astype(str).tolist(), frame["truth"].astype(str).tolist()


def run_real_fit(kind: str, corpus: str, n: int | None, seed: int, cache: str, queue) -> None:
    import logging
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    import bertopic  # noqa: F401 (imported before timing: both sides pay it once, untimed)

    from toolkit.embeddings.backends import get_embedder
    from toolkit.topics.model import EmbedderBackend, fit_topic_model

    texts, _ = load_corpus(corpus, n)
    embedder = get_embedder("minilm", cache_dir=Path(cache))
    embeddings = embedder.encode(texts)
    warm_numba()
    t0 = time.perf_counter()
    if kind == "pipeline":
        fitted = fit_topic_model(texts, embeddings, embedder, seed=seed, reduction_cache=None)
        topics = fitted.topics.copy()
        topics[fitted.assigned_by == "filler"] = -2  # reported apart from outliers
        ids = fitted.topic_ids
        words = [fitted.keywords(t) for t in ids]
        labels = [fitted.label(t) for t in ids]
    else:
        from bertopic import BERTopic
        from umap import UMAP

        logging.getLogger("BERTopic").setLevel(logging.ERROR)
        # BERTopic's defaults, with only UMAP's seed fixed so two seeds can be compared.
        umap_model = UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
        )
        model = BERTopic(embedding_model=EmbedderBackend(embedder), umap_model=umap_model)
        topics, _ = model.fit_transform(texts, embeddings=embeddings)
        topics = np.asarray(topics)
        ids = sorted(int(t) for t in set(topics.tolist()) if t >= 0)
        words = [[w for w, _ in model.get_topic(t)][:10] for t in ids]
        labels = [", ".join(w[:4]) for w in words]
    seconds = time.perf_counter() - t0
    sizes = [int(np.sum(topics == t)) for t in ids]
    queue.put(
        {
            "topics": topics.tolist(),
            "words": words,
            "labels": labels,
            "sizes": sizes,
            "fit_seconds": round(seconds, 2),
        }
    )


def real_quality(fit: dict, other: dict, texts: list[str], truth: list[str]) -> dict:
    import numpy as np
    from sklearn.metrics import (
        adjusted_mutual_info_score,
        adjusted_rand_score,
        normalized_mutual_info_score,
    )

    from toolkit.topics.quality import npmi_coherence, topic_diversity

    topics = np.asarray(fit["topics"])
    return {
        "n_topics": len(fit["words"]),
        "nmi": round(float(normalized_mutual_info_score(truth, topics)), 4),
        "ami": round(float(adjusted_mutual_info_score(truth, topics)), 4),
        "npmi": round(npmi_coherence(fit["words"], texts), 4),
        "diversity": round(topic_diversity(fit["words"]), 4),
        "outlier_share": round(float(np.mean(topics == -1)), 4),
        "filler_share": round(float(np.mean(topics == -2)), 4),
        "ari_between_seeds": round(float(adjusted_rand_score(topics, other["topics"])), 4),
        "fit_seconds": fit["fit_seconds"],
    }


def realtext_time(corpus: str, n: int | None, repeats: int = 2) -> dict:
    """Fit time side by side in one process, after one untimed fit of each (imports, numba).

    Alternating pipeline / plain fits so that both see the same machine load; returns each
    pair's seconds and the median ratio.
    """
    import logging
    import statistics
    import warnings

    warnings.simplefilter("ignore")
    from bertopic import BERTopic
    from umap import UMAP

    from toolkit.embeddings.backends import get_embedder
    from toolkit.topics.model import EmbedderBackend, fit_topic_model

    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    texts, _ = load_corpus(corpus, n)
    embedder = get_embedder(
        "minilm", cache_dir=Path(tempfile.gettempdir()) / "lxt-bench-realtext-cache"
    )
    embeddings = embedder.encode(texts)

    def plain(seed):
        umap_model = UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
        )
        BERTopic(embedding_model=EmbedderBackend(embedder), umap_model=umap_model).fit_transform(
            texts, embeddings=embeddings
        )

    def pipeline(seed):
        fit_topic_model(texts, embeddings, embedder, seed=seed, reduction_cache=None)

    pipeline(1), plain(1)
    pairs = []
    for rep in range(repeats):
        t0 = time.perf_counter()
        pipeline(42 + rep)
        a = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain(42 + rep)
        b = time.perf_counter() - t0
        pairs.append({"pipeline_seconds": round(a, 2), "plain_seconds": round(b, 2)})
        print(pairs[-1], flush=True)
    ratio = statistics.median(p["pipeline_seconds"] / p["plain_seconds"] for p in pairs)
    return {
        "corpus": corpus,
        "n_texts": len(texts),
        "pairs": pairs,
        "median_ratio": round(ratio, 3),
    }


def _joined(frame, per_document: int, seed: int):
    """Documents of ``per_document`` texts of one category (left-over texts are dropped)."""
    import pandas as pd

    rows = []
    for truth, group in frame.groupby("truth", sort=True):
        texts = group["text"].astype(str).sample(frac=1, random_state=seed).tolist()
        for start in range(0, len(texts) - per_document + 1, per_document):
            rows.append({"text": " ".join(texts[start : start + per_document]), "truth": truth})
    return pd.DataFrame(rows)


def realtext(corpus: str, n: int | None) -> dict:
    texts, truth = load_corpus(corpus, n)
    cache = str(Path(tempfile.gettempdir()) / "lxt-bench-realtext-cache")
    results = {"corpus": corpus, "n_texts": len(texts), "n_categories": len(set(truth))}
    for kind in ("plain", "pipeline"):
        first = in_process(run_real_fit, kind, corpus, n, 42, cache)
        second = in_process(run_real_fit, kind, corpus, n, 43, cache)
        results[kind] = real_quality(first, second, texts, truth)
        print(kind, results[kind], flush=True)
        order = sorted(range(len(first["sizes"])), key=lambda i: -first["sizes"][i])
        print(f"{kind} labels (largest first):", flush=True)
        for i in order:
            print(
                f"  {first['sizes'][i]:5d}  {first['labels'][i]}  |  {', '.join(first['words'][i])}"
            )
    results["time_ratio_pipeline_over_plain"] = round(
        results["pipeline"]["fit_seconds"] / results["plain"]["fit_seconds"], 3
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["compare", "scale", "realtext", "realtext-time"])
    parser.add_argument(
        "--corpus",
        default="careopinion-short",
        choices=["careopinion-short", "careopinion-stories", "careopinion-long"],
    )
    parser.add_argument("--n", type=int, default=None, help="random sample of this many texts")
    parser.add_argument("--study", type=Path, default=REPO / "surveys" / "example")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    study = args.study.resolve()
    if args.what == "realtext":
        result = realtext(args.corpus, args.n)
        path = RESULTS / f"topics_realtext_{args.corpus}.json"
    elif args.what == "realtext-time":
        result = realtext_time(args.corpus, args.n)
        path = RESULTS / f"topics_realtext_time_{args.corpus}.json"
    else:
        result = compare(study) if args.what == "compare" else scale(study, args.sizes)
        path = RESULTS / f"topics_{args.what}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
