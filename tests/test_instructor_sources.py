"""What the instructor's guide reads from the lesson pages' sources agrees with the pages.

Each page of the lesson's route declares its minutes and, for each objective of its box,
the exercises that test it (front matter ``objective-exercises``), and holds instructor
notes for the guide.  The build warns when these disagree; these tests say so without a
build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cnnlesson.page_time import page_minutes

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _lesson_toctree() -> list[str]:
    index = (DOCS / "index.md").read_text("utf-8")
    block = re.search(r"```\{toctree\}\n(?::[\w-]+:.*\n)*:caption: The lesson\n(.*?)```",
                      index, re.S)
    assert block, "index.md has no toctree captioned 'The lesson'"
    return block[1].split()


ROUTE = _lesson_toctree()


def _source(name):
    return (DOCS / f"{name}.md").read_text("utf-8")


def _front_matter(source):
    return yaml.safe_load(source.split("---", 2)[1])


def _objectives(source):
    box = source.split(":class: cnnlesson-page-facts", 1)[1].split("\n:::", 1)[0]
    return re.findall(r"^- ", box.split("**It assumes**")[0], re.M)


def test_the_pages_with_minutes_are_the_route():
    declaring = sorted(path.stem for path in DOCS.glob("*.md")
                       if page_minutes(path.read_text("utf-8")) is not None)
    assert declaring == sorted(ROUTE)


@pytest.mark.parametrize("name", ROUTE)
def test_each_objective_names_the_exercises_that_test_it(name):
    source = _source(name)
    mapping = _front_matter(source).get("objective-exercises")
    assert mapping is not None, f"{name}.md's front matter has no objective-exercises"
    assert len(mapping) == len(_objectives(source)), (
        f"{name}.md: {len(mapping)} lists under objective-exercises, "
        f"{len(_objectives(source))} objectives in its box")
    labels = set(re.findall(r"^`{3,}\{exercise\}[^\n]*\n:label: ([\w-]+)", source, re.M))
    named = {label for tested in mapping for label in tested}
    assert named <= labels, f"{name}.md names exercises it does not have: {named - labels}"
    assert labels <= named, f"{name}.md: exercises that test no objective: {labels - named}"


@pytest.mark.parametrize("name", ROUTE)
def test_each_page_has_notes_for_instructors(name):
    notes = re.findall(r"^:::\{instructor-note\} (.+)$", _source(name), re.M)
    assert notes, f"{name}.md has no :::{{instructor-note}}"
