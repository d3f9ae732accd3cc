"""Tables for the lesson's pages: numbers computed at build time, shown as Markdown.

A page that computes a comparison shows it with :func:`markdown_table`; myst-nb
renders the result like any table written by hand, so the numbers in the prose
and in the table come from the same run.
"""

from __future__ import annotations


class MarkdownTable:
    """A table that Jupyter and myst-nb display as Markdown, and ``str`` gives as text.

    Attributes
    ----------
    text : str
        The table in GitHub-flavoured Markdown.
    """

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:  # the IPython display protocol's public hook
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def markdown_table(header, rows) -> MarkdownTable:
    """Lay out ``rows`` under ``header`` as a Markdown table.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : iterable of sequence
        One sequence per row, as long as ``header``; cells are shown with ``str``.

    Returns
    -------
    MarkdownTable
        Displayed as a rendered table in a notebook or on a page.

    Raises
    ------
    ValueError
        When a row does not have one cell per column.

    Examples
    --------
    >>> print(markdown_table(["layer", "parameters"], [["conv2d", 896], ["dense", "4,194,816"]]))
    | layer | parameters |
    |---|---|
    | conv2d | 896 |
    | dense | 4,194,816 |
    """
    header = [str(title) for title in header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number, row in enumerate(rows):
        cells = [str(cell) for cell in row]
        if len(cells) != len(header):
            raise ValueError(f"row {number} has {len(cells)} cells, the header {len(header)}: "
                             f"{cells!r}")
        lines.append("| " + " | ".join(cells) + " |")
    return MarkdownTable("\n".join(lines))
