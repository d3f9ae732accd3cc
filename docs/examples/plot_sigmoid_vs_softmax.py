"""
Sigmoid or softmax output?
==========================

The tutorial's network ends in ten sigmoid units and is trained with sparse
categorical cross-entropy, a loss meant for a softmax output. The lesson page
:ref:`network-output` explains the difference between the two outputs. This
example trains the network both ways and compares the learning curves, the
trained weights and the outputs themselves. Why the two train alike is shown,
with a check of the loss, in the :ref:`errata <erratum-sigmoid>`.
"""

# %%
# Train both versions
# -------------------
# The two networks differ only in the activation of the last layer
# (``output_activation``). Both are trained with the comparison schedule, the
# same data and the same seed, so they start from the same weights.
import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import PercentFormatter

import cnnlesson

# sphinx_gallery_start_ignore
from cnnlesson.plotting import set_alt_text  # the site's alt text for each figure

# sphinx_gallery_end_ignore

profile = cnnlesson.profiles.announce()
# The trained models of the site this example comes from, fetched when needed and checked;
# without them (offline, say) the models are trained here.
cnnlesson.use_site_models()
schedule = profile.comparison
print(f"Comparison schedule: {schedule}")
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

activations = ("sigmoid", "softmax")
results = {}
for activation in activations:
    print(f"--- {cnnlesson.describe_variant(output_activation=activation)} ---")
    results[activation] = cnnlesson.train_lesson_model(
        output_activation=activation, **schedule, verbose=2)

for activation, result in results.items():
    print(f"{activation:>8}: test accuracy {result.test_accuracy:.2%}, "
          f"test loss {result.test_loss:.4f}")

# %%
# The learning curves, side by side
# ---------------------------------
# Loss and accuracy per epoch, on the training data (measured during the
# epoch) and on the test data (after it). The softmax curves are drawn dashed
# with open markers, so that where they lie exactly on the sigmoid curves both
# stay visible.
epochs = np.arange(1, schedule["epochs"] + 1)
styles = {
    "sigmoid": {"color": "#0072B2", "marker": "o", "linestyle": "-", "markersize": 5},
    "softmax": {"color": "#D55E00", "marker": "s", "linestyle": "--", "markersize": 10,
                "markerfacecolor": "none"},
}
figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(9, 3.8),
                                                  layout="constrained")
figure.suptitle("Sigmoid and softmax output: loss and accuracy per epoch",
                fontweight="bold")
for activation, result in results.items():
    for split, prefix in (("train", ""), ("test", "val_")):
        style = dict(styles[activation], alpha=1.0 if split == "test" else 0.5)
        label = f"{activation}, {split}"
        loss_axis.plot(epochs, result.history[f"{prefix}loss"], label=label, **style)
        accuracy_axis.plot(epochs, result.history[f"{prefix}accuracy"], label=label,
                           **style)
loss_axis.set(title="Loss", xlabel="epoch", ylabel="loss (as Keras reports it)",
              xticks=epochs)
accuracy_axis.set(title="Accuracy", xlabel="epoch", ylabel="accuracy", xticks=epochs,
                  ylim=(0, 1))
accuracy_axis.yaxis.set_major_formatter(PercentFormatter(xmax=1))
for axis in (loss_axis, accuracy_axis):
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")

largest_gap = max(abs(a - b)
                  for key in ("loss", "val_loss", "accuracy", "val_accuracy")
                  for a, b in zip(results["sigmoid"].history[key],
                                  results["softmax"].history[key], strict=True))
print(f"Largest difference between the two runs' curves: {largest_gap:.2e}")
# sphinx_gallery_start_ignore
set_alt_text(figure,
             f"Loss and accuracy over {len(epochs)} epochs for the sigmoid and softmax "
             "networks, on training and test data. Final test accuracy: sigmoid "
             f"{results['sigmoid'].test_accuracy:.1%}, "
             f"softmax {results['softmax'].test_accuracy:.1%}; "
             f"the two networks' curves differ by at most {largest_gap:.2g}.")
# sphinx_gallery_end_ignore

# %%
# Did the two trainings compute the same thing?
# ---------------------------------------------
# With Keras' TensorFlow backend, the cross-entropy loss does not take a
# sigmoid (or softmax) output at face value: it computes the softmax
# cross-entropy of the numbers that entered the activation, the *logits*.
# The :ref:`errata <erratum-sigmoid>` check this with ``model.evaluate``. If
# that holds, the two networks receive the same gradients from the same
# starting weights and should end with the same weights. Compare them:
sigmoid_weights = results["sigmoid"].model.get_weights()
softmax_weights = results["softmax"].model.get_weights()
weight_gap = max(float(np.abs(a - b).max())
                 for a, b in zip(sigmoid_weights, softmax_weights, strict=True))
