"""Executed notebook -> self-contained, accessible HTML -> PDF.

HTML: nbconvert's ``HTMLExporter`` (basic template, code hidden, prompts hidden) renders the
cell outputs; we wrap them in our own page (``lang="en-GB"``, a title, a skip link, a
``<main>`` landmark and the large-type stylesheet ``toolkit/data/report.css``). Charts are
already data URIs, so the page has no external files, scripts or fonts: it works offline and
as an e-mail attachment. Any image that reaches the page without alt text is an error.

PDF: Debian's Chromium in headless mode prints the HTML (``--print-to-pdf``). It is the same
browser the tests use to check the page, so what people read on screen and on paper match.
Install with ``apt-get install chromium`` (``make setup-report`` does it); without it the
HTML is still made and the PDF step reports a clear problem.

Example
-------
>>> page = wrap_page("<h1>Hi</h1>", title="Report")
>>> page.startswith("<!DOCTYPE html>") and 'lang="en-GB"' in page
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import nbformat

from toolkit.reports.display import esc

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a quiet, offline, sandbox-free (containers run as root) headless browser.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
)

IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT_ATTR = re.compile(r'\balt\s*=\s*"([^"]*)"', re.IGNORECASE)
# What nbconvert writes when an image output has no alt text: as good as none.
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


class RenderError(RuntimeError):
    """The notebook ran but its report could not be rendered."""


def stylesheet() -> str:
    return resources.files("toolkit").joinpath("data/report.css").read_text(encoding="utf-8")


def wrap_page(body: str, title: str, lang: str = "en-GB") -> str:
    """A complete HTML document around ``body``: landmarks, title and the report stylesheet."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{stylesheet()}\n</style>\n</head>\n<body>\n"
        '<a class="skip-link" href="#content">Skip to the report</a>\n'
        f'<main id="content">\n{body}\n</main>\n</body>\n</html>\n'
    )


def images_without_alt(html_text: str) -> list[str]:
    """Every ``<img>`` tag whose alt text is missing or empty (shortened for messages)."""
    bad = []
    for tag in IMG_TAG.findall(html_text):
        match = ALT_ATTR.search(tag)
        if not match or match.group(1).strip() in ("", NBCONVERT_DEFAULT_ALT):
            bad.append(tag[:80])
    return bad


def _drop_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove warnings and stray text streams: readers see only what the report displays."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    return nb


H2_TAG = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.IGNORECASE | re.DOTALL)
H1_END = re.compile(r"</h1>", re.IGNORECASE)


def add_contents(body: str) -> str:
    """Give every section heading (h2) an id and put a linked contents list after the h1.

    >>> page = add_contents("<h1>R</h1><p>x</p><h2>Summary</h2><h2>Methods</h2>")
    >>> 'href="#section-2"' in page and '<h2 id="section-2">Methods</h2>' in page
    True
    """
    titles: list[str] = []

    def number(match: re.Match) -> str:
        titles.append(re.sub(r"<[^>]+>", "", match.group("text")).strip())
        attrs = re.sub(r'\s+id="[^"]*"', "", match.group("attrs"))
        return f'<h2 id="section-{len(titles)}"{attrs}>{match.group("text")}</h2>'

    body = H2_TAG.sub(number, body)
    if not titles:
        return body
    items = "".join(
        f'<li><a href="#section-{i}">{esc(t)}</a></li>' for i, t in enumerate(titles, start=1)
    )
    nav = f'<nav class="lxt-contents" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'
    parts = H1_END.split(body, maxsplit=1)
    return parts[0] + "</h1>" + nav + parts[1] if len(parts) == 2 else nav + body


def notebook_to_html(nb: nbformat.NotebookNode, title: str, contents: bool = False) -> str:
    """Render an executed notebook as a self-contained accessible HTML page.

    ``contents`` puts a linked list of the sections after the title. Raises
    :class:`RenderError` if any image lacks alt text.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    body, _ = exporter.from_notebook_node(_drop_noise(nbformat.from_dict(nb)))
    if contents:
        body = add_contents(body)
    page = wrap_page(body, title=title)
    missing = images_without_alt(page)
    if missing:
        raise RenderError(f"{len(missing)} image(s) without alt text, e.g. {missing[0]}")
    return page


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``$LXT_CHROMIUM`` first), or None."""
    override = os.environ.get("LXT_CHROMIUM")
    if override:
        return override
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(browser: str, profile: Path, *args: str) -> list[str]:
    return [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (A4, no header/footer)."""
    browser = find_chromium()
    if browser is None:
        raise RenderError(
            "no Chromium browser found for the PDF; install it with `apt-get install chromium` "
            "(or set LXT_CHROMIUM to a Chrome/Chromium executable)"
        )
    pdf_path = Path(pdf_path)
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.part")
    with tempfile.TemporaryDirectory(prefix="lxt-chromium-") as profile:
        cmd = chromium_command(
            browser,
            Path(profile),
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp_pdf}",
            Path(html_path).resolve().as_uri(),
        )
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(
                f"Chromium took longer than {timeout:.0f} s to print the PDF"
            ) from exc
    if done.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
        tmp_pdf.unlink(missing_ok=True)
        raise RenderError(f"Chromium could not print the PDF: {done.stderr.strip()[-300:]}")
    os.replace(tmp_pdf, pdf_path)
    return pdf_path
