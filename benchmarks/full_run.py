"""One full training run of the lesson's recipe: the package's ``model.fit`` or plain.

All 50,000 training images, 25 epochs, batch 32, validated on the 10,000 test
images after every epoch, as the tutorial does.  Prints one line per epoch and
a final JSON line with the wall time and test accuracy.  Run in the background::

    nohup python benchmarks/full_run.py > /tmp/ours_full.log 2>&1 &

Options: ``--plain`` (the tutorial's compile and float32 arrays), ``--epochs``,
``--seed``, ``--images`` (first N training images).  Nothing is cached.
"""

from __future__ import annotations

import argparse
import json
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=None)
    args = parser.parse_args()
    import keras

    import cnnlesson

    start = time.perf_counter()
    if args.plain:
        (x, y), (xt, yt) = cnnlesson.load_cifar10(subset=args.images)
        x, xt = cnnlesson.scale_images(x), cnnlesson.scale_images(xt)
        keras.utils.set_random_seed(args.seed)
        model = cnnlesson.build_lesson_model(compile=False, seed=args.seed)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        model.fit(x, y, validation_data=(xt, yt), epochs=args.epochs, batch_size=32, verbose=2)
        wall = time.perf_counter() - start
        loss, accuracy = model.evaluate(xt, yt, batch_size=256, verbose=0)
    else:
        result = cnnlesson.train_lesson_model(epochs=args.epochs, subset=args.images,
                                              seed=args.seed, cache=False)
        wall, loss, accuracy = result.train_seconds, result.test_loss, result.test_accuracy
    print(json.dumps({"fit": "plain" if args.plain else "ours", "epochs": args.epochs,
                      "images": args.images or 50_000, "seed": args.seed,
                      "wall_seconds": round(wall, 1), "test_accuracy": round(float(accuracy), 4),
                      "test_loss": round(float(loss), 4)}))


if __name__ == "__main__":
    main()
