"""The explorer page's scripts, styles and data, and nothing of them on other pages.

The page ``explore`` exports the trained networks while it runs (``cnnlesson.export``) into
the folder named by ``explorer_data_dir`` (conf.py passes it to the page's kernel in the
environment variable ``CNNLESSON_EXPLORER_DATA``). When the build finishes, this extension
copies that folder to ``_static/explorer-data/`` of the built site, so that a page whose
outputs come from the notebook cache still finds the data it was built with.
"""

import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPTS = ("explorer/network.js", "explorer/explorer.js")
STYLES = ("explorer/explorer.css",)
TARGET = "_static/explorer-data"


def _add_assets(app, pagename, templatename, context, doctree):
    # Called during html-page-context, these add the files to this page only.
    if pagename in app.config.explorer_pages:
        for style in STYLES:
            app.add_css_file(style)
        for script in SCRIPTS:
            app.add_js_file(script, loading_method="defer")


def _copy_data(app, exception):
    if exception is not None or app.builder.format != "html" or not app.config.explorer_data_dir:
        return
    source = Path(app.config.explorer_data_dir)
    if not (source / "explorer.json").is_file():
        logger.warning(
            f"the explorer's data is missing from {source}: the page 'explore' writes it when "
            "it runs; rebuild with --clean (or delete the notebook cache) to run it again")
        return
    target = Path(app.outdir) / TARGET
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


def setup(app):
    app.add_config_value("explorer_data_dir", "", "env")
    app.add_config_value("explorer_pages", ("explore",), "html")
    app.connect("html-page-context", _add_assets)
    app.connect("build-finished", _copy_data)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
