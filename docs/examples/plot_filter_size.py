"""
Filter size: 1×1, 3×3, 5×5 or 7×7?
==================================

The tutorial calls the filter size the key hyperparameter of a convolutional
layer: it sets the receptive field, the patch of the image a filter sees.
Larger filters see more at once but cost more, and too large a filter blurs
small details. This example trains the lesson's network four times, changing
only the size of both convolutions, and puts the trade-off in numbers:
parameters, receptive field, computation, training time and test accuracy.
"""

# %%
# The comparison schedule
# -----------------------
# Four trainings of the full 25-epoch recipe would take hours, so every variant
# in a comparison is trained with the shorter schedule of
# ``profile.comparison``. All four get the same schedule, data and seed; only
# the filter size differs. The 3×3 variant is the lesson's network, trained on
# that shorter schedule.
import matplotlib.pyplot as plt
import numpy as np

import cnnlesson
from cnnlesson.analysis import (
    forward_flops_per_image,
    parameter_table,
    receptive_field,
    total_parameters,
)
from cnnlesson.plotting import plot_variant_comparison
from cnnlesson.uncertainty import compare_accuracies, n_test_images

# sphinx_gallery_start_ignore
from cnnlesson.analysis import conv2d_params  # the site checks the table against it
from cnnlesson.plotting import set_alt_text  # the site's alt text for each figure

# sphinx_gallery_end_ignore

profile = cnnlesson.profiles.announce()
# The trained models of the site this example comes from, fetched when needed and checked;
# without them (offline, say) the models are trained here.
cnnlesson.use_site_models()
schedule = profile.comparison
print(f"Comparison schedule: {schedule}")

# %%
# What the filter size changes, before any training
# -------------------------------------------------
# A ``Conv2D`` layer with a k×k kernel, C input channels and F filters has
# k·k·C·F weights and F biases. The lesson's first convolution has C = 3 and
# F = 32; the second C = F = 32. The receptive field of one output pixel of
# the second convolution is 2k − 1 pixels wide, and the 2×2 max pooling after
# it adds one more, since each pooled value covers two neighbouring positions.
# The padding is ``same``, so the maps stay 32×32 whatever k is, and the dense
# layer after the pooling, which holds most of the parameters, does not
# change.
sizes = (1, 3, 5, 7)
print(f"{'filter':>6}  {'conv2d':>7}  {'conv2d_1':>8}  {'conv params':>11}  "
      f"{'total params':>12}  {'field (convs)':>13}  {'field (pooled)':>14}  "
      f"{'MFLOPs':>7}")
designs = {}
for k in sizes:
    model = cnnlesson.build_lesson_model(conv_kernel_sizes=(k, k), compile=False)
    table = {row.name: row.formula for row in parameter_table(model)}
    # sphinx_gallery_start_ignore
    assert table["conv2d"] == conv2d_params(k, 3, 32)
    assert table["conv2d_1"] == conv2d_params(k, 32, 32)
    # sphinx_gallery_end_ignore
    designs[k] = {
        "conv_params": table["conv2d"] + table["conv2d_1"],
        "total_params": total_parameters(model),
        "field_convs": receptive_field([k, k]).size,
        "field_pooled": receptive_field(model).size,
        "mflops": forward_flops_per_image(model) / 1e6,
    }
    d = designs[k]
    print(f"{k}×{k}:".rjust(6)
          + f"  {table['conv2d']:>7,}  {table['conv2d_1']:>8,}  "
          f"{d['conv_params']:>11,}  {d['total_params']:>12,}  "
          f"{d['field_convs']:>13}  {d['field_pooled']:>14}  {d['mflops']:>7.1f}")
dense = table["dense"] + table["dense_1"]
print(f"The two dense layers hold {dense:,} parameters in every variant: "
      f"{dense / designs[7]['total_params']:.1%} of the 7×7 network's total.")

# %%
# The convolutions' parameters grow as k², from a few hundred to tens of
# thousands, yet the total barely moves: the dense layers dominate. The
# computation is another story. A convolution applies its kernel at every one
# of the 32×32 positions, so its multiply-adds grow as k² too, and for k above
# 1 they are most of the network's work. The MFLOPs column (forward pass, one
# image, two FLOPs per multiply-add) is the cost training time should follow;
# the measurements below check it.

# %%
# Train the four variants
# -----------------------
# Each line below is one epoch. A trained variant is kept on disk, so a variant
# trained before (the 3×3 one is shared with the other comparisons) is loaded
# instead of trained again, and prints no epochs.
results = {}
for k in sizes:
    print(f"--- {cnnlesson.describe_variant((k, k))} ---")
    results[k] = cnnlesson.train_lesson_model(conv_kernel_sizes=(k, k), **schedule,
                                              verbose=2)

# %%
# The results
# -----------
# Each accuracy is printed with its standard error (:ref:`standard-error`
# explains it). Training time was measured when each variant was trained, on
# whatever machine built the page, possibly busy with other work, so it is a
# rough guide.
verdicts = compare_accuracies(
    {f"{k}×{k}": results[k].test_accuracy for k in sizes}, n_test_images(schedule),
    decisive=profile.is_lesson_recipe)
