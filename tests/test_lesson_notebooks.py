"""A lesson page as a student's notebook (docs/_ext/lesson_notebooks.py): no number of the
build's where the run computes its own, no check of the build's, solutions folded."""

from pathlib import Path

import nbformat
import pytest

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"


@pytest.fixture(scope="module")
def ext(docs_extension):
    return docs_extension("lesson_notebooks"), docs_extension("notebook_markdown")


def glue_output(name, text):
    return nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}})


def executed_page():
    """A page as myst-nb executed it: a quick build's numbers in its outputs."""
    build = nbformat.v4.new_code_cell(
        "from pathlib import Path\nfrom myst_nb import glue\n"
        "glue('minutes', str(len(Path('page.md').read_text())), display=False)",
        metadata={"tags": ["remove-cell"]},
        outputs=[glue_output("minutes", "'12 minutes'")])
    shown = nbformat.v4.new_code_cell("accuracy = train().accuracy\nprint(accuracy)")
    check = nbformat.v4.new_code_cell(
        "assert accuracy > 0.3\nglue('accuracy', accuracy, display=False)",
        metadata={"tags": ["remove-cell"]}, outputs=[glue_output("accuracy", "0.393")])
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A page\n\n**Time:** {glue:text}`minutes` to read."),
        build, shown, check,
        nbformat.v4.new_markdown_cell(
            "It classifies {glue:text}`accuracy:.1%` correctly; see [](other.md).\n\n"
            "```{exercise} Why?\n:label: ex-why\n\nSay why.\n```\n\n"
            "```{solution-start} ex-why\n```\n\nBecause.\n\n```{solution-end}\n```\n")])


def test_the_notebook_computes_what_the_run_can_and_writes_in_what_it_cannot(ext):
    lessons, markdown = ext
    links = markdown.Links(page="page", notebooks=("page", "other"),
                           titles={"other": "The other page"}, labels={},
                           exercises={"ex-why": "4"})
    notebook = lessons.lesson_notebook(executed_page(), links, "import cnnlesson")
    sources = [cell.source for cell in notebook.cells]
    text = "\n".join(sources)
    assert "0.393" not in text and "39.3%" not in text  # the build's number is not in it
    assert "**Time:** 12 minutes to read." in text  # read from the site's source: built
    shown = next(c for c in notebook.cells if c.source.startswith("page_text("))
    assert shown.metadata["jupyter"]["source_hidden"]
    assert "('accuracy', '.1%')" in shown.source and "[The other page](other.ipynb)" in (
        shown.source)
    assert "glue('accuracy', accuracy, display=False)" in text
    assert "assert" not in text and "myst_nb" not in text and "page.md" not in text
    assert "**Exercise 4 (Why?)**" in text
    assert "<details><summary>Show the solution</summary>\n\nBecause.\n\n</details>" in text
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    assert sources[1] == "import cnnlesson"


def test_the_values_cell_fills_a_paragraph_as_its_numbers_arrive():
    """docs/_templates/page-values-cell.txt, run with a stand-in for IPython's display."""
    shown = []

    class Handle:
        def update(self, markdown):
            shown[-1] = markdown

    class Markdown(str):
        pass

    def display(markdown, display_id=False):
        shown.append(markdown)
        return Handle()

    code = (EXT.parent / "_templates" / "page-values-cell.txt").read_text("utf-8")
    namespace = {"Markdown": Markdown, "display": display}
    exec(code.replace("from IPython.display import Markdown, display", ""), namespace)
    namespace["page_text"]("It holds ", ("share", ".1%"), ".")
    assert shown == ["It holds …."]
    namespace["glue"]("share", 0.9964)
    assert shown == ["It holds 99.6%."]
