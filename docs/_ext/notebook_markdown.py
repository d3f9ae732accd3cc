"""A lesson page's MyST as the plain Markdown of a notebook, read with myst-parser's parser.

The page's Markdown is parsed into markdown-it tokens by myst-parser (the parser Sphinx
reads it with, with the site's extensions), and each construct Jupyter cannot show is
rewritten from what the parser found: a role by its name and content, a directive by its
name, argument, options and body, a link by its target.  Everything else is kept exactly
as written.  :func:`to_markdown` returns the page's blocks in order; a value the page
glues into its text comes back as a :class:`Glued` placeholder, for the notebook to fill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from build_layout import GALLERY as GALLERY_FOLDER
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

#: Headings whose section a notebook replaces (the page's own words are about the site).
REPLACED_SECTIONS = {
    "Run it yourself": "The pack's `README.md` says how to install and run these notebooks "
                       "and the examples.",
}
ADMONITIONS = ("admonition", "note", "tip", "important", "warning", "attention", "seealso")
#: Left out of a notebook: the site's navigation, HTML for the site's pages, and the notes
#: for instructors (the instructor's guide collects them).
LEFT_OUT = ("toctree", "raw", "instructor-note")
#: sphinx-gallery's pages of the examples, whose notebooks the pack holds in examples/.
GALLERY = GALLERY_FOLDER.name
CODE_ROLES = ("py:func", "py:class", "py:mod", "py:meth", "py:obj", "py:data", "py:attr")


class NotebookMarkdownError(ValueError):
    """Page text the notebooks cannot carry (the message says what and where)."""


@dataclass(frozen=True)
class Glued:
    """A value the page glues into its text: ``{glue:text}`name:spec```."""

    name: str
    spec: str = ""


@dataclass
class Links:
    """How the notebook of one page names the site's pages, labels and exercises."""

    page: str  # the page being converted
    notebooks: tuple  # the pages that have a notebook beside this one
    titles: dict  # page -> title
    labels: dict  # label -> (page, section title)
    exercises: dict = field(default_factory=dict)  # exercise label -> its number on the site
    site: str | None = None  # the site's address, where the build knows it
    substitutions: dict = field(default_factory=dict)

    def to_page(self, page: str, text: str, section: str | None = None, shown: str = "") -> str:
        """A link to ``page`` (and its ``section``) with ``text``: to its notebook, to the
        site, or the words alone (``shown``: the words the reader sees, where ``text`` is a
        placeholder for them)."""
        text = text or self.titles.get(page, page)
        if page in self.notebooks:
            anchor = f"#{heading_anchor(section)}" if section else ""
            target = "" if page == self.page and anchor else f"{page}.ipynb"
            return f"[{text}]({target}{anchor})"
        if page.startswith(f"{GALLERY}/plot_"):  # an example: its notebook in the pack
            return f"[{text}](../examples/{page.removeprefix(GALLERY + '/')}.ipynb)"
        if self.site:
            return f"[{text}]({self.site}{page}.html)"
        if page.startswith(GALLERY):
            return f"{text} (the notebooks in `examples/`)"
        title = self.titles.get(page, page)
        same = (shown or text).casefold() == title.casefold()
        return f"{text} (a page of the site)" if same else (
            f"{text} (on the site's page {title})")

    def to_label(self, label: str, text: str = "") -> str:
        if label in self.exercises:
            return text or f"Exercise {self.exercises[label]}"
        if label not in self.labels:
            raise NotebookMarkdownError(f"{self.page}: no page has the label {label!r}")
        page, section = self.labels[label]
        if section == label:  # a target above a paragraph, not a heading: no anchor in
            # a notebook; on the same page the words alone, else the page
            return (text or label) if page == self.page else self.to_page(page, text)
        return self.to_page(page, text or section, section)


def heading_anchor(title: str) -> str:
    """The anchor Jupyter gives a heading: its text, spaces as hyphens.

    Examples
    --------
    >>> heading_anchor("Training it")
    'Training-it'
    """
    return "-".join(title.split())


