"""Measure the levers of cnnlesson.loop one by one against plain ``model.fit``.

Every configuration gets its own freshly built model, is warmed up (traced)
once, and then all configurations are timed in turn, round after round, so
that other load on the machine hits them alike.  Prints ms per batch-32 step
(median over rounds).  Run: ``python benchmarks/levers.py [n_images] [rounds]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import build_model, load_subset  # noqa: E402

BASE = {"fused_adam": False, "fast_maxnorm": False, "dropout": "keras",
        "transpose_dense": False, "steps_per_call": 50}
CONFIGS = {
    "keras steps_per_execution=50": None,
    "ours: graph loop only": {},
    "+ fused Adam": {"fused_adam": True},
    "+ one-pass MaxNorm": {"fused_adam": True, "fast_maxnorm": True},
    "+ 16-bit dropout draw": {"fused_adam": True, "fast_maxnorm": True, "dropout": "bits16"},
    "+ transposed dense kernel": {"fused_adam": True, "fast_maxnorm": True,
                                  "dropout": "bits16", "transpose_dense": True},
    "opt-in: bfloat16 convolutions": {"fused_adam": True, "fast_maxnorm": True,
                                      "dropout": "bits16", "transpose_dense": True,
                                      "precision": "bfloat16"},
}


def main(n=3200, rounds=3, configs=None):
    from cnnlesson import _steps, loop

    (x, y), _ = load_subset(n)
    configs = configs or CONFIGS
    models = {"plain model.fit": build_model()}
    if "keras steps_per_execution=50" in configs:
        spe = models["keras steps_per_execution=50"] = build_model()
        spe.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["sparse_categorical_accuracy"], steps_per_execution=50)
    models.update({name: build_model() for name in configs if name not in models})

    def run(name):
        model = models[name]
        t0, c0 = time.perf_counter(), time.process_time()
        if name in ("plain model.fit", "keras steps_per_execution=50"):
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        else:
            levers = dict(configs[name])
            precision = levers.pop("precision", "float32")
            _steps.LEVERS.clear()
            _steps.LEVERS.update(BASE, **levers)
            loop.fit(model, x, y, epochs=1, batch_size=32, verbose=0, precision=precision)
        cpu_times[name].append((time.process_time() - c0) / (n / 32) * 1e3)
        return (time.perf_counter() - t0) / (n / 32) * 1e3

    times = {name: [] for name in models}
    cpu_times = {name: [] for name in models}
    for name in models:
        run(name)  # trace / warm up
    for _ in range(rounds):
        for name in models:
            times[name].append(run(name))
    plain = statistics.median(times["plain model.fit"])
    for name, ts in times.items():
        med = statistics.median(ts)
        cpu = statistics.median(cpu_times[name][1:])
        print(f"{name:28s} {med:6.2f} ms/step (min {min(ts):6.2f}) {32e3 / med:5.0f} img/s "
              f"x{plain / med:4.2f}  cpu {cpu:6.2f} ms/step  "
              f"(runs: {', '.join(f'{t:.1f}' for t in ts)})", flush=True)
    return times


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=3200)
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--only", nargs="*", help="names of configurations to run")
    parser.add_argument("--inter", type=int, help="inter-op threads")
    parser.add_argument("--intra", type=int, help="intra-op threads")
    args = parser.parse_args()
    import tensorflow as tf

    if args.inter:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter)
    if args.intra:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra)
    print(f"threads inter={args.inter} intra={args.intra} "
          f"onednn={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}")
    main(args.n, args.rounds,
         {k: v for k, v in CONFIGS.items() if not args.only or k in args.only} or None)
