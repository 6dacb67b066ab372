"""What a report shows: accessible HTML blocks for text, tables, figures and notes.

Report notebooks display everything through these blocks rather than printing or calling
``plt.show()``, so that every image carries alt text, every table has a caption and header
cells, and a missing table becomes a plain note instead of a traceback. Each block has a
``_repr_html_`` so that Jupyter (and therefore papermill and nbconvert) renders it as HTML.

Charts use the Okabe-Ito colour-blind-safe palette and never rely on colour alone: bars carry
their (disclosure-controlled) value as text, and series differ by marker and hatch too.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.bar(["a", "b"], [1, 2])
>>> block = Figure(fig, alt="Bar chart: b is twice a.", caption="Two bars")
>>> 'alt="Bar chart: b is twice a."' in block.to_html()
True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from toolkit.charts import SERIES_COLOURS

# The Okabe-Ito palette is defined once, in toolkit.charts; series take its colours in
# this order (blue first: the strongest contrast on white).
OKABE_ITO = SERIES_COLOURS
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")


def palette(i: int) -> tuple[str, str, str]:
    """Colour, marker and hatch of series ``i``: three cues, so colour is never the only one."""
    return OKABE_ITO[i % len(OKABE_ITO)], MARKERS[i % len(MARKERS)], HATCHES[i % len(HATCHES)]


def draw_interval(ax, estimate: float, low: float, high: float, y: float, i: int) -> None:
    """One estimate with its 95% CI as a point and whiskers, in series ``i``'s colour and marker."""
    colour, marker, _ = palette(i)
    ax.errorbar(
        estimate,
        y,
        xerr=[[estimate - low], [high - estimate]],
        fmt=marker,
        color=colour,
        ecolor="black",
        capsize=5,
        markersize=9,
    )


def style_axes(ax) -> None:
    """Large, plain axes: no top/right frame, readable tick labels."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(labelsize=11)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Markdown:
    """A paragraph (or several, split on blank lines) of plain text, HTML-escaped.

    ``**bold**`` is the only markup understood; reports keep their prose plain.
    """

    text: str

    def _repr_html_(self) -> str:
        paras = [p.strip() for p in self.text.strip().split("\n\n") if p.strip()]
        out = []
        for p in paras:
            body = esc(" ".join(p.split()))
            # **bold** -> <strong>, kept deliberately tiny.
            parts = body.split("**")
            body = "".join(
                f"<strong>{part}</strong>" if i % 2 else part for i, part in enumerate(parts)
            )
            out.append(f"<p>{body}</p>")
        return "\n".join(out)


@dataclass
class Heading:
    """A sub-heading inside a section (level 3 or 4: sections themselves are level 2)."""

    text: str
    level: int = 3

    def _repr_html_(self) -> str:
        return f"<h{self.level}>{esc(self.text)}</h{self.level}>"


@dataclass
class BulletList:
    items: Sequence[str]

    def _repr_html_(self) -> str:
        return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in self.items) + "</ul>"


@dataclass
class Note:
    """A boxed note: ``kind`` is "info" (a missing stage, a caveat) or "warning"."""

    text: str
    kind: str = "info"

    def _repr_html_(self) -> str:
        label = "Please note" if self.kind == "info" else "Warning"
        return (
            f'<aside class="lxt-note lxt-note-{esc(self.kind)}" role="note">'
            f"<strong>{label}:</strong> {esc(self.text)}</aside>"
        )


@dataclass
class Quote:
    """A participant's words (already redacted), attributed only to a group, never a person."""

    text: str
    attribution: str = ""

    def _repr_html_(self) -> str:
        cite = f"<figcaption>{esc(self.attribution)}</figcaption>" if self.attribution else ""
        return (
            f'<figure class="lxt-quote"><blockquote><p>{esc(self.text)}</p></blockquote>'
            f"{cite}</figure>"
        )


