"""Topic labels a person can read: a short phrase, with the topic's key words beside it.

BERTopic's default label is a list of keyword variants ("refund, refunded, refund money").
Here each topic gets:

* **key words**: the top unigrams by class-based TF-IDF (BERTopic's c-TF-IDF formula) after
  merging inflections (refund / refunds / refunded count as one word, shown in the form people
  used most) and dropping stop words, spoken fillers and redaction placeholders. Unigrams, as
  in the BERTopic paper's coherence evaluation, so NPMI is computed on them.
* **a phrase label** (2-5 words): the word sequence said in the topic's segments that best
  covers the topic and is most particular to it (share of the topic's segments containing it,
  times the share of all its occurrences that fall in this topic). It starts and ends with a
  content word, may hold short linking words ("cost of the bus"), never repeats a word, and
  is never mostly filler. Labels are chosen largest topic first, and a phrase whose content
  words another topic's label already uses is passed over, so labels are distinct.

Inflections are merged by a small rule set checked against the corpus's own vocabulary
("refunds" becomes "refund" only if "refund" was said): plural -s/-es/-ies and past -ed.
Gerunds are left alone because they are usually nouns in feedback ("housing", "parking").

Example
-------
The example loads spaCy's tagger, so it is shown rather than run (``tests/test_topic_labels.py``
runs it)::

    texts = ["the refund never came", "refunds take weeks", "still waiting on my refund",
             "the parking spaces are full", "no parking spaces left", "parking spaces cost"]
    label_topics(texts, [0, 0, 0, 1, 1, 1])[1].label     # 'Parking spaces'
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from toolkit.topics.filler import STOP_WORDS, TOKEN, preprocess, tokens, without_markup
from toolkit.topics.phrase_shape import gerund, is_action_shape, is_theme_shape, tag_spans, tagger

# Words that end in -s but are not plurals of a shorter word people also used.
INVARIANT = frozenset(
    ["news", "series", "species", "means", "lens", "bus", "gas", "plus", "thus", "always"]
)
MAX_PHRASE_TOKENS = 4
# Short words that may join two content words inside a phrase label.
LINKING = frozenset(
    ["of", "for", "to", "on", "at", "in", "with", "the", "from", "my", "is", "was", "are", "were"]
    + ["has", "have", "had", "been", "not", "no"]
)
MIN_PHRASE_SEGMENTS = 2
# Marks that end a phrase: a label never runs across a sentence, a clause or a list.
PUNCTUATION = re.compile(r"[.,;:!?()\[\]\"/]")
# Common irregular past tenses: a phrase ending in one is a sentence fragment ("form kept").
IRREGULAR_PAST = frozenset(
    [
        "kept",
        "knew",
        "rang",
        "went",
        "came",
        "took",
        "gave",
        "got",
        "made",
        "said",
        "told",
        "felt",
        "thought",
        "brought",
        "bought",
        "found",
        "sat",
        "stood",
        "heard",
        "met",
        "lost",
        "paid",
        "sent",
        "spent",
        "began",
        "ran",
        "saw",
        "wrote",
        "forgot",
        "drove",
        "left",
    ]
)
# Candidate phrases per topic whose part of speech is checked (best first), and places each
# is tagged at: a label is chosen among these.
TAGGED_CANDIDATES = 25
TAG_BATCH = 6
EXAMPLES = 3
# An action label ("Dealing with conflict") must score this much more than the best noun
# phrase to be chosen over it: nouns name most themes, an action only what nothing else does.
ACTION_WEIGHT = 0.5
# How much a key word must be said with the ones already chosen (see coherent_keywords).
TOGETHER_FLOOR = 0.25


@dataclass(frozen=True)
class TopicLabel:
    """What a topic is called and why: phrase label, key words and the phrase's coverage."""

    topic: int
    label: str
    keywords: list[str]
    coverage: float
    source: str = "phrase"  # "phrase", "keywords" (no phrase fitted) or "code" (codebook name)


