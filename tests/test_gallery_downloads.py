"""The examples' downloads hold the reader's script: the build's checks are out of the
``.py`` copy and out of the zip that sphinx-gallery made of it (docs/_ext/gallery_support.py).
"""

import re
import zipfile

import pytest

SCRIPT = """\
import numpy as np

x = np.arange(3)
# sphinx_gallery_start_ignore
assert x.sum() == 3
# sphinx_gallery_end_ignore
print(x)
"""
IGNORED = re.compile(r"# sphinx_gallery_start_ignore.*?# sphinx_gallery_end_ignore\n", re.S)


def strip(text):
    """Stands in for sphinx-gallery's remove_ignore_blocks (not installed with the tests)."""
    return IGNORED.sub("", text)


@pytest.fixture(scope="module")
def gallery_support(docs_extension):
    return docs_extension("gallery_support")


def write_gallery(folder):
    """auto_examples/ as sphinx-gallery leaves it: the script, its notebook, both zipped."""
    folder.mkdir()
    (folder / "plot_demo.py").write_text(SCRIPT, "utf-8")
    (folder / "plot_demo.ipynb").write_text('{"cells": []}', "utf-8")
    with zipfile.ZipFile(folder / "plot_demo.zip", "w") as archive:
        archive.write(folder / "plot_demo.py", "plot_demo.py")
        archive.write(folder / "plot_demo.ipynb", "plot_demo.ipynb")
    return folder


def test_the_zipped_script_is_the_stripped_one(gallery_support, tmp_path):
    gallery = write_gallery(tmp_path / "auto_examples")
    gallery_support.strip_downloads(gallery, strip)
    reader = strip(SCRIPT)
    assert "sphinx_gallery" not in reader and "print(x)" in reader
    assert (gallery / "plot_demo.py").read_text("utf-8") == reader
    with zipfile.ZipFile(gallery / "plot_demo.zip") as archive:
        assert archive.namelist() == ["plot_demo.py", "plot_demo.ipynb"]
        assert archive.read("plot_demo.py").decode("utf-8") == reader
        assert archive.read("plot_demo.ipynb") == b'{"cells": []}'
    assert sorted(p.name for p in gallery.iterdir()) == [
        "plot_demo.ipynb", "plot_demo.py", "plot_demo.zip"]


def test_a_rebuild_that_made_no_new_zip_still_offers_the_stripped_script(gallery_support,
                                                                        tmp_path):
    # sphinx-gallery copies the source over the stripped .py at every build, but remakes
    # the zip only when it runs the example again.
    gallery = write_gallery(tmp_path / "auto_examples")
    gallery_support.strip_downloads(gallery, strip)
    zipped = (gallery / "plot_demo.zip").read_bytes()
    (gallery / "plot_demo.py").write_text(SCRIPT, "utf-8")
    gallery_support.strip_downloads(gallery, strip)
    assert (gallery / "plot_demo.zip").read_bytes() == zipped
    assert (gallery / "plot_demo.py").read_text("utf-8") == strip(SCRIPT)


def test_sphinx_gallerys_remover_is_checked_before_use(gallery_support):
    assert gallery_support.ignore_block_remover(strip) is strip


def test_a_remover_that_changed_upstream_stops_the_build_with_the_reason(gallery_support):
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="remove_ignore_blocks changed"):
        gallery_support.ignore_block_remover(lambda text: text)  # keeps the checks