def parser(extensions=("colon_fence", "dollarmath", "amsmath", "substitution", "attrs_inline")):
    """myst-parser's Markdown parser with the site's extensions (conf.py's list)."""
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def _role(name: str, content: str, links: Links):
    if name in ("glue", "glue:text"):
        key, _, spec = content.partition(":")
        return Glued(key.strip(), spec.strip())
    if name in ("cite:p", "cite:t", "cite"):
        return "[" + ", ".join(key.strip() for key in content.split(",")) + "]"
    if name in CODE_ROLES:
        return f"`{content.lstrip('~')}`"
    if name in ("course-pack", "wheel", "citation-file"):
        return f"{content} (this folder)" if name == "course-pack" else content
    if name == "math":
        return f"${content}$"
    if name == "lesson-time":  # the minutes the page's front matter declares
        from build_layout import DOCS
        from lesson_times import declared_minutes, minutes_text

        return minutes_text(declared_minutes(DOCS / f"{links.page}.md")[content.strip()])
    if name == "pdf-edition":
        return f"{content} (the PDF in this folder, where the build could print it)"
    text, target = content, content
    if content.endswith(">") and "<" in content:
        text, _, target = content[:-1].rpartition("<")
        text = text.strip()
    else:
        text = ""
    if name == "ref":
        return links.to_label(target.strip(), text)
    if name == "doc":
        return links.to_page(target.strip().lstrip("/"), text)
    raise NotebookMarkdownError(f"{links.page}: the role {{{name}}} has no notebook form")


def directive(token):
    """(name, argument, options, body) of a directive's fence."""
    name, _, argument = token.info.strip()[1:].partition("}")
    lines = token.content.splitlines()
    options = {}
    if lines and lines[0].strip() == "---":  # options as a YAML block
        end = lines.index("---", 1)
        for line in lines[1:end]:
            key, _, value = line.partition(":")
            options[key.strip()] = value.strip()
        lines = lines[end + 1:]
    while lines and lines[0].startswith(":") and lines[0].count(":") >= 2:
        key, _, value = lines.pop(0)[1:].partition(":")
        options[key.strip()] = value.strip()
    return name, argument.strip(), options, "\n".join(lines).strip("\n")


def _find_closing(text: str, opening: int, marker: str) -> int:
    end = text.find(marker, opening + len(marker))
    if end < 0:
        raise NotebookMarkdownError(f"unclosed {marker!r} in {text[opening:opening + 60]!r}")
    return end + len(marker)


def _link_start(text: str, middle: int) -> int:
    """Where the ``[`` opens the link text that ends at ``middle`` (its ``](``)."""
    depth = 0
    for position in range(middle - 1, -1, -1):
        if text[position] == "]":
            depth += 1
        elif text[position] == "[":
            if depth == 0:
                return position
            depth -= 1
    raise NotebookMarkdownError(f"no link text before {text[middle:middle + 40]!r}")


def _inline_edits(token, text: str, start: int, end: int, links: Links) -> list:
    """(from, to, replacement) edits of the source for the constructs of one inline token,
    found in source order from what the parser made of them."""
    edits, cursor, opened = [], start, []
    for child in token.children or []:
        if child.type in ("code_inline", "math_inline", "math_inline_double"):
            found = text.find(child.markup, cursor, end)
            cursor = _find_closing(text, found, child.markup) if found >= 0 else cursor
        elif child.type == "myst_role":
            name = child.meta["name"]
            found = text.find(f"{{{name}}}`", cursor, end)
            if found < 0:
                raise NotebookMarkdownError(f"{links.page}: the role {{{name}}} is not where "
                                            f"the parser found it, in {text[start:end]!r}")
            ticks = len(text[found + len(name) + 2:]) - len(
                text[found + len(name) + 2:].lstrip("`"))
            closing = _find_closing(text, found + len(name) + 2, "`" * ticks)
            edits.append((found, closing, _role(name, child.content, links)))
            cursor = closing
        elif child.type == "substitution_inline":
            found = text.find("{{", cursor, end)
            closing = _find_closing(text, found, "}}")
            name = child.content.strip()
            if name not in links.substitutions:
                raise NotebookMarkdownError(f"{links.page}: no substitution {name!r}")
            edits.append((found, closing, str(links.substitutions[name])))
            cursor = closing
        elif child.type == "link_open":
            opened.append((child.attrGet("href") or "", len(edits), cursor))
        elif child.type == "link_close":
            href, first_edit, link_cursor = opened.pop()
            middle = text.find("](", cursor, end)
            closing = _find_closing(text, middle + 1, ")")
            opening = _link_start(text, middle)
            empty = not text[opening + 1:middle].strip()
            edits[first_edit:] = _link_edits(href, (opening, middle, closing), empty, text,
                                             edits[first_edit:], links)
            cursor = closing
    return edits


