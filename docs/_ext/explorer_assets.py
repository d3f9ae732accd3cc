"""The explorer page's scripts and styles, on that page and no other (its data is written
before the build by ``python -m cnnlesson.export`` and published by ``html_extra_path``).

The page's script is a set of ES modules in ``_static/explorer``: the browser loads
``explorer.js`` and, through its imports, the others; no bundler or npm is needed to build
the site. Browsers load no module from a page opened as a file, and the explorer's data
could not be read there either, so a small plain script says so on such a page.
"""

ENTRY = "explorer/explorer.js"
FILE_NOTICE = "explorer/file-notice.js"


def _add_assets(app, pagename, templatename, context, doctree):
    if pagename == "explore":  # during html-page-context: for this page only
        app.add_css_file("explorer/explorer.css")
        app.add_js_file(FILE_NOTICE, loading_method="defer")
        app.add_js_file(ENTRY, type="module")


def setup(app):
    app.connect("html-page-context", _add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
