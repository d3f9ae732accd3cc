"""Each figure of the lesson pages offered as SVG beside its PNG, with its licence line.

The notebooks' kernels draw every Matplotlib figure twice, as PNG and SVG
(IPython's ``InlineBackend.figure_formats``, set in a kernel profile of the build's
own; see :func:`kernel_profile`).  The page shows the PNG (the SVG is dropped from
what HTML displays, ``nb_mime_priority_overrides`` in conf.py); below each figure
a line offers both files for download, for a slide or a handout, with the credit
that CC BY 4.0 asks for.  Figures with a caption are numbered (``numfig``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from build_layout import layout
from docutils import nodes
from sphinx import addnodes

from cnnlesson.files import write_whole

CREDIT = "CC BY 4.0, The cnnlesson authors (see Cite this)"
KERNEL_CONFIG = 'c.InlineBackend.figure_formats = {"png", "svg"}\n'


def kernel_profile(folder: Path) -> None:
    """Make the kernels the build starts draw PNG and SVG: an IPython profile in
    ``folder``, named by ``IPYTHONDIR`` (which the kernels inherit)."""
    profile = folder / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    config = profile / "ipython_kernel_config.py"
    if not config.is_file() or config.read_text() != KERNEL_CONFIG:
        config.write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(folder)


def _is_bundle(node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"


def _image_uri(bundle, mime_type):
    for child in bundle.children:
        if child.get("mime_type") == mime_type:
            for image in child.findall(nodes.image):
                return image["uri"]
    return None


def _download(uri: str, label: str, docname: str):
    node = addnodes.download_reference("", "", reftarget=uri, refdoc=docname,
                                       refexplicit=True, refdomain="", reftype="download")
    node += nodes.literal("", label, classes=["xref", "download"])
    return node


def _named_copy(app, docname: str, uri: str, name: str) -> str:
    """Copy the file myst-nb wrote (named by a hash) to ``name``, for a reader to keep;
    return its download target (relative to the source folder)."""
    source = Path(app.srcdir) / uri[1:] if uri.startswith("/") else (
        Path(app.srcdir) / docname).parent / uri
    # One folder per build profile, so that the two builds never offer each other's files.
    target = layout(app.config.cnnlesson_profile_name).figure_files / name
    if not target.is_file() or target.read_bytes() != source.read_bytes():
        write_whole(target, lambda partial: shutil.copyfile(source, partial))
    return "/" + target.relative_to(Path(app.srcdir).resolve()).as_posix()


def offer_figure_files(app, doctree):
    docname = app.env.docname
    number = 0
    for bundle in list(doctree.findall(_is_bundle)):
        svg, png = _image_uri(bundle, "image/svg+xml"), _image_uri(bundle, "image/png")
        if not (svg and png):
            continue
        number += 1
        stem = f"cnnlesson-{docname.replace('/', '-')}-figure-{number}"
        svg = _named_copy(app, docname, svg, f"{stem}.svg")
        png = _named_copy(app, docname, png, f"{stem}.png")
        line = nodes.paragraph(classes=["cnnlesson-figure-files"])
        line += nodes.Text("This figure as ")
        line += _download(svg, "SVG", docname)
        line += nodes.Text(" or ")
        line += _download(png, "PNG", docname)
        line += nodes.Text(f"; {CREDIT}.")
        anchor = bundle
        while anchor.parent is not None and not isinstance(anchor, nodes.figure):
            if isinstance(anchor.parent, nodes.section):
                break
            anchor = anchor.parent
        anchor.parent.insert(anchor.parent.index(anchor) + 1, line)


def setup(app):
    # Before Sphinx's collectors (priority 500) note the downloads of the page.
    app.connect("doctree-read", offer_figure_files, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
