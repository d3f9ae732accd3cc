"""The downloads that run anywhere: a wheel of cnnlesson and the course pack.

Right after sphinx-gallery has run the examples (``builder-inited``), this extension

- builds a wheel of the package (``pip wheel``), which the site offers;
- converts the lesson pages (MyST Markdown) into Jupyter notebooks
  (``lesson_notebooks.py``), each starting with the cell that installs cnnlesson,
  the gallery notebooks' first cell too;
- zips ``cnnlesson-course-pack-<version>.zip``: the wheel, every example as ``.py``
  and ``.ipynb``, the lesson notebooks, a README (install, run, profiles, measured
  running times, local CIFAR-10 copy), the licences and ``CITATION.cff``.

Both files are written to ``docs/_build/<profile>/downloads/`` and linked from the
pages with the roles ``{course-pack}`text``` and ``{wheel}`text``` (Sphinx copies
them into the site's ``_downloads``); the wheel is also copied, under a stable name,
to ``downloads/`` of the built site, from where the notebooks' first cell can
install it when the site's public URL is known (``html_baseurl``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from lesson_notebooks import LESSON_PAGES, install_cell, lesson_notebook
from sphinx import addnodes
from sphinx.roles import XRefRole

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
LEGAL = ("LICENSE", "LICENSE-docs", "CITATION.cff")


# --- README -----------------------------------------------------------------------------

def _minutes(seconds):
    from cnnlesson.profiles import rough_duration

    return "not measured yet" if seconds is None else rough_duration(seconds)


def readme(version: str, examples: list[str], lessons: list[str], wheel: str) -> str:
    from cnnlesson.profiles import PROFILES, example_times

    times = example_times()
    rows = "\n".join(
        f"| `examples/{name}.py` | {_minutes(times.get('quick', {}).get(name))} "
        f"| {_minutes(times.get('full', {}).get(name))} |" for name in examples)
    quick, full = PROFILES["quick"].lesson, PROFILES["full"].lesson
    lesson_list = "\n".join(f"  - `lessons/{name}.ipynb`" for name in lessons)
    return f"""# cnnlesson course pack {version}

Everything to run the lesson *How a convolutional network is designed* on your own
computer: the `cnnlesson` package, the example scripts and notebooks, and the
lesson pages as notebooks.

## 1. Install (once)

You need Python 3.10 or newer. In a terminal, in this folder:

```
python3 -m venv .venv
source .venv/bin/activate          # Windows: .venv\\Scripts\\activate
pip install {wheel} jupyter
```

This installs cnnlesson with TensorFlow, Keras, NumPy and Matplotlib from the
Python Package Index (TensorFlow alone is a download of several hundred MB).

## 2. Run an example or a lesson

- A script: `python examples/plot_train_lesson_model.py`; its figures open in
  windows at the end (close them to finish).
- A notebook: `jupyter lab`, then open a file of `examples/` or `lessons/` and
  run the cells from the top. The first cell installs cnnlesson if it is missing
  (it looks for the wheel in this folder), so a notebook also runs in a fresh
  Jupyter or Colab session: in Colab, upload `{wheel}` first.

## 3. Choose how much training: the profile

Every example, script or notebook, first prints its profile and how long it
should take. The lesson notebooks train the same lesson network as the examples.

- `full` (the default): the lesson's network is trained with the tutorial's recipe,
  {full['epochs']} epochs on all 50,000 training images.
- `quick`: {quick['epochs']} epochs on {quick['subset']:,} images: minutes instead of
  much longer, with numbers that are not the lesson's.

Choose with the variable `CNNLESSON_PROFILE` before starting Python or Jupyter:
`CNNLESSON_PROFILE=quick python examples/plot_first_layer_kernels.py`
(Windows PowerShell: `$env:CNNLESSON_PROFILE="quick"`). In a notebook, remove the
`#` before `os.environ["CNNLESSON_PROFILE"] = "quick"` in the first cell.

Trained models are kept in a cache (`~/.cache/cnnlesson`, or the folder named by
`CNNLESSON_CACHE_DIR`): a model is trained once, and every later script that needs
it loads it in seconds.

Running times, measured when the site was built, on the machine that built it,
with an empty cache:

| Example | quick | full |
| --- | --- | --- |
{rows}

## 4. CIFAR-10 without a network

