"""The trained networks for the browser: weights, images and geometry the explorer loads.

How the site gets them: :func:`write_site_data` (on the command line,
``python -m cnnlesson.export FOLDER``) loads the build profile's two networks from the
training cache and writes ``FOLDER/explorer-data``; ``nox -s docs`` runs it before Sphinx
with ``FOLDER`` = ``docs/_build/<profile>/site-extra``, and ``docs/conf.py`` lists that
folder in ``html_extra_path``, so the site serves it unchanged at ``explorer-data/``.

:func:`export_explorer` writes a folder the site serves: ``explorer.json`` (the format,
the networks it holds, the colour map, the images' labels and sources) and ``images.bin``,
shared by all networks; and for each network a folder of its own with ``model.json`` (its
layers in order, where each weight array sits in the binary file, the receptive field of
every spatial layer) and ``weights.bin``. The page downloads a network's folder when the
reader first chooses it. Its JavaScript only reads these numbers; no arithmetic of a
network's shape is typed twice.

Convolutions and batch normalisations ship in float32, as trained (a batch normalisation
as one scale and one shift per channel). A dense layer's large kernel ships as 8-bit levels
(int8, -127 to 127) with one float32 scale per unit, which quarters the download:
:func:`rounded_model` is the Keras model with the same rounding, the one the browser must
agree with. ``weights.bin`` is not compressed: gzip would save a few percent of it.

The layers the explorer runs, and how each unit's input pixels are worked out, are in
:func:`layer_geometry` and ``SUPPORTED``; Keras's own answers, for the page's tests, come
from :func:`write_reference`.
"""

from cnnlesson.export._layers import SUPPORTED, layer_geometry, layer_spec
from cnnlesson.export._reference import default_units, write_reference
from cnnlesson.export._site import write_site_data
from cnnlesson.export._write import (
    FORMAT_VERSION,
    IMAGES_FILE,
    INDEX_FILE,
    WRITTEN_BY,
    choose_images,
    export_explorer,
    rounded_model,
)

__all__ = ["FORMAT_VERSION", "IMAGES_FILE", "INDEX_FILE", "SUPPORTED", "WRITTEN_BY",
           "choose_images", "default_units", "export_explorer", "layer_geometry",
           "layer_spec", "rounded_model", "write_reference", "write_site_data"]
