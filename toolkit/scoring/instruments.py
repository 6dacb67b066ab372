"""Measure definitions read from ``surveys/instruments/<name>.yml``.

An :class:`Instrument` knows its items, the answers it accepts and how to read an answer that
arrives as a number (``3``, ``"3"``, ``3.0``) or as label text in any case or spacing
(``"  some OF the time "``). Scoring itself lives in :mod:`toolkit.scoring.rules`.

Example
-------
>>> swemwbs = load_instrument("swemwbs")
>>> swemwbs.coerce("1", " all of the TIME ")
5.0
>>> swemwbs.coerce("1", "")  is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import Problem, UserError
from toolkit.resources import instruments_dir

INSTRUMENTS_DIR = instruments_dir()

# Answers that mean "no answer" rather than a wrong answer: they count as a missing item.
MISSING_ANSWERS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "none",
        "missing",
        "-",
        "prefer not to say",
        "don't know",
        "dont know",
        "not answered",
        "skipped",
    }
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).casefold()


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass
class Instrument:
    """One measure: its items, accepted answers, scoring method and bands."""

    name: str
    title: str
    items: list[str]
    method: str  # sum | items | category
    licence: str = ""
    minimum: int | None = None
    maximum: int | None = None
    labels: dict[int, str] = field(default_factory=dict)
    score_range: tuple[float, float] | None = None
    conversion: dict[int, float] = field(default_factory=dict)
    bands: list[Band] = field(default_factory=list)
    item_bands: dict[str, list[Band]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    prorate_max_missing: int = 0
    safeguarding_item: str | None = None
    higher_is_better: bool = True
    item_higher_is_better: dict[str, bool] = field(default_factory=dict)
    meaningful_change: float | None = None
    source: Path | None = None

    # -- answers -----------------------------------------------------------------------------
    @property
    def expected(self) -> str:
        """What a valid answer looks like, in words, for error messages."""
        if self.method == "category":
            shown = ", ".join(repr(c["label"]) for c in self.categories.values())
            return f"one of {shown}"
        text = f"a whole number from {self.minimum} to {self.maximum}"
        if self.labels:
            text += " or one of " + ", ".join(repr(v) for v in self.labels.values())
        return text

    @property
    def _label_lookup(self) -> dict[str, int]:
        return {_normalise(label): value for value, label in self.labels.items()}

    def coerce(self, item: str, value: Any) -> float | None:
        """Read one answer: a number, or ``None`` when missing.

        Raises ``ValueError`` whose message says what was expected when the answer is not
        valid (out of range, not a whole number, unknown label).
        """
        if item not in self.items:
            raise ValueError(f"one of the items {self.items}")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.method == "category":
            code = self.category_of(value)
            return None if code is None else float(self.categories[code]["in_work"])
        if isinstance(value, bool):
            raise ValueError(self.expected)
        if isinstance(value, (int, float)):
            number = float(value)
        else:
            text = _normalise(str(value))
            if text in MISSING_ANSWERS:
                return None
            if text in self._label_lookup:
                return float(self._label_lookup[text])
            # "4 - Often" style answers from some survey tools: the number leads.
            match = re.fullmatch(r"([+-]?\d+(?:\.0+)?)(?:\s*[-–:.)]\s*(.*))?", text)
            if not match:
                raise ValueError(self.expected)
            number = float(match.group(1))
            # The label after the number must agree with it ("4 - Often", not "4 - Rarely").
            if match.group(2) and self._label_lookup.get(_normalise(match.group(2))) != number:
                raise ValueError(self.expected)
        if not number.is_integer() or not (self.minimum <= number <= self.maximum):
            raise ValueError(self.expected)
        return number

    def category_of(self, value: Any) -> str | None:
        """Map an employment-status answer to its category id (None when missing)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        text = _normalise(str(value))
        if text in MISSING_ANSWERS:
            return None
        for code, spec in self.categories.items():
            if text == code or text == _normalise(spec["label"]) or text in spec["answers"]:
                return code
        raise ValueError(self.expected)

    def band_for(self, score: float, item: str | None = None) -> str:
        bands = self.item_bands.get(item, self.bands) if item else self.bands
        for band in bands:
            if band.low <= score <= band.high:
                return band.label
        return ""


def _bands(raw: list[dict] | None) -> list[Band]:
    return [Band(float(b["min"]), float(b["max"]), str(b["label"])) for b in raw or []]


def instrument_from_dict(raw: dict, source: Path | None = None) -> Instrument:
    response = raw.get("response", {})
    score = raw.get("score", {})
    categories = {
        code: {
            "label": spec["label"],
            "in_work": bool(spec.get("in_work", False)),
            "answers": {_normalise(a) for a in spec.get("answers", [])},
        }
        for code, spec in (score.get("categories") or {}).items()
    }
    return Instrument(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        items=[str(i) for i in raw["items"]],
        method=score.get("method", "sum"),
        licence=raw.get("licence", ""),
        minimum=response.get("min"),
        maximum=response.get("max"),
        labels={int(k): str(v) for k, v in (response.get("labels") or {}).items()},
        score_range=tuple(score["range"]) if score.get("range") else None,
        conversion={int(k): float(v) for k, v in (score.get("conversion") or {}).items()},
        bands=_bands(score.get("bands")),
        item_bands={k: _bands(v) for k, v in (score.get("item_bands") or {}).items()},
        categories=categories,
        prorate_max_missing=int((raw.get("missing") or {}).get("prorate_max_missing", 0)),
        safeguarding_item=raw.get("safeguarding_item"),
        higher_is_better=bool(raw.get("higher_is_better", True)),
        item_higher_is_better=dict(raw.get("item_higher_is_better") or {}),
        meaningful_change=raw.get("meaningful_change"),
        source=source,
    )


def available_instruments(folder: Path = INSTRUMENTS_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yml"))


@cache
def load_instrument(name: str, folder: Path = INSTRUMENTS_DIR) -> Instrument:
    """Load ``<folder>/<name>.yml``; a :class:`UserError` names the choices if unknown."""
    key = name.strip().lower().replace("-", "").replace(" ", "")
    path = folder / f"{key}.yml"
    if not path.exists():
        raise UserError(
            Problem(
                str(folder),
                f"unknown instrument {name!r}",
                expected="one of " + ", ".join(available_instruments(folder)),
            )
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return instrument_from_dict(raw, path)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise UserError(Problem(str(path), f"instrument definition is not valid ({exc})")) from None