def _link_edits(href: str, span, empty: bool, text: str, inner: list, links: Links) -> list:
    opening, middle, closing = span
    page, _, anchor = href.partition("#")
    if href.startswith(("http://", "https://", "mailto:")):
        return inner
    if not page:  # a label of this page: (label)= above a heading
        replacement = links.to_label(anchor, "" if empty else "\x00")
    elif page.endswith((".md", ".rst")):
        page = page.rsplit(".", 1)[0]
        section = links.labels.get(anchor, (page, None))[1] if anchor else None
        replacement = links.to_page(page, "" if empty else "\x00", section,
                                    shown=text[opening + 1:middle].strip())
    else:
        raise NotebookMarkdownError(f"{links.page}: a link to {href!r} has no notebook form")
    if "\x00" not in replacement:  # a new text: the link's own goes
        return [(opening, closing, replacement)]
    before, after = replacement.split("\x00")
    return [(opening, opening + 1, before), *inner, (middle, closing, after)]


def _apply(text: str, edits: list) -> list:
    """``text`` with the edits made, as a list of strings and :class:`Glued` values."""
    pieces, position = [], 0
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0]):
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    merged = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def to_markdown(text: str, links: Links, md=None) -> list:
    """The blocks of a page's Markdown ``text`` as a notebook shows them.

    Returns a list of items, each either a block (a list of strings and :class:`Glued`
    values, to be joined into one Markdown text) or the name of a sphinx-exercise marker,
    ``"solution-start"`` or ``"solution-end"``, between the blocks it opens and closes.
    """
    md = md or parser()
    tokens = md.parse(text)
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))

    def span(token):
        return offsets[token.map[0]], offsets[min(token.map[1], len(offsets) - 1)]

    items, skip_below = [], None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        closing = index
        if token.nesting == 1:  # the block runs to its closing token
            depth = 0
            for closing in range(index, len(tokens)):
                depth += tokens[closing].nesting
                if depth == 0:
                    break
        block = tokens[index:closing + 1]
        index = closing + 1
        if token.type == "heading_open":
            level, title = len(token.markup), block[1].content
            if skip_below is not None and level <= skip_below:
                skip_below = None
            if title in REPLACED_SECTIONS:
                items.append([text[slice(*span(token))].rstrip() + "\n\n"
                              + REPLACED_SECTIONS[title]])
                skip_below = level
                continue
        if skip_below is not None or token.type in ("myst_target", "myst_line_comment"):
            continue
        if token.type in ("fence", "colon_fence") and token.info.startswith("{"):
            items += _directive_items(token, links, md)
            continue
        start, end = span(token)
        edits = [edit for inline in block if inline.type == "inline"
                 for edit in _inline_edits(inline, text, *span(inline), links)]
        items.append(_apply(text[start:end].strip("\n"),
                            [(s - start, e - start, r) for s, e, r in edits]))
    return items


def _directive_items(token, links: Links, md) -> list:
    name, argument, options, body = directive(token)
    if name in ("solution-start", "solution-end"):
        return [name]
    if name in LEFT_OUT:
        return []
    if name == "exercise":
        number = links.exercises.get(options.get("label"), "")
        heading = f"Exercise {number} ({argument})" if argument else f"Exercise {number}"
    elif name in ADMONITIONS:
        heading = argument or name.capitalize()
    else:
        raise NotebookMarkdownError(f"{links.page}: the directive {{{name}}} has no notebook "
                                    "form; add it to docs/_ext/notebook_markdown.py")
    inner = to_markdown(body, links, md)
    if any(isinstance(item, str) for item in inner):
        raise NotebookMarkdownError(f"{links.page}: a solution inside {{{name}}}")
    merged = [f"**{' '.join(heading.split())}**\n\n"]
    for number, block in enumerate(inner):
        merged += (["\n\n"] if number else []) + block
    return [_apply("", [(0, 0, piece) for piece in merged])]
