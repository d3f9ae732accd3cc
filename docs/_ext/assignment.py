"""The course pack's assignment: the site's exercises in otter-grader's format.

Every exercise of a lesson page (a sphinx-exercise ``exercise`` directive, its solution
between ``solution-start`` and ``solution-end``) becomes one question of one notebook,
``cnnlesson-exercises``. Its tests are written on the page beside the solution, in a code
cell tagged ``remove-cell`` and ``autograde``: functions ``test_*`` whose parameters name
the variables they check, each called in that cell, so the build runs the very tests
against the solution. A function under a comment with the word ``HIDDEN`` is a hidden
test (otter's own marker); the others are public, and the first public one's docstring
tells the student what each variable holds. For example::

    def test_answer_is_a_count(answer):
        '''`answer`: the layer's number of parameters.'''
        import numbers
        assert isinstance(answer, numbers.Integral), "answer: a whole number"

    # HIDDEN
    def test_answer(answer):
        assert answer == 25_632

    test_answer_is_a_count(answer)
    test_answer(answer)

:func:`master_notebook` writes otter's master notebook from the executed pages: the
exercise as the question, the solution's text and code as its solution (the student
notebook has, instead, the tested names set to ``...``), each test function as one of
otter's exception-based test cells. An exercise without an ``autograde`` cell is answered
in prose and its question says it is not autograded. :func:`otter_assign` runs
``otter assign`` on it: a student notebook with the public tests, and an autograder zip
with all of them (which ``otter run`` grades without Docker).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from build_layout import DOCS
from notebook_markdown import directive, parser

#: The assignment's name: its notebooks are ``<NAME>.ipynb``.
NAME = "cnnlesson-exercises"
#: The tag of a page's cell that holds an exercise's tests.
TEST_TAG = "autograde"

CONFIG = f"""\
# ASSIGNMENT CONFIG
name: {NAME}
init_cell: true
check_all_cell: true
export_cell: false
run_tests: false
tests:
  files: false
  ok_format: false
"""

INTRO = """\
# Exercises of the cnnlesson site

The exercises of the lesson's pages, to answer in code. The first cell starts otter-grader
(`pip install otter-grader` if it is missing), the next one installs cnnlesson. Answer each
exercise in the cell under it: replace each `...` with your answer, keeping the variable's
name. The `grader.check` cell under it runs the public tests, which say whether your answer
has the right form; grading also runs hidden tests of its value. Each exercise scores all or
nothing.
"""

#: The README of the pack's ``assignment/`` folder.
README = DOCS / "_templates" / "assignment-README.md"


class AssignmentError(ValueError):
    """An exercise whose tests cannot become otter's (the message names the fix)."""


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def split_tests(source: str, where: str) -> list[dict]:
    """The ``test_*`` functions of an ``autograde`` cell, each as one otter test: its code
    (with the comment block just above it, which may say ``HIDDEN``), parameters and
    whether it is hidden.

    Examples
    --------
    >>> cell = "def test_a(x):\\n    assert x\\n\\n# HIDDEN\\ndef test_b(x, y):\\n"
    >>> cell += "    assert x == y\\n\\ntest_a(x)\\ntest_b(x, y)\\n"
    >>> [(t["name"], t["params"], t["hidden"]) for t in split_tests(cell, "ex")]
    [('test_a', ['x'], False), ('test_b', ['x', 'y'], True)]
    """
    lines = source.splitlines()
    tree = ast.parse(source)
    tests, called = [], set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            start = node.lineno - 1 - len(node.decorator_list)
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            code = "\n".join(lines[start:node.end_lineno])
            tests.append({"name": node.name, "params": [a.arg for a in node.args.args],
                          "doc": ast.get_docstring(node),
                          "hidden": bool(re.search(r"\bhidden\b", code.splitlines()[0], re.I))
                          if code.lstrip().startswith("#") else False, "code": code})
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name)):
            called.add(node.value.func.id)
        else:
            raise AssignmentError(f"{where}: an autograde cell holds test_* functions and calls "
                                  f"of them only, not line {node.lineno}: "
                                  f"{lines[node.lineno - 1].strip()}")
    if not tests:
        raise AssignmentError(f"{where}: its autograde cell defines no test_* function")
    unchecked = [t["name"] for t in tests if t["name"] not in called]
    if unchecked:
        raise AssignmentError(f"{where}: call {', '.join(unchecked)} in the autograde cell, so "
                              "that the build checks the solution with it")
    return tests


