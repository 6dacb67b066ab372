"""First names from many countries, and the everyday words that are also names.

The first names come from Jörg Michael's name dictionary (``nam_dict.txt``, about 46,000 first
names with how common each is in 54 countries, Great Britain first), as installed by the
``gender-guesser`` package. The file is licensed under the GNU Free Documentation License 1.2
or later; the toolkit reads it where pip put it and does not copy it. Nothing else of that
package is used.

A first name that is also an everyday English word ("Will", "Hope", "Mark") is never taken as
a name on the list's word alone: :func:`is_everyday_word` says which ones need more evidence.

Example
-------
>>> first_name_frequency("Siobhan") > 0, first_name_frequency("Spreadsheet")
(True, 0)
>>> is_everyday_word("will"), is_everyday_word("siobhan")
(True, False)
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

# Column layout of nam_dict.txt: gender code, name in columns 4-29, a '+' in column 30 marks a
# duplicate sorted with expanded umlauts, then one frequency digit (hex 1-D) per country.
_NAME_COLUMNS = slice(3, 29)
_COUNTRY_COLUMNS = slice(30, 85)
_GREAT_BRITAIN = 0


def _package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


@cache
def _frequencies() -> dict[str, tuple[int, int]]:
    """Lower-cased first name -> (frequency in Great Britain, highest frequency anywhere)."""
    source = _package_file("gender_guesser", "data", "nam_dict.txt")
    if source is None:
        return {}
    lines = source.read_text(encoding="utf-8").splitlines()
    found: dict[str, tuple[int, int]] = {}
    for line in lines:
        if not line or line[0] in "#=" or len(line) < 31 or line[29] == "+":
            continue
        digits = [int(ch, 16) if ch.strip() else 0 for ch in line[_COUNTRY_COLUMNS].rstrip("$")]
        if not digits:
            continue
        raw = line[_NAME_COLUMNS].strip()
        # A '+' joins the parts of Arabic, Chinese and Korean names: "Jun+Wei" is written
        # "Jun-Wei", "Jun Wei" or "Junwei"; only one-word forms can be looked up word by word.
        for name in {raw.replace("+", ""), raw.replace("+", "-")}:
            key = name.lower()
            gb, best = found.get(key, (0, 0))
            found[key] = (max(gb, digits[_GREAT_BRITAIN]), max(best, max(digits)))
    return found


def first_name_frequency(word: str, country: str = "anywhere") -> int:
    """How common a first name is, 0 (not known) to 13 (extremely common).

    Parameters
    ----------
    word
        One word, in any case.
    country
        ``"anywhere"`` (the highest of the 54 countries) or ``"great_britain"``.
    """
    gb, best = _frequencies().get(word.lower().replace("’", "'"), (0, 0))
    return gb if country == "great_britain" else best


def has_name_list() -> bool:
    """Whether the first-name list is installed."""
    return bool(_frequencies())


@cache
def _everyday_words() -> frozenset[str]:
    """Common English words: a readability list of ~3,000 familiar words, plus every verb,
    adjective and adverb of the spaCy pipeline's lemmatizer.

    Nouns are left out on purpose: the lemmatizer's nouns include people ("harrison",
    "shannon", "begum") from the dictionary it was built from.
    """
    words: set[str] = set()
    easy = _package_file("textstat", "resources", "en", "easy_words.txt")
    if easy is not None:
        words.update(w.strip().lower() for w in easy.read_text("utf-8").split())
    from toolkit.privacy.ner import english_words_of

    # The lemmatizer also lists rare senses of common British first names ("peter out",
    # "Caroline" as an adjective): those stay names. Familiar words ("will", "grace") are in
    # the readability list or among the name-words that need more evidence.
    words.update(
        w
        for w in english_words_of(("verb", "adj", "adv"))
        if first_name_frequency(w, "great_britain") < _COMMON_IN_BRITAIN
    )
    return frozenset(words)


_COMMON_IN_BRITAIN = 4  # of 13: Pauline, Norman, Julian are; Rein, Marina are not


# Sounds of speech in transcripts; "Um" and "Ah" are first names somewhere too.
_FILLER_WORDS = "um umm erm er uh uhm ah aha eh hm hmm mm mmm mhm oh ooh ugh huh yeah yep nah"
FILLERS = frozenset(_FILLER_WORDS.split())
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")


def is_everyday_word(word: str) -> bool:
    """A stop word or a common English word ("will", "hope", "said"), in any case."""
    from toolkit.privacy.recognisers.word_lists import NAME_WORDS, NOT_PERSON_WORDS

    w = word.lower().strip("'’")
    if not _WORD.match(w):
        return True
    # Plain inflections count too: "Babies", "Listens", "Stays".
    forms = {w, re.sub(r"['’]s$", "", w)}
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            forms.add(w[: -len(suffix)] + replacement)
    everyday = _everyday_words()
    return any(
        f in STOP_WORDS or f in NAME_WORDS or f in NOT_PERSON_WORDS or f in everyday or f in FILLERS
        for f in forms
    )
