"""The explorer's JavaScript (docs/_static/explorer) read as modules, without a browser.

tests/browser/test_explorer.py runs the page; these tests read its sources: ES modules that
import each other without a cycle, one global (the documented console hook), and the
arithmetic in one module.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
SCRIPTS = DOCS / "_static" / "explorer"
ENTRY = "explorer.js"
#: Plain scripts: they run where modules do not (a page opened as a file).
PLAIN = {"file-notice.js"}
IMPORT = re.compile(r'^import\s[^;]*?from\s+"\./([\w-]+\.js)";', re.M | re.S)


def modules():
    return {path.name: path.read_text(encoding="utf-8")
            for path in sorted(SCRIPTS.glob("*.js")) if path.name not in PLAIN}


def imports(source):
    return IMPORT.findall(source)


def test_every_module_is_reached_from_the_entry_and_imports_what_exists():
    found = modules()
    reached, todo = set(), [ENTRY]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        assert name in found, f"a module imports {name}, which does not exist"
        reached.add(name)
        todo += imports(found[name])
    assert reached == set(found), f"not imported by anything: {set(found) - reached}"


def test_the_modules_import_each_other_without_a_cycle():
    graph = {name: imports(source) for name, source in modules().items()}
    done, path = set(), []

    def visit(name):
        if name in path:
            pytest.fail("import cycle: " + " → ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        path.append(name)
        for other in graph[name]:
            visit(other)
        path.pop()
        done.add(name)

    for name in graph:
        visit(name)


def test_only_the_entry_sets_a_global_and_only_the_documented_one():
    for name, source in modules().items():
        assigned = set(re.findall(r"\bwindow\.(\w+)\s*=(?!=)", source))
        assert assigned == ({"cnnlessonExplorer"} if name == ENTRY else set()), (name, assigned)
        assert "window.Cnnlesson" not in source, name


@pytest.mark.parametrize("arithmetic", [r"Math\.exp\(", r"\+=\s*\w+\s*\*\s*kernel\["])
def test_the_arithmetic_lives_in_one_module(arithmetic):
    # Exponentials (softmax, sigmoid) and weighted sums are written once, in arithmetic.js,
    # and used by the forward pass, the explanations and the panel.
    users = [name for name, source in modules().items() if re.search(arithmetic, source)]
    assert users == ["arithmetic.js"], users


def test_the_page_loads_its_entry_as_a_module_and_has_one_live_region():
    assets = (DOCS / "_ext" / "explorer_assets.py").read_text(encoding="utf-8")
    assert re.search(r'add_js_file\(ENTRY, type="module"\)', assets)
    assert f'ENTRY = "explorer/{ENTRY}"' in assets
    page = (DOCS / "explore.md").read_text(encoding="utf-8")
    markup = page[page.index("```{raw} html"):]
    markup = markup[:markup.index("\n```\n")]
    assert len(re.findall(r"aria-live=", markup)) == 1, "one live region, cnx-live"
    assert 'id="cnx-live"' in markup
