"""How long a lesson page takes: the minutes it declares for teaching and exercises
(:func:`page_minutes`), and what the training behind it cost where the site was built
(:func:`training_time`)."""

from __future__ import annotations

import re

from cnnlesson.profiles import rough_duration
from cnnlesson.wording import count


def training_time(results):
    """How long the training behind a page took where the site was built, in a few words.

    Parameters
    ----------
    results : iterable of cnnlesson.TrainingResult
        The trained models a page uses; a model used twice (the same ``cache_key``) is
        counted once.  Each carries the ``train_seconds`` measured when it was trained and
        the ``machine`` it was trained on.

    Returns
    -------
    str
        The total, as roughly as a measurement on another machine deserves, and the
        number of cores it was measured on where known.

    Examples
    --------
    >>> from types import SimpleNamespace as Run
    >>> runs = [Run(cache_key="a", train_seconds=600, machine={"cores": 2}),
    ...         Run(cache_key="b", train_seconds=240, machine={"cores": 2}),
    ...         Run(cache_key="a", train_seconds=600, machine={"cores": 2})]
    >>> training_time(runs)
    'about 14 min on 2 cores'
    >>> training_time([Run(cache_key="c", train_seconds=20, machine={})])
    'under a minute'
    """
    runs = {result.cache_key: result for result in results}
    if not runs:
        raise ValueError("training_time needs the training results a page uses, got none")
    duration = rough_duration(sum(run.train_seconds for run in runs.values()))
    cores = {(run.machine or {}).get("cores") for run in runs.values()}
    if len(cores) > 1:
        return f"{duration} on several machines"
    (number,) = cores
    return duration if number is None else f"{duration} on {count(number, 'core')}"


#: The front-matter keys in which a lesson page declares its minutes, as The Carpentries'
#: lessons do: ``teaching`` for working through the page, ``exercises`` for its exercises.
TIME_KEYS = ("teaching", "exercises")


def page_minutes(page_source: str) -> dict | None:
    r"""The minutes a lesson page declares in its front matter, for teaching and exercises.

    A page's front matter is the one source of its time: the box at the top of the page,
    the home page's route and total, and the instructor's guide's schedule all read it
    here, so they cannot disagree.

    Parameters
    ----------
    page_source : str
        The page as MyST Markdown (a ``.md`` file of ``docs/``), front matter first.

    Returns
    -------
    dict or None
        ``{"teaching": int, "exercises": int}``, or None for a page that declares neither
        (a page that is not part of the lesson's route).

    Raises
    ------
    ValueError
        When a page declares one key and not the other, or a value that is not a whole
        number of minutes; the message names the line to write.

    Examples
    --------
    >>> page = "---\nfile_format: mystnb\nteaching: 20\nexercises: 15\n---\n# Title\n"
    >>> page_minutes(page)
    {'teaching': 20, 'exercises': 15}
    >>> page_minutes("# A page without front matter\n") is None
    True
    """
    front = re.match(r"---[ \t]*\n(.*?)^---[ \t]*$", page_source, flags=re.M | re.S)
    found = {}
    for key in TIME_KEYS:
        line = re.search(rf"^{key}:[ \t]*([^#\n]*)", front[1] if front else "", flags=re.M)
        if line is None:
            continue
        value = line[1].strip()
        if not value.isdigit():
            raise ValueError(f"the front matter gives {key}: {value!r}; write the minutes as "
                             f"a whole number, e.g. '{key}: 15'")
        found[key] = int(value)
    if not found:
        return None
    missing = [key for key in TIME_KEYS if key not in found]
    if missing:
        raise ValueError(f"the front matter gives {', '.join(found)} but not "
                         f"{', '.join(missing)}; add e.g. '{missing[0]}: 15' (minutes) to it")
    return found
