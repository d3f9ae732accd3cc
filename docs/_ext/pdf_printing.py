"""Printing the PDF edition: the built pages in headless Chromium, joined with pypdf.

:func:`print_parts` serves the built site on 127.0.0.1, opens each page in Chromium
(Playwright for Python), waits until every image has loaded and MathJax has typeset every
formula, makes the page fit for paper (:data:`PREPARE_JS`: folded parts opened, each
solution replaced by a line pointing to the appendix, the explorer by a line pointing to
the site, links to the site's pages made absolute or plain text) and prints it with
:data:`PRINT_CSS`, numbered on from the pages before it; a cover with the contents is
printed last and put first.  :func:`join` joins the parts, a bookmark for each.
``pdf_edition.py`` runs it when a build is done.
"""

from __future__ import annotations

import functools
import html
import http.server
import threading
from datetime import date
from pathlib import Path

from sphinx.errors import ExtensionError

from cnnlesson.files import write_whole

#: Seconds a page may take to load and typeset before printing.
PAGE_TIMEOUT = 120

#: What the printed pages leave out or show differently from the screen.
PRINT_CSS = """
.bd-header, .bd-header-announcement, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-header-article, .bd-footer, .bd-footer-article, .bd-footer-content, .prev-next-area,
#pst-back-to-top, .skip-link, .headerlink, button.copybtn, .cnnlesson-figure-files,
.cell.tag_narrow-only, details.hide > summary, .toggle-button, .solution
  { display: none !important; }
.cell.tag_wide-only { display: block !important; }
details.hide[open] > summary { display: none !important; }
.toggle-hidden { display: block !important; visibility: visible !important; }
a:not([href]) { color: inherit !important; text-decoration: none !important; }
html { font-size: 10.5pt; }
pre { white-space: pre-wrap; font-size: 8.5pt; }
img { break-inside: avoid; }
.cell_output img { max-height: 220mm; object-fit: contain; }
.cnnlesson-print-note { border-left: 3px solid #888; padding-left: .8em; font-style: italic; }
"""

PAGE_CSS = """
@page {{ size: A4; margin: 15mm 15mm 17mm;
  @bottom-left {{ content: "{footer}"; font: 8pt sans-serif; color: #555; }}
  @bottom-right {{ content: counter(page); font: 8pt sans-serif; color: #555; }} }}
@page :first {{ counter-set: page {first}; }}
"""

