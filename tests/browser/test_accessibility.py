"""axe-core scans of the lesson's pages: no serious or critical violation, light and dark."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

LESSON_PAGES = ("index", "network", "feature_maps", "explore", "convolution_effects",
                "convolution_channels", "design", "errata", "instructors",
                "answers")
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    return Axe()


def blocking_violations(axe, page):
    # preload off: axe would fetch the style sheets again itself, and it resolves their
    # @import rules against the page's address, asking the server for files that do not
    # exist (a 404 console error that is axe's, not the site's).
    options = {"resultTypes": ["violations"], "preload": False}
    violations = axe.run(page, options=options).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(_describe(node) for node in v["nodes"][:5])
        for v in violations if v["impact"] in BLOCKING
    ]


def _describe(node):
    # axe's own words for the first failed check, e.g. the two colours and their ratio
    checks = node.get("any") or node.get("all") or node.get("none") or []
    detail = f" ({checks[0]['message']})" if checks else ""
    return " ".join(node["target"]) + detail


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("name", LESSON_PAGES)
def test_no_serious_accessibility_violation(open_page, axe, name, color_scheme):
    page = open_page(f"{name}.html", color_scheme=color_scheme)
    if name == "explore":
        # Scan the explorer with its controls built and a unit's computation shown.
        page.wait_for_function("window.cnnlessonExplorer !== undefined")
        page.evaluate("window.cnnlessonExplorer.ready")
    problems = blocking_violations(axe, page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_explorer_with_the_final_design_has_no_serious_violation(open_page, axe, color_scheme):
    page = open_page("explore.html", color_scheme=color_scheme)
    page.wait_for_function("window.cnnlessonExplorer !== undefined")
    page.evaluate("window.cnnlessonExplorer.ready")
    page.check("input[name=cnx-network][value=design]")
    page.wait_for_function("window.cnnlessonExplorer.state.network === 'design'"
                           " && document.querySelector('#cnx-status').textContent === ''")
    # Its computation panel, with the batch normalisation and ReLU that follow, shown too.
    assert page.locator("#cnx-next-re_lu").count() == 1
    problems = blocking_violations(axe, page)
    assert not problems, "\n".join(problems)
