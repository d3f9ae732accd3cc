"""Sphinx configuration of the cnnlesson site.

The build profile comes from ``CNNLESSON_PROFILE`` (set by ``nox -s docs``):
``full`` trains the lesson's exact recipe, ``quick`` a short schedule whose
pages carry a banner.  ``CNNLESSON_NO_EXEC=1`` runs no code at all.

Who runs what: myst-nb executes the narrative pages (``*.md``) and nothing else;
sphinx-gallery executes ``examples/plot_*.py`` and nothing else.  The
``exclude_patterns`` below keep each tool away from the other's files.
"""

import hashlib
import importlib
import logging
import os
import re
import shutil
import sys
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from sphinx_gallery.sorting import FunctionSortKey

import cnnlesson

# Local extensions and sphinx-gallery's hooks (scraper, example order), named by string
# below.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))
from build_layout import DOCS, GALLERY, layout  # noqa: E402  (docs/_ext, on the path)
from figure_files import kernel_profile  # noqa: E402
from gallery_support import lesson_order  # noqa: E402
from lesson_notebooks import install_cell  # noqa: E402

from cnnlesson.profiles import describe_images  # noqa: E402


def _not_a_retrace_warning(record):
    """All gallery examples run in this one process, each predicting with models of
    its own; TensorFlow counts their first traces together and warns of
    "retracing", which would only alarm a reader watching the build."""
    return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_not_a_retrace_warning)

PROFILE = cnnlesson.current_profile()
NO_EXEC = os.environ.get("CNNLESSON_NO_EXEC") == "1"
cnnlesson_profile_name = PROFILE.name
#: This build's folders under docs/_build/<profile>/ (docs/_ext/build_layout.py).
BUILD = layout(PROFILE.name)

# Which models each page and example trains or loads, one record per document, so that
# nox -s docs publishes those under models/ (docs/_ext/models_used.py).
cnnlesson_models_used = "" if NO_EXEC else str(BUILD.models_used)
# Where the errata page keeps the losses it measured on each backend (its kernel reads it).
os.environ["CNNLESSON_BACKEND_LOSSES"] = str(BUILD.backend_losses)

# The site's public address, when it has one (nox -s docs -- --baseurl=URL sets it): the
# Cite page cites it and the notebooks' first cell installs the wheel from it.  Without
# it, nothing on the site claims an address.
html_baseurl = os.environ.get("CNNLESSON_BASEURL", "").strip()
if html_baseurl and not html_baseurl.endswith("/"):
    html_baseurl += "/"

project = "cnnlesson"
author = "The cnnlesson authors"
copyright = "2026, The cnnlesson authors. Code MIT, text and figures CC BY 4.0"
release = version = cnnlesson.__version__

extensions = [
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinxcontrib.bibtex",
    # MathJax from the site itself, not a CDN (docs/_ext/offline_math.py).
    "offline_math",
    # The wheel and the course pack, offered on the site (docs/_ext/course_pack.py).
    "course_pack",
    # Each figure of the lesson pages as SVG and PNG, with its licence line.
    "figure_files",
    # The explorer page's scripts and styles, on that page only (docs/_ext/explorer_assets.py).
    "explorer_assets",
    # The examples' downloads without the build's checks (docs/_ext/gallery_support.py).
    "gallery_support",
    # Names for the theme's sidebar toggles, which screen readers otherwise announce blank.
    "sidebar_labels",
    "sphinx_exercise",
    "sphinx_togglebutton",
    # Each page's minutes from its front matter: its box and the guide's schedule.
    "lesson_times",
    # Instructor notes, dropped from the pages and collected in the instructor's guide.
    "instructor_guide",
    # The exercises with their solutions, on a page of their own.
    "answer_key",
    # The lesson as one PDF, printed by Chromium once the site is written.
    "pdf_edition",
    # The exercises as an otter-grader assignment in the course pack.
    "assignment",
    # One record per page and example of the trained models it uses.
    "models_used",
]

templates_path = ["_templates"]
# Figures, tables and code listings are numbered, so a slide or a note can name them.
numfig = True

exclude_patterns = [
    BUILD.root.parent.relative_to(DOCS).as_posix(), "jupyter_execute", "**.ipynb_checkpoints",
    # sphinx-gallery's own outputs: the notebooks and scripts it writes for download
    # must not be read (myst-nb would otherwise parse and execute the .ipynb files).
    f"{GALLERY.name}/**.ipynb", f"{GALLERY.name}/**.py", f"{GALLERY.name}/**.md",
    # The gallery's sources: sphinx-gallery turns them into auto_examples/*.rst.
    "examples",
    # Timing pages that older builds of this site wrote (see write_computation_times).
    "sg_execution_times.rst", f"{GALLERY.name}/sg_execution_times.rst",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}

