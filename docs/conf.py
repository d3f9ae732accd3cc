"""Sphinx configuration of the cnnlesson site.

The build profile comes from ``CNNLESSON_PROFILE`` (set by ``nox -s docs``):
``full`` trains the lesson's exact recipe, ``quick`` a short schedule whose
pages carry a banner.  ``CNNLESSON_NO_EXEC=1`` runs no code at all.
"""

import os
import shutil
from pathlib import Path

import cnnlesson

DOCS = Path(__file__).parent
PROFILE = cnnlesson.current_profile()
NO_EXEC = os.environ.get("CNNLESSON_NO_EXEC") == "1"

project = "cnnlesson"
author = "The cnnlesson authors"
copyright = "2026, The cnnlesson authors"
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
]

exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "examples/*"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}

# Narrative pages: executed by myst-nb, cached per profile so that an unchanged page is
# not run again, and a failing cell fails the build.
nb_execution_mode = "off" if NO_EXEC else "cache"
nb_execution_cache_path = str(DOCS / "_build" / PROFILE.name / ".jupyter_cache")
nb_execution_timeout = 3600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_output_stderr = "remove"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "substitution"]

# Gallery: sphinx-gallery runs docs/examples/*.py and only those (myst-nb ignores them
# through exclude_patterns).  Results are per profile, so switching profiles regenerates.
_profile_stamp = DOCS / "auto_examples" / ".profile"
if _profile_stamp.exists() and _profile_stamp.read_text() != PROFILE.name:
    shutil.rmtree(DOCS / "auto_examples")

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "show_memory": False,
}

autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "description"
autosummary_generate = True
napoleon_numpy_docstring = True
napoleon_google_docstring = False

bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

html_theme = "sphinx_book_theme"
html_title = "cnnlesson: designing a convolutional network"
html_static_path = ["_static"]
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
}

if not PROFILE.is_lesson_recipe:
    html_theme_options["announcement"] = (
        f"Quick build: the models on these pages were trained on a small subset for a few "
        f"epochs ({PROFILE.name} profile). Their numbers are not the lesson's; build with "
        "<code>nox -s docs</code> for those."
    )


def _write_profile_stamp(app, exception):
    if exception is None and (DOCS / "auto_examples").is_dir():
        _profile_stamp.write_text(PROFILE.name)


def setup(app):
    app.connect("build-finished", _write_profile_stamp)