def lemma_map(vocabulary: Counter) -> dict[str, str]:
    """Map each word to the base form people also used ("refunded" -> "refund").

    >>> lemma_map(Counter({"refund": 3, "refunds": 2, "refunded": 1, "news": 2, "new": 4}))
    {'refund': 'refund', 'refunds': 'refund', 'refunded': 'refund', 'news': 'news', 'new': 'new'}
    """
    out = {}
    for word in vocabulary:
        out[word] = _base_form(word, vocabulary)
    return out


def _base_form(word: str, vocabulary: Counter) -> str:
    candidates: list[str] = []
    if word in INVARIANT or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    if word.endswith("ied"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ed"):
        stem = word[:-2]
        candidates += [stem + "e", stem]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])  # stopped -> stop
    for candidate in candidates:
        if len(candidate) >= 3 and candidate in vocabulary:
            return candidate
    return word


def _segment_terms(
    toks: list[str], lemmas: dict[str, str], breaks: list[bool] | None = None
) -> dict[tuple, tuple[int, int]]:
    """Candidate phrases of a segment: tuple of lemmas -> (first, last) token position.

    A phrase is 2-4 adjacent tokens that start and end with a content word, with only linking
    words between content words ("cost of bus", "waiting for appointment", "bus was late"),
    and never the same word twice. Fillers are never inside a phrase ("shift to say good"),
    nor punctuation: ``breaks[k]`` says a mark stands between tokens k and k + 1 ("Helpful.
    Answered", "bar work, cleaning").
    """
    phrases = {}
    stop = [t in STOP_WORDS for t in toks]
    blocks = [s and t not in LINKING for s, t in zip(stop, toks, strict=True)]
    breaks = breaks or [False] * len(toks)
    for i in range(len(toks)):
        if stop[i]:
            continue
        for j in range(i + 1, min(i + MAX_PHRASE_TOKENS, len(toks))):
            if breaks[j - 1]:
                break
            if j > i + 1 and blocks[j - 1]:  # a non-linking stop word inside: no phrase
                break
            if stop[j]:
                continue
            span = toks[i : j + 1]
            content = [lemmas[t] for t, s in zip(span, stop[i : j + 1], strict=True) if not s]
            if len(content) > 3 or len(set(content)) < len(content):
                continue
            phrases.setdefault(tuple(lemmas.get(t, t) for t in span), (i, j))
    return phrases


def _ctfidf(counts: dict[int, Counter]) -> dict[int, dict[str, float]]:
    """c-TF-IDF per topic: tf within topic x log(1 + A / corpus frequency) (BERTopic's)."""
    total = Counter()
    for c in counts.values():
        total.update(c)
    avg = sum(total.values()) / max(len(counts), 1)
    out = {}
    for topic, c in counts.items():
        size = sum(c.values()) or 1
        out[topic] = {w: (f / size) * math.log(1 + avg / total[w]) for w, f in c.items()}
    return out


def coherent_keywords(scores: dict[str, float], segments: list[set], n: int = 10) -> list[str]:
    """Top words by c-TF-IDF, each next one also said together with those already chosen.

    A topic's best c-TF-IDF words can come from unrelated remarks that were never said
    together ("cafe", "clocks", "adhd"); such lists read as noise and score badly on any
    coherence measure. Among the best ``3n`` words, each next word is chosen by its c-TF-IDF
    score times how often it occurs in the same segments as the words already chosen
    (co-occurrence / the smaller document frequency), floored at a quarter so that a strong
    word is never lost.
    """
    ranked = sorted(scores, key=lambda w: (-scores[w], w))[: 3 * n]
    if len(ranked) <= 1:
        return ranked
    index = {w: i for i, w in enumerate(ranked)}
    present = np.zeros((len(segments), len(ranked)), dtype=bool)
    for r, words in enumerate(segments):
        for w in words:
            if w in index:
                present[r, index[w]] = True
    present = present.astype(float)
    joint = present.T @ present
    df = np.diag(joint).copy()
    overlap = joint / np.maximum(np.minimum.outer(df, df), 1)
    score = np.array([scores[w] for w in ranked])
    chosen = [0]
    while len(chosen) < min(n, len(ranked)):
        together = overlap[:, chosen].mean(axis=1)
        value = score * (TOGETHER_FLOOR + (1 - TOGETHER_FLOOR) * together)
        value[chosen] = -np.inf
        chosen.append(int(np.argmax(value)))
    return [ranked[i] for i in chosen]


