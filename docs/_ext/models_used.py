"""Which trained models each page and example used: one record per document, so that a
build publishes the models its pages use now, and no others.

Every training function notes the cache key of the model it trained or loaded in the file
that ``CNNLESSON_MODELS_USED`` names (:func:`cnnlesson.published.record_use`); a process
starts that file afresh at its first note.  This extension names a file per document:
before a page is read (and, if its code changed, run in a kernel of its own), and before
each gallery example runs (sphinx-gallery's ``reset_modules`` hook, :func:`per_example`).
A page or example that is not run again keeps the record of its last run, as its
outputs are kept.  The records of pages and examples that no longer exist are removed.
``nox -s docs`` then publishes the models of all records (``models publish --used``).

``cnnlesson_models_used`` (conf.py) names the folder of the records; empty, nothing is
recorded.
"""

from __future__ import annotations

import os
from pathlib import Path

from cnnlesson.published import USED_VARIABLE

#: The records' folder of this build, once the configuration is read.
_folder: list = []


def _record(*parts) -> Path | None:
    if not _folder:
        return None
    path = _folder[0].joinpath(*parts).with_suffix(".txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def per_example(gallery_conf, fname, when):
    """sphinx-gallery's ``reset_modules`` hook: the example about to run records anew."""
    path = _record("examples", Path(fname).stem) if fname else None
    if path is None:
        return
    if when == "before":
        path.unlink(missing_ok=True)  # its run now says which models it uses
        os.environ[USED_VARIABLE] = str(path)
    else:
        os.environ.pop(USED_VARIABLE, None)


def _before_reading(app, docname, source):
    path = _record("pages", *docname.split("/"))
    if path is not None:
        os.environ[USED_VARIABLE] = str(path)  # the page's kernel inherits it


def _forget_removed(app, env, added, changed, removed):
    """Remove the records of pages and examples that are gone; re-read nothing more."""
    if _folder:
        examples = Path(app.srcdir) / "examples"
        for record in _folder[0].glob("examples/*.txt"):
            if not (examples / f"{record.stem}.py").is_file():
                record.unlink()
        for record in _folder[0].glob("pages/**/*.txt"):
            docname = record.relative_to(_folder[0] / "pages").with_suffix("").as_posix()
            if docname not in env.found_docs:
                record.unlink()
    return []


def _configure(app, config):
    _folder.clear()
    if config.cnnlesson_models_used:
        _folder.append(Path(config.cnnlesson_models_used))


def setup(app):
    app.add_config_value("cnnlesson_models_used", "", "env")
    app.connect("config-inited", _configure)
    app.connect("source-read", _before_reading)
    app.connect("env-get-outdated", _forget_removed)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
