"""Fixtures for the browser tests: the built site served locally, opened in Chromium.

These tests run only when pytest is given a built site::

    pytest tests/browser --site-dir docs/_build/quick/html

(``nox -s site -- docs/_build/quick/html`` does that after the static checks).
Without ``--site-dir`` the folder is not collected (see ``tests/conftest.py``,
where the option is registered).

Fixtures
--------
``site_dir``
    The built site, a :class:`~pathlib.Path`.
``site_url``
    ``"http://127.0.0.1:PORT/"``: the site served from a thread of the test process.
``browser``
    Debian's headless Chromium (``/usr/bin/chromium``, or ``CNNLESSON_CHROMIUM``),
    launched through Playwright for Python; Playwright downloads no browser here.
``open_page``
    ``open_page(relative_path, *, width=1280, height=900, color_scheme="light")``
    returns a Playwright ``Page`` navigated to the page and loaded.  Every request
    to another host than 127.0.0.1 is aborted and recorded, and so is every console
    error; when the test ends, the fixture fails it if there was any.
``screenshot_dir``
    Where screenshots for people go: ``screenshots/`` beside the site folder.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")

SETTLE_SCRIPT = """async () => {
  await document.fonts.ready;
  await new Promise(requestAnimationFrame);
  const fades = document.getAnimations().filter((a) => a instanceof CSSTransition);
  await Promise.allSettled(fades.map((a) => a.finished));
}"""


def _find_chromium() -> str | None:
    named = os.environ.get("CNNLESSON_CHROMIUM")
    if named:
        return named
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def site_dir(pytestconfig) -> Path:
    folder = Path(pytestconfig.getoption("--site-dir")).resolve()
    if not (folder / "index.html").is_file():
        pytest.fail(f"--site-dir {folder} holds no built site (no index.html); "
                    "build it with: python3 -m nox -s docs -- --quick")
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site_url(site_dir):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = _find_chromium()
    if chromium is None:
        pytest.fail("no Chromium found: apt-get install chromium "
                    "(or name one in CNNLESSON_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(site_dir) -> Path:
    folder = site_dir.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_page(browser, site_url):
    """Open pages of the site with everything from other sites blocked and recorded."""
    contexts = []
    blocked: list[str] = []
    console_errors: list[str] = []

    def route(route_, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            blocked.append(request.url)
            route_.abort()
        else:
            route_.continue_()

    def open_(relative_path: str, *, width: int = 1280, height: int = 900,
              color_scheme: str = "light"):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=color_scheme)
        contexts.append(context)
        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda message: console_errors.append(
            f"{relative_path}: {message.text}") if message.type == "error" else None)
        page.on("pageerror", lambda error: console_errors.append(f"{relative_path}: {error}"))
        response = page.goto(site_url + relative_path.lstrip("/"), wait_until="load")
        assert response is not None and response.ok, (
            f"{relative_path}: HTTP {response.status if response else 'no response'}")
        # The theme picks light or dark after load and Bootstrap fades colours in for
        # 0.15 s; a check that reads colours mid-fade sees neither theme (axe once read
        # the search button's text as black on the dark header).
        page.evaluate(SETTLE_SCRIPT)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not blocked, f"requests to other sites (blocked): {blocked}"
    assert not console_errors, f"console errors: {console_errors}"
