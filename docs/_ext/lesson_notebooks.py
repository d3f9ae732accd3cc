"""The notebooks a student downloads: their first cell, and the lesson pages as notebooks.

:func:`install_cell` is the first code cell of every notebook the site offers (the
gallery's, through sphinx-gallery's ``first_notebook_cell``, and the lesson pages'): it
installs cnnlesson where it is missing and lets the student choose the profile.
:func:`lesson_notebook` turns a MyST page into a notebook that runs without myst-nb or
Sphinx: the site's roles and directives become plain Markdown, glued values are printed.
The course pack (``course_pack.py``) zips them.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The lesson pages that become notebooks, in reading order. The explorer page is not
#: among them: it is a program for the browser, which a notebook cannot run.
LESSON_PAGES = ("index", "network", "feature_maps", "convolution_effects", "design",
                "errata")


def install_cell(version: str, base_url: str | None) -> str:
    """The first code cell of every notebook: install cnnlesson where it is missing, and
    use the site's trained models where they can be had."""
    wheel = f"cnnlesson-{version}-py3-none-any.whl"
    url = f"{base_url.rstrip('/')}/downloads/{wheel}" if base_url else None
    return f'''\
# Install cnnlesson, the lesson's package, unless this Python has it already.
# The course pack keeps its wheel beside this notebook's folder; in Colab, upload
# {wheel} first (or the site's URL below is used, where known).
import importlib
import importlib.util
import os
import pathlib
import subprocess
import sys

# How much training this notebook does: "full" (the lesson's recipe, the default; long on
# a laptop) or "quick" (minutes). Remove the "#" below for the quick profile:
# os.environ["CNNLESSON_PROFILE"] = "quick"

if importlib.util.find_spec("cnnlesson") is None:
    wheels = sorted(pathlib.Path().glob("cnnlesson-*.whl")) + sorted(
        pathlib.Path("..").glob("cnnlesson-*.whl"))
    source = str(wheels[-1]) if wheels else {url!r}
    if source is None:
        raise RuntimeError(
            "cnnlesson is not installed. Download the course pack from the lesson's site, "
            "unzip it and open this notebook from the pack's folder, or run: "
            "pip install {wheel}")
    subprocess.check_call([sys.executable, "-m", "pip", "install", source])
    importlib.invalidate_caches()

import cnnlesson

# The site's trained models, fetched when a model is needed and checked against the
# site's SHA-256 digests, so that this notebook loads them instead of training for an
# hour; offline, or without them, the models are trained here.
print("Trained models from:", cnnlesson.use_site_models() or "this computer")
'''


GLUE_SHIM = '''\
def glue(name, value, display=True):
    """On the site, myst-nb writes this value into the text; here it is printed."""
    print(f"{name} = {value}")'''

