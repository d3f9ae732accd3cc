"""
Feature maps of every layer, for one horse and a few test images
================================================================

A convolutional layer turns an image into a stack of *feature maps*, one per
filter: each map is bright where its filter finds what it looks for. The
tutorial shows the maps of both convolutions for one training image, the horse
``X_train[7]``, and observes that the deeper maps look more abstract. The
lesson page :ref:`feature-maps` draws those two grids for the horse. This
example goes further along the network and across images: it lists what every
layer outputs, draws the maps after pooling, puts a number on "abstract" for
five images, and follows the same few filters from image to image.
"""

# %%
# The trained network and the horse
# ---------------------------------
# The model comes from :func:`cnnlesson.train_lesson_model` with the current
# profile's schedule for the lesson's network (loaded from disk if it was
# trained before). Image 7 of the training set is a horse: label 7.
import keras
import matplotlib.pyplot as plt
import numpy as np

import cnnlesson
from cnnlesson import analysis
from cnnlesson.plotting import plot_feature_maps

# sphinx_gallery_start_ignore
from cnnlesson.plotting import describe, set_alt_text  # the site's alt text for each figure

# sphinx_gallery_end_ignore

profile = cnnlesson.profiles.announce()
# The trained models of the site this example comes from, fetched when needed and checked;
# without them (offline, say) the models are trained here.
cnnlesson.use_site_models()
print(f"Schedule of the lesson's network: {profile.lesson}")
result = cnnlesson.train_lesson_model(**profile.lesson, verbose=2)
model = result.model
print(f"Test accuracy of this model: {result.test_accuracy:.1%}")

(x_train, y_train), (x_test, y_test) = cnnlesson.load_cifar10(subset=profile.lesson["subset"])
classes = cnnlesson.CIFAR10_CLASSES
# sphinx_gallery_start_ignore
assert y_train[7, 0] == 7 and classes[7] == "horse"
# sphinx_gallery_end_ignore
horse = cnnlesson.scale_images(x_train[7])
print(f"X_train[7]: shape {horse.shape}, label {y_train[7, 0]} ({classes[y_train[7, 0]]})")

# %%
# Every layer's output at once
# ----------------------------
# :func:`cnnlesson.feature_extractor` builds the tutorial's extractor: a model
# with the same input that returns the output of every layer, as
# ``keras.Model(inputs=model.inputs, outputs=[layer.output for layer in
# model.layers])`` does. The lesson page :ref:`feature-maps` lists what each
# layer returns; here the extractor runs on the horse and, further down, on
# four test images.
extractor = cnnlesson.feature_extractor(model)
outputs = [keras.ops.convert_to_numpy(output)[0]
           for output in extractor(horse[np.newaxis])]
print(f"{len(outputs)} outputs, one per layer; layer 3 ({model.layers[3].name}) "
      f"returns {outputs[3].shape}")
# sphinx_gallery_start_ignore
# At prediction time dropout passes its input through; the one-layer helper agrees.
assert np.array_equal(outputs[1], outputs[0])
assert np.allclose(cnnlesson.feature_maps(model, horse, "conv2d_1"), outputs[2], atol=1e-5)
# sphinx_gallery_end_ignore

# %%
# After max pooling
# -----------------
# The 32 maps of the two convolutions for this horse are on the lesson page
# :ref:`feature-maps`. One layer further, max pooling keeps the largest value
# of every 2×2 block of the second convolution's maps, so they shrink to
# 16×16 while the strongest responses survive. After this layer, the maps are
# flattened into one vector of 8,192 numbers for the dense layers.
figure = plot_feature_maps(outputs[3], image=horse,
                           title="Layer 3 (max_pooling2d): 32 pooled maps of X_train[7], 16×16")
# sphinx_gallery_start_ignore
set_alt_text(figure,
             "Output of the max-pooling layer of the trained network for the training image "
             "of a horse, half the size of the convolution's maps. " + describe(figure))
# sphinx_gallery_end_ignore

# %%
# How much does each layer still look like the picture?
# -----------------------------------------------------
# "More abstract" can be measured in a simple way: how closely does a map
# follow the brightness of the image? :func:`cnnlesson.analysis.layer_likeness`
# correlates every map with the image's grey level, pixel by pixel, and
# averages the absolute value over the maps that respond at all (a map that is
# zero everywhere correlates with nothing and is left out). A map that copies
# the image or its negative scores near 1; a map unrelated to the brightness
# scores near 0. The lesson page :ref:`feature-maps` compares the two
# convolutions by this measure over 500 test images; here it also covers the
# pooled maps, whose image is averaged to 16×16 first, for the horse and four
# test images. The share of zeros says how selective the layer is.

