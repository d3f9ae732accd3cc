"""Where a docs build writes: every folder under ``docs/_build/<profile>/``, named once.

``nox -s docs`` (noxfile.py), ``docs/conf.py`` and the extensions in ``docs/_ext`` all
take their paths from :func:`layout`, so that moving a folder is a change of one line.
This module needs only the standard library: the noxfile imports it in nox's own Python,
which has neither Sphinx nor cnnlesson.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

DOCS = Path(__file__).resolve().parents[1]
#: Every build's output, one folder per profile (and nothing the repository tracks).
BUILD = DOCS / "_build"
#: sphinx-gallery's output for the examples, beside their sources (its own convention).
GALLERY = DOCS / "auto_examples"


class Layout(NamedTuple):
    """The folders and files of one profile's build (see :func:`layout`)."""

    #: ``docs/_build/<profile>``: everything below is the build's.
    root: Path
    #: The site, as it is published.
    html: Path
    #: Sphinx's pickled doctrees.
    doctrees: Path
    #: Files the build makes beside the pages and the site publishes as they are
    #: (``html_extra_path``): ``downloads/`` and the explorer's data.
    site_extra: Path
    #: The wheel, the course pack and CITATION.cff, published as ``downloads/``.
    downloads: Path
    #: myst-nb's jupyter-cache of the executed pages (``nb_execution_cache_path``).
    jupyter_cache: Path
    #: Each figure of the pages as SVG and PNG, under a name a reader can keep.
    figure_files: Path
    #: The trained models each page and example loaded: a record (one cache key a line)
    #: per document (``models_used.py``).
    models_used: Path
    #: The IPython profile of the notebook kernels (shared by the profiles' builds).
    kernel_profile: Path
    #: The digest of the pages the last PDF edition was printed from.
    pdf_stamp: Path
    #: The errata page's losses measured on each Keras backend, kept between builds.
    backend_losses: Path

    @property
    def published_downloads(self) -> Path:
        """Where the site serves :attr:`downloads` (``html_extra_path`` copies it)."""
        return self.html / self.downloads.relative_to(self.site_extra)


def layout(profile: str) -> Layout:
    """The folders of the build of ``profile`` ("quick" or "full").

    Examples
    --------
    >>> quick = layout("quick")
    >>> quick.html.relative_to(DOCS).as_posix()
    '_build/quick/html'
    >>> quick.downloads.relative_to(quick.root).as_posix()
    'site-extra/downloads'
    """
    root = BUILD / profile
    site_extra = root / "site-extra"
    return Layout(
        root=root, html=root / "html", doctrees=root / "doctrees", site_extra=site_extra,
        downloads=site_extra / "downloads", jupyter_cache=root / ".jupyter_cache",
        figure_files=root / "figure-files", models_used=root / "models-used",
        kernel_profile=BUILD / "ipython", pdf_stamp=root / "pdf-edition.sha256",
        backend_losses=root / "loss-by-backend")
