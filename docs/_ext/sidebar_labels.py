"""Names for the theme's sidebar toggles, which screen readers otherwise announce blank.

The theme draws each section with sub-pages as a link followed by a ``<summary>`` that
holds only a chevron icon.  ``_static/sidebar-labels.js``, added to every page through
Sphinx's ``add_js_file``, gives every such toggle an ``aria-label`` naming the section
("Show or hide the pages under Examples").  The browser tests check that every toggle
of the sidebar has a name, so a theme that draws its sidebar otherwise fails them.
"""

SCRIPT = "sidebar-labels.js"


def setup(app):
    # Deferred: it runs once the sidebar is in the page, before the reader can use it.
    app.add_js_file(SCRIPT, loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
