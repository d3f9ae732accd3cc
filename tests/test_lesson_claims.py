"""What the lesson claims, read from the page sources: each verdict word from one rule,
each claim from one computed value in one wording, each idea explained in one place.

These tests read the sources, so they need no build; the build's own checks (hidden
cells, ignore blocks) test the numbers themselves.
"""

from __future__ import annotations

import ast
import re

import pytest
from test_pages import DOCS, PAGES, cells, learner_source

from cnnlesson.uncertainty import BEYOND_NOISE, INCONCLUSIVE, TOO_SHORT

ROOT = DOCS.parent
EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))
VERDICT_WORDS = (BEYOND_NOISE, INCONCLUSIVE, TOO_SHORT)
SOLUTION = re.compile(r"^`{3,4}\{solution-start\}.*?^`{3,4}\{solution-end\}", re.M | re.S)
CELL_BLOCK = re.compile(r"^```\{code-cell\}[^\n]*\n.*?^```[ \t]*$", re.M | re.S)


def source(name):
    return (DOCS / f"{name}.md").read_text(encoding="utf-8")


def prose(name):
    """A page without its code cells: the text a reader reads, its spaces and line
    breaks each made one space."""
    return re.sub(r"\s+", " ", CELL_BLOCK.sub("", learner_source(name)))


