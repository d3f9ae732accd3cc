"""Numbers in words: tables, counts and comparisons that always agree with what they show.

A page that computes a comparison shows it with :func:`markdown_table`; myst-nb renders the
result like any table written by hand, so the numbers in the prose and in the table come
from the same run.  Sentences built from numbers use the helpers below, so that a
comparative word is decided by the numbers as they are shown (:func:`comparison_word`),
a count reads right for one and for many (:func:`count`), one size stands against
another in one wording (:func:`times_fewer`), a change of accuracy is
described with the word of the lesson's one rule for verdicts
(:func:`describe_change`, :func:`cnnlesson.uncertainty.verdict`).
"""

from __future__ import annotations

import operator
import re

from cnnlesson._checks import is_finite_number
from cnnlesson.uncertainty import BEYOND_NOISE, INCONCLUSIVE


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

    Notes
    -----
    A ``|`` inside a title or a cell is escaped, and a line break becomes a space, so
    that no text can split a cell or end a row.

    Examples
    --------
    >>> print(markdown_table(["layer", "parameters"], [["conv2d", 896], ["dense", "4,194,816"]]))
    | layer | parameters |
    |---|---|
    | conv2d | 896 |
    | dense | 4,194,816 |
    >>> print(markdown_table(["expression"], [["|x| + |y|"]]))
    | expression |
    |---|
    | \\|x\\| + \\|y\\| |
    """
    header = [_cell(title) for title in header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number, row in enumerate(rows):
        cells = [_cell(cell) for cell in row]
        if len(cells) != len(header):
            raise ValueError(f"row {number} has {len(cells)} cells, the header {len(header)}: "
                             f"{cells!r}")
        lines.append("| " + " | ".join(cells) + " |")
    return MarkdownTable("\n".join(lines))


def _cell(value) -> str:
    return " ".join(str(value).splitlines()).replace("|", "\\|")


def _shown_number(text: str) -> float:
    number = re.search(r"[-+−]?\d[\d,]*(?:\.\d+)?", text)
    if number is None:
        raise ValueError(f"no number in {text!r}")
    return float(number.group().replace(",", "").replace("−", "-"))


def comparison_word(value, other, spec=".1f", *, more="higher", less="lower",
                    same="about the same"):
    """The word that compares ``value`` with ``other`` as both are shown with ``spec``.

    Numbers that look the same at the shown precision are called ``same``, whatever
    digits the display hides, so the word never contradicts the numbers beside it.

    Parameters
    ----------
    value, other : float
    spec : str
        The format both are shown with, e.g. ``".2f"`` or ``".1%"``.
    more, less, same : str
        The words for ``value`` above, below and equal to ``other`` as shown.

    Examples
    --------
    >>> comparison_word(0.2612, 0.2631, ".2f")
    'about the same'
    >>> comparison_word(0.2612, 0.2631, ".3f")
    'lower'
    >>> comparison_word(0.71, 0.66, ".1%", more="better")
    'better'
    """
    a, b = _shown_number(format(value, spec)), _shown_number(format(other, spec))
    if a == b:
        return same
    return more if a > b else less


def count(number, noun, plural=None):
    """``number`` and ``noun``, in the plural unless there is exactly one.

    Raises
    ------
    ValueError
        When ``number`` is not a whole number of at least 0: nothing is counted
        −1 times or 2.5 times.

    Examples
    --------
    >>> count(1, "epoch"), count(25, "epoch"), count(50_000, "image")
    ('1 epoch', '25 epochs', '50,000 images')
    >>> count(2, "child", "children")
    '2 children'
    >>> count(-1, "epoch")
    Traceback (most recent call last):
    ...
    ValueError: count needs a whole number of at least 0 epochs, got -1
    """
    try:
        whole = operator.index(number)
    except TypeError:
        whole = None
    if whole is None or isinstance(number, bool) or whole < 0:
        raise ValueError(f"count needs a whole number of at least 0 {plural or noun + 's'}, "
                         f"got {number!r}")
    word = noun if whole == 1 else (plural or f"{noun}s")
    return f"{whole:,} {word}"


def points(fraction, sign=True):
    """An accuracy difference in percentage points, with a true minus sign.

    Raises
    ------
    ValueError
        When ``fraction`` is not a finite number (NaN has no sign and no size).

    Examples
    --------
    >>> points(0.0123), points(-0.118), points(-0.118, sign=False)
    ('+1.2 points', '−11.8 points', '11.8 points')
    >>> points(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: points needs a finite difference of accuracy, got nan
    """
    if not is_finite_number(fraction):
        raise ValueError(f"points needs a finite difference of accuracy, got {fraction!r}")
    value = 100 * fraction
    text = f"{value:+.1f}" if sign else f"{abs(value):.1f}"
    return f"{text.replace('-', '−')} points"


def times_fewer(number, reference):
    """How many times fewer ``number`` is than ``reference``.

    One decimal below a hundred times, whole numbers from there ("402 times
    fewer", not "402.0"): three figures are as many as a reader can use.

    The one wording of a network's size against another's, so that every page that
    states it states the same computed value.

    Parameters
    ----------
    number, reference : int
        Positive counts, ``number`` the smaller (a design's parameters and the
        tutorial's, say).

    Raises
    ------
    ValueError
        When either is not positive, or ``number`` is not the smaller.

    Examples
    --------
    >>> times_fewer(289_642, 4_210_090)
    '14.5 times fewer'
    >>> times_fewer(10_474, 4_210_090)
    '402 times fewer'
    """
    if not (0 < number < reference):
        raise ValueError(f"times_fewer needs 0 < number < reference, got {number!r} and "
                         f"{reference!r}")
    ratio = reference / number
    return f"{ratio:.1f} times fewer" if ratio < 99.95 else f"{ratio:,.0f} times fewer"


def describe_change(change):
    """A clause on what a change of accuracy shows, for "Adding X ...".

    Parameters
    ----------
    change : cnnlesson.uncertainty.AccuracyChange

    Returns
    -------
    str
        The size of the change against its standard error, ending in the word that
        :func:`cnnlesson.uncertainty.verdict` gives it: *beyond the noise*,
        *inconclusive* or *too short to decide*.

    Examples
    --------
    >>> from cnnlesson.uncertainty import accuracy_change
    >>> print(describe_change(accuracy_change(0.60, 0.65, 10_000)))
    raises the test accuracy by 5.0 points, 7.3 times the standard error of the
    difference (0.7 points): beyond the noise
    >>> print(describe_change(accuracy_change(0.60, 0.605, 10_000)))
    changes the test accuracy by +0.5 points, within twice the standard error of the
    difference (0.7 points): inconclusive
    >>> print(describe_change(accuracy_change(0.30, 0.18, 1_000, decisive=False)))
    lowers the test accuracy by 12.0 points, 6.3 times the standard error of the
    difference (1.9 points), but this schedule is too short to decide what the change
    does in full training
    """
    noise = f"the standard error of the difference ({points(change.standard_error, sign=False)})"
    if change.beyond_noise:
        verb = "raises" if change.difference > 0 else "lowers"
        text = (f"{verb} the test accuracy by {points(change.difference, sign=False)}, "
                f"{change.standard_errors:.1f} times {noise}")
    else:
        text = (f"changes the test accuracy by {points(change.difference)}, within twice "
                f"{noise}")
    word = change.verdict
    if word in (BEYOND_NOISE, INCONCLUSIVE):
        return f"{text}: {word}"
    if change.beyond_noise:
        return text + (", but this schedule is too short to decide what the change does in "
                       "full training")
    return text + ", and this schedule is too short to decide in any case"