def _display(lemma_tuple: tuple, surface: dict[tuple, Counter]) -> str:
    forms = surface.get(lemma_tuple)
    text = forms.most_common(1)[0][0] if forms else " ".join(lemma_tuple)
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:]


def label_topics(
    texts: list[str],
    topics,
    n_keywords: int = 10,
    include_outliers: bool = False,
    fixed: dict[int, str] | None = None,
) -> dict[int, TopicLabel]:
    """Phrase label and key words for every topic (``-1`` only if ``include_outliers``).

    Parameters
    ----------
    texts
        Every segment (redacted text), in the order of ``topics``.
    topics
        Topic of each segment; ``-1`` = not grouped.
    n_keywords
        Number of key words per topic.
    fixed
        Topic -> a name it must carry (a codebook code the topic clearly is); other labels
        avoid its words.
    """
    topics = np.asarray(topics)
    fixed = fixed or {}
    counts = _count_terms(texts, topics, include_outliers)
    scores = _ctfidf(counts.words)
    sizes = Counter(topics.tolist())
    all_phrases = Counter()
    for c in counts.phrases.values():
        all_phrases.update(c)
    order = sorted(counts.words, key=lambda t: (-sizes[t], t))
    keywords = {t: coherent_keywords(scores[t], counts.segments[t], n_keywords) for t in order}
    shapes = PhraseShapes(texts, counts.examples)
    used = TakenWords()
    for name in fixed.values():
        used.add([counts.lemmas.get(w, w) for w in tokens(name)])
    out, no_phrase = {}, []
    for topic in order:
        if topic in fixed:
            out[int(topic)] = TopicLabel(int(topic), fixed[topic], [], float("nan"), "code")
            continue
        ranked = _rank_phrases(
            counts.phrases[topic],
            all_phrases,
            sizes[topic],
            keywords[topic],
            counts.surface,
            shapes.tagged,
        )
        choice, coverage = _pick(ranked, used, shapes)
        if choice is None:
            no_phrase.append(topic)  # named after every phrase label, so it takes no words
            continue
        label = _display(choice, counts.surface)
        label = _with_capitals(label, texts, counts.examples.get(choice, []))
        if choice in shapes.gerunds:  # an action: "Dealt with conflict" -> "Dealing with"
            label = " ".join([shapes.gerunds[choice].capitalize(), *label.split()[1:]])
        used.add(list(choice))
        out[int(topic)] = TopicLabel(int(topic), label, [], round(coverage, 4), "phrase")
    for topic in no_phrase:
        # Key words first, then the next best words of the topic, to find two nouns.
        ranked_words = sorted(scores[topic], key=lambda w: (-scores[topic][w], w))
        words_to_try = list(dict.fromkeys(keywords[topic] + ranked_words[:30]))
        shapes.check([(w,) for w in words_to_try])
        label = _keyword_label(words_to_try, used, counts.surface, shapes)
        label = " ".join(  # "ADHD and parts", as people wrote it
            _with_capitals(w, texts, counts.examples.get((counts.lemmas.get(w.lower(), w),), []))
            if w != "and"
            else w
            for w in label.split()
        )
        label = label[:1].upper() + label[1:]
        used.add([counts.lemmas.get(w, w) for w in tokens(label)])
        out[int(topic)] = TopicLabel(int(topic), label, [], 0.0, "keywords")
    for topic, lab in out.items():
        words = [_display((w,), counts.surface).lower() for w in keywords[topic]]
        out[topic] = replace(lab, keywords=words)
    return dict(sorted(out.items(), key=lambda item: order.index(item[0])))


