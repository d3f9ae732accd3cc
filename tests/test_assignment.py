"""The course pack's assignment (docs/_ext/assignment.py): otter-grader's master notebook
from the pages' exercises and the tests beside their solutions. `nox -s assignment` runs
otter-grader itself on the result; these tests need neither otter nor a build.
"""

import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

PAGE = [
    ("markdown", "# A page\n\nSome text.\n\n## Exercises\n\n"
                 "```{exercise} Count by hand\n:label: ex-page-count\n\nHow many? "
                 "{ref}`a-target` says.\n```\n\n```{solution-start} ex-page-count\n"
                 ":class: dropdown\n```\n\nThree, because.", []),
    ("code", "answer = 1 + 2\nprint(answer)", []),
    ("code", "assert answer == 3", ["remove-cell"]),
    ("code", "def test_count_is_a_number(answer):\n    \"\"\"`answer`: how many.\"\"\"\n"
             "    assert isinstance(answer, int)\n\n\n"
             "# HIDDEN\ndef test_count(answer):\n    assert answer == 3\n\n\n"
             "test_count_is_a_number(answer)\ntest_count(answer)", ["remove-cell", "autograde"]),
    ("markdown", "```{solution-end}\n```\n\n````{exercise} Say why\n:label: ex-page-why\n\n"
                 "Why?\n````\n\n```{solution-start} ex-page-why\n:class: dropdown\n```\n\n"
                 "Because.\n\n```{solution-end}\n```\n\n## Summary", []),
]


def notebook(cells=PAGE):
    return {"cells": [{"cell_type": kind, "metadata": {"tags": tags} if tags else {},
                       "source": source} for kind, source, tags in cells]}


@pytest.fixture(scope="module")
def assignment():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module("assignment")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_the_docstring_examples_run(assignment):
    assert doctest.testmod(assignment).failed == 0


def test_each_test_function_is_one_otter_test(assignment):
    tests = assignment.split_tests(PAGE[3][1], "page")
    assert [(t["name"], t["params"], t["hidden"]) for t in tests] == [
        ("test_count_is_a_number", ["answer"], False), ("test_count", ["answer"], True)]
    # otter reads a hidden test's marker on its first line; the calls stay on the page.
    assert tests[1]["code"].startswith("# HIDDEN\ndef test_count(answer):")
    assert "test_count(answer)" not in tests[1]["code"].replace("def test_count(answer)", "")


@pytest.mark.parametrize("cell, fix", [
    ("def test_a(x):\n    assert x\n", "call test_a in the autograde cell"),
    ("x = 1\ndef test_a(x):\n    assert x\ntest_a(x)\n", "not line 1: x = 1"),
    ("print(1)\n", "defines no test_* function"),
])
def test_a_cell_otter_cannot_use_is_refused_with_its_fix(assignment, cell, fix):
    with pytest.raises(assignment.AssignmentError, match=re.escape(fix)):
        assignment.split_tests(cell, "page: ex-a")


def test_an_exercise_brings_its_solution_and_tests(assignment):
    count, why = assignment.read_exercises(notebook(), "page")
    assert (count["label"], count["title"]) == ("ex-page-count", "Count by hand")
    assert count["text"] == "How many? {ref}`a-target` says."
    assert count["prose"] == ["Three, because."]
    # The page's own checks come with the solution; the tests are apart.
    assert count["code"] == ["answer = 1 + 2\nprint(answer)", "assert answer == 3"]
    assert [t["name"] for t in count["tests"]] == ["test_count_is_a_number", "test_count"]
    assert (why["label"], why["prose"], why["code"], why["tests"]) == (
        "ex-page-why", ["Because."], [], [])


def test_the_pages_markdown_is_read_by_the_parser_not_by_its_lines(assignment):
    # A directive shown inside a code block is text, as Sphinx reads it.
    cells = [("markdown", "`````markdown\n```{exercise} Not one\n"
                          ":label: ex-shown\n\nShown.\n```\n`````\n\n"
                          "```{exercise} Real\n:label: ex-real\n\nAsked.\n```\n", [])]
    found = assignment.read_exercises(notebook(cells), "page")
    assert [(e["label"], e["text"]) for e in found] == [("ex-real", "Asked.")]