def _directive_fences(source: str, md):
    """The directives of a Markdown cell as myst-parser reads it, in order, each with the
    text before it (after the previous one): (name, argument, options, body, text before);
    last (None, "", {}, "", the text after the last)."""
    lines, text = source.splitlines(keepends=True), []
    for token in md.parse(source):
        if token.level or not token.map:  # inside a block, or a block's closing token
            continue
        if token.type in ("fence", "colon_fence") and token.info.strip().startswith("{"):
            yield (*directive(token), "".join(text).strip())
            text = []
        else:
            text.append("".join(lines[slice(*token.map)]) + "\n")
    yield None, "", {}, "", "".join(text).strip()


def read_exercises(notebook: dict, page: str) -> list[dict]:
    """The exercises of an executed page, in order: label, title, text, the solution's
    text and code, and its tests (:func:`split_tests`). The page's Markdown is read with
    myst-parser's parser (``notebook_markdown.parser``), as the notebooks are written."""
    exercises, current, md = [], None, parser()
    for cell in notebook["cells"]:
        source = _source(cell)
        if cell["cell_type"] == "markdown":
            for name, argument, options, body, before in _directive_fences(source, md):
                if current is not None and before:
                    current["prose"].append(before)
                if name == "exercise" and current is None:
                    exercises.append({"label": options.get("label") or
                                      f"{page}-{len(exercises) + 1}", "title": argument,
                                      "text": body.strip(), "prose": [], "code": [],
                                      "tests": []})
                elif name == "solution-start":
                    matching = [e for e in exercises if e["label"] == argument]
                    current = matching[-1] if matching else exercises[-1]
                elif name == "solution-end":
                    current = None
        elif current is not None and cell["cell_type"] == "code":
            if TEST_TAG in cell.get("metadata", {}).get("tags", []):
                current["tests"] += split_tests(source, f"{page}: {current['label']}")
            else:
                current["code"].append(source.strip())
    return exercises


def question_name(label: str) -> str:
    """otter's name of the question of an exercise: its label without ``ex-``."""
    return label.removeprefix("ex-")


def _cell(kind: str, text: str) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": text}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _names(tests: list[dict]) -> list[str]:
    """The variables the tests check, in order of first use."""
    return list(dict.fromkeys(p for t in tests for p in t["params"] if p != "env"))


def question_cells(exercise: dict, to_markdown) -> list[dict]:
    """The master notebook's cells of one exercise (otter's question, solution and tests
    blocks), or a question marked as not autograded where it has no tests.
    ``to_markdown`` turns the page's MyST into plain Markdown."""
    heading = f"### Exercise: {to_markdown(exercise['title'])}\n\n{to_markdown(exercise['text'])}"
    if not exercise["tests"]:
        return [_cell("markdown", f"{heading}\n\n*Answered in prose: this exercise is not "
                                  "autograded. Write your answer in a Markdown cell below; "
                                  "the solution is on the exercise's page of the site.*")]
    names = _names(exercise["tests"])
    # What each variable holds, as the first public test's docstring says.
    said = [t["doc"] for t in exercise["tests"] if t["doc"] and not t["hidden"]]
    listed = said[0] if said else ", ".join(f"`{name}`" for name in names)
    config = f"# BEGIN QUESTION\nname: {question_name(exercise['label'])}\npoints: 1\n" \
             "all_or_nothing: true"
    prompt = '""" # BEGIN PROMPT\n' + "".join(f"{name} = ...\n" for name in names) + \
             '""" # END PROMPT\n'
    solution = "\n\n".join(exercise["code"])
    cells = [_cell("raw", config),
             _cell("markdown", f"{heading}\n\n**Your answer** (autograded): {listed}"),
             _cell("raw", "# BEGIN SOLUTION"),
             *[_cell("markdown", to_markdown(text)) for text in exercise["prose"]],
             _cell("code", f"{prompt}# BEGIN SOLUTION NO PROMPT\n{solution}\n# END SOLUTION"),
             _cell("raw", "# END SOLUTION"), _cell("raw", "# BEGIN TESTS")]
    cells += [_cell("code", test["code"]) for test in exercise["tests"]]
    return cells + [_cell("raw", "# END TESTS"), _cell("raw", "# END QUESTION")]