# Narrative pages: executed by myst-nb, cached per profile so that an unchanged page is
# not run again, and a failing cell fails the build.  (jupyter-cache keeps the outputs.)
nb_execution_mode = "off" if NO_EXEC else "cache"
nb_execution_cache_path = str(BUILD.jupyter_cache)
nb_execution_timeout = 3600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_output_stderr = "remove"
nb_merge_streams = True
# Markdown that code cells display is parsed as MyST, so tables and roles work in it.
nb_render_markdown_format = "myst"
# The kernels draw each figure as PNG and SVG; pages show the PNG, and figure_files offers
# both for download.
kernel_profile(BUILD.kernel_profile)
nb_mime_priority_overrides = [("html", "image/svg+xml", None)]
if NO_EXEC:
    # Without execution there are no outputs to glue into the text and no kernel to name
    # the code cells' language; both are expected when editing prose.
    suppress_warnings = ["mystnb.glue", "myst-nb.lexer"]
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "substitution", "attrs_inline"]
myst_heading_anchors = 3


# Gallery: sphinx-gallery runs docs/examples/plot_*.py and only those.  Results are per
# profile, so switching profiles regenerates.
# The notebooks sphinx-gallery writes start with the install cell, which it writes again
# only when it runs the example again: a new cell, like a new profile, runs them all.
FIRST_NOTEBOOK_CELL = install_cell(cnnlesson.__version__, html_baseurl)
_gallery_stamp = GALLERY / ".profile"
_gallery_made_by = "\n".join(
    [PROFILE.name, hashlib.sha256(FIRST_NOTEBOOK_CELL.encode()).hexdigest()])
if _gallery_stamp.exists() and _gallery_stamp.read_text() != _gallery_made_by:
    shutil.rmtree(GALLERY)

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": GALLERY.name,
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "within_subsection_order": FunctionSortKey(lesson_order, "the lesson's order"),
    "matplotlib_animations": False,
    "image_scrapers": ("gallery_support.scrape_with_alt_text",),
    "reset_modules": ("matplotlib", "gallery_support.release_keras", "models_used.per_example"),
    # After the last example too, so the notebook kernels start beside a lean build.
    "reset_modules_order": "both",
    "capture_repr": ("_repr_html_", "__repr__"),
    "show_memory": False,
    # sphinx-gallery's timing page fetches jQuery, Bootstrap and DataTables from
    # CDNs, which an offline reader cannot load and which restyle the page; every
    # example page ends with its own running time, as sphinx-gallery measured it.
    "write_computation_times": False,
    # "Examples using ..." on the API pages: sphinx-gallery records which cnnlesson objects
    # each example uses, under the shortest public name (cnnlesson.train_lesson_model,
    # cnnlesson.analysis.receptive_field), and the module template's mini-galleries show
    # them per object (nothing where an object has none).
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("cnnlesson",),
    # Every downloaded notebook starts by installing cnnlesson where it is missing.
    "first_notebook_cell": FIRST_NOTEBOOK_CELL,
}

# API reference: one page per module, generated from the docstrings.
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autosummary_generate = True
autosummary_imported_members = False
# A module's __all__ says what it offers: a package that gathers its submodules' names
# in __all__ is documented with those names, on its own page.
autosummary_ignore_module_all = False


# The package's top level gathers the names most pages use; they are documented there, on
# the page of ``cnnlesson``, and each module's page leaves them out, so every object has one
# entry under one public name (the name sphinx-gallery's "Examples using" also uses).
autosummary_context = {
    "cnnlesson_toplevel": [name for name in cnnlesson.__all__ if callable(
        getattr(cnnlesson, name))],
}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
# "Attributes" sections become fields of their class, not separate entries that would
# collide with the entries autodoc writes for the same attributes.
napoleon_use_ivar = True

# Bibliography: one page (bibliography.md) lists every entry, alphabetically and without
# numbers (the text cites by author and year); {cite:p} and {cite:t}
# resolve to it from any page.
bibtex_bibfiles = ["references.bib"]


class _ReferenceOrder(AuthorYearTitleSorting):
    """Alphabetical by author; a group author such as {Stanford CS231n} sorts by its
    name, not by the brace that keeps it whole."""

    def person_key(self, person):
        return super().person_key(person).replace("{", "").replace("}", "")


class _ReferenceStyle(PlainStyle):
    default_sorting_style = "cnnlesson"


