"""The built site as a reader's browser shows it, with every other site out of reach.

Each page is opened through the ``open_page`` fixture, which blocks and records
every request to another host and every console error: a page that would need
the network fails its test.  Screenshots go to ``screenshots/`` beside the site
folder, for people to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

LESSON_PAGES = ("index", "network", "feature_maps", "explore", "convolution_effects",
                "convolution_channels", "design", "errata", "instructors", "answers", "how_built",
                "api", "cite", "changelog", "bibliography")
MATH_PAGES = ("network", "feature_maps")
EXAMPLE_PAGE = "auto_examples/plot_train_lesson_model.html"

# Ask every image to load now (lazy images wait for a scroll otherwise) and report
# those that do not decode.
IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  const results = await Promise.all(images.map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (error) { /* judged below */ }
    return {src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0};
  }));
  return {count: results.length, failed: results.filter(r => !r.ok).map(r => r.src)};
}"""

# After MathJax has typeset: every math element holds MathJax's output, and no text a
# reader sees (outside code) still reads as TeX.
MATH_JS = r"""async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) {
    return {error: "MathJax did not load"};
  }
  await MathJax.startup.promise;
  const maths = Array.from(document.querySelectorAll(".math"));
  const untypeset = maths.filter(m => !m.querySelector("mjx-container"))
                         .map(m => m.textContent.slice(0, 80));
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("pre, code, script, style, mjx-container, mjx-assistive-mml")) {
      continue;
    }
    if (/\\\(|\\\[|\$\$|\$\\[a-zA-Z]|\\frac|\\times/.test(node.textContent)) {
      raw.push(node.textContent.trim().slice(0, 80));
    }
  }
  return {maths: maths.length,
          typeset: document.querySelectorAll("mjx-container").length,
          untypeset, raw};
}"""


def _shot(page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("path", ["index.html", EXAMPLE_PAGE])
def test_every_image_loads(open_page, screenshot_dir, path):
    page = open_page(path)
    verdict = page.evaluate(IMAGES_JS)
    assert verdict["count"] > 0, f"{path} shows no image"
    assert not verdict["failed"], f"{path}: images that do not load: {verdict['failed']}"
    assert page.title(), f"{path} has no title"
    stem = path.replace("/", "_").removesuffix(".html")
    _shot(page, screenshot_dir, f"{stem}-1280")
    _shot(open_page(path, width=390, height=844), screenshot_dir, f"{stem}-390")


@pytest.mark.parametrize("name", LESSON_PAGES)
def test_lesson_page_needs_no_other_site(open_page, name):
    # The fixture fails the test for any request to another site or console error.
    page = open_page(f"{name}.html")
    assert page.title()


WIDER_THAN_VIEWPORT_JS = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.querySelectorAll('.bd-article *')) {
        if (el.getBoundingClientRect().right <= width + 1) continue;
        // Code blocks, tables and figures scroll inside their own box; that is fine.
        if (el.closest('pre, .highlight, .table-wrapper, .pst-scrollable-table-container, '
                       + 'table, .cell_output, .MathJax, mjx-container')) continue;
        wide.push(el.tagName.toLowerCase() + ': ' + (el.textContent || '').trim().slice(0, 60));
    }
    return {scrollWidth: document.documentElement.scrollWidth, width: width,
            wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("name", LESSON_PAGES)
def test_lesson_page_fits_a_phone(open_page, name):
    # A phone-width reader must not have to scroll the whole page sideways.
    page = open_page(f"{name}.html", width=390, height=844)
    verdict = page.evaluate(WIDER_THAN_VIEWPORT_JS)
    assert verdict["scrollWidth"] <= verdict["width"], (
        f"{name}.html is {verdict['scrollWidth']} px wide at 390 px: {verdict['wide']}")


# The sidebar's toggles, each with the name a screen reader announces (empty if none).
TOGGLE_NAMES_JS = """() => Array.from(document.querySelectorAll("nav.bd-docs-nav summary"))
  .map(s => (s.getAttribute("aria-label") || s.textContent).trim())"""


def test_every_sidebar_toggle_has_a_name(open_page):
    # docs/_static/sidebar-labels.js names the theme's chevron-only toggles; a theme that
    # draws its sidebar otherwise fails here, not silently.
    page = open_page("index.html")
    names = page.evaluate(TOGGLE_NAMES_JS)
    assert names, "the sidebar has no toggle to check: has the theme changed its markup?"
    assert all(names), f"sidebar toggles without a name: {names}"
    assert "Show or hide the pages under Examples" in names, names


@pytest.mark.parametrize("name", MATH_PAGES)
def test_formulas_are_typeset_offline(open_page, screenshot_dir, name):
    page = open_page(f"{name}.html")
    verdict = page.evaluate(MATH_JS)
    assert "error" not in verdict, f"{name}.html: {verdict.get('error')}"
    assert verdict["maths"] > 0, f"{name}.html has no formulas to check"
    assert verdict["typeset"] >= verdict["maths"], verdict
    assert not verdict["untypeset"], f"{name}.html: formulas left as TeX: {verdict['untypeset']}"
    assert not verdict["raw"], f"{name}.html: raw TeX in the text: {verdict['raw']}"
    _shot(page, screenshot_dir, f"{name}-math")


def _build_machine_markers() -> list[str]:
    markers = ["/tmp/"]
    home = os.path.expanduser("~")
    if home not in ("", "/"):
        markers.append(home.rstrip("/") + "/")
    return markers


# Folder names that are part of the documentation itself, not of the build machine:
# a doctest of cnnlesson/cache.py points its cache at this fixed example folder.
DOCUMENTED_FOLDERS = ("/tmp/cnnlesson-doctest-cache",)


def test_no_build_machine_path_in_any_page(site_dir):
    """Pages and downloads name no folder of the machine that built them."""
    markers = _build_machine_markers()
    pattern = re.compile("|".join(re.escape(marker) for marker in markers))
    found = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in (".html", ".ipynb", ".py", ".txt", ".js", ".json"):
            continue
        if "_static" in path.relative_to(site_dir).parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for documented in DOCUMENTED_FOLDERS:
            text = text.replace(documented, "")
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
            found.append(f"{path.relative_to(site_dir)}: ...{context}...")
            break
    assert not found, "build-machine paths in the site:\n" + "\n".join(found)
