"""The explorer page's scripts and styles, on that page and no other (its data is written
before the build by ``python -m cnnlesson.export`` and published by ``html_extra_path``)."""

SCRIPTS = ("network.js", "explain.js", "panel.js", "views.js", "explorer.js")


def _add_assets(app, pagename, templatename, context, doctree):
    if pagename == "explore":  # during html-page-context: for this page only
        app.add_css_file("explorer/explorer.css")
        for script in SCRIPTS:
            app.add_js_file(f"explorer/{script}", loading_method="defer")


def setup(app):
    app.connect("html-page-context", _add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
