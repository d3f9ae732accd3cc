"""Which cnnlesson this is: its version and its addresses.

Both are written in one place, ``pyproject.toml``: the ``version`` of ``[project]`` and
the addresses of ``[project.urls]``. Imported from a source checkout (an editable install,
as ``nox`` makes), the package reads that file itself, so an edit counts at once;
installed from a wheel, it reads the copy the wheel's metadata carries. The package's
``__version__``, the site's pages and footer, the course pack and the citations take
them from here.

Examples
--------
>>> import cnnlesson
>>> from cnnlesson import about
>>> about.version() == cnnlesson.__version__
True
>>> about.project_urls()["Repository"].startswith("https://")
True
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

__all__ = ["project_urls", "version"]

DISTRIBUTION = "cnnlesson"
#: A checkout's pyproject.toml, one folder above the package.
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def version() -> str:
    """The version of this cnnlesson, as ``pyproject.toml`` sets it.

    Examples
    --------
    >>> version().count(".") >= 1
    True
    """
    project = _checkout_project()
    return project["version"] if project else _installed()["Version"]


def project_urls() -> dict[str, str]:
    """The project's addresses by label, as ``[project.urls]`` of ``pyproject.toml`` sets them.

    Examples
    --------
    >>> "Repository" in project_urls()
    True
    """
    project = _checkout_project()
    if project:
        return dict(project.get("urls", {}))
    urls = {}
    for entry in _installed().get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    return urls


def _checkout_project() -> dict | None:
    """``[project]`` of the checkout the package is imported from; None for a wheel."""
    try:
        import tomllib
    except ImportError:  # Python 3.10 reads no TOML: the installed metadata serves
        return None
    if not PYPROJECT.is_file():
        return None
    project = tomllib.loads(PYPROJECT.read_text("utf-8")).get("project", {})
    return project if project.get("name") == DISTRIBUTION else None


def _installed():
    try:
        return metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ImportError(
            "cnnlesson reads its version and addresses from pyproject.toml or from its "
            "installed metadata, and has neither here: run 'python -m pip install -e .' in "
            "the repository, or install the wheel") from None
