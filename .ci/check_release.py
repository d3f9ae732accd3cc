"""Check that the version, the addresses, the changelog and the citation agree.

``pyproject.toml`` is the one place the version (``[project]`` ``version``) and the
addresses (``[project.urls]``) are set. Two files that others read as they are repeat
them: ``CITATION.cff`` (GitHub, Zenodo and reference managers read it without running
anything) gives the version, the repository's address as ``repository-code`` and the
release date, and ``CHANGELOG.md`` (Keep a Changelog) names the version and the date of
its latest release. This script prints every disagreement, each with the file to fix,
and exits with status 1 if there is one::

    python .ci/check_release.py [REPOSITORY_ROOT]

``nox -s lint`` and ``nox -s release`` run it; ``tests/test_release.py`` tests it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: tomli, the library tomllib was taken from
    import tomli as tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: A release's heading in Keep a Changelog's style: ``## [1.2.0] - 2026-12-06``.
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})[ \t]*$",
                     re.MULTILINE)
#: Any second-level heading: a release's, or ``## [Unreleased]``.
ENTRY = re.compile(r"^## ", re.MULTILINE)
#: The kinds of change Keep a Changelog names, one ``###`` section each.
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
#: CITATION.cff's fields for the addresses of [project.urls], by label.
CFF_URLS = {"Repository": "repository-code", "Homepage": "url"}


def read_project(root: Path) -> dict:
    """``[project]`` of ``root/pyproject.toml``."""
    return tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]


def read_citation(root: Path) -> dict:
    """``root/CITATION.cff`` as a mapping."""
    return yaml.safe_load((root / "CITATION.cff").read_text("utf-8"))


def latest_release(changelog: str) -> dict | None:
    """The newest release of a Keep a Changelog text: its version, date and text.

    ``## [Unreleased]`` above it is passed over; None when the text names no release.
    """
    match = RELEASE.search(changelog)
    if match is None:
        return None
    following = ENTRY.search(changelog, match.end())
    text = changelog[match.end():following.start() if following else len(changelog)]
    return {"version": match["version"], "date": match["date"], "text": text}


def disagreements(root: Path = ROOT) -> list[str]:
    """Every way the version, addresses, changelog and citation of ``root`` disagree."""
    problems = []
    project = read_project(root)
    version = project.get("version")
    urls = project.get("urls", {})
    if not version:
        return ["pyproject.toml: [project] sets no version; write it there, once"]
    if "Repository" not in urls:
        problems.append("pyproject.toml: [project.urls] names no Repository address")

    citation = read_citation(root)
    if str(citation.get("version")) != version:
        problems.append(f"CITATION.cff: version is {citation.get('version')!r}, "
                        f"pyproject.toml's is {version!r}")
    for label, field in CFF_URLS.items():
        if (label in urls or field in citation) and citation.get(field) != urls.get(label):
            problems.append(f"CITATION.cff: {field} is {citation.get(field)!r}, pyproject.toml's "
                            f"[project.urls] {label} is {urls.get(label)!r}")

    changelog_path = root / "CHANGELOG.md"
    if not changelog_path.is_file():
        return [*problems, f"CHANGELOG.md is missing: start it with '## [{version}] - "
                           "YYYY-MM-DD' and what the release adds"]
    release = latest_release(changelog_path.read_text("utf-8"))
    if release is None:
        return [*problems, "CHANGELOG.md names no release: its entries start with "
                           f"'## [{version}] - YYYY-MM-DD'"]
    if release["version"] != version:
        problems.append(f"CHANGELOG.md: the latest release is {release['version']}, "
                        f"pyproject.toml's version is {version}")
    released = str(citation.get("date-released"))
    if release["date"] != released:
        problems.append(f"CHANGELOG.md: {release['version']} is dated {release['date']}, "
                        f"CITATION.cff's date-released is {released}")
    kinds = re.findall(r"^### (.+?)[ \t]*$", release["text"], re.MULTILINE)
    if not kinds:
        problems.append(f"CHANGELOG.md: {release['version']} lists no change under "
                        f"'### {KINDS[0]}' or another of {', '.join(KINDS[1:])}")
    for kind in kinds:
        if kind not in KINDS:
            problems.append(f"CHANGELOG.md: '### {kind}' in {release['version']} is none of "
                            f"{', '.join(KINDS)}")
    if not re.search(r"^- \S", release["text"], re.MULTILINE):
        problems.append(f"CHANGELOG.md: {release['version']} lists no change ('- ...')")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else ROOT
    problems = disagreements(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"version {read_project(root)['version']}: pyproject.toml, CITATION.cff and "
          "CHANGELOG.md agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
