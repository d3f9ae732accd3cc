"""Names for the theme's sidebar toggles, which screen readers otherwise announce blank.

The theme draws each section with sub-pages as a link followed by a ``<summary>`` that
holds only a chevron icon. This extension gives every such toggle an ``aria-label``
naming the section ("Show or hide the pages under Examples").
"""

import html
import re

_TOGGLE = re.compile(r'(<a class="reference internal" href="[^"]*">(?P<name>[^<]*)</a>'
                     r'\s*<details[^>]*>\s*)<summary>')


def _label(match):
    name = html.unescape(match.group("name")).strip()
    return (f'{match.group(1)}<summary aria-label="'
            f'{html.escape("Show or hide the pages under " + name)}">')


def _wrap_sidebar(app, pagename, templatename, context, doctree):
    original = context.get("generate_toctree_html")
    if original is None:
        return

    def generate_toctree_html(kind, *args, **kwargs):
        out = original(kind, *args, **kwargs)
        # The sidebar comes back as HTML (a string or a BeautifulSoup tree): label it.
        return _TOGGLE.sub(_label, str(out)) if kind == "sidebar" else out

    context["generate_toctree_html"] = generate_toctree_html


def setup(app):
    # After the theme (priority 500), which puts generate_toctree_html into the context.
    app.connect("html-page-context", _wrap_sidebar, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
