"""The lesson pages and examples as a student meets them: only lesson code in view.

The site's checks of its own claims run at every build, out of view: in myst-nb cells
tagged ``remove-cell`` on the pages, in sphinx-gallery's ignore blocks in the examples.
What a reader can see or open (and what the course pack's notebooks keep) is code a
student can copy and run.  These tests read the sources, so they need no build.
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

from cnnlesson.page_time import page_minutes

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: The lesson pages this package's tests look after, in reading order.
PAGES = ("index", "network", "feature_maps", "convolution_effects", "convolution_channels",
         "design", "errata")
#: Pages that open with the box of what the page gives and what it takes.
FACTS_PAGES = PAGES[1:]

#: What only the build needs: claim checks, myst-nb's glue, the site's alt text,
#: environment variables, where the build machine keeps its data, whether a model came
#: from the build's store, and the site's helpers for tables and wording.
PLUMBING = re.compile(r"^\s*assert\b|\bglue\(|myst_nb|set_alt_text|os\.environ|CNNLESSON_"
                      r"|cifar10_source|from_cache|cnnlesson\.wording|\bwording\.|markdown_table",
                      re.M)

#: How the site is built, which a learner does not need to read: the build's store of
#: trained models, its profiles as "build" settings, its command-line options and folders.
BUILD_TALK = re.compile(r"training cache|build profile|--no-exec|docs/_build|from_cache"
                        r"|quick build|this build\b|the cache\b|site's tests", re.I)

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def cells(name):
    """(tags, code) of every code cell of a page, in order."""
    found = []
    for body in CELL.findall((DOCS / f"{name}.md").read_text(encoding="utf-8")):
        options, code = "", body
        if body.startswith("---\n"):
            options, code = body[4:].split("\n---\n", 1)
        else:
            lines = body.split("\n")
            taken = [line for line in lines if line.startswith(":")]
            options, code = "\n".join(taken), "\n".join(lines[len(taken):])
        tags = set(re.findall(r"remove-cell|remove-input|hide-input", options))
        found.append((tags, code))
    return found


@pytest.mark.parametrize("name", PAGES)
def test_what_a_reader_can_see_is_lesson_code(name):
    shown = [code for tags, code in cells(name) if not tags & {"remove-cell", "remove-input"}]
    assert shown, f"{name}.md shows no code"
    leaks = [match.group().strip() for code in shown for match in PLUMBING.finditer(code)]
    assert not leaks, f"{name}.md shows the build's plumbing: {leaks}"


def _names(code):
    """Names a cell defines at the top level, and names it reads that it does not define."""
    tree = ast.parse(code)
    defined, local = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
    read = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return defined, read - defined - local


@pytest.mark.parametrize("name", PAGES)
def test_a_page_runs_without_its_hidden_cells(name):
    # The course pack drops remove-cell cells and keeps only the outputs of remove-input
    # cells: the code left must not need either.
    known = set(dir(builtins))
    missing = []
    for tags, code in cells(name):
        defined, read = _names(code)
        if not tags & {"remove-cell", "remove-input"}:
            missing += sorted(read - known)
            known |= defined
    assert not missing, f"{name}.md reads names that only its hidden cells define: {missing}"


@pytest.mark.parametrize("name", FACTS_PAGES)
def test_every_lesson_page_opens_with_what_it_gives_and_takes(name):
    source = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    opening = source.split("\n## ", 1)[0]
    assert ":class: cnnlesson-page-facts" in opening, f"{name}.md has no facts box at the top"
    box = opening.split(":class: cnnlesson-page-facts", 1)[1].split("\n:::", 1)[0]
    objectives = re.findall(r"^- ", box.split("**It assumes**")[0], re.M)
    assert 3 <= len(objectives) <= 5, f"{name}.md: {len(objectives)} learning objectives"
    assert "**It assumes**" in box and "{lesson-time}`teaching`" in box
    assert "{lesson-time}`exercises`" in box and "{glue:text}`training_time`" in box
    # The minutes are the page's own, declared in its front matter.
    assert page_minutes(source) is not None, f"{name}.md declares no teaching minutes"


EXAMPLE_IGNORED = re.compile(r"^[ \t]*# sphinx_gallery_start_ignore.*?"
                             r"^[ \t]*# sphinx_gallery_end_ignore[ \t]*\n", re.M | re.S)


@pytest.mark.parametrize("path", sorted((DOCS / "examples").glob("plot_*.py")),
                         ids=lambda path: path.name)
def test_an_example_shows_lesson_code_only(path):
    shown = EXAMPLE_IGNORED.sub("", path.read_text(encoding="utf-8"))
    leaks = [match.group().strip() for match in PLUMBING.finditer(shown)]
    assert not leaks, f"{path.name} shows the build's plumbing: {leaks}"
    ast.parse(shown)  # what the student downloads is still a valid script


@pytest.mark.parametrize("path", sorted((DOCS / "examples").glob("plot_*.py")),
                         ids=lambda path: path.name)
def test_a_downloaded_example_runs_without_its_ignore_blocks(path):
    # The .py download leaves the ignore blocks out: what is left must define every
    # name it reads (an import inside an ignore block is gone from the download).
    downloaded = EXAMPLE_IGNORED.sub("", path.read_text(encoding="utf-8"))
    _, read = _names(downloaded)
    missing = sorted(read - set(dir(builtins)))
    assert not missing, f"{path.name} as downloaded reads undefined names: {missing}"


def _strings(code):
    """The string literals of some code: what a hidden cell can still write on the page."""
    return [node.value for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


#: An instructor note: the learners' page leaves it out (docs/_ext/instructor_guide.py).
INSTRUCTOR_NOTE = re.compile(r"^:::\{instructor-note\}.*?^:::[ \t]*$", re.M | re.S)


def learner_source(name):
    """A page's source as its learners' page shows it: without its instructor notes."""
    return INSTRUCTOR_NOTE.sub("", (DOCS / f"{name}.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PAGES)
def test_a_page_reads_without_build_talk(name):
    # What a reader meets: the prose, the code in view, and the text any cell writes.
    read = [CELL.sub("", learner_source(name))]
    for tags, code in cells(name):
        read += _strings(code) if tags & {"remove-cell", "remove-input"} else [code]
    talk = [match.group() for text in read for match in BUILD_TALK.finditer(text)]
    assert not talk, f"{name}.md talks about the build to a learner: {talk}"


@pytest.mark.parametrize("path", sorted((DOCS / "examples").glob("plot_*.py")),
                         ids=lambda path: path.name)
def test_an_example_reads_without_build_talk(path):
    shown = EXAMPLE_IGNORED.sub("", path.read_text(encoding="utf-8"))
    talk = [match.group() for match in BUILD_TALK.finditer(shown)]
    assert not talk, f"{path.name} talks about the build to a learner: {talk}"
