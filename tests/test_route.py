"""The lesson's route teaches each idea before a page uses it.

The route is the toctree captioned "The lesson" in docs/index.md. For each idea tracked
here, the page that teaches it (its home) must be the first page of the route whose text
names it, and every page's "It assumes" names only pages before it.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

#: idea: (the page that teaches it, a pattern that finds it in a page's source).
IDEAS = {
    "batch normalisation": ("design", r"batch[ _-]?normali[sz]ation"),
    "global average pooling": ("design", r"global[ _-]?average[ _-]?pooling"),
    "augmentation": ("design", r"augment|RandomFlip|RandomTranslation|random_flip"),
    "the final design": ("design", r"final design|build_design_model|train_design_model"),
    "multiply-adds of a convolution": ("convolution_effects", r"multiply-adds?"),
    "softmax": ("network", r"softmax"),
}


def route():
    """The lesson's pages in reading order, as the toctree of docs/index.md lists them."""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    for block in re.findall(r"^```\{toctree\}\n(.*?)^```", text, re.M | re.S):
        if re.search(r"^:caption: The lesson\s*$", block, re.M):
            return [line.strip() for line in block.splitlines()
                    if line.strip() and not line.startswith(":")]
    raise AssertionError("docs/index.md has no toctree captioned 'The lesson'")


def source(page):
    return (DOCS / f"{page}.md").read_text(encoding="utf-8")


def test_the_route_lists_every_lesson_page_once():
    pages = route()
    assert len(pages) == len(set(pages)), pages
    assert all((DOCS / f"{page}.md").is_file() for page in pages), pages
    assert {home for home, _ in IDEAS.values()} <= set(pages)


@pytest.mark.parametrize("idea", sorted(IDEAS))
def test_an_idea_is_first_named_on_the_page_that_teaches_it(idea):
    home, pattern = IDEAS[idea]
    pages = route()
    naming = [page for page in pages if re.search(pattern, source(page), re.I)]
    assert home in naming, f"{home}.md, the home of {idea}, does not name it"
    assert naming[0] == home, (
        f"{idea} is used on {naming[0]}.md, page {pages.index(naming[0]) + 1} of the route, "
        f"before {home}.md (page {pages.index(home) + 1}) teaches it: move the page or the "
        "use")


def test_explore_comes_after_the_design_it_explores():
    pages = route()
    assert pages.index("design") < pages.index("explore")


@pytest.mark.parametrize("page", route())
def test_a_page_assumes_only_pages_before_it(page):
    pages = route()
    facts = re.search(r"\*\*It assumes\*\*(.*?)(?:\n\n|\n\*\*)", source(page), re.S)
    if facts is None:
        pytest.fail(f"{page}.md says nothing of what it assumes ('**It assumes**')")
    assumed = re.findall(r"\]\(([a-z_]+)\.md\)", facts.group(1))
    later = [name for name in assumed if pages.index(name) >= pages.index(page)]
    assert not later, f"{page}.md assumes {later}, which come at or after it in the route"


def test_the_home_pages_route_list_follows_the_toctree():
    # The home page lists the route in a code cell of its own (ROUTE), with each page's
    # minutes; its order must be the toctree's.
    text = source("index")
    listed = re.findall(r'^    \("(\w+)", "', text, re.M)
    assert listed == route(), "docs/index.md's ROUTE lists the pages in another order"
