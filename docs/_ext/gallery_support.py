"""sphinx-gallery helpers: the examples in teaching order, figures with real alt text, and
each example's running time measured for cnnlesson.profiles.announce, and which package
objects the examples use."""

import json
import os
import re
import time
from pathlib import Path

from sphinx_gallery.scrapers import matplotlib_scraper

#: The examples in teaching order (sphinx-gallery sorts by file name otherwise).
ORDER = (
    "plot_train_lesson_model.py",
    "plot_first_layer_kernels.py",
    "plot_feature_maps_every_layer.py",
    "plot_filter_size.py",
    "plot_stacked_vs_single.py",
    "plot_sigmoid_vs_softmax.py",
)


class LessonOrder:
    """Sort key for ``within_subsection_order``: ORDER first, any other file after, by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)

    def __repr__(self):
        return f"<{type(self).__name__}>"


def scrape_with_alt_text(block, block_vars, gallery_conf, **kwargs):
    """sphinx-gallery's matplotlib scraper, but each cnnlesson figure gets its own alt text.

    sphinx-gallery writes the figure's suptitle and every axes title as alt text
    ("title, input, 0, 1, ..., 31" for a feature-map grid). Figures made by
    cnnlesson.plotting carry a sentence for that purpose; use it where present.
    """
    import matplotlib.pyplot as plt

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


# --- running times ---------------------------------------------------------------------

#: Where the measured times go: package data, so that a downloaded example (and the wheel
#: the site offers) can say how long it takes before it trains anything.
TIMES_FILE = Path(__file__).resolve().parents[2] / "cnnlesson" / "example_times.json"
#: A time is rewritten only when it moved by more than this share: the numbers are rough
#: by nature, and the file is tracked.
TOLERANCE = 0.25
_run = {}


def time_examples(gallery_conf, fname, when):
    """Reset hook: time each example ("before" and "after" it runs) into TIMES_FILE.

    A model the example loads from the cache of trained models adds the time its
    training took (``cnnlesson.cache.record_loads``): a reader who runs the example
    alone, with an empty cache, waits for that training too.
    """
    if fname is None:
        return
    from cnnlesson.cache import record_loads

    name = Path(fname).stem
    if when == "before":
        _finish_recording()
        recording = record_loads()
        _run.update(name=name, start=time.perf_counter(), recording=recording,
                    loaded=recording.__enter__())
        return
    if _run.get("name") != name:
        return
    seconds = time.perf_counter() - _run["start"] + sum(_run["loaded"].values())
    _finish_recording()
    profile = os.environ.get("CNNLESSON_PROFILE", "").strip() or "full"
    stored = json.loads(TIMES_FILE.read_text("utf-8")) if TIMES_FILE.is_file() else {}
    times = stored.setdefault("seconds", {}).setdefault(profile, {})
    old = times.get(name)
    if old is None or abs(seconds - old) > TOLERANCE * old:
        times[name] = round(seconds)
        stored["about"] = ("Seconds each gallery example takes per profile with an empty "
                           "cache of trained models, measured by the docs builds "
                           "(docs/_ext/gallery_support.py); not edited by hand.")
        TIMES_FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", "utf-8")


def _finish_recording():
    if "recording" in _run:
        _run["recording"].__exit__(None, None, None)
    _run.clear()


def times_note(name: str, times: dict | None = None) -> str:
    """The paragraph each example's page, script and notebook start with: its running
    time per profile, as the builds measured it, and how to choose the profile."""
    from cnnlesson.profiles import example_times, rough_duration

    times = example_times() if times is None else times

    def measured(profile):
        seconds = times.get(profile, {}).get(name)
        return "not measured yet" if seconds is None else rough_duration(seconds)

    return (f"**Running time**: {measured('full')} in the full profile (the default), "
            f"{measured('quick')} in the quick profile, as this site's builds measured it "
            "on the machine that built it, with no trained model in the cache (models the "
            "cache holds load in seconds). Choose the profile with the environment variable "
            "``CNNLESSON_PROFILE`` (``full`` or ``quick``) before starting Python.")


_NOTE = re.compile(r"\*\*Running time\*\*:.*?(?:\n\n|$)", re.S)
# A title: a line over an rst underline, or a Markdown heading (in the notebooks).
_TITLE = re.compile(r"^(?:[^\n]+\n[=\-~^\"]{3,}|#{1,2} [^\n]+)\n", re.M)


def with_times_note(text: str, note: str, wrap: bool = True) -> str:
    """``text`` (a docstring, rst page or Markdown cell) with ``note`` after its title,
    replacing the note an earlier build put there.

    Examples
    --------
    >>> with_times_note("Title\\n=====\\n\\nBody.", "**Running time**: 1 min.")
    'Title\\n=====\\n\\n**Running time**: 1 min.\\n\\nBody.'
    """
    import textwrap

    text = _NOTE.sub("", text)
    body = textwrap.fill(note, width=79) if wrap else note
    match = _TITLE.search(text)
    if match is None:
        return text
    rest = text[match.end():].lstrip("\n")
    return f"{text[:match.end()]}\n{body}\n\n{rest}"


_ROLES = (
    (re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|obj):`~?([^`]+)`"), r"``\1``"),
    (re.compile(r":(?:ref|doc):`([^`<]+?)\s*<[^`]+>`"), r"\1"),
    (re.compile(r":(?:ref|doc):`([^`]+)`"), lambda m: m.group(1).replace("-", " ")),
)


def plain_roles(text: str) -> str:
    """``text`` without Sphinx roles, which a notebook would show as typed.

    Examples
    --------
    >>> plain_roles("See :func:`cnnlesson.train_lesson_model` and :ref:`feature-maps`, "
    ...             "or the :ref:`errata <erratum-sigmoid>`.")
    'See ``cnnlesson.train_lesson_model`` and feature maps, or the errata.'
    """
    for pattern, replacement in _ROLES:
        text = pattern.sub(replacement, text)
    return text


def _note_downloads(app):
    """Put the times note into the script and notebook sphinx-gallery offers."""
    import json as _json

    gallery = Path(app.srcdir) / "auto_examples"
    for script in sorted((Path(app.srcdir) / "examples").glob("plot_*.py")):
        name = script.stem
        note = times_note(name)
        copy = gallery / f"{name}.py"
        if copy.is_file():
            copy.write_text(with_times_note(copy.read_text("utf-8"), note), "utf-8")
        notebook_file = gallery / f"{name}.ipynb"
        if notebook_file.is_file():
            notebook = _json.loads(notebook_file.read_text("utf-8"))
            noted = False
            for cell in notebook["cells"]:
                if cell["cell_type"] != "markdown":
                    continue
                source = plain_roles("".join(cell["source"]))
                if not noted:
                    source, noted = with_times_note(source, note, wrap=False), True
                cell["source"] = source
            notebook_file.write_text(_json.dumps(notebook, indent=1), "utf-8")


def _note_page(app, docname, source):
    folder, _, name = docname.partition("/")
    if folder == "auto_examples" and name.startswith("plot_"):
        source[0] = with_times_note(source[0], times_note(name))


def setup(app):
    # After sphinx-gallery has written auto_examples/ (priority 500), before the course
    # pack zips it (900).
    app.connect("builder-inited", _note_downloads, priority=800)
    app.connect("source-read", _note_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


class ExamplesUsing:
    """The objects that gallery examples use, as ``"cnnlesson.x" in examples_using``.

    Reads sphinx-gallery's ``backreferences_all.json`` when asked, so a template sees what
    the gallery generated in this build.  Compared by path, so that Sphinx, which keeps
    its configuration between builds, does not take it for a changed setting.
    """

    def __init__(self, path):
        self.path = str(path)

    def __contains__(self, name):
        try:
            with open(self.path) as handle:
                return bool(json.load(handle).get(name))
        except (OSError, ValueError):
            return False

    def __eq__(self, other):
        return isinstance(other, ExamplesUsing) and other.path == self.path

    def __hash__(self):
        return hash(self.path)
