"""
What the first convolution learned: its 32 kernels
==================================================

The first layer of the lesson's network is a ``Conv2D`` with 32 filters of
size 3×3. Each filter is a small stack of weights, one 3×3 slice per colour
channel of the input. Because the first layer looks directly at pixels, its
weights can be drawn as tiny images and read: this example shows them after
training, next to the random weights training started from.
"""

# %%
# The trained network
# -------------------
# The model comes from :func:`cnnlesson.train_lesson_model` with the current
# profile's schedule for the lesson's network; if it was trained before, it is
# loaded from disk.
import matplotlib.pyplot as plt
import numpy as np

import cnnlesson
from cnnlesson.plotting import plot_kernels

# sphinx_gallery_start_ignore
from cnnlesson.plotting import describe, set_alt_text  # the site's alt text for each figure

# sphinx_gallery_end_ignore

profile = cnnlesson.profiles.announce()
# The trained models of the site this example comes from, fetched when needed and checked;
# without them (offline, say) the models are trained here.
cnnlesson.use_site_models()
print(f"Schedule of the lesson's network: {profile.lesson}")
result = cnnlesson.train_lesson_model(**profile.lesson, verbose=2)
print(f"Test accuracy of this model: {result.test_accuracy:.1%}")

# %%
# The kernel's shape
# ------------------
# As in the tutorial, the first layer is ``model.layers[0]`` and its weights are
# in ``.kernel``. The shape reads: height, width, input channels, filters. Each
# filter ``n`` is ``kernel[:, :, :, n]``, one 3×3 slice per input channel (red,
# green, blue), and each filter makes one feature map.
layer = result.model.layers[0]
kernel, bias = (np.asarray(weights) for weights in layer.get_weights())
print(f"Layer {layer.name!r}: kernel shape {kernel.shape}, bias shape {bias.shape}")
# sphinx_gallery_start_ignore
assert layer.name == "conv2d" and kernel.shape == (3, 3, 3, 32)
# sphinx_gallery_end_ignore
print(f"Weights: {kernel.size} in the kernel + {bias.size} biases = "
      f"{kernel.size + bias.size} parameters")

# %%
# Each filter as a colour image
# -----------------------------
# Drawing the three slices of a filter as the red, green and blue channels of
# one 3×3 image shows which colour pattern excites the filter most: the input
# patch that best matches it looks like this picture. Each filter is stretched
# to its own range, so this view shows patterns, not strengths. A filter whose
# three slices are alike is drawn in greys and responds to brightness; a
# filter with a coloured picture prefers one colour over another.
rgb_view = plot_kernels(kernel, title="Trained first-layer filters as colour images")
# sphinx_gallery_start_ignore
set_alt_text(rgb_view,
             "The trained first layer of the lesson's network. " + describe(rgb_view))
# sphinx_gallery_end_ignore

# %%
# Where training started
# ----------------------
# The same kernel as signed weights, one 3×3 slice per input channel, is on
# the lesson page :ref:`feature-maps`, which also computes one feature map
# from it by hand. This example stays with the colour view and asks what
# training changed.
#
# The network was built with a fixed seed, so rebuilding it with the same seed
# gives the exact random weights training started from (Glorot uniform).
# Drawn the same way as above, they are noise with no preferred structure.
initial_layer = cnnlesson.build_lesson_model(seed=result.recipe["seed"]).layers[0]
initial = np.asarray(initial_layer.get_weights()[0])
initial_view = plot_kernels(initial,
                            title="The same filters before training (random initial weights)")
# sphinx_gallery_start_ignore
set_alt_text(initial_view,
             "The first layer's random weights before training. "
             + describe(initial_view))
# sphinx_gallery_end_ignore

change = np.linalg.norm(kernel - initial) / np.linalg.norm(initial)
print(f"Size of the change made by training, relative to the initial weights: {change:.2f}")
print(f"Largest absolute weight: before {np.abs(initial).max():.3f}, "
      f"after {np.abs(kernel).max():.3f}")

# %%
# Brightness or colour?
# ---------------------
# Every filter can be split into a *grey part*, the same 3×3 pattern on all
# three channels (the average of the three slices), and a *colour part*, what
# is left. The grey part responds to brightness whatever the colour; the colour
# part responds to differences between channels. The share of a filter's
# squared weights in its colour part measures how much the filter cares about
# colour. For random weights the expected share is 2/3, because the grey part
# is one direction out of three per pixel.