class TakenWords:
    """The words earlier labels use, so that each new label is distinct from them.

    A label's head (its last content word before a linking word: "job" in "Job in a
    warehouse", "worker" in "Proper healthcare worker") is never used again; other words may
    be shared ("Nice place" beside "Bad in busy places", "Good advice" beside "Good service").

    >>> taken = TakenWords(); taken.add(["bad", "in", "busy", "places"])
    >>> taken.clashes(("nice", "places")), taken.clashes(("bad", "days"))
    (False, True)
    """

    def __init__(self) -> None:
        self.heads: set[str] = set()

    def add(self, words) -> None:
        head = None
        for word in words:
            if word in STOP_WORDS:
                if head is not None and word in LINKING:
                    break
                continue
            head = word
        if head:
            self.heads.add(head)

    def clashes(self, words) -> bool:
        return any(w in self.heads for w in words if w not in STOP_WORDS)


class PhraseShapes:
    """Whether candidate phrases are shaped like a theme's name, tagged when first asked.

    Tags up to three places each candidate was said (:mod:`toolkit.topics.phrase_shape`); a
    candidate names a theme when at least half of them are tagged as one ("parking costs"
    is a noun in "the parking costs are high", a verb in "parking costs a fortune"). A
    candidate led by a verb with its object at least half the time names it as an action:
    ``gerunds`` holds the -ing form its first word is shown in ("dealt" -> "dealing").
    Candidates are tagged a few at a time, best first, so most are never tagged at all.
    ``tagged`` is False when no tagger is installed; then every phrase passes.
    """

    def __init__(self, texts: list[str], examples: dict[tuple, list]):
        self.texts = texts
        self.examples = examples
        self.known: dict[tuple, bool] = {}
        self.gerunds: dict[tuple, str] = {}
        # Key words said as adjectives most of the time ("good", "perfect").
        self.adjectives: dict[tuple, bool] = {}
        self.tagged = tagger() is not None

    def check(self, phrases: list[tuple]) -> None:
        """Tag, in one batch, the places of the phrases not yet checked."""
        new = [p for p in dict.fromkeys(phrases) if p not in self.known and p in self.examples]
        if not self.tagged or not new:
            return
        places = [(phrase, *where) for phrase in new for where in self.examples[phrase]]
        pieces = [(_tagging_text(self.texts[row]), start, end) for _, row, start, end in places]
        votes: dict[tuple, list[bool]] = defaultdict(list)
        describing: dict[tuple, list[bool]] = defaultdict(list)
        actions: dict[tuple, list[str]] = defaultdict(list)
        lemmas: list[str] = []
        found = tag_spans(pieces, lemmas) or []
        for (phrase, *_), (phrase_tags, following, preceding), lemma in zip(
            places, found, lemmas, strict=True
        ):
            if len(phrase) == 1:  # a key word: a noun, even where it describes another
                votes[phrase].append(phrase_tags[-1:] in (["NN"], ["NNS"], ["NNP"], ["NNPS"]))
                describing[phrase].append(phrase_tags[-1:] in (["JJ"], ["JJR"], ["JJS"]))
                continue
            votes[phrase].append(is_theme_shape(phrase_tags, following, preceding))
            if is_action_shape(phrase_tags, following, preceding):
                actions[phrase].append(lemma)
        for phrase, v in describing.items():
            self.adjectives[phrase] = 2 * sum(v) > len(v)
        for phrase, v in votes.items():
            self.known[phrase] = 2 * sum(v) >= len(v)
            said = actions.get(phrase, [])
            if not self.known[phrase] and 2 * len(said) >= len(v):
                form = gerund(Counter(said).most_common(1)[0][0])
                if form:
                    self.gerunds[phrase] = form
                    self.known[phrase] = True

    def __call__(self, phrase: tuple) -> bool:
        if not self.tagged:
            return True
        self.check([phrase])
        return self.known.get(phrase, False)


