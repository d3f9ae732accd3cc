"""
Two stacked 3×3 convolutions or one 5×5?
========================================

The tutorial repeats a rule behind VGG and most networks since: two 3×3
convolutions in a row see a 5×5 window of the image, as one 5×5 convolution
does, but with fewer parameters (2·9·C² weights against 25·C² for C channels
in and out), so small stacked filters are preferred. This example checks the
window and the count, shows that the rule's parameter saving does not hold
for the lesson's first layer, and trains both versions of the lesson's
network.
"""

# %%
# The rule, for C channels in and out
# -----------------------------------
# :func:`cnnlesson.analysis.conv2d_params` counts a ``Conv2D`` layer's weights
# and biases; :func:`cnnlesson.analysis.receptive_field` gives the width of the
# input window one output pixel depends on.
import matplotlib.pyplot as plt
import numpy as np

import cnnlesson
from cnnlesson.analysis import (
    apply_conv2d,
    conv2d_params,
    forward_flops_per_image,
    parameter_table,
    receptive_field,
    stacked_vs_single_check,
)
from cnnlesson.plotting import plot_variant_comparison, set_alt_text

print(f"Receptive field of two stacked 3×3: {receptive_field([3, 3]).size}×"
      f"{receptive_field([3, 3]).size}; of one 5×5: {receptive_field([5]).size}×"
      f"{receptive_field([5]).size}")
assert receptive_field([3, 3]).size == receptive_field([5]).size == 5

print(f"{'C':>4}  {'two 3×3':>9}  {'one 5×5':>9}  {'ratio':>5}")
for channels in (3, 16, 32, 64, 256):
    stacked = 2 * conv2d_params(3, channels, channels)
    single = conv2d_params(5, channels, channels)
    assert stacked - 2 * channels == 2 * 9 * channels**2   # weights only, biases apart
    assert single - channels == 25 * channels**2
    print(f"{channels:>4}  {stacked:>9,}  {single:>9,}  {stacked / single:>5.2f}")

# %%
# With biases the ratio tends to 18/25 = 0.72 as C grows: the stack saves
# 28% of the weights and adds a second nonlinearity.
#
# Same window, different weighting
# --------------------------------
# "Sees a 5×5 window" does not mean "looks at it the same way". Send a single
# bright pixel through filters whose weights are all 1 and count how many
# paths lead from each input pixel to one output pixel. One 5×5 filter has one
# path from each pixel of its window. Two stacked 3×3 filters have up to nine
# paths from the centre and only one from each corner: their window is 5×5,
# but it weighs the centre more. Luo et al. (2016) call this the *effective*
# receptive field, and it is smaller than the nominal one.
impulse = np.zeros((7, 7, 1))
impulse[3, 3, 0] = 1.0
ones3, ones5 = np.ones((3, 3, 1, 1)), np.ones((5, 5, 1, 1))
paths = {
    "one 3×3": apply_conv2d(impulse, ones3, padding="same")[..., 0],
    "two stacked 3×3": apply_conv2d(apply_conv2d(impulse, ones3, padding="same"), ones3,
                                    padding="same")[..., 0],
    "one 5×5": apply_conv2d(impulse, ones5, padding="same")[..., 0],
}
for name, counts in paths.items():
    print(f"{name:>16}: window {np.count_nonzero(counts.any(axis=0))}×"
          f"{np.count_nonzero(counts.any(axis=1))}, paths from the centre "
          f"{counts[3, 3]:.0f}, from a corner of the window "
          f"{counts[np.nonzero(counts)][0]:.0f}")

figure, axes = plt.subplots(1, 3, figsize=(9, 3.4), layout="constrained")
figure.suptitle("Paths from each input pixel to the output pixel at the centre "
                 "(all weights 1)", fontweight="bold")
top = max(counts.max() for counts in paths.values())
for axis, (name, counts) in zip(axes, paths.items(), strict=True):
    image = axis.imshow(counts, cmap="viridis", vmin=0, vmax=top)
    for (row, column), value in np.ndenumerate(counts):
        if value:
            axis.text(column, row, f"{value:.0f}", ha="center", va="center",
                      color="black" if value > top / 2 else "white", fontsize="small")
    axis.set(title=name, xlabel="input column", ylabel="input row",
             xticks=range(7), yticks=range(7))
figure.colorbar(image, ax=axes, shrink=0.8, label="number of paths")
set_alt_text(figure,
             "Three 7×7 grids counting the paths from each input pixel to the output pixel "
             "at the centre, with all weights 1. One 3×3 filter reaches a 3×3 window, one path per "
             "pixel. Two stacked 3×3 filters reach a 5×5 window, with "
             f"{paths['two stacked 3×3'][3, 3]:.0f} paths from the centre falling to 1 at the "
             "corners. One 5×5 filter reaches the same 5×5 window with one path per pixel.")

