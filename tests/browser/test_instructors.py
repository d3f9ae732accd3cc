"""The built site's instructor pages agree with the lesson's pages, and stay apart from them.

The minutes of each page in the guide's schedule, in the page's own box and in the home
page's route, and the route's total on the home page and in the guide, must be the same
numbers; instructor notes must be in the guide and nowhere on the learners' pages; the
answer key must hold a solution for every exercise of the route.
"""

from __future__ import annotations

import html
import re

import pytest

NOTE_TITLES = ("Teaching this page", "Where learners stumble")


def _text(site_dir, name) -> str:
    page = (site_dir / f"{name}.html").read_text("utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


@pytest.fixture(scope="module")
def schedule(site_dir) -> dict:
    """The guide's schedule: page name to (teaching, exercises, total) minutes."""
    page = (site_dir / "instructors.html").read_text("utf-8")
    table = page[page.index("cnnlesson-schedule"):]
    table = table[:table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        link = re.search(r'href="([\w-]+)\.html"', row)
        minutes = [int(number) for number in re.findall(r"(\d+) min", row)]
        if link:
            rows[link[1]] = tuple(minutes)
    assert len(rows) >= 5, f"the guide's schedule lists {rows}"
    return rows


def test_each_page_box_gives_the_guides_minutes(site_dir, schedule):
    for name, (teaching, exercises, total) in schedule.items():
        assert teaching + exercises == total, name
        box = re.search(r"Time: (\d+) minutes of teaching and (\d+) minutes of exercises",
                        _text(site_dir, name))
        assert box, f"{name}.html's box gives no teaching and exercise minutes"
        assert (int(box[1]), int(box[2])) == (teaching, exercises), name


def test_the_home_page_and_the_guide_give_the_same_route_and_total(site_dir, schedule):
    home = _text(site_dir, "index")
    listed = re.findall(r"\((\d+) minutes\):", home)
    assert [int(minutes) for minutes in listed] == [
        total for _, _, total in schedule.values()], listed
    total = re.search(r"the route takes (\d+) minutes", home)
    guide = re.search(r"In all, (\d+) minutes", _text(site_dir, "instructors"))
    assert total and guide and int(total[1]) == int(guide[1]) == sum(
        row[2] for row in schedule.values())


def test_instructor_notes_are_in_the_guide_only(site_dir, schedule):
    guide = _text(site_dir, "instructors")
    assert guide.count("Teaching this page") == len(schedule)
    for name in [*schedule, "index", "answers"]:
        text = _text(site_dir, name)
        assert not any(title in text for title in NOTE_TITLES), (
            f"{name}.html shows an instructor note to learners")


def test_the_answer_key_holds_every_exercise_with_its_solution(site_dir, schedule):
    exercises = sum(len(re.findall(r'class="exercise admonition"',
                                   (site_dir / f"{name}.html").read_text("utf-8")))
                    for name in schedule)
    key = (site_dir / "answers.html").read_text("utf-8")
    assert exercises > 10
    assert key.count('class="cnnlesson-answer-question') == exercises
    assert key.count('class="cnnlesson-answer docutils') == exercises
