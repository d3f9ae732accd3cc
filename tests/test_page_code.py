"""Which of a page's code its notebook runs (docs/_ext/page_code.py): the code the reader sees,
what the page shows computed anew, of the build's cells only what the text quotes, never a
check, and the build's values where only the build can compute them."""


import pytest


@pytest.fixture(scope="module")
def page_code(docs_extension):
    return docs_extension("page_code")


SETUP = ("from pathlib import Path\nfrom myst_nb import glue\n"
         "glue('reading_time', len(Path('page.md').read_text()), display=False)\n",
         ["remove-cell"])
SHOWN = ("result = train()\nshare = result.weights / 4\n", [])
CHECKS = ("# What the page claims, checked.\nassert share < 1\nproof = heavy(result)\n"
          "assert proof\n", ["remove-cell"])
GLUES = ("# The share, for the text.\npercent = share * 100\nunused = 7\n"
         "glue('share', percent, display=False)\n", ["remove-cell"])
SHOWS = ("from IPython.display import Markdown\nMarkdown(f'{share:.0%}')\n", ["remove-input"])


def test_the_build_checks_stay_out_and_what_the_text_quotes_runs(page_code):
    plan = page_code.plan([SETUP, SHOWN, CHECKS, GLUES, SHOWS], {"share", "reading_time"})
    kinds = [cell.kind for cell in plan.cells]
    assert kinds == ["none", "shown", "none", "hidden", "hidden"]
    assert plan.cells[1].source == SHOWN[0]
    # The glue and what it needs, with its comment; not the value nothing reads.
    assert plan.cells[3].source == ("# The share, for the text.\npercent = share * 100\n"
                                    "glue('share', percent, display=False)")
    assert "Markdown(f'{share:.0%}')" in plan.cells[4].source
    assert plan.computed == {"share"}
    assert not plan.is_computed("reading_time")  # read from the page's source: the build's


def test_a_loop_that_glues_by_pattern_is_kept_with_what_it_needs(page_code):
    cells = [("runs = {}\nfor step in 'ab':\n    runs[step] = fit(step)\n", ["remove-cell"]),
             ("for step in 'ab':\n    assert runs[step]\n    glue(f'acc_{step}', runs[step])\n",
              ["remove-cell"])]
    plan = page_code.plan(cells, {"acc_b"})
    assert plan.cells[0].kind == "hidden" and "runs[step] = fit(step)" in plan.cells[0].source
    assert plan.cells[1].source == "for step in 'ab':\n    glue(f'acc_{step}', runs[step])"
    assert plan.computed == {"acc_b"}


def test_what_is_computed_from_the_site_sources_is_the_builds_all_the_way_down(page_code):
    cells = [("from wording import count\nminutes = {p: len(Path(f'{p}.md').read_text()) "
              "for p in 'ab'}\nMarkdown(str(minutes))\n", ["remove-input"]),
             ("total = sum(minutes.values())\nglue('total', total)\n", ["remove-cell"]),
             ("Markdown(count(3))\n", ["remove-input"])]
    plan = page_code.plan(cells, {"total"})
    assert plan.cells[0].kind == "fixed"  # its output is the build's ...
    assert plan.cells[0].source == "from wording import count"  # ... its import still runs
    assert plan.cells[1].kind == "none" and plan.computed == set()
    assert plan.cells[2].kind == "hidden"


def test_what_the_build_measured_in_its_own_environment_is_the_builds(page_code):
    # A folder only the build names (os.environ[...]): the table and the values the text
    # quotes from it are the build's, while what a later cell needs of the rest still runs.
    cells = [("import os\nfolder = os.environ['BUILD_ONLY']\nmodel = train()\n"
              "measured = measure(model, folder)\n", ["remove-cell"]),
             ("Markdown(table(measured))\n", ["remove-input"]),
             ("glue('loss', measured['loss'])\n", ["remove-cell"]),
             ("print(model.name)\n", [])]
    plan = page_code.plan(cells, {"loss"})
    assert [cell.kind for cell in plan.cells] == ["hidden", "fixed", "none", "shown"]
    assert plan.cells[0].source == "model = train()"
    assert plan.computed == set()
    # os.environ.get has an answer outside the build too: it runs.
    plan = page_code.plan([("import os\nseed = os.environ.get('SEED', '0')\n", [])], set())
    assert plan.cells[0].kind == "shown"


def test_code_the_reader_sees_cannot_lean_on_the_builds_sources(page_code):
    cells = [("words = Path('page.md').read_text()\n", ["remove-cell"]),
             ("print(len(words))\n", [])]
    with pytest.raises(page_code.PageCodeError, match="words"):
        page_code.plan(cells, set())


def test_a_hidden_cells_last_value_is_not_displayed(page_code):
    cells = [("ax.set_title('x')\n", []),
             ("ax.set_title('y')\n", ["remove-cell"]), ("figure = ax.figure\n", [])]
    plan = page_code.plan(cells, set())
    assert plan.cells[1].source == "ax.set_title('y');"


def test_a_phone_copy_of_a_figure_is_left_out(page_code):
    plan = page_code.plan([("plot(x)\n", ["remove-input", "narrow-only"])], set())
    assert plan.cells[0].kind == "none"


def test_a_block_of_checks_alone_keeps_a_pass(page_code):
    cells = [("for run in runs:\n    assert run\nelse:\n    glue('n', len(runs))\n",
              ["remove-cell"])]
    plan = page_code.plan(cells, {"n"})
    assert plan.cells[0].source == ("for run in runs:\n    pass\nelse:\n"
                                    "    glue('n', len(runs))")
