"""The PDF edition: the lesson as one PDF, printed by Chromium from the built pages.

Once the site is written (``build-finished``), the home page and the route's pages, in
the route's order (``lesson_times.route``), then the answer key as an appendix, are
opened in headless Chromium (Playwright for Python, Debian's ``/usr/bin/chromium``),
printed one by one after MathJax has typeset every formula, and joined with pypdf behind
a cover with the contents, into ``downloads/cnnlesson-<version>.pdf``; the course pack
gets a copy.  The build log gives its pages and size.

Why Chromium and not LaTeX: the browser tests already need it, and it prints the pages as
a reader sees them (the executed outputs, every figure, the formulas as MathJax typeset
them) with no TeX installation of several gigabytes and no second Sphinx builder, which
could not render the notebooks' HTML outputs.

A machine without Chromium still builds the site: the log then says in one line how to
get the PDF, and the home page offers none.  ``CNNLESSON_PDF=required`` (CI, publishing)
makes a missing browser an error.  ``CNNLESSON_CHROMIUM`` names another Chromium.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import os
import shutil
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from answer_key import PAGE as ANSWER_KEY_PAGE
from docutils import nodes
from lesson_times import route
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)
BROWSERS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable")
HOW_TO_GET_IT = ("PDF edition not built: no Chromium here (apt-get install chromium, or name "
                 "one in CNNLESSON_CHROMIUM), then run the same command again")
#: Seconds a page may take to load and typeset before printing.
PAGE_TIMEOUT = 120


def find_browser() -> str:
    """The Chromium that prints the PDF: ``CNNLESSON_CHROMIUM``, else the first found."""
    named = os.environ.get("CNNLESSON_CHROMIUM", "").strip()
    if named:
        return shutil.which(named) or ""
    return next((found for name in BROWSERS if (found := shutil.which(name))), "")


def pdf_name(version: str) -> str:
    return f"cnnlesson-{version}.pdf"


def _will_print(config) -> bool:
    return bool(config.cnnlesson_pdf_browser) and config.nb_execution_mode != "off"


def _set_browser(app, config):
    config.cnnlesson_pdf_browser = find_browser()
    if os.environ.get("CNNLESSON_PDF") == "required" and not config.cnnlesson_pdf_browser:
        raise ExtensionError(HOW_TO_GET_IT.replace("not built", "required (CNNLESSON_PDF"
                                                   "=required)"))


class pdf_link(nodes.General, nodes.Inline, nodes.Element):
    """The link to the PDF, decided when the page is written: only where one is made."""


def _role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [pdf_link(rawtext, text=text)], []


class ResolvePdfLink(SphinxPostTransform):
    default_priority = 3

    def run(self, **kwargs):
        config = self.app.config
        for node in list(self.document.findall(pdf_link)):
            if _will_print(config):
                depth = self.env.docname.count("/")
                link = nodes.reference("", "", refuri="../" * depth + "downloads/"
                                       + pdf_name(config.version),
                                       classes=["cnnlesson-download-pdf"])
                link += nodes.literal(node["text"], node["text"], classes=["download"])
                node.replace_self(link)
            else:
                node.replace_self(nodes.inline("", f"{node['text']} (not in this copy of the "
                                                   "site: it is printed with Chromium)"))


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


def _cover_html(title, version, site, quick_note, contents) -> str:
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


def print_parts(outdir: Path, parts, browser: str, site: str, label: str, cover) -> list:
    """Print each ``(docname, title)`` of ``parts`` to a PDF, numbered on from the cover's
    pages; return ``(title, pdf_path, first_page)`` for each, the cover first."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    handler = functools.partial(_QuietHandler, directory=str(outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    folder = Path(tempfile.mkdtemp(prefix="cnnlesson-pdf-"))
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
                             outline=True, tagged=True)
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
    """Join the printed parts into ``target``, a bookmark for each; return its pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for name, path, _ in parts:
        writer.append(str(path), outline_item=name, import_outline=False)
    writer.add_metadata({"/Title": title, "/Author": "The cnnlesson authors"})
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as stream:
        writer.write(stream)
    partial.replace(target)  # whole or not at all
    return len(writer.pages)


def print_edition(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    config = app.config
    if config.nb_execution_mode == "off":
        logger.info("PDF edition: not printed, as the pages were not executed (--no-exec)")
        return
    if not config.cnnlesson_pdf_browser:
        logger.info(HOW_TO_GET_IT)
        return
    from course_pack import add_to_pack, downloads_folder

    env = app.env
    outdir = Path(app.outdir)
    pages = [(config.root_doc, "Introduction"), *[(page, env.titles[page].astext())
                                                   for page, _ in route(env)],
             (ANSWER_KEY_PAGE, "Appendix: " + env.titles[ANSWER_KEY_PAGE].astext())]
    kept = downloads_folder(config) / pdf_name(config.version)
    # What the PDF is printed from; unchanged, the last PDF is kept (pages Sphinx reads on
    # every build, such as the answer key, are written again with the same text).
    source = hashlib.sha256("\0".join([PRINT_CSS, PAGE_CSS, PREPARE_JS, config.version,
                                        config.html_baseurl or ""]).encode())
    for docname, title in pages:
        source.update(f"\0{docname}\0{title}\0".encode())
        source.update((outdir / f"{docname}.html").read_bytes())
    stamp = downloads_folder(config).parents[1] / "pdf-edition.sha256"
    if kept.is_file() and stamp.is_file() and stamp.read_text() == source.hexdigest():
        logger.info(f"PDF edition: its pages have not changed since {kept.name} was printed")
    else:
        started = time.monotonic()
        title = env.titles[config.root_doc].astext()
        site = config.html_baseurl or ""
        quick = config.html_theme_options.get("announcement", "")
        quick = html.unescape(quick.replace("<code>", "").replace("</code>", ""))

        def cover(contents):
            return _cover_html(title, config.version, site, quick, contents)

        try:
            parts = print_parts(outdir, pages, config.cnnlesson_pdf_browser, site,
                                f"cnnlesson {config.version}", cover)
        except ExtensionError:
            raise
        except Exception as error:  # Playwright's errors: the browser, a page's timeout
            raise ExtensionError(f"PDF edition: printing with {config.cnnlesson_pdf_browser} "
                                 f"failed: {error}") from error
        kept.parent.mkdir(parents=True, exist_ok=True)
        count = join(parts, kept, title)
        shutil.rmtree(parts[0][1].parent, ignore_errors=True)
        stamp.write_text(source.hexdigest())
        logger.info(f"PDF edition: printed {count} pages in {time.monotonic() - started:.0f} s")
    from pypdf import PdfReader

    (outdir / "downloads").mkdir(exist_ok=True)
    shutil.copy2(kept, outdir / "downloads" / kept.name)
    add_to_pack(app, kept)
    logger.info(f"PDF edition: {outdir / 'downloads' / kept.name}, "
                f"{len(PdfReader(kept).pages)} pages, {kept.stat().st_size / 1e6:.1f} MB")


def setup(app):
    app.add_config_value("cnnlesson_pdf_browser", "", "html")
    app.connect("config-inited", _set_browser)
    app.add_node(pdf_link)
    app.add_role("pdf-edition", _role)
    app.add_post_transform(ResolvePdfLink)
    app.connect("build-finished", print_edition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