print(f"{'filter':>6}  {'test acc':>8}  {'± s.e.':>6}  {'train time':>10}  "
      f"{'fastest epoch':>13}  {'images/s':>8}")
rows = []
for k, verdict in zip(sizes, verdicts, strict=True):
    r = results[k]
    per_epoch = float(np.min(r.history["epoch_seconds"]))
    print(f"{k}×{k}:".rjust(6)
          + f"  {r.test_accuracy:>8.1%}  {verdict.standard_error:>6.1%}  "
          f"{r.train_seconds:>9.0f}s  {per_epoch:>12.1f}s  "
          f"{r.images_per_second:>8,.0f}")
    rows.append({"name": f"{k}×{k}", "test_accuracy": r.test_accuracy,
                 "train_seconds": r.train_seconds, "per_epoch": per_epoch})

figure = plot_variant_comparison(
    rows, "test_accuracy", annotate="train_seconds",
    annotate_format="{:.0f} s training",
    xlabel="filter size of both convolutions", ylabel="test accuracy",
    title=f"Test accuracy by filter size ({schedule['epochs']} epochs, "
          f"{schedule['subset'] or 50_000:,} training images)")

# %%
# Cost against filter size
# ------------------------
# The figure sets the design numbers next to the measured time, each relative
# to the lesson's 3×3 network, on a logarithmic scale. The dotted line is
# (k/3)², the growth of a convolution's cost with its size. The time per epoch
# is each variant's fastest epoch (training plus the evaluation on the test
# images), which leaves out the one-off cost of compiling the training step in
# the first epoch.
ks = np.array(sizes)
reference = sizes.index(3)
series = {
    "parameters of the two convolutions": (
        np.array([designs[k]["conv_params"] for k in sizes]), "#0072B2", "o", "-"),
    "forward FLOPs per image (whole network)": (
        np.array([designs[k]["mflops"] for k in sizes]), "#D55E00", "s", "--"),
    "measured seconds per epoch": (
        np.array([row["per_epoch"] for row in rows]), "#009E73", "^", "-."),
}
figure, axis = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for label, (values, colour, marker, style) in series.items():
    axis.plot(ks, values / values[reference], color=colour, marker=marker,
              linestyle=style, label=label)
axis.plot(ks, (ks / 3) ** 2, ":", color="#000000", label="(k/3)², for reference")
ticks = [0.1, 0.3, 1, 3, 10]
axis.set(yscale="log", xticks=ks, xlabel="filter size k of both convolutions",
         ylabel="relative to the 3×3 network (log scale)",
         title="What a larger filter costs, relative to 3×3")
axis.set_xticklabels([f"{k}×{k}" for k in sizes])
axis.set_yticks(ticks, [f"{t:g}×" for t in ticks])
axis.minorticks_off()
axis.grid(alpha=0.3)
axis.legend(loc="upper left", fontsize="small")
relative = {label: ", ".join(f"{v / values[reference]:.2f}" for v in values)
            for label, (values, *_) in series.items()}
# sphinx_gallery_start_ignore
set_alt_text(figure,
             "Line chart on a logarithmic scale of costs relative to the 3×3 network "
             "for filter sizes " + ", ".join(f"{k}×{k}" for k in sizes) + ". "
             + " ".join(f"{label[0].upper() + label[1:]}: {text}."
                        for label, text in relative.items())
             + " A dotted reference line shows (k/3) squared.")
# sphinx_gallery_end_ignore

# %%
# Conclusion
# ----------
# The filter size is cheap in parameters here and expensive in computation:
# the two convolutions' weights and multiply-adds grow as k², while the total
# parameter count hardly changes because the dense layer holds almost all of
# it. The receptive field grows linearly with k. Whether the wider view pays
# off in accuracy is what the training runs measure, with one run per size and
# the short comparison schedule.
# :func:`cnnlesson.uncertainty.compare_accuracies` words each size by the
# lesson's one rule (:ref:`standard-error`): a size is best only when its lead
# over every other is beyond the noise (more than two standard errors of the
# difference), worse only when it trails the best by that much, and
# inconclusive otherwise; on a schedule too short to decide, every difference
# is too short to decide, however large. The verdicts of this run, with how far
# each size trails the most accurate one:
for verdict in verdicts:
    place = (f"{verdict.behind_best:.1f} standard errors behind" if verdict.behind_best
             else "the most accurate")
    print(f"{verdict.name}: {verdict.accuracy:.1%} ± {verdict.standard_error:.1%}, "
          f"{place}: {verdict.verdict}")
slower = rows[sizes.index(7)]["per_epoch"] / rows[reference]["per_epoch"]
print(f"Fastest epoch, 7×7 against 3×3: {slower:.1f}×; "
      f"forward FLOPs: {designs[7]['mflops'] / designs[3]['mflops']:.1f}×")

# %%
# The 1×1 variant is the extreme: each of its filters sees a single pixel and
# mixes only its colour channels, so until the pooling the network cannot see
# shape at all. 3×3 is the smallest size that sees a pixel's neighbours, which
# is one reason it is the usual choice; the next example asks whether two
# stacked 3×3 filters can stand in for one 5×5.

plt.show()

# sphinx_gallery_thumbnail_number = 2