print(f"Largest difference between the trained weights: {weight_gap:.2e}")
same_training = weight_gap < 1e-4
print("Verdict: the two trainings did the same computation" if same_training else
      "Verdict: the two trainings differ beyond rounding error")

# %%
# A framework whose loss took the sigmoid outputs at face value would train
# the two networks differently. The activation's effect is on what
# ``model.predict`` returns.
#
# What the outputs mean
# ---------------------
# The softmax outputs of an image add up to 1; the sigmoid outputs are the
# same logits squashed one by one (:ref:`network-output`), so their sum can be
# anything between 0 and 10. How far from 1 are they for the trained network?
(_, _), (x_test, y_test) = cnnlesson.load_cifar10(subset=schedule["subset"])
x_test = cnnlesson.scale_images(x_test)
y_true = y_test.reshape(-1)
outputs = {activation: results[activation].model.predict(x_test, batch_size=256,
                                                          verbose=0)
           for activation in activations}
sums = {activation: outputs[activation].sum(axis=1) for activation in activations}
for activation in activations:
    low, median, high = np.percentile(sums[activation], [0, 50, 100])
    print(f"{activation:>8}: sum of the ten outputs per image: min {low:.3f}, "
          f"median {median:.3f}, max {high:.3f}")
agree = np.mean(outputs["sigmoid"].argmax(axis=1) == outputs["softmax"].argmax(axis=1))
print(f"The two networks predict the same class for {agree:.2%} of the test images")
# sphinx_gallery_start_ignore
assert np.allclose(sums["softmax"], 1.0, atol=1e-4)
# sphinx_gallery_end_ignore

figure, axis = plt.subplots(figsize=(7, 3.8), layout="constrained")
bins = np.linspace(0, max(10.0, sums["sigmoid"].max()), 81)
axis.hist(sums["sigmoid"], bins=bins, color="#56B4E9", edgecolor="#0072B2",
          label="sigmoid output")
axis.axvline(1.0, color="#D55E00", linestyle="--", linewidth=2,
             label="softmax output (always 1)")
axis.set(xlabel="sum of the ten outputs for one test image",
         ylabel="number of test images",
         title="Sum of the output 'probabilities' per test image", xlim=(0, bins[-1]))
axis.legend()
# sphinx_gallery_start_ignore
set_alt_text(figure,
             "Histogram of the sum of the ten sigmoid outputs per test image: from "
             f"{sums['sigmoid'].min():.2f} to {sums['sigmoid'].max():.2f}, median "
             f"{np.median(sums['sigmoid']):.2f}. A dashed line at 1 marks the softmax "
             "network, whose outputs always sum to 1.")
# sphinx_gallery_end_ignore

# %%
# One image, read both ways
# -------------------------
# For the first test image, the three largest outputs of each network. The
# softmax numbers can be read as the network's confidence; the sigmoid numbers
# cannot, since several classes may score high at once.
classes = cnnlesson.CIFAR10_CLASSES
print(f"x_test[0] is a {classes[y_true[0]]}")
for activation in activations:
    top = np.argsort(outputs[activation][0])[::-1][:3]
    print(f"{activation:>8}: "
          + ", ".join(f"{classes[i]} {outputs[activation][0, i]:.3f}" for i in top)
          + f"  (all ten sum to {sums[activation][0]:.3f})")

# %%
# Conclusion
# ----------
# With Keras and TensorFlow, the tutorial's sigmoid output does no harm to
# training: the loss works on the logits, exactly as it does for a softmax,
# and the verdict above says whether the two trainings were in fact
# identical. What the sigmoid spoils is the output itself: its ten numbers are
# not a probability distribution, so they cannot be read as confidences, and
# any code that relies on them adding up to 1 (thresholds, calibration,
# averaging models) is wrong. In numbers:
for activation in activations:
    print(f"{activation:>8}: test accuracy {results[activation].test_accuracy:.2%}, "
          f"outputs sum to {np.median(sums[activation]):.2f} for the median image")
print(f"Same predicted class on {agree:.2%} of test images; largest weight "
      f"difference {weight_gap:.1e}")

plt.show()

# sphinx_gallery_thumbnail_number = 2