def strings(code):
    """Every string literal of some Python code (f-strings' literal parts included)."""
    return [node.value for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def example_code(path):
    """An example without its module docstring: the code and its comments."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree, clean=False) or ""
    return path.read_text(encoding="utf-8").replace(docstring, "", 1)


# -- One rule for verdict words ------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_a_page_takes_its_verdict_words_from_the_rule(name):
    # A word spelled out in code could disagree with the numbers beside it; the words come
    # from cnnlesson.uncertainty.verdict, through compare_accuracies or accuracy_change.
    written = [text for _, code in cells(name) for text in strings(code)
               if any(word in text.lower() for word in VERDICT_WORDS)]
    assert not written, f"{name}.md spells out verdict words in code: {written}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_an_example_takes_its_verdict_words_from_the_rule(path):
    written = [text for text in strings(example_code(path))
               if any(word in text.lower() for word in VERDICT_WORDS)]
    assert not written, f"{path.name} spells out verdict words in code: {written}"
    if "standard_error" in path.read_text(encoding="utf-8") and "compare" in path.name:
        assert "compare_accuracies" in path.read_text(encoding="utf-8")


def test_the_design_page_teaches_the_words_the_rule_gives():
    text = prose("design")
    for word in VERDICT_WORDS:
        assert f"*{word}*" in text, f"design.md does not teach {word!r}"
    assert "never inconclusive" in text


@pytest.mark.parametrize("path", [path for path in EXAMPLES
                                  if "compare_accuracies" in path.read_text(encoding="utf-8")],
                         ids=lambda path: path.name)
def test_a_comparison_example_prints_the_rules_word_beside_the_distance(path):
    # The reader sees how many standard errors apart two variants are beside the word.
    code = path.read_text(encoding="utf-8")
    assert "behind_best" in code and "verdict.verdict" in code


# -- Each claim from one computed value, in one wording -------------------------------

def test_the_design_size_has_one_wording_from_one_value():
    import cnnlesson
    from cnnlesson.wording import times_fewer

    computed = times_fewer(cnnlesson.build_design_model(compile=False).count_params(),
                           cnnlesson.build_lesson_model(compile=False).count_params())
    other_words = re.compile(r"\ba (tenth|fifteenth)\b|\btimes smaller\b", re.I)
    for path in [*(DOCS / f"{name}.md" for name in PAGES), *EXAMPLES,
                 ROOT / "README.md", ROOT / "CHANGELOG.md"]:
        text = path.read_text(encoding="utf-8")
        assert not other_words.search(text), f"{path.name} words a size another way"
        if path.suffix == ".md" and path.parent == DOCS:
            # Pages glue the computed wording; a number typed in the prose goes stale.
            assert not re.search(r"\d\s+times fewer", prose(path.stem)), path.name
        else:
            for stated in re.findall(r"[\d.]+ times fewer", text):
                assert stated == computed, f"{path.name}: {stated!r}, computed {computed!r}"


@pytest.mark.parametrize("name", PAGES)
def test_an_uncertainty_is_never_stated_for_a_typed_number_of_images(name):
    # The count of test images is the build's (n_test_images), never typed into a sentence
    # about how uncertain an accuracy is.
    for sentence in re.split(r"(?<=[.!?])\s+", prose(name)):
        if re.search(r"uncertain|standard error", sentence):
            assert not re.search(r"\b\d{1,3}(,\d{3})+ (test )?images", sentence), sentence


def test_two_accuracies_compared_in_a_sentence_both_carry_their_uncertainty():
    glued = dict(re.findall(r'glue\("(\w+_accuracy)", (f".*?"),', source("design")))
    assert {"lesson_accuracy", "design_accuracy"} <= set(glued)
    assert all("±" in text for text in glued.values()), glued


@pytest.mark.parametrize("name", PAGES[1:])
def test_key_points_claim_nothing_from_one_image(name):
    box = source(name).split("Key points", 1)[1].split("\n:::", 1)[0].split("\n```\n", 1)[0]
    assert not re.search(r"\bon (this|one) (image|photograph)\b|\bon the horse\b", box), box


def test_an_example_shows_one_test_accuracy_in_one_wording():
    code = example_code(DOCS / "examples" / "plot_train_lesson_model.py")
    shown = [text for text in strings(code) if re.search(r"accuracy", text, re.I)]
    # One value, result.test_accuracy: no second, recomputed figure beside it.
    assert not any("recomputed" in text or "Keras:" in text for text in shown), shown


# -- Each idea once, linked elsewhere ------------------------------------------------

def test_sigmoid_against_softmax_is_explained_on_the_network_page_only():
    explained = re.compile(r"multi-label|independent yes", re.I)
    homes = [name for name in PAGES if explained.search(prose(name))]
    homes += [path.name for path in EXAMPLES if explained.search(path.read_text("utf-8"))]
    assert homes == ["network"], homes
    assert "(network-output)=" in source("network")
    for name in ("design", "errata"):
        assert "{ref}`network-output`" in prose(name), name
    example = (DOCS / "examples" / "plot_sigmoid_vs_softmax.py").read_text("utf-8")
    assert ":ref:`network-output`" in example


def test_batch_normalisation_as_scale_and_shift_has_one_home():
    formula = re.compile(r"\\frac\{x - \\mu\}\{\\sqrt\{\\sigma\^2 \+ \\epsilon\}\}")
    found = {name: len(formula.findall(prose(name))) for name in PAGES}
    assert found == {**dict.fromkeys(PAGES, 0), "design": 1}, found
    solutions = "".join(SOLUTION.findall(source("design")))
    assert "{ref}`(d) Batch normalisation <design-batch-norm>`" in solutions


def test_the_receptive_field_growth_rule_has_one_home():
    rule = re.compile(r"times the current step")
    found = {name: len(rule.findall(prose(name))) for name in PAGES}
    assert found == {**dict.fromkeys(PAGES, 0), "convolution_effects": 1}, found
    section = prose("convolution_effects").split("(filter-size)= ## ", 1)[1]
    assert rule.search(section.split(" ## ", 1)[0]), "the rule is not in its section"
    for name in ("convolution_effects", "design"):
        solutions = "".join(SOLUTION.findall(source(name)))
        assert "By the rule of {ref}`filter-size`" in solutions, name


def _listings(code):
    """Each ``keras.Sequential([...])`` of some code as its layers: the name each is built
    with and the values of its arguments, however they are spelled or commented."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Sequential")
                and node.args and isinstance(node.args[0], ast.List)):
            found.append(tuple(
                (ast.unparse(layer.func).split(".")[-1],
                 tuple(ast.unparse(value) for value in
                       [*layer.args, *(keyword.value for keyword in layer.keywords)]))
                for layer in node.args[0].elts if isinstance(layer, ast.Call)))
    return found


def test_no_solution_asks_for_a_listing_the_lesson_already_printed():
    printed, repeated = {}, []
    for name in PAGES:
        text = source(name)
        solution_spans = [match.span() for match in SOLUTION.finditer(text)]
        for match in CELL_BLOCK.finditer(text):
            if ":tags: [remove-cell]" in match.group():
                continue
            in_solution = any(start <= match.start() < end for start, end in solution_spans)
            code = match.group().split("\n", 1)[1].rsplit("```", 1)[0]
            if code.startswith("---\n"):
                code = code.split("\n---\n", 1)[1]
            code = "\n".join(line for line in code.splitlines() if not line.startswith(":"))
            for key in _listings(code):
                if in_solution and key in printed:
                    repeated.append(f"{name}.md repeats the listing of {printed[key]}")
                printed.setdefault(key, f"{name}.md")
    assert not repeated, repeated
