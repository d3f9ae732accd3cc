"""The course pack: the wheel, the examples, the lesson notebooks and a README, in one zip.

``nox -s docs`` builds the wheel into ``docs/_build/<profile>/site-extra/downloads/``
before Sphinx starts.  Once every page has been read (``env-updated``: sphinx-gallery has
run the examples, myst-nb the pages), this extension zips
``cnnlesson-course-pack-<version>.zip`` beside it: the wheel, every example as ``.py`` and
``.ipynb``, the lesson pages as notebooks (``lesson_notebooks.py``, from the notebooks
myst-nb executed), the README of ``docs/_templates/course-pack-README.md``, the licences,
``CHANGELOG.md`` and ``CITATION.cff``.  A build that executes no page (``--no-exec``:
myst-nb's ``nb_execution_mode = "off"``) makes no pack, and its log says so.  The site
publishes that folder as it is (``html_extra_path``), so both files are at ``downloads/``
of the site; the roles ``{course-pack}`text``` and ``{wheel}`text``` link to them.
``CITATION.cff`` is also written there, with the site's address when the build has one;
``{citation-file}`text``` links to it.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import assignment
from docutils import nodes
from lesson_notebooks import LESSON_PAGES, install_cell, lesson_notebook
from sphinx.errors import ExtensionError
from sphinx.util import logging

from cnnlesson import about

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
#: Copied into the pack as they are.
COPIED = ("LICENSE", "LICENSE-docs", "CHANGELOG.md")
README = DOCS / "_templates" / "course-pack-README.md"
logger = logging.getLogger(__name__)


def downloads_folder(config) -> Path:
    """Where the wheel and the pack are: published as ``downloads/`` of the site."""
    return DOCS / "_build" / config.cnnlesson_profile_name / "site-extra" / "downloads"


def file_names(version: str) -> dict:
    return {"wheel": f"cnnlesson-{version}-py3-none-any.whl",
            "pack": f"cnnlesson-course-pack-{version}.zip", "citation": "CITATION.cff"}


def citation_file(base_url: str | None) -> str:
    """The repository's CITATION.cff, with the site's address as its ``url`` when the build
    has one (the rest of the file as it is, comments included)."""
    text = (ROOT / "CITATION.cff").read_text("utf-8")
    if not base_url:
        return text
    lines = text.splitlines(keepends=True)
    places = [i for i, line in enumerate(lines) if line.startswith("repository-code:")]
    if not places:
        raise ExtensionError("CITATION.cff gives no repository-code; python "
                             ".ci/check_release.py says what it should be")
    lines.insert(places[0] + 1, f'url: "{base_url}"\n')
    return "".join(lines)


def readme(version: str, wheel: str, base_url: str | None) -> str:
    from cnnlesson.profiles import PROFILES

    quick, full = PROFILES["quick"].lesson, PROFILES["full"].lesson
    lessons = "\n".join(f"  - `lessons/{name}.ipynb`" for name in LESSON_PAGES)
    where = (f"the site that built this pack ({base_url.rstrip('/')}/models/)" if base_url
             else "a `models/` folder beside `examples/` and `lessons/` (a built site's)")
    return README.read_text("utf-8").format(
        version=version, wheel=wheel, full_epochs=full["epochs"],
        quick_epochs=quick["epochs"], quick_subset=quick["subset"], lesson_list=lessons,
        models_where=where, repository=about.project_urls()["Repository"],
        site=f"- The site: {base_url}\n" if base_url else "")


def build_pack(app, env):
    version = app.config.version
    folder = downloads_folder(app.config)
    names = file_names(version)
    if app.config.nb_execution_mode == "off":
        # A build that runs no code (--no-exec) has no executed pages to make the lesson
        # notebooks from, nor the examples' notebooks: it makes no pack.
        folder.mkdir(parents=True, exist_ok=True)
        (folder / names["citation"]).write_text(
            citation_file(app.config.html_baseurl or None), "utf-8")
        logger.info("course pack: not built, as the pages were not executed (--no-exec); "
                    "its lesson notebooks are made from the executed pages")
        return
    wheel = folder / names["wheel"]
    if not wheel.is_file():
        raise ExtensionError(
            f"the wheel {wheel.name} is missing from {folder}: 'nox -s docs' builds it "
            "before Sphinx starts. Building with sphinx-build alone, first run: "
            f"python -m pip wheel --no-deps --wheel-dir {folder} .")
    first_cell = install_cell(version, app.config.html_baseurl or None)
    gallery = DOCS / "auto_examples"
    top = f"cnnlesson-course-pack-{version}"
    import nbformat

    with zipfile.ZipFile(folder / names["pack"], "w", zipfile.ZIP_DEFLATED) as pack:
        pack.write(wheel, f"{top}/{wheel.name}")
        for name in COPIED:
            pack.write(ROOT / name, f"{top}/{name}")
        citation = citation_file(app.config.html_baseurl or None)
        pack.writestr(f"{top}/CITATION.cff", citation)
        (folder / "CITATION.cff").write_text(citation, "utf-8")
        for source in sorted((DOCS / "examples").glob("plot_*.py")):
            script = gallery / source.name  # the download, without the build's checks
            pack.write(script if script.is_file() else source, f"{top}/examples/{source.name}")
            notebook = gallery / f"{source.stem}.ipynb"
            if notebook.is_file():  # none when the build runs no code
                pack.write(notebook, f"{top}/examples/{notebook.name}")
        executed = Path(env.mystnb_config.output_folder)
        site = app.config.html_baseurl or None
        for name in LESSON_PAGES:
            notebook = lesson_notebook(executed / f"{name}.ipynb", first_cell, site,
                                       app.config.myst_substitutions)
            pack.writestr(f"{top}/lessons/{name}.ipynb", nbformat.writes(notebook))
        # The exercises as an otter-grader assignment (assignment.py), in the route's order.
        for name, data in assignment.pack_files(executed, env.toctree_includes.get("index", []),
                                                first_cell, site,
                                                app.config.myst_substitutions).items():
            pack.writestr(f"{top}/assignment/{name}", data)
        pack.writestr(f"{top}/README.md",
                      readme(version, wheel.name, app.config.html_baseurl or None))


def add_to_pack(app, path: Path) -> None:
    """Add ``path`` to the pack beside its README, and to the site's copy of the pack: for
    files made once the pages are written (the PDF edition, ``pdf_edition.py``), after
    the pack was zipped and copied into the site."""
    version = app.config.version
    pack = downloads_folder(app.config) / file_names(version)["pack"]
    name = f"cnnlesson-course-pack-{version}/{path.name}"
    with zipfile.ZipFile(pack, "a", zipfile.ZIP_DEFLATED) as archive:
        if name not in archive.namelist():
            archive.write(path, name)
    published = Path(app.outdir) / "downloads" / pack.name
    if published.is_file():
        shutil.copy2(pack, published)


def _download_role(which):
    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        env = inliner.document.settings.env
        target = file_names(env.config.version)[which]
        depth = env.docname.count("/")
        node = nodes.reference(rawtext, "", refuri="../" * depth + f"downloads/{target}",
                               classes=[f"cnnlesson-download-{which}"])
        node += nodes.literal(text, text, classes=["download"])
        return [node], []
    return role


def setup(app):
    app.add_config_value("cnnlesson_profile_name", "full", "env")
    app.connect("env-updated", build_pack)
    app.add_role("course-pack", _download_role("pack"))
    app.add_role("wheel", _download_role("wheel"))
    app.add_role("citation-file", _download_role("citation"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
