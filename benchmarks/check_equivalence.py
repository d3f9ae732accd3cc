"""Check that cnnlesson.loop's step does Keras's arithmetic.

Dropout is switched off (rate 0) in both copies so that the two runs see the
same numbers; then ``model.fit`` (no shuffling) and ``loop._Steps`` run the same
batches from the same initial weights, and the weights, optimizer slots and
losses are compared.  Run: ``python benchmarks/check_equivalence.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _common import build_model, load_subset  # noqa: E402


def main(steps=20, batch=32):
    import tensorflow as tf

    from cnnlesson import loop

    (x, y), _ = load_subset(steps * batch)
    a, b = build_model(), build_model()
    b.set_weights(a.get_weights())
    for model in (a, b):
        for layer in model.layers:
            if hasattr(layer, "rate"):
                layer.rate = 0.0
    hist = a.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0).history
    runner = loop._Steps(b, seed=0)
    loss_sum, correct = runner.run(tf.constant(x), tf.constant(y.astype("int32")),
                                   tf.range(len(x), dtype=tf.int32), batch)
    worst = 0.0
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        worst = max(worst, float(np.max(np.abs(wa - wb)) / (np.max(np.abs(wa)) + 1e-12)))
    slots = max(float(np.max(np.abs(np.asarray(va) - np.asarray(vb))))
                for va, vb in zip(a.optimizer.variables, b.optimizer.variables, strict=True))
    print(f"keras loss {hist['loss'][0]:.6f}  ours {float(loss_sum) / len(x):.6f}")
    print(f"keras acc  {hist['sparse_categorical_accuracy'][0]:.6f}  ours "
          f"{float(correct) / len(x):.6f}")
    print(f"max relative weight difference after {steps} steps: {worst:.2e}")
    print(f"max optimizer-variable difference: {slots:.2e}; iterations "
          f"{int(a.optimizer.iterations)} vs {int(b.optimizer.iterations)}")
    return worst


if __name__ == "__main__":
    sys.exit(0 if main() < 1e-3 else 1)
