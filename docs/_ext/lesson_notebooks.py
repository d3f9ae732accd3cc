"""The lesson pages as notebooks a student runs: the lesson, without the build.

:func:`lesson_notebook` turns a page, as myst-nb read and executed it
(:func:`executed_page`), into a notebook that needs neither Sphinx nor myst-nb:

- the text as plain Markdown (``notebook_markdown.py``): links to the other pages' notebooks,
  exercises numbered as on the site, solutions folded (``<details>``);
- the code the reader sees, as it is; what the page shows without its code, computed by the
  student's run with the code hidden; of the build's own cells, only what the text quotes
  (``page_code.py``): never a check;
- every number the text quotes computed by the run (``page_text`` in a hidden cell), except
  what the build computes from the site's own sources, such as a page's reading time;
- no outputs.

:func:`install_cell` is the first code cell of every notebook the site offers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
from build_layout import DOCS
from notebook_markdown import Glued, Links, NotebookMarkdownError, parser, to_markdown
from page_code import PageCodeError, plan
from sphinx.errors import ExtensionError

#: The lesson pages that become notebooks, in reading order. The explorer page is not
#: among them: it is a program for the browser, which a notebook cannot run.
LESSON_PAGES = ("index", "network", "feature_maps", "convolution_effects",
                "convolution_channels", "design", "errata")
TEMPLATES = DOCS / "_templates"
SOLUTION = "**Solution** (open it when you have tried)"


def install_cell(version: str, base_url: str | None) -> str:
    """The first code cell of every notebook: install cnnlesson where it is missing, and
    use the site's trained models where they can be had."""
    wheel = f"cnnlesson-{version}-py3-none-any.whl"
    url = f"{base_url.rstrip('/')}/downloads/{wheel}" if base_url else None
    return (TEMPLATES / "install-cell.txt").read_text("utf-8").replace(
        "{wheel}", wheel).replace("{url}", repr(url))


def executed_page(path: Path, cache: Path, extensions) -> nbformat.NotebookNode:
    """The page at ``path`` as a notebook (myst-nb's reader), with the outputs of its code
    cells from the build's jupyter-cache at ``cache`` (``nb_execution_cache_path``)."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    page = read_myst_markdown_notebook(path.read_text("utf-8"),
                                       MdParserConfig(enable_extensions=set(extensions)))
    try:
        return get_cache(str(cache)).merge_match_into_notebook(page)[1]
    except KeyError:
        raise ExtensionError(f"{path.name} has no executed notebook in {cache}: the "
                             "course pack is made from the pages this build ran") from None


def glued_values(notebook) -> dict:
    """The plain text of each value the page glued, by name, from its outputs (myst-nb
    stores a glued value as an output marked with its name, scrapbook's format)."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                values[record["name"]] = output["data"][f"{record['mime_prefix']}text/plain"]
    return values


def build_text(plain: str, spec: str) -> str:
    """A value the build computed, as the page's text shows it (``{glue:text}`name:spec```).

    Examples
    --------
    >>> build_text("'17 minutes'", ""), build_text("0.99637", ".1%")
    ('17 minutes', '99.6%')
    """
    try:
        value = ast.literal_eval(plain)
    except (ValueError, SyntaxError):
        value = plain
    return format(value, spec)


def _built(values: dict, glued: Glued, links: Links) -> str:
    if glued.name not in values:
        raise ExtensionError(f"the notebook of {links.page}: its text quotes {glued.name!r}, "
                             "which the page's executed code did not glue")
    return values[glued.name]


def _code_cell(source: str, hidden: bool):
    cell = nbformat.v4.new_code_cell(source)
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def _page_text_cell(block: list):
    """A hidden code cell that shows ``block`` with this run's values (page_text)."""
    arguments = []
    for piece in block:
        if isinstance(piece, Glued):
            arguments.append(f"    ({piece.name!r}, {piece.spec!r}),")
        elif piece:
            lines = piece.splitlines(keepends=True)
            arguments += [f"    {line!r}" for line in lines[:-1]] + [f"    {lines[-1]!r},"]
    return _code_cell("page_text(\n" + "\n".join(arguments) + "\n)", hidden=True)


def _fixed_output(cell, links: Links, md) -> list:
    """What the page showed of a cell that only the build can run: Markdown cells."""
    shown = []
    for number, output in enumerate(cell.get("outputs", [])):
        data = output.get("data", {})
        if "text/markdown" in data:
            blocks = to_markdown(data["text/markdown"], links, md)
            text = "\n\n".join("".join(block) for block in blocks if isinstance(block, list))
            shown.append(nbformat.v4.new_markdown_cell(text))
        elif "image/png" in data:
            name = f"figure-{number}.png"
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "A figure")
            figure = nbformat.v4.new_markdown_cell(f"![{' '.join(alt.split())}](attachment:{name})")
            figure.attachments = {name: {"image/png": data["image/png"]}}
            shown.append(figure)
        elif output.get("output_type") == "stream" and output.get("name") == "stdout":
            shown.append(nbformat.v4.new_markdown_cell(f"```\n{output['text'].rstrip()}\n```"))
    return shown