@dataclass
class Table:
    """A small display table with a caption and scoped header cells.

    The frame must already be disclosure-controlled (see ``toolkit.privacy.disclosure``): this block
    only formats it. ``count_columns`` and ``rule`` mark the table (``data-lxt-counts``) so
    that ``lxt check-release`` re-checks those columns for small or unrounded counts.
    """

    frame: pd.DataFrame
    caption: str
    count_columns: Sequence[str] = ()
    rule: object | None = None
    css_class: str = ""
    keep_together: bool | None = None  # None: short tables (<= KEEP_TOGETHER_ROWS) only

    def _marker(self) -> str:
        if not self.count_columns or self.rule is None:
            return ""
        return (
            f' data-lxt-counts="{esc("|".join(self.count_columns))}"'
            f' data-lxt-threshold="{self.rule.threshold}"'
            f' data-lxt-rounding="{self.rule.rounding}"'
        )

    def _repr_html_(self) -> str:
        head = "".join(f'<th scope="col">{esc(c)}</th>' for c in self.frame.columns)
        rows = []
        for record in self.frame.itertuples(index=False):
            cells = []
            for j, value in enumerate(record):
                missing = value is None or (isinstance(value, float) and pd.isna(value))
                shown = "" if missing else value
                tag = ("th", ' scope="row"') if j == 0 else ("td", "")
                cells.append(f"<{tag[0]}{tag[1]}>{esc(shown)}</{tag[0]}>")
            # One cell per line: readable source, and text scanners (lxt check-release) see
            # each number on its own rather than run together into something phone-shaped.
            rows.append("<tr>\n" + "\n".join(cells) + "\n</tr>")
        # A short table is kept on one page (its heading never sits alone at a page foot);
        # a long one may run on between rows rather than leave half a page empty.
        together = self.keep_together
        if together is None:
            together = len(self.frame) <= KEEP_TOGETHER_ROWS
        keep = " lxt-keep" if together else ""
        return (
            f'<div class="lxt-table-wrap{keep}"><table class="lxt-table {esc(self.css_class)}"'
            f"{self._marker()}>"
            f"<caption>{esc(self.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{chr(10).join(rows)}\n</tbody></table></div>"
        )


# Tables up to this many rows are not split across pages.
KEEP_TOGETHER_ROWS = 6


def figure_png(fig, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (so Jupyter does not show it too)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


@dataclass
class Figure:
    """A chart embedded as a data URI, with alt text (required) and a visible caption."""

    fig: object
    alt: str
    caption: str = ""
    _png: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.alt or not self.alt.strip():
            raise ValueError("every figure needs alt text describing what it shows")
        if self._png is None:
            self._png = figure_png(self.fig)

    @classmethod
    def from_png(cls, path, alt: str, caption: str = "") -> Figure:
        """A chart another stage saved as PNG (e.g. ``outputs/<study>/figures``)."""
        with open(path, "rb") as fh:
            return cls(None, alt=alt, caption=caption, _png=fh.read())

    def to_html(self) -> str:
        """The chart as a ``<figure>`` with an embedded image (outside Jupyter)."""
        data = base64.b64encode(self._png or b"").decode("ascii")
        cap = f"<figcaption>{esc(self.caption)}</figcaption>" if self.caption else ""
        return (
            f'<figure class="lxt-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(self.alt)}">{cap}</figure>'
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        # In a notebook the chart is an image/png output with its alt text as metadata:
        # nbconvert writes it as <img alt=...>, and text scanners never see the image bytes.
        data = base64.b64encode(self._png or b"").decode("ascii")
        return (
            {"image/png": data, "text/plain": f"Chart: {self.alt}"},
            {"image/png": {"alt": self.alt}},
        )


@dataclass
class Section:
    """An ordered list of blocks, displayed together; ``needs`` lists missing tables."""

    blocks: list = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def add(self, *blocks) -> Section:
        self.blocks.extend(b for b in blocks if b is not None)
        return self

    def extend(self, blocks: Iterable) -> Section:
        return self.add(*blocks)

    @property
    def complete(self) -> bool:
        return not self.needs

    def _repr_html_(self) -> str:
        return "\n".join(
            b.to_html() if isinstance(b, Figure) else b._repr_html_() for b in self.blocks
        )

    def _ipython_display_(self) -> None:
        """In Jupyter: HTML blocks as HTML, each chart as an image output with alt text."""
        from IPython.display import HTML, display

        html: list[str] = []
        for block in self.blocks:
            if isinstance(block, Figure):
                if html:
                    display(HTML("\n".join(html)))
                    html = []
                display(block)
                if block.caption:
                    html.append(f'<p class="lxt-caption">{esc(block.caption)}</p>')
            else:
                html.append(block._repr_html_())
        if html:
            display(HTML("\n".join(html)))
