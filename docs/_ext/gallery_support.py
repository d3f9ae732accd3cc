"""sphinx-gallery's hooks for this site: the examples in teaching order, figures with real
alt text, and Keras' memory handed back between examples.

They are named by string in conf.py's ``sphinx_gallery_conf``; sphinx-gallery does all the
rest (running times, mini-galleries, the notebooks' first cell) itself.  :func:`setup` also
takes the build's checks (``sphinx_gallery_start_ignore`` blocks) out of the ``.py`` copies
readers download, alone and zipped with the notebook, as sphinx-gallery already does for the
pages and the notebooks.
"""

import re
import zipfile
from pathlib import Path

from build_layout import GALLERY
from sphinx.errors import ExtensionError

from cnnlesson.files import write_whole

#: The examples in teaching order (sphinx-gallery sorts by file name otherwise).
ORDER = (
    "plot_train_lesson_model.py",
    "plot_first_layer_kernels.py",
    "plot_feature_maps_every_layer.py",
    "plot_filter_size.py",
    "plot_stacked_vs_single.py",
    "plot_sigmoid_vs_softmax.py",
)


def lesson_order(filename):
    """Sort key of the examples (``FunctionSortKey``): ORDER first, any other after, by name."""
    return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)


def scrape_with_alt_text(block, block_vars, gallery_conf, **kwargs):
    """sphinx-gallery's matplotlib scraper, but each cnnlesson figure gets its own alt text.

    sphinx-gallery writes the figure's suptitle and every axes title as alt text
    ("title, input, 0, 1, ..., 31" for a feature-map grid). Figures made by
    cnnlesson.plotting carry a sentence for that purpose; use it where present.
    """
    import matplotlib.pyplot as plt
    from sphinx_gallery.scrapers import matplotlib_scraper

    alts = [getattr(plt.figure(num), "cnnlesson_alt_text", None) for num in plt.get_fignums()]
    rst = matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
    texts = iter(alts)

    def replace(match):
        alt = next(texts, None)
        return match.group(1) + " ".join(alt.split()) if alt else match.group(0)

    return re.sub(r"(:alt: ).*", replace, rst)


def release_keras(gallery_conf, fname):
    """Between examples: drop Keras' global state and collect, so memory does not pile up.

    All examples run in the Sphinx process; each trains or loads models whose
    graphs and weights would otherwise stay reachable through Keras' session.
    glibc also keeps freed memory in its heaps for reuse; asking it to hand
    free pages back lowers what the build holds while the notebook kernels run
    (by a few tens of MiB, measured: see benchmarks/NOTES.md).
    """
    import ctypes
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc (macOS, musl): nothing to hand back
        pass


def strip_downloads(gallery: Path, strip) -> None:
    """Take the build's checks out of each example's downloads in ``gallery``: its ``.py``
    copy and the ``.zip`` that sphinx-gallery made of that copy (and of the notebook, whose
    checks sphinx-gallery has already left out) before this hook runs.

    ``strip`` turns a script's text into the reader's (sphinx-gallery's
    ``remove_ignore_blocks``).  A zip that already holds the reader's script is left as it
    is; any other file of the zip is kept as it is.
    """
    for script in sorted(gallery.glob("plot_*.py")):
        text = script.read_text("utf-8")
        if "sphinx_gallery_start_ignore" in text:
            text = strip(text)
            write_whole(script, lambda partial, text=text: partial.write_text(text, "utf-8"))
        archive = script.with_suffix(".zip")
        if archive.is_file():
            _replace_in_zip(archive, script.name, script.read_bytes())


def _replace_in_zip(archive: Path, name: str, data: bytes) -> None:
    """Write ``data`` as the member ``name`` of the zip ``archive``, the rest unchanged."""
    with zipfile.ZipFile(archive) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    if all(content == data for info, content in members if info.filename == name):
        return

    def write(partial):
        with zipfile.ZipFile(partial, "w") as new:
            for info, content in members:
                new.writestr(info, data if info.filename == name else content)

    write_whole(archive, write)


#: A script with the build's checks, and what a reader must get of it.
CANARY = ("x = 1\n# sphinx_gallery_start_ignore\nassert x == 1\n# sphinx_gallery_end_ignore\n"
          "print(x)\n", "x = 1\nprint(x)\n")


def ignore_block_remover(remover=None):
    """sphinx-gallery's own ``remove_ignore_blocks``, checked on :data:`CANARY` first.

    sphinx-gallery takes the ignore blocks out of the page and the notebook but offers the
    ``.py`` as written, and has no setting for it; the function it uses for the others is
    in its API reference (``sphinx_gallery.py_source_parser``), not among its documented
    settings and hooks.  Should it move or change what it returns, the build stops here
    with the reason instead of offering readers the build's checks.
    """
    if remover is None:
        try:
            from sphinx_gallery.py_source_parser import remove_ignore_blocks as remover
        except ImportError as error:
            raise ExtensionError(
                "sphinx-gallery no longer offers py_source_parser.remove_ignore_blocks "
                f"({error}); docs/_ext/gallery_support.py needs its replacement") from None
    script, reader = CANARY
    if remover(script) != reader:
        raise ExtensionError(
            "sphinx-gallery's remove_ignore_blocks changed what it returns "
            f"({remover(script)!r} for {script!r}, not {reader!r}); check "
            "docs/_ext/gallery_support.py against its changelog")
    return remover


def _lesson_downloads(app):
    strip_downloads(GALLERY, ignore_block_remover())


def setup(app):
    # After sphinx-gallery (priority 500) has copied the scripts into auto_examples/.
    app.connect("builder-inited", _lesson_downloads, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
