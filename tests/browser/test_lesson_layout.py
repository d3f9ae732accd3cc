"""The lesson's layout as a reader sees it at desktop and phone widths: each figure's
files offered once, and the API reference readable on a phone without scrolling sideways.
"""

from __future__ import annotations

import pytest
from test_site import WIDER_THAN_VIEWPORT_JS

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

# Every figure a reader can see, and every visible line offering a figure's files: the
# line belongs to the nearest visible figure before it.
FIGURE_FILES_JS = """() => {
  const visible = (el) => el.offsetParent !== null && el.getClientRects().length > 0;
  const items = Array.from(document.querySelectorAll(
      '.bd-article .cell_output img, .bd-article p.cnnlesson-figure-files'));
  const lines = {};
  let figure = null;
  for (const el of items) {
    if (!visible(el)) continue;
    if (el.tagName === 'IMG') { figure = el.getAttribute('alt') || el.src; lines[figure] = 0; }
    else if (figure !== null) { lines[figure] += 1; }
  }
  return lines;
}"""


@pytest.mark.parametrize("width", WIDTHS, ids=str)
def test_each_figure_offers_its_files_once(open_page, width):
    # The feature-map page draws four figures twice, for wide screens and for phones;
    # whichever copy shows, one line offers its files.
    viewport_width, height = WIDTHS[width]
    page = open_page("feature_maps.html", width=viewport_width, height=height)
    lines = page.evaluate(FIGURE_FILES_JS)
    assert len(lines) >= 6, f"only {len(lines)} figures visible at {viewport_width} px"
    wrong = {alt[:60]: count for alt, count in lines.items() if count != 1}
    assert not wrong, f"figures not offered exactly once at {viewport_width} px: {wrong}"


def _api_pages(site_dir):
    return sorted(path.relative_to(site_dir).as_posix()
                  for path in (site_dir / "api" / "generated").glob("*.html"))


def test_the_api_reference_fits_a_phone(open_page, site_dir):
    pages = _api_pages(site_dir)
    assert pages, "the site has no API pages"
    wide = {}
    for path in pages:
        page = open_page(path, width=390, height=844)
        verdict = page.evaluate(WIDER_THAN_VIEWPORT_JS)
        if verdict["scrollWidth"] > verdict["width"]:
            wide[path] = (verdict["scrollWidth"], verdict["wide"])
    assert not wide, f"API pages wider than a 390 px phone: {wide}"