register_plugin("pybtex.style.sorting", "cnnlesson", _ReferenceOrder, force=True)
register_plugin("pybtex.style.formatting", "cnnlesson", _ReferenceStyle, force=True)
bibtex_default_style = "cnnlesson"
bibtex_reference_style = "author_year"
bibtex_cite_id = "cite-{key}"

# Copy buttons copy commands, not prompts or the output printed after them.
copybutton_prompt_text = r">>> |\.\.\. |\$ |In \[\d*\]: | {2,5}\.\.\.: "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
copybutton_exclude = ".linenos, .gp, .go"

html_theme = "sphinx_book_theme"
html_title = "cnnlesson"
html_static_path = ["_static"]
# Files the build makes beside the pages, published as they are: downloads/ (the wheel
# and the course pack) and explorer-data/ (the explorer page's networks and images,
# written by python -m cnnlesson.export); nox -s docs fills it before and while Sphinx runs.
BUILD.site_extra.mkdir(parents=True, exist_ok=True)
html_extra_path = [str(BUILD.site_extra)]
html_css_files = ["cnnlesson.css"]
# The site's own icon, so that no browser asks the server for a /favicon.ico it lacks.
html_favicon = "_static/favicon.svg"
html_last_updated_fmt = None
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    "toc_title": "On this page",
    # The sidebar has the search field (and Ctrl+K); without this the theme adds a second
    # one in a band above every page at desktop widths.
    "navbar_persistent": [],
}

# The version and the repository's address are written once, in pyproject.toml
# (cnnlesson.about reads them): the header links the repository, and every page's footer
# names the version and links the changelog (_templates/release-footer.html).
from cnnlesson import about  # noqa: E402

REPOSITORY_URL = about.project_urls().get("Repository")
if not REPOSITORY_URL:
    raise RuntimeError("pyproject.toml's [project.urls] names no Repository address; add "
                       'Repository = "https://..." there')
html_theme_options.update({
    "repository_url": REPOSITORY_URL,
    "use_repository_button": True,
    "footer_content_items": ["author.html", "copyright.html", "release-footer.html"],
    # A citation's address reads in full, not shortened to "owner/repository".
    "shorten_urls": False,
})
# For pages' text: {{ version }}, and {{ cite_address }}, the address a citation gives (the
# site's when the build has one, else the repository's), as a link.
myst_substitutions = {"version": release, "cite_address": f"<{html_baseurl or REPOSITORY_URL}>"}

# What every page says when its models were not trained with the lesson's recipe.
QUICK_NOTE = "" if PROFILE.is_lesson_recipe else (
    f"The models on these pages were trained for {PROFILE.lesson['epochs']} epochs on "
    f"{describe_images(PROFILE.lesson['subset'])} ({PROFILE.name} profile), not with the lesson's "
    "recipe of 25 epochs on all 50,000, so their numbers are not the lesson's. "
    "Build with nox -s docs for those."
)

if QUICK_NOTE:
    # The theme's announcement bar, on top of every page.
    html_theme_options["announcement"] = "Quick build. " + QUICK_NOTE.replace(
        "nox -s docs", "<code>nox -s docs</code>")

# default_mode: the theme follows the reader's light or dark setting; without it, the
# theme's script logs an error on every first visit ("invalid theme mode").
html_context = {"cnnlesson_profile": PROFILE.name, "default_mode": "auto"}


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """NamedTuple fields are described in their class's Attributes section already."""
    doc = getattr(obj, "__doc__", None) or ""
    if what == "class" and doc.startswith("Alias for field number"):
        return True
    return None


# Pages that report on the build itself: Sphinx re-reads (and myst-nb re-runs) them on
# every build, even when their source has not changed.
ALWAYS_REREAD = ("how_built", "cite")


def _always_reread(app, env, added, changed, removed):
    return [name for name in ALWAYS_REREAD if name in env.found_docs]


def _write_gallery_stamp(app, exception):
    if exception is None and GALLERY.is_dir():
        _gallery_stamp.write_text(_gallery_made_by)


def setup(app):
    # Fail early, with a clear message, if a module the API page lists cannot be imported:
    # the names under its "Modules" heading.
    api = (Path(__file__).parent / "api.rst").read_text("utf-8").split("\nModules\n", 1)[1]
    for module in re.findall(r"^   ([a-z_]+)$", api, re.M):
        importlib.import_module(f"cnnlesson.{module}")
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
    app.connect("env-get-outdated", _always_reread)
    app.connect("build-finished", _write_gallery_stamp)
