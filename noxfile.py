"""Sessions: ``tests``, ``lint``, ``docs``, ``site`` and ``bench``.

``nox -s docs`` builds the site in the full profile (the lesson's exact recipe).
Options after ``--``: ``--quick`` (small subset, a few epochs, pages bannered),
``--no-exec`` (no code runs: for editing prose), ``--clean`` (from scratch),
``--baseurl=URL`` (the site's public address, cited on the Cite page).
"""

import os
import shutil
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


@nox.session
def tests(session):
    """Run the test suite (unit tests, doctests, and the real-data integration test)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session):
    """Check style and common mistakes with ruff."""
    session.install("ruff")
    session.run("ruff", "check", "cnnlesson", "tests", "docs", "benchmarks", "noxfile.py")


@nox.session
def docs(session):
    """Build the site into docs/_build/<profile>/html, warnings as errors."""
    options = {arg for arg in session.posargs if not arg.startswith("--baseurl=")}
    baseurls = [arg.split("=", 1)[1] for arg in session.posargs if arg.startswith("--baseurl=")]
    unknown = options - {"--quick", "--no-exec", "--clean"}
    if unknown:
        session.error(f"unknown option(s) {sorted(unknown)}; "
                      "use --quick, --no-exec, --clean, --baseurl=URL")
    profile = "quick" if "--quick" in options else "full"
    out = DOCS / "_build" / profile
    if "--clean" in options:
        for path in (out, DOCS / "auto_examples", DOCS / "api" / "generated"):
            shutil.rmtree(path, ignore_errors=True)
    session.install("-e", ".[docs]")
    env = {"CNNLESSON_PROFILE": profile}
    if baseurls:
        env["CNNLESSON_BASEURL"] = baseurls[-1]
    extra = []
    if "--no-exec" in options:
        env["CNNLESSON_NO_EXEC"] = "1"
        extra = ["-D", "plot_gallery=0"]
    else:
        # The explorer page's data, which conf.py publishes as it is (html_extra_path).
        session.run("python", "-m", "cnnlesson.export", str(out / "explorer"), env=env)
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "html", "-d", str(out / "doctrees"),
        *extra, str(DOCS), str(out / "html"), env=env,
    )
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