def master_notebook(pages: list[tuple[str, dict]], first_cell: str,
                    to_markdown=lambda text, page: text, titles=None) -> dict:
    """otter's master notebook of the exercises of ``pages`` (name, executed notebook),
    as nbformat's JSON: the assignment's configuration, an introduction, ``first_cell``
    (which installs cnnlesson), then each page's exercises under its title (``titles``,
    the pages' titles as Sphinx read them; else the page's name).
    ``to_markdown(text, page)`` turns a page's MyST into plain Markdown."""
    cells = [_cell("raw", CONFIG), _cell("markdown", INTRO), _cell("code", first_cell)]
    names = []
    for page, notebook in pages:
        exercises = read_exercises(notebook, page)
        if not exercises:
            continue

        def markdown(text, page=page):
            return to_markdown(text, page)

        cells.append(_cell("markdown", f"## {(titles or {}).get(page, page)}"))
        for exercise in exercises:
            names += [question_name(exercise["label"])] if exercise["tests"] else []
            cells += question_cells(exercise, markdown)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise AssignmentError(f"two exercises share the label(s) {repeated}; give each its own")
    return {"cells": cells, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def otter_assign(master: dict, folder: Path) -> dict[str, Path]:
    """Run ``otter assign`` on ``master`` in ``folder`` (made afresh): the master notebook,
    the student notebook, the solutions notebook and the autograder zip, by role."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = folder / "master" / f"{NAME}.ipynb"
    source.parent.mkdir()
    source.write_text(json.dumps(master, indent=1, ensure_ascii=False) + "\n", "utf-8")
    done = subprocess.run([sys.executable, "-m", "otter", "assign", "--no-run-tests",
                           str(source), str(folder / "dist")], capture_output=True, text=True)
    if done.returncode:
        missing = "No module named otter" in done.stderr
        raise AssignmentError(
            "the course pack's assignment needs otter-grader: pip install otter-grader"
            if missing else f"otter assign failed on {source}:\n{done.stdout}{done.stderr}")
    zips = sorted((folder / "dist" / "autograder").glob(f"{NAME}-autograder_*.zip"))
    return {"master": source, "student": folder / "dist" / "student" / f"{NAME}.ipynb",
            "solutions": folder / "dist" / "autograder" / f"{NAME}.ipynb",
            "autograder": zips[-1]}


def add_assignment(app, add) -> None:
    """Add the ``assignment/`` folder to the course pack (``course_pack.PACK_EVENT``):
    :func:`otter_assign` run, in a folder gone afterwards, on :func:`master_notebook` of
    the route's pages as this build executed them, their MyST made plain as the lessons'
    is."""
    import tempfile

    from course_pack import exercise_numbers, links
    from lesson_notebooks import executed_page, install_cell, written_in
    from lesson_times import route
    from notebook_markdown import parser
    from sphinx.errors import ExtensionError

    config = app.config
    cache = Path(config.nb_execution_cache_path)
    md = parser(config.myst_enable_extensions)
    numbers = exercise_numbers(app)
    pages, plain = [], {}
    for page, _minutes in route(app.env):
        executed = executed_page(Path(app.env.doc2path(page)), cache,
                                 config.myst_enable_extensions)
        pages.append((page, executed))
        plain[page] = (executed, links(app, page, numbers))
    try:
        master = master_notebook(pages, install_cell(config.version, config.html_baseurl or None),
                                 lambda text, page: written_in(text, *plain[page], md),
                                 {page: app.env.titles[page].astext() for page, _ in pages})
        with tempfile.TemporaryDirectory() as work:
            made = otter_assign(master, Path(work))
            for name, data in {f"{NAME}.ipynb": made["student"].read_bytes(),
                               "README.md": README.read_bytes(),
                               "instructor/autograder.zip": made["autograder"].read_bytes(),
                               f"instructor/solutions/{NAME}.ipynb":
                                   made["solutions"].read_bytes(),
                               f"instructor/master/{NAME}.ipynb":
                                   made["master"].read_bytes()}.items():
                add(f"assignment/{name}", data)
    except AssignmentError as error:
        raise ExtensionError(f"the course pack's assignment: {error}") from None


def setup(app):
    from course_pack import PACK_EVENT

    app.setup_extension("course_pack")  # which declares the event
    app.connect(PACK_EVENT, add_assignment)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
