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

import hashlib
import html
import os
import shutil
import tempfile
import time
from pathlib import Path

from answer_key import PAGE as ANSWER_KEY_PAGE
from build_layout import layout
from docutils import nodes
from lesson_times import route
from pdf_printing import PAGE_CSS, PREPARE_JS, PRINT_CSS, cover_html, join, print_parts
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from cnnlesson.files import write_whole

logger = logging.getLogger(__name__)
BROWSERS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable")
HOW_TO_GET_IT = ("PDF edition not built: no Chromium here (apt-get install chromium, or name "
                 "one in CNNLESSON_CHROMIUM), then run the same command again")


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


def print_edition(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    from course_pack import add_to_pack

    config = app.config
    build = layout(config.cnnlesson_profile_name)
    kept = build.downloads / pdf_name(config.version)
    published = build.published_downloads / kept.name
    stamp = build.pdf_stamp
    if not _will_print(config):
        # An earlier build's PDF would not show these pages: the site offers none.
        for stale in (kept, published, stamp):
            stale.unlink(missing_ok=True)
        logger.info("PDF edition: not printed, as the pages were not executed (--no-exec)"
                    if config.nb_execution_mode == "off" else HOW_TO_GET_IT)
        return

    env = app.env
    outdir = Path(app.outdir)
    pages = [(config.root_doc, "Introduction"), *[(page, env.titles[page].astext())
                                                   for page, _ in route(env)],
             (ANSWER_KEY_PAGE, "Appendix: " + env.titles[ANSWER_KEY_PAGE].astext())]
    # What the PDF is printed from; unchanged, the last PDF is kept (pages Sphinx reads on
    # every build, such as the answer key, are written again with the same text).
    source = hashlib.sha256("\0".join([PRINT_CSS, PAGE_CSS, PREPARE_JS, config.version,
                                        config.html_baseurl or ""]).encode())
    for docname, title in pages:
        source.update(f"\0{docname}\0{title}\0".encode())
        source.update((outdir / f"{docname}.html").read_bytes())
    if kept.is_file() and stamp.is_file() and stamp.read_text() == source.hexdigest():
        logger.info(f"PDF edition: its pages have not changed since {kept.name} was printed")
    else:
        started = time.monotonic()
        title = env.titles[config.root_doc].astext()
        site = config.html_baseurl or ""
        quick = config.html_theme_options.get("announcement", "")
        quick = html.unescape(quick.replace("<code>", "").replace("</code>", ""))

        def cover(contents):
            return cover_html(title, config.version, site, quick, contents)

        with tempfile.TemporaryDirectory(prefix="cnnlesson-pdf-") as folder:
            try:
                parts = print_parts(outdir, pages, config.cnnlesson_pdf_browser, site,
                                    f"cnnlesson {config.version}", cover, Path(folder))
            except ExtensionError:
                raise
            except Exception as error:  # Playwright's: the browser, a page's timeout
                raise ExtensionError(f"PDF edition: printing with "
                                     f"{config.cnnlesson_pdf_browser} failed: {error}") from error
            kept.parent.mkdir(parents=True, exist_ok=True)
            count = join(parts, kept, title)
        stamp.write_text(source.hexdigest())
        logger.info(f"PDF edition: printed {count} pages in {time.monotonic() - started:.0f} s")
    from pypdf import PdfReader

    write_whole(published, lambda partial: shutil.copyfile(kept, partial))
    add_to_pack(app, kept)
    logger.info(f"PDF edition: {published}, "
                f"{len(PdfReader(kept).pages)} pages, {kept.stat().st_size / 1e6:.1f} MB")


def setup(app):
    app.add_config_value("cnnlesson_pdf_browser", "", "html")
    app.connect("config-inited", _set_browser)
    app.add_node(pdf_link)
    app.add_role("pdf-edition", _role)
    app.add_post_transform(ResolvePdfLink)
    app.connect("build-finished", print_edition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
