"""Measure the public speed levers of the package's ``model.fit`` one at a time.

Every contender trains the lesson's network (same initial weights) for one
epoch on the same CIFAR-10 subset, batch 32; runs alternate, and the medians of
wall and process CPU time per step are printed.  The levers:

* ``steps_per_execution`` in ``Model.compile``;
* the uint8 batches of ``cnnlesson.train.image_datasets`` instead
  of float32 arrays.

Usage::

    python benchmarks/levers.py [--images 3200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=3200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras

    from cnnlesson import build_lesson_model, load_cifar10, scale_images
    from cnnlesson.train import image_datasets

    (pixels, labels), _ = load_cifar10(subset=args.images)
    images = scale_images(pixels)
    dataset, _ = image_datasets(pixels, labels, pixels[:1], labels[:1], batch_size=32)
    reference = build_lesson_model(compile=False).get_weights()

    def model(optimizer, steps_per_execution=1):
        network = build_lesson_model(compile=False)
        network.set_weights(reference)
        network.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                        metrics=["sparse_categorical_accuracy"],
                        steps_per_execution=steps_per_execution)
        return network

    def on_arrays(network):
        return lambda: network.fit(images, labels, batch_size=32, epochs=1, verbose=0)

    def on_dataset(network):
        return lambda: network.fit(dataset, epochs=1, verbose=0, shuffle=False)

    contenders = {
        "plain: adam, arrays": on_arrays(model("adam")),
        "+ steps_per_execution=25": on_arrays(model("adam", 25)),
        "ours: + uint8 batches": on_dataset(model(keras.optimizers.Adam(), 25)),
    }
    keras.utils.set_random_seed(0)
    for run in contenders.values():  # warm-up: traces the graphs
        run()
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    order = list(contenders)
    for repeat in range(args.repeats):
        for name in order if repeat % 2 == 0 else order[::-1]:
            start, cpu_start = time.perf_counter(), time.process_time()
            contenders[name]()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    steps = -(-args.images // 32)
    base = statistics.median(cpu[order[0]])
    print(f"{args.images} images, {steps} steps per run, medians of {args.repeats}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for name in order:
        print(f"{name:40s} wall {statistics.median(wall[name]) / steps * 1e3:6.1f} ms/step  "
              f"cpu {statistics.median(cpu[name]) / steps * 1e3:6.1f} ms/step  "
              f"cpu speedup x{base / statistics.median(cpu[name]):.2f}")


if __name__ == "__main__":
    main()