def _with_capitals(label: str, texts: list[str], places: list) -> str:
    """Give back the capitals people wrote for names and acronyms ("NHS jobs", "Clacton").

    A word takes them back only when every place the phrase was said writes it the same way,
    as an acronym ("NHS") or with one initial capital away from the start of the segment
    ("Clacton"): stray capitals ("the Nurses", "servIce") stay lower case.
    """
    words = label.split()
    seen: list[set[str]] = [set() for _ in words]
    for row, start, end in places:
        said = _tagging_text(texts[row])
        written = said[start:end].split()
        if [w.lower() for w in written] != [w.lower() for w in words]:
            return label
        at_start = not said[:start].strip()
        for i, form in enumerate(written):
            acronym = form.isupper() and 2 <= len(form) <= 6
            name = form.istitle() and not (i == 0 and at_start)
            seen[i].add(form if acronym or name else form.lower())
    out = []
    for word, forms in zip(words, seen, strict=True):
        form = next(iter(forms)) if len(forms) == 1 else word
        out.append(form if form != word.lower() else word)
    return " ".join(out)


def _tagging_text(text: str) -> str:
    # The counted text with its capitals back (the tagger needs them to see names), as long
    # as that keeps every character where it was.
    cased = without_markup(text)
    return cased if len(cased) == len(preprocess(text)) else preprocess(text)


@dataclass
class _Counts:
    lemmas: dict[str, str]
    words: dict[int, Counter]
    phrases: dict[int, Counter]
    segments: dict[int, list[set]]
    surface: dict[tuple, Counter]
    # phrase (or single lemma) -> up to EXAMPLES places it was said: (segment, start, end)
    examples: dict[tuple, list[tuple[int, int, int]]] = field(default_factory=dict)


def _count_terms(texts: list[str], topics: np.ndarray, include_outliers: bool) -> _Counts:
    """Word counts, phrase document frequencies and surface forms per topic."""
    matches = [list(TOKEN.finditer(preprocess(t))) for t in texts]
    vocabulary = Counter(m.group() for ms in matches for m in ms if m.group() not in STOP_WORDS)
    lemmas = lemma_map(vocabulary)
    counts = _Counts(
        lemmas, defaultdict(Counter), defaultdict(Counter), defaultdict(list), defaultdict(Counter)
    )
    examples = counts.examples
    for row, (text, ms, topic) in enumerate(zip(texts, matches, topics.tolist(), strict=True)):
        if topic < 0 and not include_outliers:
            continue
        seg = [m.group() for m in ms]
        for m in ms:
            t = m.group()
            if t in STOP_WORDS:
                continue
            counts.words[topic][lemmas[t]] += 1
            counts.surface[(lemmas[t],)][t] += 1
            _remember(examples, (lemmas[t],), (row, m.start(), m.end()))
        counts.segments[topic].append({lemmas[t] for t in seg if t not in STOP_WORDS})
        pre = preprocess(text)
        gaps = [pre[a.end() : b.start()] for a, b in zip(ms, ms[1:], strict=False)]
        phrases = _segment_terms(seg, lemmas, [bool(PUNCTUATION.search(g)) for g in gaps])
        counts.phrases[topic].update(phrases.keys())
        for phrase, (i, j) in phrases.items():
            start, end = ms[i].start(), ms[j].end()
            counts.surface[phrase][" ".join(pre[start:end].split())] += 1
            _remember(examples, phrase, (row, start, end))
    return counts


def _remember(examples: dict, key: tuple, where: tuple[int, int, int]) -> None:
    places = examples.setdefault(key, [])
    if len(places) < EXAMPLES:
        places.append(where)