# %%
# Two linear 3×3 layers *are* one 5×5 layer (the composed kernel reproduces
# them exactly); with a ReLU between them no single 5×5 kernel can reproduce
# the pair. :func:`cnnlesson.analysis.stacked_vs_single_check` measures both on
# random data: the residual is the part of the stack's output that the best
# single 5×5 kernel, fitted by least squares, cannot explain (0 means exact).
check = stacked_vs_single_check()
print(f"Linear stack vs its composed 5×5 kernel, largest difference: "
      f"{check.linear_max_abs_diff:.1e}")
print(f"Best 5×5 fit to the linear stack, relative residual: {check.linear_fit_residual:.1e}")
print(f"Best 5×5 fit to the stack with a ReLU, relative residual: "
      f"{check.relu_fit_residual:.2f}")
assert check.linear_fit_residual < 1e-6 < check.relu_fit_residual

# %%
# In the lesson's network
# -----------------------
# The lesson's two 3×3 convolutions are not C → C: the first reads the 3
# colour channels of the image and writes 32 maps. Replacing both by a single
# 5×5 convolution (``conv_kernel_sizes=(5,)``) gives one layer from 3 to 32
# channels, and the parameter comparison turns around: the stack pays for a
# whole second layer of 32 × 32 channels.
variants = {"two 3×3": (3, 3), "one 5×5": (5,)}
designs = {}
for name, kernel_sizes in variants.items():
    model = cnnlesson.build_lesson_model(conv_kernel_sizes=kernel_sizes, compile=False)
    convs = [row for row in parameter_table(model) if row.kind == "Conv2D"]
    designs[name] = {
        "conv_params": sum(row.formula for row in convs),
        "total_params": model.count_params(),
        "field": receptive_field([layer for layer in model.layers
                                  if layer.name.startswith("conv2d")]).size,
        "mflops": forward_flops_per_image(model) / 1e6,
        "layers": ", ".join(f"{row.name} {row.formula:,}" for row in convs),
    }
    d = designs[name]
    print(f"{name}: {d['layers']}; convolution parameters {d['conv_params']:,}, total "
          f"{d['total_params']:,}, receptive field {d['field']}×{d['field']}, "
          f"{d['mflops']:.1f} forward MFLOPs per image (whole network)")

# %%
# Train both
# ----------
# Both variants are trained with the comparison schedule, the same data and
# the same seed. The two-3×3 network is the lesson's, and is shared with the
# other comparisons through the training cache.
profile = cnnlesson.profiles.announce("plot_stacked_vs_single")
schedule = profile.comparison
n_test = 10_000 if schedule["subset"] is None else schedule["subset"]
print(f"Build profile: {profile.name}; comparison schedule: {schedule}")
results = {}
for name, kernel_sizes in variants.items():
    print(f"--- {cnnlesson.describe_variant(kernel_sizes)} ---")
    results[name] = cnnlesson.train_lesson_model(conv_kernel_sizes=kernel_sizes, **schedule,
                                                 verbose=2)
    if results[name].from_cache:
        print("(loaded from the training cache)")

rows = []
for name, result in results.items():
    se = np.sqrt(result.test_accuracy * (1 - result.test_accuracy) / n_test)
    fastest = min(result.history["epoch_seconds"])
    print(f"{name}: test accuracy {result.test_accuracy:.1%} ± {se:.1%}, training "
          f"{result.train_seconds:.0f} s, fastest epoch {fastest:.1f} s")
    rows.append({"name": name, "test_accuracy": result.test_accuracy,
                 "train_seconds": result.train_seconds, "se": se})

figure = plot_variant_comparison(
    rows, "test_accuracy", annotate="train_seconds", annotate_format="{:.0f} s training",
    xlabel="convolutions of the lesson's network", ylabel="test accuracy",
    title=f"Two 3×3 or one 5×5\n({schedule['epochs']} epochs, "
          f"{schedule['subset'] or 50_000:,} training images)")

# %%
# Conclusion
# ----------
# Two stacked 3×3 convolutions do see the same 5×5 window as one 5×5
# convolution, but they weigh its centre more, and with a ReLU between them
# they compute something no single 5×5 filter can. Their parameter saving is
# real for layers with the same number of channels in and out, 2·9·C² against
# 25·C², which is how VGG uses them (Simonyan and Zisserman, 2014). At the
# lesson's first layer, which reads three colour channels, the comparison
# reverses: the stack costs more parameters and more computation than one 5×5
# layer, because its second layer is a whole 32-to-32 convolution. What this
# buys in accuracy is measured above; with one run each, a gap within about
# two standard errors is not evidence either way:
gap = results["two 3×3"].test_accuracy - results["one 5×5"].test_accuracy
two_se = 2 * np.hypot(rows[0]["se"], rows[1]["se"])
print(f"Two 3×3 minus one 5×5: {100 * gap:+.1f} percentage points "
      f"(two standard errors: {100 * two_se:.1f})")
print("Verdict:", "the difference is within the noise" if abs(gap) <= two_se else
      ("the stack is better" if gap > 0 else "the single 5×5 is better"))
ratio = designs["two 3×3"]["mflops"] / designs["one 5×5"]["mflops"]
print(f"Forward computation of the whole network, two 3×3 against one 5×5: {ratio:.1f}×")

plt.show()

# sphinx_gallery_thumbnail_number = 1
