"""The lesson pages as notebooks a student runs: the lesson, without the build.

:func:`lesson_notebook` turns the page myst-nb executed (``jupyter_execute/<page>.ipynb``,
its glued values in ``<page>.glue.json``) into a notebook without Sphinx or myst-nb: the
build's own cells (``remove-cell``) left out, a cell whose code the page hides
(``remove-input``) replaced by the text or figure it shows, the glued values written into
the text by myst-nb's own formatting, roles and directives as plain Markdown, solutions
hidden until opened (``<details>``, ``metadata.jupyter.source_hidden``), no outputs.
:func:`install_cell` is the first code cell of every notebook the site offers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lesson_times import plain_lesson_times  # docs/_ext, beside this module

#: The lesson pages that become notebooks, in reading order. The explorer page is not
#: among them: it is a program for the browser, which a notebook cannot run.
LESSON_PAGES = ("index", "network", "feature_maps", "convolution_effects",
                "convolution_channels", "design", "errata")


def install_cell(version: str, base_url: str | None) -> str:
    """The first code cell of every notebook: install cnnlesson where it is missing, and
    use the site's trained models where they can be had."""
    wheel = f"cnnlesson-{version}-py3-none-any.whl"
    url = f"{base_url.rstrip('/')}/downloads/{wheel}" if base_url else None
    return (Path(__file__).parent.parent / "_templates" / "install-cell.txt").read_text(
        "utf-8").replace("{wheel}", wheel).replace("{url}", repr(url))


def _page_link(text, page, anchor, site):
    if page in LESSON_PAGES:
        return f"[{text or page}]({page}.ipynb)"
    if site:
        return f"[{text or page.replace('_', ' ')}]({site}{page}.html{anchor or ''})"
    return f"{text or page.replace('_', ' ')} (a page of the site)"


# Roles and directives of the site, as plain Markdown (glued values are written in first).
_FIXES = [(re.compile(pattern, re.M | re.S), fix) for pattern, fix in (
    (r"^\([\w-]+\)=[ \t]*\n", ""),  # MyST targets above a heading
    (r"\{cite:[pt]\}`([^`]+)`", lambda m: "[" + m[1].replace(",", ", ") + "]"),
    (r"\{numref\}`[^`]+`", "the figure"),
    (r"^```\{(?:raw\} html|toctree\}).*?^```[ \t]*$", ""),
    # Notes for instructors: shown in the instructor's guide, not to students.
    (r"^(`{3,}|:{3,})\{instructor-note\}.*?^\1[ \t]*$\n?", ""),
    # Admonitions and exercises: a bold heading over their text.
    (r"^(`{3,}|:{3,})\{(admonition|note|tip|exercise)\}[ \t]*([^\n]*)\n(?::[\w-]+:[^\n]*\n)*"
     r"(.*?)^\1[ \t]*$",
     lambda m: f"**{'Exercise: ' if m[2] == 'exercise' else ''}"
               f"{m[3] or m[2].capitalize()}**\n\n{m[4].strip()}\n"),
    (r"^## Run it yourself\n.*?(?=^## )", "## Run it yourself\n\nThe pack's README.md says how "
     "to install and run these notebooks and the examples.\n\n"),
    (r"\[([^\]]*)\]\(auto_examples/[\w-]+\.rst\)", r"\1 (the notebooks in `examples/`)"),
    (r"\{(?:ref|doc|download)\}`([^`<]+?)\s*<[^`]+>`", r"\1"),
    (r"\{doc\}`auto_examples/([\w-]+)`", r"`examples/\1.ipynb`"),
    (r"\{(?:ref|doc)\}`([^`]+)`", lambda m: m[1].replace("-", " ").replace("_", " ")),
    (r"\{course-pack\}`([^`]+)`", r"\1 (this folder)"),
    (r"\{py:\w+\}`~?([^`]+)`", r"`\1`"),
)]
_PAGE_LINK = re.compile(r"\[([^\]]*)\]\(([\w-]+)\.md(#[\w-]+)?\)")
_SUBSTITUTION = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_GLUE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
_SOLUTION = re.compile(r"^`{3,}\{solution-(start|end)\}.*?^`{3,}[ \t]*$\n?", re.M | re.S)


def plain_markdown(text: str, glued: dict, site: str | None, substitutions: dict) -> str:
    """A page's Markdown with the glued values and the site's substitutions written in,
    and no role or directive left."""
    from myst_nb.core.variables import format_plain_text

    def value(match):
        return format_plain_text(glued[match[1]]["data"]["text/plain"], match[2] or "")

    text = _SUBSTITUTION.sub(lambda m: str(substitutions.get(m[1], m[0])), _GLUE.sub(value, text))
    for pattern, fix in _FIXES:
        text = pattern.sub(fix, text)
    text = _PAGE_LINK.sub(lambda m: _page_link(*m.groups(), site), text)
    return text.strip()


def _shown(cell) -> list:
    """What the page shows of a cell whose code it hides: Markdown cells of its outputs."""
    import nbformat

    shown = []
    for number, output in enumerate(cell.get("outputs", [])):
        data = output.get("data", {})
        if "text/markdown" in data:
            shown.append(nbformat.v4.new_markdown_cell(data["text/markdown"]))
        elif "image/png" in data:
            name = f"figure-{number}.png"
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "A figure")
            figure = nbformat.v4.new_markdown_cell(f"![{' '.join(alt.split())}](attachment:{name})")
            figure.attachments = {name: {"image/png": data["image/png"]}}
            shown.append(figure)
        elif output.get("output_type") == "stream" and output.get("name") == "stdout":
            shown.append(nbformat.v4.new_markdown_cell(f"```\n{output['text'].rstrip()}\n```"))
    return shown


def lesson_notebook(executed: Path, first_cell: str, site: str | None = None,
                    substitutions: dict | None = None):
    """The page myst-nb executed (``jupyter_execute/<page>.ipynb``) as a student's notebook."""
    import nbformat

    page = nbformat.read(executed, as_version=4)
    glue_file = executed.with_suffix(".glue.json")
    glued = json.loads(glue_file.read_text("utf-8")) if glue_file.is_file() else {}
    cells = [nbformat.v4.new_markdown_cell(
        f"*A page of the cnnlesson site as a notebook ({executed.stem}). Run the cells from "
        "the top: the first one installs cnnlesson where it is missing and lets you choose "
        "the profile. The numbers in the text are those of the site's build; your run "
        "prints its own.*"), nbformat.v4.new_code_cell(first_cell)]
    in_solution = False
    for cell in page.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            # Solutions start and end with directives inside Markdown cells.
            pieces = _SOLUTION.split(plain_lesson_times(cell.source, executed.stem))
            for index, piece in enumerate(pieces):
                if index % 2:  # the directive's word: start or end
                    in_solution = piece == "start"
                    if in_solution:
                        cells.append(nbformat.v4.new_markdown_cell("**Solution** (open it "
                                                                   "when you have tried)"))
                    continue
                text = plain_markdown(piece, glued, site, substitutions or {})
                if text and in_solution:
                    text = (f"<details><summary>Show the solution</summary>\n\n{text}\n\n"
                            "</details>")
                if text:
                    cells.append(nbformat.v4.new_markdown_cell(text))
        elif "remove-cell" in tags or "narrow-only" in tags:
            continue  # the build's own checks, or a phone-width copy of a figure
        elif "remove-input" in tags:
            cells.extend(_shown(cell))
        else:
            code = nbformat.v4.new_code_cell(cell.source)
            if in_solution:
                code.metadata["jupyter"] = {"source_hidden": True}
            cells.append(code)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}
    return notebook