_MARKDOWN_FIXES = (
    # MyST target labels such as "(network)=" above a heading.
    (re.compile(r"^\([\w-]+\)=[ \t]*\n", re.M), lambda m: ""),
    # Citations: the keys name the entries of the site's Bibliography page.
    (re.compile(r"\{cite:[pt]\}`([^`]+)`"), lambda m: "[" + m.group(1).replace(",", ", ") + "]"),
    # Values the site writes into the text: here the code prints them.
    (re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::[^`]*)?`"),
     lambda m: f"`{m.group(1)}` (printed by the code)"),
    (re.compile(r"\{numref\}`([^`]+)`"), lambda m: "the figure"),
    # Admonitions (:::{note} ... :::) become a bold heading over plain text.
    (re.compile(r"^:{3,}\{([\w-]+)\}[ \t]*(.*)$(?:\n:[\w-]+:.*$)*", re.M),
     lambda m: f"**{m.group(2) or m.group(1).capitalize()}.**"),
    # Styles for the site's page layout: nothing a notebook shows.
    (re.compile(r"^```\{raw\} html\n.*?^```[ \t]*$", re.M | re.S), lambda m: ""),
    (re.compile(r"^:{3,}[ \t]*$", re.M), lambda m: ""),
    # Key points and exercises (```{admonition} Title / ```{exercise} Title) likewise;
    # the fence that closes one has as many backticks as the one that opened it.
    (re.compile(r"^(`{3,})\{(admonition|exercise)\}[ \t]*([^\n]*)\n(?::[\w-]+:[^\n]*\n)*"
                r"(.*?)^\1[ \t]*$",
                re.M | re.S),
     lambda m: (f"**Exercise: {m.group(3)}.**" if m.group(2) == "exercise"
                else f"**{m.group(3)}.**") + "\n\n" + m.group(4).strip() + "\n"),
    # A solution's start becomes its heading; the code cells after it are the solution.
    (re.compile(r"^`{3,}\{solution-start\}.*\n(?::[\w-]+:.*\n)*`{3,}[ \t]*$", re.M),
     lambda m: "**Solution.**"),
    (re.compile(r"^`{3,}\{solution-end\}.*\n`{3,}[ \t]*$", re.M), lambda m: ""),
    # How to build the site from the repository: not what a reader of the pack needs.
    (re.compile(r"^## Run it yourself\n.*?(?=^## )", re.M | re.S),
     lambda m: "## Run it yourself\n\nThe pack's README.md says how to install and run "
               "these notebooks and the examples.\n\n"),
    # The site's tables of contents: the pack's README lists the notebooks instead.
    (re.compile(r"^```\{toctree\}.*?^```[ \t]*$", re.M | re.S), lambda m: ""),
    # Links between pages: to the other notebooks of the pack, or named as the site's.
    (re.compile(r"\[([^\]]*)\]\(([\w-]+)\.md(#[\w-]+)?\)"), lambda m: _page_link(*m.groups())),
    (re.compile(r"\[([^\]]*)\]\(auto_examples/[\w-]+\.rst\)"),
     lambda m: f"{m.group(1) or 'Examples'} (the notebooks in `examples/`)"),
    (re.compile(r"\{ref\}`([^`<]+?)\s*<[^`]+>`"), lambda m: m.group(1)),
    (re.compile(r"\{ref\}`([^`]+)`"), lambda m: m.group(1).replace("-", " ")),
    (re.compile(r"\{course-pack\}`([^`]+)`"), lambda m: f"{m.group(1)} (this folder)"),
    # API names read as code; the pack has no API pages to link to.
    (re.compile(r"\{py:\w+\}`~?([^`]+)`"), lambda m: f"`{m.group(1)}`"),
    # Gallery pages are the pack's example notebooks; other documents are named.
    (re.compile(r"\{doc\}`([^`<]+?)\s*<[^`]+>`"), lambda m: m.group(1)),
    (re.compile(r"\{doc\}`auto_examples/([\w-]+)`"),
     lambda m: f"`examples/{m.group(1)}.ipynb`"),
    (re.compile(r"\{doc\}`([^`]+)`"), lambda m: m.group(1).replace("_", " ")),
)


def _page_link(text, page, anchor):
    if page in LESSON_PAGES:
        return f"[{text or page}]({page}.ipynb)"
    return f"{text or page.replace('_', ' ')} (a page of the site)"


def lesson_notebook(page: Path, first_cell: str):
    """The page as a notebook a student can run: install cell first, no myst-nb needed."""
    import jupytext
    import nbformat

    notebook = jupytext.read(page, fmt="md:myst")
    cells = [nbformat.v4.new_markdown_cell(
        f"*A page of the cnnlesson site as a notebook ({page.stem}). Run the cells from the "
        "top: the first one installs cnnlesson where it is missing and lets you choose "
        "the profile (with the full profile, the first cell that trains the lesson's "
        "network takes as long as the example plot_train_lesson_model in the README's "
        "table; later notebooks load it from the cache in seconds). On the site, "
        "values the code computes appear in the text; here the code prints them, and a "
        "citation such as [mlm2022] names an entry of the site's Bibliography.*"),
        nbformat.v4.new_code_cell(first_cell)]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for pattern, replace in _MARKDOWN_FIXES:
                cell.source = pattern.sub(replace, cell.source)
        elif "narrow-only" in cell.metadata.get("tags", []):
            continue  # the phone-width copy of the figure before it
        elif cell.cell_type == "code":
            cell.source = cell.source.replace("from myst_nb import glue", GLUE_SHIM)
            cell.metadata.pop("mystnb", None)
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}
    return notebook