def _rank_phrases(
    df: Counter,
    all_df: Counter,
    size: int,
    keywords: list[str],
    surface: dict[tuple, Counter],
    tagged: bool = False,
) -> list[tuple[tuple, float, float]]:
    """(phrase, score, coverage), best first.

    score = coverage (share of the topic's segments that say it) x purity (share of all the
    segments saying it that are in this topic) x (0.5 + 0.5 x share of its content words
    among the topic's key words), so the phrase is typical of the topic and of nothing else.
    Without a tagger (``tagged`` False), phrases that look like fragments are marked down.
    """
    top = set(keywords)
    floor = max(MIN_PHRASE_SEGMENTS, 0.02 * size)
    ranked = []
    for phrase, n in df.items():
        if n < floor:
            continue
        coverage = n / size
        purity = n / all_df[phrase]
        content = [w for w in phrase if w not in STOP_WORDS]
        central = sum(w in top for w in content) / len(content)
        score = coverage * purity * (0.5 + 0.5 * central)
        if not tagged:
            score *= _shape(_display(phrase, surface).lower().split())
        ranked.append((phrase, score, coverage))
    ranked.sort(key=lambda r: (-r[1], len(r[0]), r[0]))
    return ranked


def _shape(phrase: list[str]) -> float:
    """Halve a phrase that ends in a past tense or adverb, or opens with an adverb.

    Names of themes are mostly noun phrases ("grace period", "housing benefit"); "nan used",
    "paid monthly" or "nearly missed" are fragments of a sentence. Used only when spaCy's
    tagger is not installed: these English endings are then a cheap, transparent sign.
    """
    factor = 1.0
    if phrase[-1].endswith(("ed", "ly")) or phrase[-1] in IRREGULAR_PAST:
        factor *= 0.5
    if phrase[0].endswith("ly"):
        factor *= 0.5
    return factor


def _pick(ranked, used: TakenWords, shapes: PhraseShapes) -> tuple[tuple | None, float]:
    """Best phrase shaped like a theme's name that uses no earlier label's head (TakenWords).

    Candidates are checked in batches of ``TAG_BATCH``, best first, up to
    ``TAGGED_CANDIDATES`` (50 without a tagger, as nothing is tagged). A noun phrase is
    preferred: an action ("Dealing with conflict") is chosen only when its score, times
    :data:`ACTION_WEIGHT`, still beats the best noun phrase's.
    """
    limit = TAGGED_CANDIDATES if shapes.tagged else 50
    fresh = [
        (phrase, score, coverage)
        for phrase, score, coverage in ranked[:limit]
        if not used.clashes(phrase)
    ]
    action = None
    for lo in range(0, len(fresh), TAG_BATCH):
        batch = fresh[lo : lo + TAG_BATCH]
        shapes.check([phrase for phrase, _, _ in batch])
        for phrase, score, coverage in batch:
            if not shapes(phrase):
                continue
            if phrase not in shapes.gerunds:
                if action and action[1] * ACTION_WEIGHT > score:
                    return action[0], action[2]
                return phrase, coverage
            action = action or (phrase, score, coverage)
    return (action[0], action[2]) if action else (None, 0.0)


def _keyword_label(
    words: list[str], used: TakenWords, surface: dict[tuple, Counter], shapes: PhraseShapes
) -> str:
    """Fallback when no phrase names the topic: its two best nouns that are no label's head.

    A topic whose two best key words are adjectives is made of verdicts ("Good.", "Perfect,
    no complaints"): its nouns are incidental or negated ("Complaints and stay"), so it is
    named by its three best adjectives instead ("Good, perfect and great").
    """
    fresh = [w for w in words if not used.clashes((w,))] or words
    said = [w for w in fresh if shapes.adjectives.get((w,), False)][:3]
    if len(said) >= 2 and all(shapes.adjectives.get((w,), False) for w in words[:2]):
        shown = [_display((w,), surface).lower() for w in said]
        text = ", ".join(shown[:-1]) + " and " + shown[-1]
        return text[:1].upper() + text[1:]
    if shapes.tagged:  # nouns first ("Weather and chaos"), other words only to make two
        nouns = [w for w in fresh if shapes((w,))]
        fresh = nouns + [w for w in fresh if w not in nouns]
    else:
        fresh = fresh[:10]
    picked = [_display((w,), surface).lower() for w in fresh[:2]]
    text = " and ".join(picked) if picked else "unnamed topic"
    return text[:1].upper() + text[1:]