def test_the_master_notebook_has_otters_blocks(assignment):
    master = assignment.master_notebook([("page", notebook())], "import cnnlesson",
                                        lambda text, page: text.replace("{ref}", ""),
                                        {"page": "A page"})
    cells = [(c["cell_type"], c["source"]) for c in master["cells"]]
    assert cells[0][1].startswith("# ASSIGNMENT CONFIG\nname: cnnlesson-exercises")
    assert "ok_format: false" in cells[0][1]   # tests are functions, not doctests
    assert cells[2] == ("code", "import cnnlesson")
    assert cells[3] == ("markdown", "## A page")
    raw = [source.splitlines()[0] for kind, source in cells if kind == "raw"][1:]
    assert raw == ["# BEGIN QUESTION", "# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN TESTS",
                   "# END TESTS", "# END QUESTION"]
    question = next(source for kind, source in cells if source.startswith("# BEGIN QUESTION"))
    assert "name: page-count" in question and "all_or_nothing: true" in question
    solution = next(source for kind, source in cells if "# BEGIN SOLUTION NO PROMPT" in source)
    # The student's notebook keeps the prompt (the tested names), otter removes the rest.
    assert solution.startswith('""" # BEGIN PROMPT\nanswer = ...\n""" # END PROMPT\n')
    assert solution.endswith("answer = 1 + 2\nprint(answer)\n\nassert answer == 3\n# END SOLUTION")
    assert ("markdown", "Three, because.") in cells   # removed from the student's notebook
    tests = [source for kind, source in cells if source.startswith(("def test_", "# HIDDEN"))]
    assert len(tests) == 2 and tests[1].startswith("# HIDDEN")
    assert "How many? `a-target` says." in cells[5][1]
    # The first public test's docstring tells the student what to leave where.
    assert cells[5][1].endswith("**Your answer** (autograded): `answer`: how many.")
    # An exercise answered in prose is no question of otter's, and says so.
    assert "not autograded" in cells[-1][1] and "Why?" in cells[-1][1]


def test_two_exercises_with_one_label_are_refused(assignment):
    page = notebook(PAGE[:4] + [("markdown", "```{solution-end}\n```", [])])
    with pytest.raises(assignment.AssignmentError, match="page-count"):
        assignment.master_notebook([("page", page), ("other", page)], "")


def test_every_exercise_of_the_site_is_autograded():
    """Each solution on the pages ends with its tests: an exercise answered in prose would
    be listed here, with the reason."""
    answered_in_prose = set()
    solution = re.compile(r"\{solution-start\} (\S+)\n(.*?)\{solution-end\}", re.S)
    found = {}
    for page in sorted(DOCS.glob("*.md")):
        for label, body in solution.findall(page.read_text("utf-8")):
            found[label] = ":tags: [remove-cell, autograde]" in body
    assert len(found) >= 21
    assert {label for label, tested in found.items() if not tested} == answered_in_prose


@pytest.mark.parametrize("stderr, says", [
    ("/usr/bin/python: No module named otter\n", "needs otter-grader: pip install otter-grader"),
    ("AssignNotebookFormatException: Found a begin tests cell outside a question\n",
     "otter assign failed on"),
])
def test_otter_assign_failing_says_why(assignment, monkeypatch, tmp_path, stderr, says):
    def otter(command, **options):
        assert command[1:4] == ["-m", "otter", "assign"] and "--no-run-tests" in command
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(subprocess, "run", otter)
    with pytest.raises(assignment.AssignmentError, match=re.escape(says)):
        assignment.otter_assign(assignment.master_notebook([], ""), tmp_path / "made")
    # The master notebook it was given is there to read.
    assert (tmp_path / "made" / "master" / "cnnlesson-exercises.ipynb").is_file()
