"""The explorer page's scripts and styles, on that page and no other.

Its data is not Sphinx's business: ``python -m cnnlesson.export`` writes it before the
build and ``conf.py`` publishes it with ``html_extra_path``.
"""

SCRIPTS = ("explorer/network.js", "explorer/explain.js", "explorer/panel.js",
           "explorer/views.js", "explorer/explorer.js")
STYLES = ("explorer/explorer.css",)


def _add_assets(app, pagename, templatename, context, doctree):
    # Called during html-page-context, these add the files to this page only.
    if pagename in app.config.explorer_pages:
        for style in STYLES:
            app.add_css_file(style)
        for script in SCRIPTS:
            app.add_js_file(script, loading_method="defer")


def setup(app):
    app.add_config_value("explorer_pages", ("explore",), "html")
    app.connect("html-page-context", _add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
