"""The PDF edition as a reader of paper meets it: every page, every figure, typeset formulas.

The expected contents come from the built HTML, not from the PDF's own bookmarks: the
route is the instructor's guide's schedule, the titles and section headings are each
page's, and the figures are the images each page shows (leaving out the copies drawn
for phones, and the folded solutions, which the appendix prints).  The PDF is read with
pypdf.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

import pytest

#: Classes whose contents the PDF does not print where they stand: the phone-width copy of
#: a figure, a folded solution (printed in the appendix instead), and the explorer, which
#: runs only in a browser (a line on paper says where to find it).
NOT_PRINTED = ("tag_narrow-only", "solution", "cnx")


class _Page(HTMLParser):
    """The title, section headings, figures and schedule links of a page's article."""

    VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list[str]] = []
        self.in_article = False
        self.heading: str | None = None
        self.text = ""
        self.title = ""
        self.sections: list[str] = []
        self.images = 0
        self.schedule: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "article":
            self.in_article = True
        if not self.in_article:
            return
        printed = not any(name in NOT_PRINTED for frame in self.stack for name in frame)
        if tag == "img" and printed:
            self.images += 1
        if tag == "a" and any("cnnlesson-schedule" in frame for frame in self.stack):
            href = attributes.get("href", "")
            if href.endswith(".html"):
                self.schedule.append(href.removesuffix(".html"))
        if tag in ("h1", "h2") and printed:
            self.heading, self.text = tag, ""
        if tag not in self.VOID:
            self.stack.append(classes)

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False
        if not self.in_article or tag in self.VOID:
            return
        if tag == self.heading:
            text = " ".join(self.text.replace("#", "").split())
            if tag == "h1" and not self.title:
                self.title = text
            elif tag == "h2":
                self.sections.append(text)
            self.heading = None
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.heading:
            self.text += data


def _page(site_dir, name) -> _Page:
    parser = _Page()
    parser.feed((site_dir / f"{name}.html").read_text("utf-8"))
    return parser


def _words(text: str) -> str:
    """Words only, in lower case, ligatures ("ﬁ") spelt out as the page spells them."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(re.sub(r"[^\w×]+", " ", text).split()).lower()


@pytest.fixture(scope="module")
def edition(site_dir):
    from pypdf import PdfReader

    found = sorted((site_dir / "downloads").glob("cnnlesson-*.pdf"))
    assert len(found) == 1, (f"{site_dir / 'downloads'} holds {len(found)} PDF editions, not "
                             "one: build the site where Chromium is installed")
    return PdfReader(found[0])


@pytest.fixture(scope="module")
def page_texts(edition) -> list[str]:
    return [page.extract_text() for page in edition.pages]


@pytest.fixture(scope="module")
def printed(site_dir):
    """The pages the PDF prints, in order: the home page, the route, the answer key."""
    route = _page(site_dir, "instructors").schedule
    assert len(route) >= 5, f"the guide's schedule lists {route}"
    return ["index", *route, "answers"]


def test_every_page_is_in_the_pdf_with_its_sections(site_dir, edition, page_texts, printed):
    text = _words("\n".join(page_texts))
    missing = []
    for name in printed:
        page = _page(site_dir, name)
        for heading in [page.title, *page.sections]:
            if _words(heading) not in text:
                missing.append(f"{name}: {heading}")
    assert not missing, f"headings missing from the PDF: {missing}"
    # Bookmarks in the route's order, after the cover's contents.
    titles = [item.title for item in edition.outline if not isinstance(item, list)]
    assert titles[2:-1] == [_page(site_dir, name).title for name in printed[1:-1]], titles


def _image_count(page) -> int:
    """The images a PDF page draws: its image objects, also those inside its forms (the
    objects are counted, not decoded, which pypdf's ``page.images`` would do)."""
    found, seen = 0, set()

    def walk(resources):
        nonlocal found
        resources = resources.get_object() if resources is not None else {}
        for reference in (resources.get("/XObject") or {}).values():
            drawn = reference.get_object()
            if id(drawn) in seen:
                continue
            seen.add(id(drawn))
            if drawn.get("/Subtype") == "/Image":
                found += 1
            elif drawn.get("/Subtype") == "/Form":
                walk(drawn.get("/Resources"))

    walk(page.get("/Resources"))
    return found


def test_the_pdf_shows_every_figure_of_its_pages(site_dir, edition, printed):
    expected = sum(_page(site_dir, name).images for name in printed)
    shown = sum(_image_count(page) for page in edition.pages)
    assert expected > 10 and shown == expected, (
        f"the PDF holds {shown} images, its pages show {expected} figures")


def test_the_pdf_has_its_formulas_typeset(page_texts):
    raw = [f"page {number}: {match.group()!r}"
           for number, text in enumerate(page_texts, start=1)
           for match in re.finditer(r"\\\(|\\\)|\\\[|\$\$|\\frac|\\times", text)]
    assert not raw, f"TeX left untypeset in the PDF: {raw[:10]}"
