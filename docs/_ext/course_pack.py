"""The course pack: the wheel, the examples, the lesson notebooks, the trained models and a
README, in one zip.

``nox -s docs`` builds the wheel into the build's ``downloads`` folder (``build_layout.py``)
before Sphinx starts.  Once every page has been read (sphinx-gallery has run the examples,
myst-nb the pages) and Sphinx has numbered the figures and exercises (``env-get-updated``,
after its own handlers), this extension zips ``cnnlesson-course-pack-<version>.zip`` beside
it.  What goes in, in this order (``build_pack``):

- the wheel, the licences, ``CHANGELOG.md`` and ``CITATION.cff``;
- every example as ``.py`` and ``.ipynb`` (``examples/``);
- the lesson pages as notebooks (``lessons/``, ``lesson_notebooks.py``);
- the trained models the pages and examples used (``models/``), when the build has no site
  address to fetch them from: the notebooks find them there (``use_site_models``);
- whatever another extension adds: it connects to the event ``cnnlesson-course-pack``,
  whose handlers are called as ``handler(app, add)``, and calls
  ``add("folder/name.ext", path_or_bytes)`` for each file;
- the README of ``docs/_templates/course-pack-README.md``, which lists it all.

A build that executes no page (``--no-exec``) makes no pack, and its log says so.  The site
publishes the folder as it is (``html_extra_path``), so both files are at ``downloads/`` of
the site; the roles ``{course-pack}`text``` and ``{wheel}`text``` link to them.
``CITATION.cff`` is also written there, with the site's address when the build has one;
``{citation-file}`text``` links to it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
from build_layout import DOCS, GALLERY, layout
from docutils import nodes
from lesson_notebooks import LESSON_PAGES, executed_page, install_cell, lesson_notebook
from notebook_markdown import Links
from sphinx.errors import ExtensionError
from sphinx.util import logging

from cnnlesson import about
from cnnlesson.files import write_whole

ROOT = DOCS.parent
#: Copied into the pack as they are.
COPIED = ("LICENSE", "LICENSE-docs", "CHANGELOG.md")
README = DOCS / "_templates" / "course-pack-README.md"
#: Other extensions add files to the pack through this event (see the module's docstring).
PACK_EVENT = "cnnlesson-course-pack"
logger = logging.getLogger(__name__)


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


def readme(version: str, wheel: str, base_url: str | None, models: dict) -> str:
    """The pack's README; ``models`` gives the trained models' ``size`` in bytes, their
    ``profile`` and whether the pack holds them (``in_pack``)."""
    from cnnlesson.profiles import PROFILES

    quick, full = PROFILES["quick"].lesson, PROFILES["full"].lesson
    lessons = "\n".join(f"  - `lessons/{name}.ipynb`" for name in LESSON_PAGES)
    size = f"{models['size'] / 1e6:.0f} MB"
    if models["in_pack"]:
        where = (f"the pack's own `models/` folder ({size}, the {models['profile']} "
                 "profile's)")
        listed = (f"- `models/`: the trained models the notebooks and examples load\n"
                  f"  ({size}, trained in the {models['profile']} profile), each file with "
                  "its SHA-256.\n")
    else:
        where = f"the site that built this pack ({base_url.rstrip('/')}/models/, {size} in all)"
        listed = ""
    return README.read_text("utf-8").format(
        version=version, wheel=wheel, full_epochs=full["epochs"],
        quick_epochs=quick["epochs"], quick_subset=quick["subset"], lesson_list=lessons,
        models_where=where, models_listed=listed, models_profile=models["profile"],
        repository=about.project_urls()["Repository"],
        site=f"- The site: {base_url}\n" if base_url else "")


def links(app, page: str, exercises: dict) -> Links:
    """How the notebook of ``page`` names the site's pages, labels and exercises."""
    env = app.env
    labels = {name: (docname, dispname)
              for name, dispname, kind, docname, _anchor, _priority
              in env.get_domain("std").get_objects() if kind == "label"}
    return Links(page=page, notebooks=LESSON_PAGES,
                 titles={doc: title.astext() for doc, title in env.titles.items()},
                 labels=labels, exercises=exercises, site=app.config.html_baseurl
                 or None, substitutions=app.config.myst_substitutions)


def exercise_numbers(app) -> dict:
    """Each exercise's label and the number the site gives it (sphinx-exercise numbers them
    as Sphinx numbers figures)."""
    from sphinx_exercise.nodes import exercise_enumerable_node

    numbers, std = {}, app.env.get_domain("std")
    for docname in app.env.found_docs:
        for node in app.env.get_doctree(docname).findall(exercise_enumerable_node):
            number = std.get_fignumber(app.env, app.builder, "exercise", docname, node)
            numbers[node.get("label")] = ".".join(map(str, number))
    return numbers


def _published_models(app, folder: Path) -> dict:
    """Publish the models this build used into ``folder``; their total size in bytes."""
    from cnnlesson.published import publish_models, used_keys

    records = app.config.cnnlesson_models_used
    keys = used_keys(records) if records and Path(records).is_dir() else []
    if not keys:
        raise ExtensionError(f"no trained model is recorded in {records}: the pack's "
                             "notebooks would train every model; build with nox -s docs")
    publish_models(keys, folder)
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return {"size": size}