# A few test images: the first one of each of four classes.
chosen = [int(np.flatnonzero(y_test[:, 0] == label)[0]) for label in (3, 1, 8, 6)]
images = [horse] + [cnnlesson.scale_images(x_test[i]) for i in chosen]
names = ["X_train[7] (horse)"] + [f"X_test[{i}] ({classes[y_test[i, 0]]})" for i in chosen]
all_outputs = [outputs] + [[keras.ops.convert_to_numpy(o)[0]
                             for o in extractor(image[np.newaxis])]
                           for image in images[1:]]

print(f"{'':<24} {'likeness':^26}  {'zeros':^17}")
print(f"{'image':<24} {'conv2d':>8} {'conv2d_1':>8} {'pooled':>8}  {'conv2d':>8} {'conv2d_1':>8}")
for name, image, layer_outputs in zip(names, images, all_outputs, strict=True):
    scores = [analysis.layer_likeness(layer_outputs[i], image) for i in (0, 2, 3)]
    print(f"{name:<24} " + " ".join(f"{score:>8.2f}" for score in scores)
          + f"  {np.mean(layer_outputs[0] == 0):>8.1%} {np.mean(layer_outputs[2] == 0):>8.1%}")

# %%
# The same maps for other images
# ------------------------------
# The figure below follows a few filters across images: each row is one image,
# first the input, then the three maps of the first convolution and the three
# maps of the second that respond most strongly on average over these images.
# Each column has its own colour scale, shared by all rows, so a row that is
# dark in a column is an image that filter does not respond to.
mean_response = {layer: np.mean([outs[layer].mean(axis=(0, 1)) for outs in all_outputs], axis=0)
                 for layer in (0, 2)}
columns = [(layer, int(n)) for layer in (0, 2)
           for n in np.argsort(mean_response[layer])[::-1][:3]]

figure, axes = plt.subplots(len(images), 1 + len(columns), figsize=(10, 1.45 * len(images) + 0.9),
                            layout="constrained", squeeze=False)
figure.suptitle("The most active feature maps of both convolutions, for five images",
                fontweight="bold")
for row, (name, image, layer_outputs) in enumerate(zip(names, images, all_outputs,
                                                       strict=True)):
    axes[row, 0].imshow(image, interpolation="nearest")
    axes[row, 0].set_ylabel(name.replace(" ", "\n"), rotation=0, ha="right", va="center")
    for column, (layer, n) in enumerate(columns, start=1):
        top = max(outs[layer][..., n].max() for outs in all_outputs) or 1.0
        axes[row, column].imshow(layer_outputs[layer][..., n], cmap="viridis", vmin=0,
                                 vmax=top, interpolation="nearest")
for column, (layer, n) in enumerate(columns, start=1):
    axes[0, column].set_title(f"{model.layers[layer].name}\nmap {n}", fontsize="medium")
axes[0, 0].set_title("input", fontsize="medium")
for axis in axes.ravel():
    axis.set_xticks([])
    axis.set_yticks([])
# sphinx_gallery_start_ignore
set_alt_text(figure,
             f"A grid of {len(images)} rows, one per image ("
             + ", ".join(name.split(" ")[1].strip("()") for name in names)
             + "), each showing the input and then the same six feature maps: "
             + ", ".join(f"{model.layers[layer].name} map {n}" for layer, n in columns)
             + ". Each column has one colour scale for all rows.")
# sphinx_gallery_end_ignore

# %%
# Conclusion
# ----------
# The first convolution's maps are filtered copies of the picture: edges,
# colours and bright or dark regions, still in the shape of the horse (the
# lesson page :ref:`feature-maps` draws them). The second convolution combines
# all of them, over a wider window. The tutorial
# calls its maps more abstract; the likeness scores turn that impression into
# a measurement, five images at a time here and over 500 on the lesson page.
# The share of zeros says how many positions each layer ignores. Pooling then
# halves the resolution and keeps the strongest responses. How distinct the
# layers become depends on training: compare the quick profile's few epochs
# with the full profile's 25.

plt.show()

# sphinx_gallery_thumbnail_number = 1
