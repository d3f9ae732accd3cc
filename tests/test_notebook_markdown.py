"""A page's MyST as a notebook's Markdown (docs/_ext/notebook_markdown.py): links that lead to
the other notebooks, exercises numbered as on the site, no role or directive left, and each
glued value a placeholder for the notebook to fill."""


import pytest


@pytest.fixture(scope="module")
def nm(docs_extension):
    return docs_extension("notebook_markdown")


@pytest.fixture
def links(nm):
    return nm.Links(
        page="network", notebooks=("index", "network", "design"),
        titles={"network": "An example network", "design": "Designing a better network",
                "cite": "Cite this", "auto_examples/plot_first": "First layer"},
        labels={"network-training": ("network", "Training it"),
                "standard-error": ("design", "How sure is a measured accuracy?"),
                "sphx_glr_auto_examples_plot_first.py": ("auto_examples/plot_first",
                                                         "First layer")},
        exercises={"ex-one": "7"}, substitutions={"version": "1.2.3"})


def text(blocks):
    return "\n\n".join("".join(map(str, block)) for block in blocks if isinstance(block, list))


def test_links_lead_to_the_notebooks_and_their_sections(nm, links):
    source = ("See [the design](design.md), [](design.md), [below](#network-training) and "
              "{ref}`standard-error`.\nAlso {doc}`network` and [how to cite](cite.md).\n")
    assert text(nm.to_markdown(source, links)) == (
        "See [the design](design.ipynb), [Designing a better network](design.ipynb), "
        "[below](#Training-it) and [How sure is a measured accuracy?]"
        "(design.ipynb#How-sure-is-a-measured-accuracy?).\nAlso [An example network]"
        "(network.ipynb) and how to cite (on the site's page Cite this).")


def test_a_page_without_a_notebook_is_named_once(nm, links):
    assert text(nm.to_markdown("[Cite this](cite.md) and [Cite this](cite.md#bibtex)",
                               links)) == (
        "Cite this (a page of the site) and Cite this (a page of the site)")


def test_with_the_sites_address_other_pages_link_to_the_site(nm, links):
    links.site = "https://example.org/lesson/"
    assert text(nm.to_markdown("[how to cite](cite.md)", links)) == (
        "[how to cite](https://example.org/lesson/cite.html)")


def test_an_example_links_to_its_notebook_in_the_pack(nm, links):
    source = "{ref}`the first example <sphx_glr_auto_examples_plot_first.py>`"
    assert text(nm.to_markdown(source, links)) == (
        "[the first example](../examples/plot_first.ipynb)")


def test_roles_become_plain_markdown_and_code_stays_as_written(nm, links):
    source = ("By {cite:p}`mlm2022,cs231n`, {py:func}`~cnnlesson.train_model` in "
              "version {{ version }}; `{cite:p}` and $x_{1}$ stay as they are.")
    assert text(nm.to_markdown(source, links)) == (
        "By [mlm2022, cs231n], `cnnlesson.train_model` in version 1.2.3; `{cite:p}` and "
        "$x_{1}$ stay as they are.")


def test_a_glued_value_is_a_placeholder_with_its_format(nm, links):
    blocks = nm.to_markdown("It holds {glue:text}`share:.1%` of {glue:text}`total`.", links)
    assert blocks == [["It holds ", nm.Glued("share", ".1%"), " of ", nm.Glued("total"), "."]]


def test_exercises_are_numbered_as_on_the_site_and_solutions_marked(nm, links):
    source = ("```{exercise} Count by hand\n:label: ex-one\n\nHow many?\n```\n\n"
              "```{solution-start} ex-one\n:class: dropdown\n```\n\nTwelve.\n\n"
              "```{solution-end}\n```\n")
    blocks = nm.to_markdown(source, links)
    assert blocks == [["**Exercise 7 (Count by hand)**\n\nHow many?"], "solution-start",
                      ["Twelve."], "solution-end"]


def test_admonitions_keep_their_title_and_the_sites_navigation_goes(nm, links):
    source = (":::{admonition} Before you start\n:class: facts\n\n**Time:** "
              "{glue:text}`minutes` to read.\n:::\n\n```{toctree}\n:hidden:\n\nnetwork\n```\n")
    assert nm.to_markdown(source, links) == [
        ["**Before you start**\n\n**Time:** ", nm.Glued("minutes"), " to read."]]


def test_the_sites_own_instructions_give_way_to_the_packs(nm, links):
    source = "## Run it yourself\n\nDownload the pack.\n\n## Cite\n\nPlease.\n"
    assert text(nm.to_markdown(source, links)) == (
        "## Run it yourself\n\n" + nm.REPLACED_SECTIONS["Run it yourself"]
        + "\n\n## Cite\n\nPlease.")


@pytest.mark.parametrize("source, words", [
    ("```{figure} x.png\n```\n", "directive {figure}"),
    ("{numref}`fig-x`", "role {numref}"),
    ("{ref}`nowhere`", "no page has the label 'nowhere'"),
    ("[x](data.csv)", "a link to 'data.csv'"),
])
def test_what_a_notebook_cannot_carry_stops_the_build_with_the_reason(nm, links, source, words):
    with pytest.raises(nm.NotebookMarkdownError, match=words):
        nm.to_markdown(source, links)


def test_instructor_notes_are_left_out_and_a_pages_minutes_written_in(nm, links,
                                                                       docs_extension):
    times = docs_extension("lesson_times")
    docs = docs_extension("build_layout").DOCS
    teaching = times.declared_minutes(docs / "network.md")["teaching"]
    source = (":::{instructor-note} Teaching this page\nShow the table live.\n:::\n\n"
              "**Time:** {lesson-time}`teaching` of teaching.\n")
    assert text(nm.to_markdown(source, links)) == (
        f"**Time:** {times.minutes_text(teaching)} of teaching.")


def test_a_target_above_a_paragraph_has_no_anchor_in_a_notebook(nm, links):
    # Sphinx names such a label by itself: it has no heading for Jupyter to anchor.
    links.labels["network-aside"] = ("network", "network-aside")
    links.labels["design-aside"] = ("design", "design-aside")
    source = "{ref}`this aside <network-aside>` and {ref}`that one <design-aside>`"
    assert text(nm.to_markdown(source, links)) == (
        "this aside and [that one](design.ipynb)")