def colour_share(kernels):
    """Share of each filter's squared weights that differs between the channels."""
    grey = kernels.mean(axis=2, keepdims=True)
    colour = kernels - grey
    return (colour**2).sum(axis=(0, 1, 2)) / (kernels**2).sum(axis=(0, 1, 2))


share_before, share_after = colour_share(initial), colour_share(kernel)
print(f"Mean colour share: before training {share_before.mean():.2f}, "
      f"after training {share_after.mean():.2f} (random weights: 0.67 expected)")
order = np.argsort(share_after)
print("Most brightness-like filters:", ", ".join(f"{n} ({share_after[n]:.2f})"
                                                 for n in order[:4]))
print("Most colour-like filters:   ", ", ".join(f"{n} ({share_after[n]:.2f})"
                                                 for n in order[::-1][:4]))

figure, axis = plt.subplots(figsize=(8, 3.4), layout="constrained")
positions = np.arange(kernel.shape[-1])
axis.bar(positions - 0.2, share_before, width=0.4, color="#999999", label="before training")
axis.bar(positions + 0.2, share_after, width=0.4, color="#0072B2", label="after training")
axis.axhline(2 / 3, color="#D55E00", linestyle="--", label="expected for random weights")
axis.set(xlabel="filter", ylabel="share of squared weights in colour part", ylim=(0, 1.2),
         yticks=np.linspace(0, 1, 6),
         title="How much each first-layer filter depends on colour rather than brightness")
axis.set_xticks(positions[::2])
axis.legend(loc="upper right", fontsize="small", ncols=3)
axis.grid(axis="y", alpha=0.3)
# sphinx_gallery_start_ignore
set_alt_text(figure,
             f"Bar chart of the colour share of each of the 32 first-layer filters, before "
             f"and after training: mean {share_before.mean():.2f} before, {share_after.mean():.2f} "
             f"after, from {share_after.min():.2f} (filter {order[0]}) to {share_after.max():.2f} "
             f"(filter {order[-1]}) after training; a dashed line marks 2/3, the value expected "
             "for random weights.")
# sphinx_gallery_end_ignore

# %%
# The max-norm constraint
# -----------------------
# The tutorial constrains the convolution's weights with ``MaxNorm(3)``. Keras
# applies this constraint along ``axis=0`` unless told otherwise: it limits the
# norm of every vector ``kernel[:, j, c, n]`` (one column of one slice, three
# weights), not the norm of a whole filter. Keras documents ``axis=[0, 1, 2]``
# for a per-filter limit on a ``Conv2D`` kernel. After training, how close do
# the weights come to either limit?
config = layer.kernel_constraint.get_config()
print(f"Constraint of {layer.name!r}: {type(layer.kernel_constraint).__name__}({config})")
column_norms = np.sqrt((kernel**2).sum(axis=tuple(np.atleast_1d(config["axis"]))))
filter_norms = np.sqrt((kernel**2).sum(axis=(0, 1, 2)))
print(f"Largest norm along the constrained axis: {column_norms.max():.3f} "
      f"(limit {config['max_value']})")
print(f"Largest norm of a whole filter: {filter_norms.max():.3f}")
# sphinx_gallery_start_ignore
assert column_norms.max() <= config["max_value"] * (1 + 1e-4)
# sphinx_gallery_end_ignore
binding = column_norms.max() >= 0.99 * config["max_value"]
print(f"Does the constraint bind on this layer? {'yes' if binding else 'no'}")

# %%
# Conclusion
# ----------
# The first layer's 32 filters started as random noise and were shaped by
# training; the printed relative change says by how much. How much structure
# they show depends on how long the network trained: the full profile's 25
# epochs on all of CIFAR-10 give clearer patterns than the quick profile's. The
# colour share separates filters that detect brightness patterns, such as
# edges, from filters that detect colour; a mean share below the random 2/3
# means training moved the filters towards brightness. Finally, the tutorial's
# ``MaxNorm(3)`` on this layer limits three-weight columns, not filters, and
# the printed norms say whether it ever came into play.

plt.show()

# sphinx_gallery_thumbnail_number = 1