def written_in(text: str, executed, links: Links, md=None) -> str:
    """A page's Markdown ``text`` as plain Markdown, with the values the page's executed
    notebook ``executed`` glued written in as the build computed them (for text that no
    run of the notebook fills in, such as an assignment's questions)."""
    built = glued_values(executed)
    try:
        blocks = [item for item in to_markdown(text, links, md) if isinstance(item, list)]
    except NotebookMarkdownError as error:
        raise ExtensionError(f"the notebook of {links.page}: {error}") from None
    return "\n\n".join("".join(build_text(_built(built, piece, links), piece.spec)
                                 if isinstance(piece, Glued) else piece for piece in block)
                         for block in blocks)


def lesson_notebook(executed, links: Links, first_cell: str, extensions=None):
    """The page myst-nb executed (:func:`executed_page`) as a student's notebook."""
    md = parser(extensions) if extensions else parser()
    try:
        texts = {number: to_markdown(cell.source, links, md)
                 for number, cell in enumerate(executed.cells) if cell.cell_type == "markdown"}
        quoted = {piece.name for items in texts.values() for item in items
                  if isinstance(item, list) for piece in item if isinstance(piece, Glued)}
        code = plan([(cell.source, cell.metadata.get("tags", [])) for cell in executed.cells
                     if cell.cell_type == "code"], quoted)
    except (NotebookMarkdownError, PageCodeError) as error:
        raise ExtensionError(f"the notebook of {links.page}: {error}") from None
    built = glued_values(executed)
    cells = [nbformat.v4.new_markdown_cell(
        f"*A page of the cnnlesson site as a notebook ({links.page}). Run the cells from the "
        "top: the first one installs cnnlesson where it is missing and lets you choose the "
        "profile. The numbers in the text appear as the cells that compute them run: they "
        "are your run's.*"), nbformat.v4.new_code_cell(first_cell)]
    if code.computed or any(cell.kind in ("hidden", "fixed") and cell.source
                            for cell in code.cells):
        cells.append(_code_cell((TEMPLATES / "page-values-cell.txt").read_text("utf-8"),
                                hidden=True))
    pending, in_solution = [], False

    def flush():
        if pending:
            text = "\n\n".join(pending)
            if in_solution:
                text = f"<details><summary>Show the solution</summary>\n\n{text}\n\n</details>"
            cells.append(nbformat.v4.new_markdown_cell(text))
            pending.clear()

    plans = iter(code.cells)
    for number, cell in enumerate(executed.cells):
        if cell.cell_type == "markdown":
            for item in texts[number]:
                if item in ("solution-start", "solution-end"):
                    flush()
                    in_solution = item == "solution-start"
                    if in_solution:
                        cells.append(nbformat.v4.new_markdown_cell(SOLUTION))
                    continue
                # A value only the build can compute is written in as the build's.
                item = [build_text(_built(built, p, links), p.spec)
                        if isinstance(p, Glued) and not code.is_computed(p.name) else p
                        for p in item]
                if any(isinstance(p, Glued) for p in item):
                    flush()
                    cells.append(_page_text_cell(item))
                else:
                    pending.append("".join(item))
            continue
        cell_plan = next(plans)
        if cell_plan.kind == "none":
            continue
        flush()
        tags = cell.metadata.get("tags", [])
        if cell_plan.source:
            cells.append(_code_cell(cell_plan.source, hidden=cell_plan.kind != "shown"
                                    or in_solution or "hide-input" in tags))
        if cell_plan.kind == "fixed":
            cells += _fixed_output(cell, links, md)
    flush()
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}
    return notebook
