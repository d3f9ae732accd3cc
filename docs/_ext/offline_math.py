"""Formulas typeset without the network: MathJax served from the site itself.

Sphinx loads MathJax from a CDN by default; offline, every formula then shows as
raw TeX.  This extension takes MathJax 3 from the ``django-static-mathjax`` wheel
on PyPI (MathJax's own release files, no Django needed; see pyproject.toml), copies
the parts the site uses into ``_static/mathjax/`` of the built site, and points
``mathjax_path`` at the local copy.

``tex-svg.js`` is one self-contained file (TeX input, SVG output: no web fonts to
fetch); the TeX extensions MathJax loads on demand, the accessibility tools of its
menu and MathJax's licence are copied beside it.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ENTRY = "tex-svg.js"
# Loaded by tex-svg.js on demand (a TeX package a formula needs, the menu's tools).
ON_DEMAND = ("input/tex", "a11y", "sre", "ui", "output/svg")


def mathjax_release() -> Path:
    """The folder holding MathJax's ``es5/`` release files, from the installed wheel."""
    spec = importlib.util.find_spec("mathjax")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "static" / "mathjax"
        if (folder / "es5" / ENTRY).is_file():
            return folder
    raise ExtensionError(
        "MathJax for the offline site is missing: install the docs dependencies "
        "(pip install -e '.[docs]', which brings django-static-mathjax)")


def _use_local_mathjax(app, config):
    mathjax_release()  # fail at the start of the build, not at its end
    config.mathjax_path = f"mathjax/{ENTRY}"  # relative: served from _static/


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    release = mathjax_release()
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(release / "es5" / ENTRY, target / ENTRY)
    shutil.copy2(release / "LICENSE", target / "LICENSE")
    for part in ON_DEMAND:
        source = release / "es5" / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
