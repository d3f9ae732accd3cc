#!/usr/bin/env python3
"""Check a built cnnlesson site the way a reader meets it.

Usage::

    python3 .ci/check_site.py docs/_build/quick/html [--examples docs/examples]
                              [--screenshots DIR] [--no-browser]

Static checks, on the HTML files:

- every lesson page exists, and one gallery page per ``docs/examples/plot_*.py``;
- every ``<img src>`` of every page points at a file that exists, relative to the
  page (inline ``data:`` images must decode; images from other sites are refused,
  the site must work offline);
- no page loads a script or a style sheet from another site, except MathJax
  (Sphinx's default source for typeset formulas; offline, formulas show as TeX);
- every gallery page shows at least one figure the example drew, and offers its
  ``.py`` script and ``.ipynb`` notebook for download, and both files exist;
- when the home page carries the quick-build banner, every page carries it.

Browser checks, in headless Chromium (Debian's ``chromium`` package): the site is
served by ``python3 -m http.server`` on 127.0.0.1; a small harness page, served
from the same origin, loads the home page and one gallery page in a frame, asks
every image to load and decode, and writes the verdict into its own DOM, which
Chromium prints with ``--dump-dom``.  Screenshots of both pages are kept in the
screenshots folder for people to look at.

Only the standard library is used, so any Python 3.9+ runs it.  Exit status 0
when every check passes, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import html
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LESSON_PAGES = ("index", "network", "feature_maps", "convolution_effects", "errata",
                "how_built", "api", "cite", "bibliography")
BANNER_CLASS = "cnnlesson-profile-banner"
# Sphinx loads MathJax from this CDN by default; every other script and style is local.
ALLOWED_EXTERNAL = ("https://cdn.jsdelivr.net/npm/mathjax@",)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Flags that keep headless Chromium quiet, offline-friendly and runnable as root in CI.
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--disable-dev-shm-usage",
]


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
            if (parts.scheme or parts.netloc) and not resource.startswith(ALLOWED_EXTERNAL):
                failures.append(f"{page.relative_to(root)}: loads {resource} from another "
                                "site, which an offline reader cannot reach")
        reader_page = (page.stem in LESSON_PAGES and page.parent == root) or (
            page.parent == root / "auto_examples" and page.stem in examples)
        if bannered and reader_page and BANNER_CLASS not in parsed.classes:
            failures.append(f"{page.relative_to(root)}: the quick-build banner is missing")
    return failures, len(pages), image_count


# --- browser ---------------------------------------------------------------------------

HARNESS = """<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body><pre id="verdict">pending</pre>
<iframe id="page" style="width:1280px;height:2000px;border:0"></iframe>
<script>
const target = new URLSearchParams(location.search).get("page");
const verdict = document.getElementById("verdict");
function report(result) {
  verdict.textContent = JSON.stringify(result);
  document.title = result.ok ? "ok" : "failed";
}
function checkImage(img) {
  // Lazy images load only when scrolled to; ask for all of them now.
  img.loading = "eager";
  const src = img.currentSrc || img.src;
  const done = () => ({src, ok: img.complete && img.naturalWidth > 0});
  if (img.complete && img.naturalWidth > 0) return Promise.resolve(done());
  return img.decode().then(done, () => ({src, ok: false}));
}
const frame = document.getElementById("page");
frame.addEventListener("load", async () => {
  try {
    const doc = frame.contentDocument;
    if (!doc || !doc.body) { report({ok: false, error: "page did not load"}); return; }
    const images = Array.from(doc.images);
    const timeout = new Promise(resolve => setTimeout(() => resolve("timeout"), 20000));
    const results = await Promise.race([Promise.all(images.map(checkImage)), timeout]);
    if (results === "timeout") {
      const slow = images.filter(img => !(img.complete && img.naturalWidth > 0));
      report({ok: false, error: "images still loading after 20 s",
              failed: slow.map(img => img.currentSrc || img.src)});
      return;
    }
    const failed = results.filter(r => !r.ok).map(r => r.src);
    report({ok: failed.length === 0 && doc.title !== "", title: doc.title,
            images: results.length, failed});
  } catch (error) {
    report({ok: false, error: String(error)});
  }
});
frame.src = target;
</script></body></html>
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` over http://127.0.0.1:<free port>/ while the block runs."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/harness.html", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the local web server did not start")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def run_chromium(chromium: str, args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="check-site-chromium-") as profile:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout,
        )


def browser_checks(root: Path, pages: list[str], screenshots: Path, chromium: str) -> list[str]:
    failures = []
    screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="check-site-serve-") as served:
        served = Path(served)
        (served / "harness.html").write_text(HARNESS, encoding="utf-8")
        (served / "site").symlink_to(root.resolve(), target_is_directory=True)
        with serve(served) as base:
            for page in pages:
                url = f"{base}/site/{page}"
                try:
                    dumped = run_chromium(chromium, [
                        "--virtual-time-budget=30000", "--window-size=1400,2200",
                        "--dump-dom", f"{base}/harness.html?page=/site/{page}",
                    ])
                except subprocess.TimeoutExpired:
                    failures.append(f"browser: {page}: Chromium did not finish in time")
                    continue
                match = re.search(r'<pre id="verdict">(.*?)</pre>', dumped.stdout, re.S)
                verdict = None
                if match:
                    with contextlib.suppress(ValueError):
                        verdict = json.loads(html.unescape(match.group(1)))
                if not isinstance(verdict, dict):
                    detail = (dumped.stderr.strip().splitlines() or ["no output"])[-1]
                    failures.append(f"browser: {page}: no verdict from the harness ({detail})")
                elif not verdict.get("ok"):
                    failures.append(f"browser: {page}: {json.dumps(verdict)}")
                else:
                    print(f"browser: {page}: {verdict['images']} images loaded "
                          f"(title {verdict['title']!r})")

                shot = screenshots / (page.replace("/", "_").removesuffix(".html") + ".png")
                try:
                    run_chromium(chromium, [
                        "--virtual-time-budget=15000", "--window-size=1280,2000",
                        "--run-all-compositor-stages-before-draw",
                        f"--screenshot={shot}", url,
                    ])
                except subprocess.TimeoutExpired:
                    pass
                if shot.is_file() and shot.stat().st_size > 0:
                    print(f"screenshot: {shot}")
                else:
                    failures.append(f"browser: {page}: no screenshot was taken")
    return failures


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built site, e.g. docs/_build/quick/html")
    parser.add_argument("--examples", type=Path, default=here.parent / "docs" / "examples",
                        help="the gallery's sources (default: docs/examples)")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="where screenshots go (default: <html>/../screenshots)")
    parser.add_argument("--no-browser", action="store_true", help="static checks only")
    parser.add_argument("--pages", nargs="*", default=None,
                        help="pages to open in the browser (default: index.html and the "
                             "first gallery page)")
    options = parser.parse_args(argv)

    root = options.html.resolve()
    if not (root / "index.html").is_file():
        print(f"check_site: {root} holds no built site (no index.html)")
        return 1
    examples = sorted(path.stem for path in options.examples.glob("plot_*.py"))
    failures, page_count, image_count = static_checks(root, examples)
    print(f"static: {page_count} pages, {image_count} images, {len(examples)} examples checked")

    if not options.no_browser:
        chromium = find_chromium()
        if chromium is None:
            failures.append("browser: no Chromium found (apt-get install chromium)")
        else:
            pages = options.pages
            if pages is None:
                pages = ["index.html"] + [f"auto_examples/{stem}.html" for stem in examples[:1]]
            screenshots = options.screenshots or root.parent / "screenshots"
            failures += browser_checks(root, pages, screenshots, chromium)

    for failure in failures:
        print(f"FAIL {failure}")
    print("check_site: " + ("all checks passed" if not failures
                            else f"{len(failures)} problem(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
