"""People found from lists of first names, in any case, with the surname that follows.

Residents name family, neighbours and workers from everywhere ("Zofia Begum", "Tomomi
Nishiyama", "patricia desrosiers", "ASKED FOR DAVOR"). The model misses many of them; a list of
first names from 54 countries (:mod:`~toolkit.privacy.recognisers.name_lists`) does not, and the
word after a first name is very often the surname.

Rules, so that places, services and everyday words stay:

- a capitalised first name that is not an everyday word ("Siobhan", not "Will") is a name,
  and so is one that is, when a capitalised surname that is not follows ("Grace Evans");
- in lower case or in capitals (where a capital letter says nothing) it must come after words
  that announce a person ("ring", "me and", "thanks", "apart from"); otherwise it needs what
  a person does after it ("florin rang", "gregory who", "astrid's mum"), or a surname and a
  frequency of 2 of 13 or more somewhere; a dictionary word ("van", "florin") needs the verb;
- a possessive is not part of the name ("Astrid's brother" is Astrid);
- then a middle initial, particles ("van der", "de", "al") and one or two surnames are added
  when they look like a surname in the same case and are not everyday words (a capitalised
  surname may be one: "Sarah Baker");
- nothing that is followed by "Hospital", "Road", a number ("Rowan 1") and the like, or
  preceded by "St" or a town ("Clacton Pier"), is a person.

Example
-------
>>> text = "me and siobhan both started, then Faina D. Yefremova rang"
>>> [text[r.start:r.end] for r in FirstNameRecognizer().analyze(text, [])]
['siobhan', 'Faina D. Yefremova']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from toolkit.privacy.ner import english_words
from toolkit.privacy.recognisers.base import UKRecognizer
from toolkit.privacy.recognisers.name_lists import first_name_frequency, is_everyday_word
from toolkit.privacy.recognisers.people import (
    PERSON_ACTS,
    is_function_word,
    is_shouting,
    not_a_person_after,
)
from toolkit.privacy.recognisers.word_lists import AFTER_NOT_PERSON, NOT_PERSON_WORDS, PLACE_NAMES

# A possessive "'s" is not part of the name: "Astrid's brother" is Astrid.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*")
_PARTICLES = {"van", "der", "den", "de", "da", "di", "del", "della", "von", "le", "la", "du",
              "dos", "das", "al", "el", "bin", "bint", "ben", "ter", "ten", "mac"}  # fmt: skip
_BEFORE_NOT_PERSON = {"st", "saint", "princess", "prince", "king", "queen", "port", "fort",
                      "lake", "mount", "cape", "hms", "the"}  # fmt: skip
# Words just before a name that announce a person; enough for a lower-case first name.
_ANNOUNCE = re.compile(
    r"(?i:\b(?:with|and|by|told|tell|asked|ask|ring|rang|call|called|phone|phoned|text|texted|"
    r"message|messaged|email|emailed|see|saw|met|meet|thanks|thank you|cheers|to|for|"
    r"without|apart from|except|besides|alongside|off|into|under|owe|"
    r"me and|me n|our|my|named|spoke to|speak to|talk to|talked to|hiya|hi|hello|dear|from|"
    r"i'm|i am|im|this is|it's|worker is|is called|was called|called)),?\s+$"
)
_TITLES = {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "rev", "sir", "dame", "nurse"}
_COMMON = 3  # frequency (1-13) from which a first name may start a second surname
_PAIR = 2  # frequency from which a lower-case first name and surname-like word are a name
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "some", "any", "no",
                "every", "each", "another"}  # fmt: skip


def _case(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    if word[:1].isupper():
        return "title"
    return "lower"


def _surname_like(word: str, case: str) -> bool:
    lower = word.lower()
    if is_function_word(lower) or lower in NOT_PERSON_WORDS or lower in AFTER_NOT_PERSON:
        return False
    if _case(word) != case and not (case == "upper" and word.isupper()):
        return False
    # A capitalised surname may be an everyday word ("Baker", "Wood"); in lower case or
    # capitals it may not, or "sarah said" would take "said".
    return case == "title" or not is_everyday_word(lower)


class FirstNameRecognizer(UKRecognizer):
    """First names from the name list, with a following surname when there is one."""

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        tokens = list(_TOKEN.finditer(text))
        shouting = is_shouting(text)
        skip_to = 0
        for i, tok in enumerate(tokens):
            if tok.start() < skip_to:
                continue
            word = tok.group(0)
            frequency = first_name_frequency(word)
            if not frequency or len(word) < 2 or is_function_word(word):
                continue  # "The", "To", "You" are first names somewhere too
            if word.lower() in _TITLES:
                continue  # "Dr. Saha": the title is not the name
            if is_everyday_word(word) and not _with_plain_surname(tokens, i, text):
                continue  # "Will", "Grace": a name only with a surname ("Grace Evans")
            if _inside_address_or_link(text, tok.start(), tok.end()):
                continue
            case = "lower" if shouting and word.isupper() else _case(word)
            before = text[max(0, tok.start() - 24) : tok.start()]
            announced = bool(_ANNOUNCE.search(before))
            if case != "title" and len(word) < 3:
                continue  # "ni", "im"
            # Without a capital letter, a dictionary word ("van", "florin", "dean") is a name
            # only where the words before announce a person or a surname and a verb follow.
            in_dictionary = case != "title" and word.lower() in english_words()
            if case == "upper" and len(word) <= 3 and not announced:
                continue  # "ASD", "DWP", "ESA": acronyms that are also names somewhere
            previous = tokens[i - 1].group(0).lower() if i else ""
            joined = text[tokens[i - 1].end() : tok.start()] if i else ""
            if previous in _BEFORE_NOT_PERSON and joined in (" ", ". "):
                continue
            if (
                case == "title"
                and joined == " "
                and tokens[i - 1].group(0)[:1].isupper()
                and previous in PLACE_NAMES
            ):
                continue  # "Clacton Pier", "Southend Victoria": part of a place's name
            end, j, surnames = tok.end(), i + 1, 0
            surname_case = "upper" if word.isupper() and len(word) > 1 else case
            # Middle initial: "Faina D. Yefremova", "Szabina J Gelencsér".
            if j + 1 < len(tokens) and len(tokens[j].group(0)) == 1:
                gap = text[end : tokens[j].start()]
                after = text[tokens[j].end() : tokens[j + 1].start()]
                if (
                    gap == " "
                    and tokens[j].group(0).isupper()
                    and after in (" ", ". ")
                    and _surname_like(tokens[j + 1].group(0), surname_case)
                ):
                    end, j, surnames = tokens[j + 1].end(), j + 2, 1
            while j < len(tokens) and surnames < 2 and text[end : tokens[j].start()] == " ":
                nxt = tokens[j].group(0)
                if nxt.lower() in _PARTICLES and j + 1 < len(tokens):
                    k = j
                    while k < len(tokens) and tokens[k].group(0).lower() in _PARTICLES:
                        k += 1
                    if k < len(tokens) and _surname_like(tokens[k].group(0), surname_case):
                        end, j, surnames = tokens[k].end(), k + 1, surnames + 1
                        continue
                    break
                if not _surname_like(nxt, surname_case):
                    break
                # A second surname only when it is not a first name too ("Aisha and Sam").
                if surnames == 1 and first_name_frequency(nxt) >= _COMMON:
                    break
                end, j, surnames = tokens[j].end(), j + 1, surnames + 1
            if case != "title" and not announced:
                acts = bool(PERSON_ACTS.match(text[end:].lstrip())) and previous not in _DETERMINERS
                if in_dictionary and not acts:
                    continue  # "carted in a van"
                if not in_dictionary and not (acts or surnames and frequency >= _PAIR):
                    continue  # "we wil never", "theres": a lone lower-case word is not enough
            if not_a_person_after(text, end):
                continue
            skip_to = end
            yield tok.start(), end, 0.7 if surnames or case == "title" else 0.6


def _with_plain_surname(tokens: list[re.Match[str]], i: int, text: str) -> bool:
    """A capitalised word followed by a capitalised surname that is no everyday word."""
    word = tokens[i].group(0)
    if i + 1 >= len(tokens) or not word[:1].isupper() or word.isupper():
        return False
    nxt = tokens[i + 1].group(0)
    return (
        text[tokens[i].end() : tokens[i + 1].start()] == " "
        and _surname_like(nxt, "title")
        and not is_everyday_word(nxt)
        # "Tell Kelly Moss": the name starts at the first name, not at the word before it.
        and first_name_frequency(nxt) < _COMMON
    )


def _inside_address_or_link(text: str, start: int, end: int) -> bool:
    """Part of an email or web address: those have their own recognisers."""
    return (start > 0 and text[start - 1] in "@./_") or bool(re.match(r"[@_]|\.\w", text[end:]))


# Two capitalised words in a row that are no everyday words: "Arinola Ajayi", "Ngozi Okonjo".
_PAIR_WORDS = re.compile(
    r"(?<![\w'’.-])([A-Z][a-zà-öø-ÿ]+(?:['’-][A-Za-zà-öø-ÿ]+)?) "
    r"([A-Z][a-zà-öø-ÿ]+(?:['’-][A-Za-zà-öø-ÿ]+)?)(?![\w'’-]|['’][sS]\b)"
)
# The small model often calls an unfamiliar name an organisation, so only these overrule.
_NOT_PEOPLE_ENTITIES = {"GPE", "LOC", "FAC", "PRODUCT", "EVENT", "LAW", "LANGUAGE"}


class NamePairRecognizer(UKRecognizer):
    """A first name and surname the lists do not know: two capitalised words in a row.

    Neither word may be a dictionary word, a place or service word, or a function word, the
    pair may not start a sentence unless a verb follows ("Arinola Ajayi rang"), and the
    model must not have called it a place or organisation.
    """

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        from toolkit.privacy.recognisers.people import at_sentence_start

        places = []
        if nlp_artifacts is not None and nlp_artifacts.tokens is not None:
            places = [
                (e.start_char, e.end_char)
                for e in nlp_artifacts.tokens.ents
                if e.label_ in _NOT_PEOPLE_ENTITIES and len(e) > 1
            ]
        for m in _PAIR_WORDS.finditer(text):
            start, end = m.start(), m.end()
            # Dictionary words are out too ("Employment Advisor", "Diabetes Specialist"): a
            # first name the lists know is the other recogniser's job.
            words = english_words()
            if any(
                is_everyday_word(w) or w.lower() in AFTER_NOT_PERSON or w.lower() in words
                for w in m.groups()
            ):
                continue
            if any(s < end and start < e for s, e in places) or not_a_person_after(text, end):
                continue
            if m.group(1).lower() in _BEFORE_NOT_PERSON:
                continue
            if at_sentence_start(text, start) and not PERSON_ACTS.match(text[end:].lstrip()):
                continue
            yield start, end, 0.55