#: Ready to print: every image loaded, every formula typeset, links made fit for paper.
PREPARE_JS = r"""async ([site, solutionsWhere, explorerNote]) => {
  const images = Array.from(document.images);
  await Promise.all(images.map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (error) { /* counted below */ }
  }));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  for (const details of document.querySelectorAll("details:not(.hide)")) details.open = true;
  for (const solution of document.querySelectorAll(".solution")) {
    const note = document.createElement("p");
    note.className = "cnnlesson-print-note";
    note.textContent = solutionsWhere;
    solution.before(note);
  }
  for (const widget of document.querySelectorAll(".cnx")) {
    const note = document.createElement("p");
    note.className = "cnnlesson-print-note";
    note.textContent = explorerNote;
    widget.replaceWith(note);
  }
  for (const a of document.querySelectorAll("a[href]")) {
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) continue;
    if (url.pathname === location.pathname && url.hash) continue;  // within the page
    if (site) a.href = new URL(url.pathname.replace(/^\//, "") + url.hash, site).href;
    else a.removeAttribute("href");
  }
  const raw = [];
  const walker = document.createTreeWalker(document.querySelector("article") || document.body,
                                           NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest("pre, code, script, style, mjx-container, .solution")) continue;
    if (/\\\(|\\\[|\$\$/.test(node.textContent)) raw.push(node.textContent.trim().slice(0, 60));
  }
  const broken = images.filter((img) => !(img.complete && img.naturalWidth > 0))
                       .map((img) => img.src);
  return {raw, broken};
}"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def cover_html(title, version, site, quick_note, contents) -> str:
    """The first page: the title, what the edition holds, and the contents."""
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{page}</td></tr>"
                   for name, page in contents)
    where = f"<p>The site: {html.escape(site)}</p>" if site else ""
    quick = f"<p class='quick'>{html.escape(quick_note)}</p>" if quick_note else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>
@page {{ size: A4; margin: 25mm 22mm; }}
body {{ font-family: sans-serif; color: #222; }}
h1 {{ font-size: 26pt; margin: 30mm 0 4mm; }}
.sub {{ font-size: 13pt; color: #444; }}
.quick {{ border-left: 3px solid #c60; padding-left: .8em; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 12mm; font-size: 11pt; }}
td {{ padding: 1.5mm 0; border-bottom: 1px solid #ddd; }}
td:last-child {{ text-align: right; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="sub">The cnnlesson lesson, version {html.escape(version)}: the pages in the
order of the route, every figure and number as computed when the site was built
({date.today().isoformat()}), and the exercises' solutions in the appendix.</p>
{where}{quick}
<table aria-label="Contents">{rows}</table>
<p style="margin-top:10mm;font-size:9pt;color:#555">Text and figures CC BY 4.0, code MIT,
The cnnlesson authors.</p>
</body></html>"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def print_parts(outdir: Path, parts, browser: str, site: str, label: str, cover,
                folder: Path) -> list:
    """Print each ``(docname, title)`` of ``parts`` to a PDF in ``folder``, numbered on
    from the cover's pages; return ``(title, pdf_path, first_page)`` for each, the cover
    first."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    handler = functools.partial(_QuietHandler, directory=str(outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    printed = []
    solutions_where = "The solution is in the appendix, Answers to the exercises."
    explorer_note = ("The explorer runs in a web browser: open this page on the site"
                     + (f" ({site}explore.html)" if site else "")
                     + " to choose a network and an image and follow it through every layer.")
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                context = chromium.new_context(viewport={"width": 1000, "height": 1400},
                                               color_scheme="light")
                context.route("**/*", lambda route_, request: route_.continue_()
                              if request.url.startswith(base) else route_.abort())
                page = context.new_page()
                page.set_default_timeout(PAGE_TIMEOUT * 1000)
                cover_pdf = folder / "cover.pdf"
                # Printed twice: first to learn how many pages it takes, at the end with
                # the pages where each part starts.
                page.set_content(cover([(title, "000") for _, title in parts]))
                page.pdf(path=str(cover_pdf), prefer_css_page_size=True)
                next_page = len(PdfReader(cover_pdf).pages) + 1
                for docname, title in parts:
                    page.goto(base + f"{docname}.html", wait_until="load")
                    verdict = page.evaluate(PREPARE_JS, [site, solutions_where,
                                                         explorer_note])
                    if verdict["raw"] or verdict["broken"]:
                        raise ExtensionError(
                            f"PDF edition: {docname}.html is not ready to print: formulas "
                            f"left untypeset {verdict['raw']}, images that did not load "
                            f"{verdict['broken']}")
                    page.add_style_tag(content=PRINT_CSS + PAGE_CSS.format(
                        footer=_css_string(f"{label} · {title}"), first=next_page))
                    path = folder / f"{len(printed):02d}-{docname.replace('/', '-')}.pdf"
                    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True,
                             outline=True)
                    printed.append((title, path, next_page))
                    next_page += len(PdfReader(path).pages)
                page.set_content(cover([(title, first) for title, _, first in printed]))
                page.pdf(path=str(cover_pdf), prefer_css_page_size=True)
            finally:
                chromium.close()
    finally:
        server.shutdown()
        server.server_close()
    return [("Contents", cover_pdf, 1), *printed]


def join(parts, target: Path, title: str) -> int:
    """Join the printed parts into ``target``, a bookmark for each with its headings'
    bookmarks under it; return its pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for name, path, _ in parts:
        writer.append(str(path), outline_item=name, import_outline=True)
    writer.add_metadata({"/Title": title, "/Author": "The cnnlesson authors"})
    write_whole(target, lambda partial: writer.write(str(partial)))  # whole or not at all
    return len(writer.pages)
