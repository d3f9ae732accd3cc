#!/usr/bin/env python3
"""Check a built cnnlesson site the way a reader meets it.

Usage::

    python3 .ci/check_site.py docs/_build/quick/html [--examples docs/examples]

Static checks, on the HTML files:

- every lesson page exists, and one gallery page per ``docs/examples/plot_*.py``;
- every ``<img src>`` of every page points at a file that exists, relative to the
  page (inline ``data:`` images must decode; images from other sites are refused,
  the site must work offline);
- no page loads a script or a style sheet from another site (the site works offline,
  its formulas included: MathJax is served from the site itself);
- every gallery page shows at least one figure the example drew, and offers its
  ``.py`` script and ``.ipynb`` notebook for download, and both files exist;
- when the home page carries the quick-build banner, every page carries it;
- the home page and the examples page offer the course pack, which exists, and the
  site holds the wheel under ``downloads/``.

What a browser shows (images that load and decode, no request to another site,
typeset formulas, screenshots) is checked by the tests in ``tests/browser``:
``nox -s site -- docs/_build/quick/html`` runs this script and then those tests.

Only the standard library is used, so any Python 3.9+ runs it.  Exit status 0
when every check passes, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LESSON_PAGES = ("index", "network", "feature_maps", "explore", "convolution_effects",
                "convolution_channels", "design", "errata", "instructors", "answers", "how_built",
                "api", "cite", "changelog", "bibliography")
BANNER_CLASS = "cnnlesson-profile-banner"


class PageParser(HTMLParser):
    """Collect the image sources, links, resources and class names of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.links: list[str] = []
        self.resources: list[str] = []  # scripts and style sheets the page loads
        self.classes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.classes.update((attributes.get("class") or "").split())
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.resources.append(attributes["src"])
        elif (tag == "link" and attributes.get("href")
              and "stylesheet" in (attributes.get("rel") or "").split()):
            self.resources.append(attributes["href"])


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


def local_target(page: Path, reference: str) -> Path | None:
    """The file a relative URL on ``page`` points at, or None for other schemes."""
    parts = urlsplit(reference)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page
    return (page.parent / unquote(parts.path)).resolve()


def check_image(page: Path, src: str, root: Path) -> str | None:
    """Why this ``<img src>`` would not show, or None when it would."""
    if not src:
        return "an <img> without src"
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        if ";base64" in header:
            try:
                data = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                return f"inline image with broken base64 ({header})"
            if not data:
                return f"empty inline image ({header})"
        return None
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return f"image from another site, not available offline: {src}"
    target = local_target(page, src)
    if target is None or not target.is_file():
        return f"image file missing: {src}"
    if root not in target.parents:
        return f"image outside the site folder: {src}"
    if target.stat().st_size == 0:
        return f"image file empty: {src}"
    return None


def static_checks(root: Path, examples: list[str]) -> tuple[list[str], int, int]:
    failures = []
    for name in LESSON_PAGES:
        if not (root / f"{name}.html").is_file():
            failures.append(f"lesson page missing: {name}.html")
    if not examples:
        failures.append("no examples found (docs/examples/plot_*.py)")
    for stem in examples:
        page = root / "auto_examples" / f"{stem}.html"
        if not page.is_file():
            failures.append(f"gallery page missing: auto_examples/{stem}.html")
            continue
        parsed = parse(page)
        links = parsed.links
        # An example's figures are images sphinx-gallery saved as sphx_glr_<name>_NNN.png.
        if not any(f"sphx_glr_{stem}_" in src and "/thumb/" not in src for src in parsed.images):
            failures.append(f"auto_examples/{stem}.html shows no figure (was it run?)")
        for suffix in (".py", ".ipynb"):
            offered = [link for link in links
                       if urlsplit(link).path.endswith(f"/{stem}{suffix}")]
            if not offered:
                failures.append(f"auto_examples/{stem}.html offers no {suffix} download")
            for link in offered:
                target = local_target(page, link)
                if target is None or not target.is_file() or target.stat().st_size == 0:
                    failures.append(f"auto_examples/{stem}.html: download {link} is missing")

    # The course pack, offered on the home page and the examples page; the wheel too.
    for page_name in ("index.html", "auto_examples/index.html"):
        page = root / page_name
        if not page.is_file():
            continue
        packs = [link for link in parse(page).links
                 if re.search(r"/cnnlesson-course-pack-[^/]+\.zip$", urlsplit(link).path)]
        if not packs:
            failures.append(f"{page_name} offers no course pack")
        for link in packs:
            target = local_target(page, link)
            if target is None or not target.is_file() or target.stat().st_size == 0:
                failures.append(f"{page_name}: course pack {link} is missing")
    if not list(root.glob("downloads/cnnlesson-*.whl")):
        failures.append("the site offers no wheel under downloads/")

    # The explorer's weights use most of its 10 MB; a formula on it would add MathJax's 2 MB.
    explorer = root / "explore.html"
    if explorer.is_file() and any("mathjax" in r.lower() for r in parse(explorer).resources):
        failures.append("explore.html loads MathJax: write its formulas in plain text, "
                        "so that the page stays within its 10 MB")

    pages = sorted(root.rglob("*.html"))
    image_count = 0
    home = root / "index.html"
    bannered = home.is_file() and BANNER_CLASS in parse(home).classes
    for page in pages:
        parsed = parse(page)
        for src in parsed.images:
            image_count += 1
            problem = check_image(page, src, root)
            if problem:
                failures.append(f"{page.relative_to(root)}: {problem}")
        for resource in parsed.resources:
            parts = urlsplit(resource)
            if parts.scheme or parts.netloc:
                failures.append(f"{page.relative_to(root)}: loads {resource} from another "
                                "site, which an offline reader cannot reach")
        reader_page = (page.stem in LESSON_PAGES and page.parent == root) or (
            page.parent == root / "auto_examples" and page.stem in examples)
        if bannered and reader_page and BANNER_CLASS not in parsed.classes:
            failures.append(f"{page.relative_to(root)}: the quick-build banner is missing")
    return failures, len(pages), image_count


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built site, e.g. docs/_build/quick/html")
    parser.add_argument("--examples", type=Path, default=here.parent / "docs" / "examples",
                        help="the gallery's sources (default: docs/examples)")
    parser.add_argument("--no-browser", action="store_true",
                        help="accepted for older callers: this script runs no browser "
                             "(the browser checks are the tests in tests/browser)")
    options = parser.parse_args(argv)

    root = options.html.resolve()
    if not (root / "index.html").is_file():
        print(f"check_site: {root} holds no built site (no index.html)")
        return 1
    examples = sorted(path.stem for path in options.examples.glob("plot_*.py"))
    failures, page_count, image_count = static_checks(root, examples)
    print(f"static: {page_count} pages, {image_count} images, {len(examples)} examples checked")

    for failure in failures:
        print(f"FAIL {failure}")
    print("check_site: " + ("all checks passed" if not failures
                            else f"{len(failures)} problem(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
