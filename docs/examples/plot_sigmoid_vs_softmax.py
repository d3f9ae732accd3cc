"""
Sigmoid or softmax output?
==========================

The tutorial's network ends in ten sigmoid units and is trained with sparse
categorical cross-entropy, a loss meant for a softmax output: one probability
distribution over the ten classes. A sigmoid gives ten independent numbers
between 0 and 1 that need not add up to 1. This example trains the network
both ways and compares the learning curves, the accuracies and the outputs
themselves, and it finds out why the two trainings behave as they do.
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
from cnnlesson.plotting import set_alt_text

profile = cnnlesson.profiles.announce("plot_sigmoid_vs_softmax")
schedule = profile.comparison
print(f"Build profile: {profile.name}; comparison schedule: {schedule}")
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

activations = ("sigmoid", "softmax")
results = {}
for activation in activations:
    print(f"--- {cnnlesson.describe_variant(output_activation=activation)} ---")
    results[activation] = cnnlesson.train_lesson_model(output_activation=activation,
                                                       **schedule, verbose=2)
    if results[activation].from_cache:
        print("(loaded from the training cache)")

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
styles = {"sigmoid": {"color": "#0072B2", "marker": "o", "linestyle": "-", "markersize": 5},
          "softmax": {"color": "#D55E00", "marker": "s", "linestyle": "--", "markersize": 10,
                      "markerfacecolor": "none"}}
figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
figure.suptitle("Sigmoid and softmax output: loss and accuracy per epoch", fontweight="bold")
for activation, result in results.items():
    for split, prefix in (("train", ""), ("test", "val_")):
        style = dict(styles[activation], alpha=1.0 if split == "test" else 0.5)
        label = f"{activation}, {split}"
        loss_axis.plot(epochs, result.history[f"{prefix}loss"], label=label, **style)
        accuracy_axis.plot(epochs, result.history[f"{prefix}accuracy"], label=label, **style)
loss_axis.set(title="Loss", xlabel="epoch", ylabel="loss (as Keras reports it)", xticks=epochs)
accuracy_axis.set(title="Accuracy", xlabel="epoch", ylabel="accuracy", xticks=epochs,
                  ylim=(0, 1))
accuracy_axis.yaxis.set_major_formatter(PercentFormatter(xmax=1))
for axis in (loss_axis, accuracy_axis):
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")

largest_gap = max(abs(a - b) for key in ("loss", "val_loss", "accuracy", "val_accuracy")
                  for a, b in zip(results["sigmoid"].history[key],
                                  results["softmax"].history[key], strict=True))
print(f"Largest difference between the two runs' curves: {largest_gap:.2e}")
set_alt_text(figure,
             f"Loss and accuracy over {len(epochs)} epochs for the sigmoid and softmax "
             "networks, on training and test data. Final test accuracy: sigmoid "
             f"{results['sigmoid'].test_accuracy:.1%}, "
             f"softmax {results['softmax'].test_accuracy:.1%}; "
             f"the two networks' curves differ by at most {largest_gap:.2g}.")

# %%
# Why the curves coincide (or nearly)
# -----------------------------------
# Both layers compute the same ten numbers z = Wh + b (the *logits*) and then
# apply their activation. Keras's cross-entropy does not take the sigmoid
# outputs at face value: when the activation is Keras's own sigmoid or softmax,
# the loss reads the logits z that the activation stored on its output and
# computes the softmax cross-entropy of z, log Σ exp(z_j) − z_y. So with a
# sigmoid output, the network is *trained* exactly like a softmax network, and
# since the sigmoid is increasing, the largest output is the same class either
# way. Below we recompute the logits of the trained sigmoid network and check
# which formula gives the loss Keras reported.
(_, _), (x_test, y_test) = cnnlesson.load_cifar10(subset=schedule["subset"])
x_test = cnnlesson.scale_images(x_test)
y_true = y_test.reshape(-1)

sigmoid_model = results["sigmoid"].model
hidden = keras.Model(sigmoid_model.inputs, sigmoid_model.get_layer("dense").output)
weights, bias = sigmoid_model.get_layer("dense_1").get_weights()
logits = hidden.predict(x_test, batch_size=256, verbose=0).astype(np.float64) @ weights + bias
outputs = {activation: results[activation].model.predict(x_test, batch_size=256, verbose=0)
           for activation in activations}
assert np.allclose(1 / (1 + np.exp(-logits)), outputs["sigmoid"], atol=1e-5)

rows = np.arange(len(y_true))
shift = logits.max(axis=1, keepdims=True)
log_softmax = logits - shift - np.log(np.exp(logits - shift).sum(axis=1, keepdims=True))
sigmoid_out = np.clip(outputs["sigmoid"].astype(np.float64), 1e-7, 1 - 1e-7)
candidates = {
    "softmax cross-entropy of the logits z": -log_softmax[rows, y_true].mean(),
    "-log of the sigmoid output, renormalised to sum to 1":
        -np.log(sigmoid_out[rows, y_true] / sigmoid_out.sum(axis=1)).mean(),
    "-log of the sigmoid output as it is": -np.log(sigmoid_out[rows, y_true]).mean(),
}
reported = results["sigmoid"].test_loss
print(f"Test loss Keras reported for the sigmoid network: {reported:.4f}")
for name, value in candidates.items():
    print(f"  {name:<55} {value:.4f}")
assert abs(candidates["softmax cross-entropy of the logits z"] - reported) < 1e-3 * max(
    1.0, reported), "Keras no longer computes the loss from the logits"
print("Keras's loss is the softmax cross-entropy of the logits: confirmed")

agree = np.mean(outputs["sigmoid"].argmax(axis=1) == outputs["softmax"].argmax(axis=1))
weight_gap = max(np.abs(a - b).max() for a, b in zip(
    results["sigmoid"].model.get_weights(), results["softmax"].model.get_weights(),
    strict=True))
print(f"The two trained networks predict the same class for {agree:.2%} of the test images")
print(f"Largest difference between their trained weights: {weight_gap:.2e}")
same_training = weight_gap < 1e-4
print("Verdict: the two trainings did the same computation" if same_training else
      "Verdict: the two trainings differ beyond rounding error")

# %%
# If the largest weight difference is zero or at the level of rounding error,
# the two runs did the same computation: the activation made no difference to
# training. This is a property of Keras (version and backend printed above),
# not of mathematics: a framework whose loss took the sigmoid outputs at face
# value would train the two networks differently, with a loss like the second
# or third line above.
#
# What the outputs mean
# ---------------------
# The difference is in what ``model.predict`` returns. A softmax output is a
# probability distribution: ten numbers that add up to 1. The sigmoid outputs
# are the same logits squashed one by one, and their sum can be anything
# between 0 and 10.
sums = {activation: outputs[activation].sum(axis=1) for activation in activations}
for activation in activations:
    low, median, high = np.percentile(sums[activation], [0, 50, 100])
    print(f"{activation:>8}: sum of the ten outputs per image: min {low:.3f}, "
          f"median {median:.3f}, max {high:.3f}")
assert np.allclose(sums["softmax"], 1.0, atol=1e-4)

figure, axis = plt.subplots(figsize=(7, 3.8), layout="constrained")
bins = np.linspace(0, max(10.0, sums["sigmoid"].max()), 81)
axis.hist(sums["sigmoid"], bins=bins, color="#56B4E9", edgecolor="#0072B2",
          label="sigmoid output")
axis.axvline(1.0, color="#D55E00", linestyle="--", linewidth=2,
             label="softmax output (always 1)")
axis.set(xlabel="sum of the ten outputs for one test image", ylabel="number of test images",
         title="Sum of the output 'probabilities' per test image", xlim=(0, bins[-1]))
axis.legend()
set_alt_text(figure,
             "Histogram of the sum of the ten sigmoid outputs per test image: from "
             f"{sums['sigmoid'].min():.2f} to {sums['sigmoid'].max():.2f}, median "
             f"{np.median(sums['sigmoid']):.2f}. A dashed line at 1 marks the softmax network, "
             "whose "
             "outputs always sum to 1.")

# %%
# One image, read both ways
# -------------------------
# For the first test image, the three largest outputs of each network. The
# softmax numbers can be read as the network's confidence; the sigmoid numbers
# cannot, since several classes may score high at once.
classes = cnnlesson.CIFAR10_CLASSES
print(f"X_test[0] is a {classes[y_true[0]]}")
for activation in activations:
    top = np.argsort(outputs[activation][0])[::-1][:3]
    print(f"{activation:>8}: " + ", ".join(f"{classes[i]} {outputs[activation][0, i]:.3f}"
                                           for i in top)
          + f"  (all ten sum to {sums[activation][0]:.3f})")

# %%
# Conclusion
# ----------
# With Keras, the tutorial's sigmoid output does little or no harm to training
# and accuracy: the loss ignores the sigmoid and works on the logits, exactly
# as it does for a softmax, and the verdict above says whether the two
# trainings were in fact identical. What the sigmoid spoils is the output
# itself: its ten numbers are not a probability
# distribution, so they cannot be read as confidences, and any code that
# relies on them adding up to 1 (thresholds, calibration, averaging models) is
# wrong. Softmax is the right output for one class out of ten. In numbers:
for activation in activations:
    print(f"{activation:>8}: test accuracy {results[activation].test_accuracy:.2%}, "
          f"outputs sum to {np.median(sums[activation]):.2f} for the median image")
print(f"Same predicted class on {agree:.2%} of test images; largest weight difference "
      f"{weight_gap:.1e}")

plt.show()

# sphinx_gallery_thumbnail_number = 2
