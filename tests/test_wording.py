"""Tests of cnnlesson.wording: sentences built from numbers agree with the numbers they show."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlesson.page_time import page_minutes, training_time
from cnnlesson.uncertainty import BEYOND_NOISE, INCONCLUSIVE, TOO_SHORT, accuracy_change
from cnnlesson.wording import (
    comparison_word,
    count,
    describe_change,
    markdown_table,
    points,
)

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(fractions, fractions, st.sampled_from([".2f", ".1%", ".3f"]))
def test_the_comparative_word_follows_the_numbers_as_shown(a, b, spec):
    word = comparison_word(a, b, spec)
    shown_a, shown_b = format(a, spec), format(b, spec)
    if shown_a == shown_b:
        assert word == "about the same"
    else:
        assert word == ("higher" if a > b else "lower")


def test_equal_looking_numbers_are_never_called_lower():
    # 0.2612 and 0.2631 both read 0.26: calling one lower would contradict the page.
    assert comparison_word(0.2612, 0.2631, ".2f") == "about the same"


@pytest.mark.parametrize(("number", "text"), [(0, "0 epochs"), (1, "1 epoch"),
                                               (25, "25 epochs")])
def test_counts_read_right_for_one_and_many(number, text):
    assert count(number, "epoch") == text


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3", None])
def test_a_count_is_a_whole_number_of_at_least_zero(bad):
    with pytest.raises(ValueError, match="whole number of at least 0 epochs"):
        count(bad, "epoch")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), None])
def test_points_refuse_what_has_no_size(bad):
    with pytest.raises(ValueError, match="finite difference"):
        points(bad)


def test_a_table_cell_cannot_split_a_row():
    table = str(markdown_table(["a|b", "c"], [["|x|", "two\nlines"]]))
    header, rule, row = table.split("\n")
    # Every row has exactly as many unescaped bars as the header.
    unescaped = [len(re.findall(r"(?<!\\)\|", line)) for line in (header, rule, row)]
    assert unescaped == [3, 3, 3], table
    assert row == "| \\|x\\| | two lines |"


def test_a_difference_beyond_the_noise_is_never_called_inconclusive():
    # A short schedule measuring 12 points, six standard errors: too short, not inconclusive.
    text = describe_change(accuracy_change(0.30, 0.18, 1_000, decisive=False))
    assert "inconclusive" not in text and TOO_SHORT in text
    assert "within twice" in describe_change(accuracy_change(0.60, 0.605, 10_000))


@pytest.mark.parametrize(("before", "after", "n", "decisive"), [
    (0.60, 0.65, 10_000, True), (0.60, 0.605, 10_000, True), (0.60, 0.60, 10_000, True),
    (0.30, 0.18, 1_000, False), (0.60, 0.605, 10_000, False)])
def test_a_described_change_ends_in_the_word_of_the_rule(before, after, n, decisive):
    change = accuracy_change(before, after, n, decisive=decisive)
    text = describe_change(change)
    assert change.verdict in text
    others = {BEYOND_NOISE, INCONCLUSIVE, TOO_SHORT} - {change.verdict}
    assert not any(word in text for word in others), text


def run(key, seconds, cores=2):
    return SimpleNamespace(cache_key=key, train_seconds=seconds,
                           machine={"cores": cores} if cores else {})


def test_training_time_counts_each_model_once_and_names_the_cores():
    assert training_time([run("a", 600), run("a", 600), run("b", 240)]) == (
        "about 14 min on 2 cores")
    assert training_time([run("a", 3600, 1)]) == "about 60 min on 1 core"
    assert training_time([run("a", 60, 2), run("b", 60, 16)]).endswith("on several machines")


def test_training_time_needs_a_model():
    with pytest.raises(ValueError, match="needs the training results"):
        training_time([])


def test_a_page_declares_its_minutes_in_its_front_matter():
    page = "---\nfile_format: mystnb\nteaching: 25  # minutes\nexercises: 0\n---\n# T\n"
    assert page_minutes(page) == {"teaching": 25, "exercises": 0}
    # Only the front matter counts: the same words in the text are prose.
    assert page_minutes("# T\n\nteaching: 25\nexercises: 10\n") is None


@pytest.mark.parametrize(("front", "fix"), [
    ("teaching: 25", "add e.g. 'exercises: 15'"),
    ("teaching: about 25\nexercises: 10", "whole number, e.g. 'teaching: 15'"),
    ("teaching: 25\nexercises: -5", "whole number"),
])
def test_a_page_with_half_a_time_is_refused_with_the_line_to_write(front, fix):
    with pytest.raises(ValueError, match=re.escape(fix)):
        page_minutes(f"---\n{front}\n---\n# T\n")
