"""Recognisers of UK personal identifiers, plugged into Presidio's analyzer.

Each recogniser is small and has one job; :func:`build_registry` puts the set the toolkit
uses into a Presidio ``RecognizerRegistry`` (a registry of named components, as in spaCy).

=============== ====================================================================
label           found by
=============== ====================================================================
NHS_NUMBER      :class:`~toolkit.privacy.recognisers.numbers.NhsNumberRecognizer`
NI_NUMBER       :class:`~toolkit.privacy.recognisers.numbers.NiNumberRecognizer`
PHONE           :class:`~toolkit.privacy.recognisers.numbers.UKPhoneRecognizer`
EMAIL, URL      :mod:`toolkit.privacy.recognisers.contact`
POSTCODE        :class:`~toolkit.privacy.recognisers.places.PostcodeRecognizer`
ADDRESS         :class:`~toolkit.privacy.recognisers.places.AddressRecognizer`
DATE_OF_BIRTH   :class:`~toolkit.privacy.recognisers.dates.DateOfBirthRecognizer`
PERSON          :mod:`toolkit.privacy.recognisers.people` (model, registers, patterns) and
                :mod:`toolkit.privacy.recognisers.known_names` (first-name lists)
=============== ====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from presidio_analyzer import RecognizerRegistry

from toolkit.privacy.recognisers.contact import EmailRecognizer, UrlRecognizer
from toolkit.privacy.recognisers.dates import DateOfBirthRecognizer
from toolkit.privacy.recognisers.known_names import FirstNameRecognizer, NamePairRecognizer
from toolkit.privacy.recognisers.numbers import (
    NhsNumberRecognizer,
    NiNumberRecognizer,
    UKPhoneRecognizer,
)
from toolkit.privacy.recognisers.people import (
    ContextNameRecognizer,
    LowerCaseNameRecognizer,
    NamePatternRecognizer,
    NerPersonRecognizer,
    RegisterNameRecognizer,
)
from toolkit.privacy.recognisers.places import AddressRecognizer, PostcodeRecognizer

LABELS = (
    "PERSON", "NHS_NUMBER", "NI_NUMBER", "PHONE", "EMAIL", "POSTCODE", "ADDRESS",
    "DATE_OF_BIRTH", "URL",
)  # fmt: skip


def build_registry(names: Sequence[str] = ()) -> RecognizerRegistry:
    """A Presidio registry holding the toolkit's UK recognisers (and nothing downloaded).

    Examples
    --------
    >>> sorted(build_registry(["Jo Bloggs"]).get_supported_entities())[:3]
    ['ADDRESS', 'DATE_OF_BIRTH', 'EMAIL']
    """
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        NhsNumberRecognizer(), NiNumberRecognizer(), UKPhoneRecognizer(), EmailRecognizer(),
        UrlRecognizer(), PostcodeRecognizer(), AddressRecognizer(), DateOfBirthRecognizer(),
        NerPersonRecognizer(), NamePatternRecognizer(), ContextNameRecognizer(),
        LowerCaseNameRecognizer(), FirstNameRecognizer(), NamePairRecognizer(),
        RegisterNameRecognizer(names),
    ):  # fmt: skip
        registry.add_recognizer(recognizer)
    return registry
