"""One full training run of the lesson's recipe with cnnlesson.loop.fit (or plain fit).

All 50,000 training images, 25 epochs, batch 32, validated on the 10,000 test
images after every epoch, as the tutorial does.  Prints one line per epoch and
a final JSON line with the wall time and test accuracy.  Run in the background::

    nohup python benchmarks/full_run.py > /tmp/ours_full.log 2>&1 &

Options: ``--plain`` (use ``model.fit`` instead), ``--epochs``, ``--seed``,
``--precision``, ``--images`` (first N training images).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import build_model, load_subset  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args()
    (x, y), (xt, yt) = load_subset(args.images, 10_000)
    model = build_model()
    start = time.perf_counter()
    if args.plain:
        import keras

        keras.utils.set_random_seed(args.seed)
        model.fit(x, y, validation_data=(xt, yt), epochs=args.epochs, batch_size=32,
                  verbose=2)
    else:
        from cnnlesson import loop

        extra = {} if args.precision == "float32" else {"precision": args.precision}
        loop.fit(model, x, y, epochs=args.epochs, batch_size=32, validation_data=(xt, yt),
                 seed=args.seed, verbose=2, **extra)
    wall = time.perf_counter() - start
    loss, acc = model.evaluate(xt, yt, batch_size=256, verbose=0)
    print(json.dumps({"loop": "plain" if args.plain else "ours", "precision": args.precision,
                      "epochs": args.epochs, "images": args.images, "seed": args.seed,
                      "wall_seconds": round(wall, 1),
                      "test_accuracy": round(float(acc), 4), "test_loss": round(float(loss), 4)}))


if __name__ == "__main__":
    main()