On first use Keras downloads CIFAR-10 (170 MB). To use a copy you already have,
point `CNNLESSON_CIFAR10_DIR` at the folder that holds `cifar-10-batches-py/`
(unpacked from the official `cifar-10-python.tar.gz`):

```
export CNNLESSON_CIFAR10_DIR=/path/to/cifar10
```

## What is in the pack

- `{wheel}`: the package.
- `examples/`: every example of the site's gallery, as a script and a notebook.
- `lessons/`: the lesson pages as notebooks, in reading order:
{lesson_list}

  On the site, the values these pages compute appear in the text and the
  citations link to the bibliography; here the code prints the values, and a
  citation such as `[mlm2022]` names an entry of the site's Bibliography page.
  The design notebook trains the final design for as long as the lesson's
  network took, so with the full profile it runs about twice as long as
  `plot_train_lesson_model`. The site's explorer page runs in the browser and
  has no notebook here.
- `LICENSE` (code: MIT), `LICENSE-docs` (text and figures: CC BY 4.0) and
  `CITATION.cff` (how to cite the lesson).
"""


# --- building ---------------------------------------------------------------------------

def _out(config, srcdir) -> Path:
    return Path(srcdir) / "_build" / config.cnnlesson_profile_name / "downloads"


def pack_name(version: str) -> str:
    return f"cnnlesson-course-pack-{version}.zip"


def build_wheel(folder: Path) -> Path:
    for old in folder.glob("cnnlesson-*.whl"):
        old.unlink()
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(folder)]
    try:
        import setuptools  # noqa: F401  (present: build here, without a download)
        command.append("--no-build-isolation")
    except ImportError:
        pass
    subprocess.run([*command, str(ROOT)], check=True)
    (wheel,) = folder.glob("cnnlesson-*.whl")
    return wheel


def build_downloads(app):
    version = app.config.version
    base_url = app.config.html_baseurl or None
    out = _out(app.config, app.srcdir)
    out.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(out)
    first_cell = install_cell(version, base_url)

    gallery = DOCS / "auto_examples"
    examples = sorted(path.stem for path in (DOCS / "examples").glob("plot_*.py"))
    top = f"cnnlesson-course-pack-{version}"
    import nbformat

    with zipfile.ZipFile(out / pack_name(version), "w", zipfile.ZIP_DEFLATED) as pack:
        pack.write(wheel, f"{top}/{wheel.name}")
        for name in LEGAL:
            pack.write(ROOT / name, f"{top}/{name}")
        for name in examples:
            for suffix in (".py", ".ipynb"):
                generated = gallery / f"{name}{suffix}"
                source = generated if generated.is_file() else DOCS / "examples" / f"{name}.py"
                if suffix == ".py" or generated.is_file():
                    pack.write(source, f"{top}/examples/{name}{suffix}")
        for name in LESSON_PAGES:
            notebook = lesson_notebook(DOCS / f"{name}.md", first_cell)
            pack.writestr(f"{top}/lessons/{name}.ipynb", nbformat.writes(notebook))
        pack.writestr(f"{top}/README.md",
                      readme(version, examples, list(LESSON_PAGES), wheel.name))
    return wheel


def _copy_wheel_to_site(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "downloads"
        target.mkdir(exist_ok=True)
        for wheel in _out(app.config, app.srcdir).glob("cnnlesson-*.whl"):
            shutil.copy2(wheel, target / wheel.name)


class _DownloadRole(XRefRole):
    """``{course-pack}`text``` / ``{wheel}`text```: a download link to the file built above."""

    def __init__(self, which):
        super().__init__(nodeclass=addnodes.download_reference)
        self.which = which

    def process_link(self, env, refnode, has_explicit_title, title, target):
        version = env.config.version
        relative = _out(env.config, env.srcdir).relative_to(Path(env.srcdir)).as_posix()
        name = pack_name(version) if self.which == "pack" else (
            f"cnnlesson-{version}-py3-none-any.whl")
        return title, f"/{relative}/{name}"

    def result_nodes(self, document, env, node, is_ref):
        node["classes"].append(f"cnnlesson-download-{self.which}")
        return [node], []


def setup(app):
    app.add_config_value("cnnlesson_profile_name", "full", "env")
    # After sphinx-gallery (priority 500) has written auto_examples/.
    app.connect("builder-inited", build_downloads, priority=900)
    app.connect("build-finished", _copy_wheel_to_site)
    app.add_role("course-pack", _DownloadRole("pack"))
    app.add_role("wheel", _DownloadRole("wheel"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}

