"""The version and the addresses are set once, in pyproject.toml; CITATION.cff, CHANGELOG.md
and the package agree with it, and the release check names each disagreement."""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: tomli, the library tomllib was taken from
    import tomli as tomllib

import cnnlesson
from cnnlesson import about

ROOT = Path(__file__).resolve().parents[1]
RELEASE_FILES = ("pyproject.toml", "CITATION.cff", "CHANGELOG.md")
CHECK = ROOT / ".ci" / "check_release.py"


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("check_release", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copy(tmp_path):
    """The repository's release files in a folder of their own, to be edited."""
    for name in RELEASE_FILES:
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def edit(path: Path, old: str, new: str):
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_the_repository_agrees_with_itself(check):
    assert check.disagreements(ROOT) == []
    assert check.main([str(ROOT)]) == 0


def test_the_package_version_and_addresses_are_pyprojects():
    assert cnnlesson.__version__ == about.version() == project()["version"]
    assert about.project_urls() == project()["urls"]
    assert project()["urls"]["Repository"].startswith("https://")


def test_an_installed_package_reads_the_same_from_its_metadata(monkeypatch, tmp_path):
    # Without a checkout beside it, as from a wheel: the metadata pip wrote.
    monkeypatch.setattr(about, "PYPROJECT", tmp_path / "pyproject.toml")
    assert about.version() == project()["version"]
    assert about.project_urls() == project()["urls"]


def test_a_new_version_in_pyproject_alone_is_named_in_each_file(check, copy):
    edit(copy / "pyproject.toml", f'version = "{project()["version"]}"', 'version = "9.9.9"')
    problems = check.disagreements(copy)
    assert any(p.startswith("CITATION.cff: version") and "9.9.9" in p for p in problems)
    assert any(p.startswith("CHANGELOG.md: the latest release") and "9.9.9" in p
               for p in problems)
    assert check.main([str(copy)]) == 1


def test_a_citation_with_another_version_disagrees(check, copy):
    edit(copy / "CITATION.cff", f"version: {project()['version']}", "version: 0.0.9")
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CITATION.cff: version is '0.0.9'")


def test_a_changelog_whose_latest_release_is_another_version_disagrees(check, copy):
    edit(copy / "CHANGELOG.md", f"## [{project()['version']}]", "## [0.0.9]")
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CHANGELOG.md: the latest release is 0.0.9")


def test_a_changelog_dated_otherwise_than_the_citation_disagrees(check, copy):
    released = str(check.read_citation(copy)["date-released"])
    edit(copy / "CITATION.cff", f'date-released: "{released}"', 'date-released: "2001-01-01"')
    (problem,) = check.disagreements(copy)
    assert "CITATION.cff's date-released is 2001-01-01" in problem


def test_a_citation_with_another_repository_disagrees(check, copy):
    repository = project()["urls"]["Repository"]
    edit(copy / "CITATION.cff", f'repository-code: "{repository}"',
         'repository-code: "https://example.org/elsewhere"')
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CITATION.cff: repository-code is 'https://example.org/elsewhere'")


def test_a_new_repository_address_in_pyproject_alone_disagrees(check, copy):
    repository = project()["urls"]["Repository"]
    edit(copy / "pyproject.toml", f'Repository = "{repository}"',
         'Repository = "https://example.org/moved"')
    (problem,) = check.disagreements(copy)
    assert "[project.urls] Repository is 'https://example.org/moved'" in problem


def test_a_homepage_in_pyproject_must_be_the_citations_url(check, copy):
    edit(copy / "pyproject.toml", "[project.urls]\n",
         '[project.urls]\nHomepage = "https://example.org/site/"\n')
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CITATION.cff: url is None")


def test_a_release_that_lists_no_change_is_refused(check, copy):
    text = (copy / "CHANGELOG.md").read_text("utf-8")
    heading = f"## [{project()['version']}]"
    start = text.index(heading)
    line_end = text.index("\n", start)
    (copy / "CHANGELOG.md").write_text(text[:line_end + 1] + "\nSoon.\n", "utf-8")
    problems = check.disagreements(copy)
    assert any("lists no change under '### Added'" in p for p in problems)
    assert any("lists no change ('- ...')" in p for p in problems)


def test_a_section_keep_a_changelog_does_not_name_is_refused(check, copy):
    # The release's own section (one under Unreleased may come first).
    text = (copy / "CHANGELOG.md").read_text("utf-8")
    start = text.index(f"## [{project()['version']}]")
    (copy / "CHANGELOG.md").write_text(
        text[:start] + text[start:].replace("### Added", "### Improvements", 1), "utf-8")
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CHANGELOG.md: '### Improvements'")


def test_without_a_changelog_the_check_says_how_to_start_one(check, copy):
    (copy / "CHANGELOG.md").unlink()
    (problem,) = check.disagreements(copy)
    assert problem.startswith("CHANGELOG.md is missing")


def test_the_unreleased_section_is_not_the_latest_release(check):
    text = ("# Changelog\n\n## [Unreleased]\n\n- soon\n\n## [1.2.0] - 2026-12-06\n\n"
            "### Fixed\n\n- a thing\n\n## [1.1.0] - 2026-11-01\n\n### Added\n\n- more\n")
    release = check.latest_release(text)
    assert (release["version"], release["date"]) == ("1.2.0", "2026-12-06")
    assert "a thing" in release["text"] and "more" not in release["text"]
    assert check.latest_release("# Changelog\n\n## [Unreleased]\n") is None


class ReleaseSession:
    """A nox session that records what the release session asks for."""

    def __init__(self, *posargs):
        self.posargs = list(posargs)
        self.calls = []

    def install(self, *packages):
        self.calls.append(("install", *packages))

    def run(self, *command, **kwargs):
        self.calls.append(("run", *command))

    def notify(self, target, posargs=None):
        self.calls.append(("notify", target, *posargs))

    def error(self, message):
        raise RuntimeError(message)


def test_nox_release_checks_first_then_builds_the_site_with_its_options(noxfile):
    session = ReleaseSession("--baseurl=https://example.org/cnnlesson/")
    noxfile.release(session)
    assert session.calls[-2:] == [
        ("run", "python", ".ci/check_release.py"),
        ("notify", "docs", "--baseurl=https://example.org/cnnlesson/")]


def test_nox_release_refuses_a_site_that_runs_no_code(noxfile):
    session = ReleaseSession("--no-exec")
    with pytest.raises(RuntimeError, match="leave out --no-exec"):
        noxfile.release(session)
    assert session.calls == []


def test_the_release_check_reads_pyproject_with_tomli_where_there_is_no_tomllib(monkeypatch):
    # Python 3.10 has no tomllib; the lint and release sessions install tomli there.
    import types

    tomli = types.ModuleType("tomli")
    tomli.loads = tomllib.loads
    monkeypatch.setitem(sys.modules, "tomllib", None)  # import tomllib raises ImportError
    monkeypatch.setitem(sys.modules, "tomli", tomli)
    spec = importlib.util.spec_from_file_location("check_release_310", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.tomllib is tomli
    assert module.main([str(ROOT)]) == 0


def test_the_lint_and_release_sessions_install_tomli_for_python_3_10(noxfile):
    requirement = noxfile.TOMLI
    assert requirement.startswith("tomli") and "python_version < '3.11'" in requirement
    session = ReleaseSession("--baseurl=https://example.org/cnnlesson/")
    noxfile.release(session)
    assert ("install", "pyyaml", requirement) in session.calls
    lint = ReleaseSession()
    noxfile.lint(lint)
    assert any(call[0] == "install" and requirement in call for call in lint.calls)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert any(r.replace(" ", "") == requirement.replace(" ", "")
               for r in pyproject["project"]["optional-dependencies"]["test"])