def build_pack(app, env):
    """Write the pack (``env-get-updated``: it asks Sphinx to read no page again)."""
    _write_pack(app)
    return []


def _write_pack(app):
    version = app.config.version
    folder = layout(app.config.cnnlesson_profile_name).downloads
    names = file_names(version)
    base_url = app.config.html_baseurl or None
    citation = citation_file(base_url)
    write_whole(folder / names["citation"], lambda partial: partial.write_text(citation, "utf-8"))
    if app.config.nb_execution_mode == "off":
        # A build that runs no code (--no-exec) has no executed pages to make the lesson
        # notebooks from, nor the examples' notebooks: it makes no pack.
        logger.info("course pack: not built, as the pages were not executed (--no-exec); "
                    "its lesson notebooks are made from the executed pages")
        return
    wheel = folder / names["wheel"]
    if not wheel.is_file():
        raise ExtensionError(
            f"the wheel {wheel.name} is missing from {folder}: 'nox -s docs' builds it "
            "before Sphinx starts. Building with sphinx-build alone, first run: "
            f"python -m pip wheel --no-deps --wheel-dir {folder} .")
    files = []  # (name in the pack, a path or the bytes)

    def add(name: str, source) -> None:
        """Put a file in the pack: ``name`` below its top folder, ``source`` a path, the
        text or the bytes."""
        files.append((name, source))

    add(wheel.name, wheel)
    for name in COPIED:
        add(name, ROOT / name)
    add("CITATION.cff", citation)
    _add_examples(add)
    _add_lessons(app, add, install_cell(version, base_url))
    with tempfile.TemporaryDirectory() as published:
        models = _add_models(app, add, Path(published), in_pack=not base_url)
        app.emit(PACK_EVENT, add)  # the files of other extensions
        add("README.md", readme(version, wheel.name, base_url, models))
        write_whole(folder / names["pack"], lambda partial: _zip(partial, version, files))
    logger.info(f"course pack: {names['pack']}, {len(files)} files, "
                f"{(folder / names['pack']).stat().st_size / 1e6:.1f} MB")


def _add_examples(add) -> None:
    """Every example as the reader downloads it: the script and its notebook."""
    for source in sorted((DOCS / "examples").glob("plot_*.py")):
        script = GALLERY / source.name  # the download, without the build's checks
        add(f"examples/{source.name}", script if script.is_file() else source)
        notebook = GALLERY / f"{source.stem}.ipynb"
        if notebook.is_file():
            add(f"examples/{notebook.name}", notebook)


def _add_lessons(app, add, first_cell: str) -> None:
    """The lesson pages as notebooks, from the pages this build executed."""
    extensions = app.config.myst_enable_extensions
    exercises = exercise_numbers(app)
    for name in LESSON_PAGES:
        page = executed_page(DOCS / f"{name}.md", Path(app.config.nb_execution_cache_path),
                             extensions)
        add(f"lessons/{name}.ipynb", nbformat.writes(
            lesson_notebook(page, links(app, name, exercises), first_cell, extensions)))


def _add_models(app, add, published: Path, in_pack: bool) -> dict:
    """The models this build used, published into ``published`` and, ``in_pack``, added
    under ``models/``; what the README says of them."""
    models = _published_models(app, published)
    models.update(profile=app.config.cnnlesson_profile_name, in_pack=in_pack)
    if in_pack:  # with the site's address, the notebooks fetch them from the site instead
        for path in sorted(published.rglob("*")):
            if path.is_file():
                add(f"models/{path.relative_to(published).as_posix()}", path)
    return models


def _zip(path: Path, version: str, files: list) -> None:
    top = f"cnnlesson-course-pack-{version}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, source in files:
            # Trained weights shrink by a few percent for many seconds of compression.
            kind = zipfile.ZIP_STORED if name.startswith("models/") else None
            if isinstance(source, Path):
                pack.write(source, f"{top}/{name}", compress_type=kind)
            else:
                pack.writestr(f"{top}/{name}", source, compress_type=kind)


def add_to_pack(app, path: Path) -> None:
    """Add the file ``path`` to the pack beside its README, in the build's pack and in the
    site's copy of it: for a file made once the pages are written (the PDF edition,
    ``pdf_edition.py``), after the pack was zipped and the site's downloads copied."""
    build = layout(app.config.cnnlesson_profile_name)
    pack = build.downloads / file_names(app.config.version)["pack"]
    name = f"cnnlesson-course-pack-{app.config.version}/{path.name}"

    def with_file(partial: Path) -> None:
        shutil.copyfile(pack, partial)
        with zipfile.ZipFile(partial, "a") as archive:
            if name not in archive.namelist():
                archive.write(path, name)

    write_whole(pack, with_file)
    published = build.published_downloads / pack.name
    if published.is_file():
        write_whole(published, lambda partial: shutil.copyfile(pack, partial))


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
    app.add_event(PACK_EVENT)
    # After Sphinx's own handlers (priority 500) have numbered the exercises.
    app.connect("env-get-updated", build_pack, priority=900)
    app.add_role("course-pack", _download_role("pack"))
    app.add_role("wheel", _download_role("wheel"))
    app.add_role("citation-file", _download_role("citation"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
