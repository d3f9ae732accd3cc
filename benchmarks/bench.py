"""Benchmark: the lesson's training recipe, plain ``model.fit`` against the package's ``model.fit``.

*Plain* is the tutorial's way: the lesson's network compiled with
``optimizer="adam"`` and Keras' default compile settings, fitted on float32
arrays.  *Ours* is what :func:`cnnlesson.train_model` runs: the network as
:func:`cnnlesson.build_lesson_model` compiles it (Keras' Adam, with
``steps_per_execution``), fitted on :func:`cnnlesson.train.image_datasets`.
Both start from the same weights and train on the same fixed CIFAR-10 subset,
batch 32, one epoch per run, so that both make the same number of optimizer
steps.  Runs
alternate (plain, ours, ours, plain, ...) so that other load on the machine
hits both alike; the medians of the repeats are reported, with the process CPU
time per step, which other load disturbs less than the wall time.

The achieved FLOP rate is compared with the machine's float32 peak, measured in
the same run as the best rate of a large ``tf.matmul``.

``--docs`` also times the documentation build (clean full build, rebuild with
nothing changed, rebuild after touching one narrative page) in a temporary copy
of the repository, with the peak memory of the build's process tree.

Usage::

    python benchmarks/bench.py [--images 4000] [--repeats 5]
                               [--docs [--docs-profile full] [--no-train]]

The last line printed is one JSON object with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=4000,
                        help="first N CIFAR-10 training images (default 4000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--peak-size", type=int, default=4096,
                        help="square matmul size for the float32 peak")
    parser.add_argument("--no-train", action="store_true", help="skip the training benchmark")
    parser.add_argument("--docs", action="store_true", help="also time the docs builds")
    parser.add_argument("--docs-profile", default="full", choices=["full", "quick"])
    parser.add_argument("--docs-keep-cache", action="store_true",
                        help="let the clean build use the usual training cache "
                             "(default: an empty one, so the clean build trains)")
    parser.add_argument("--docs-keep", action="store_true",
                        help="keep the temporary copy with the built site (its path is printed)")
    parser.add_argument("--touch", default=None,
                        help="narrative page touched for the third build "
                             "(default docs/network.md or the first docs/*.md)")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- training benchmark


def training_flops_per_image(model):
    """Multiply-add FLOPs (2 per MAC) of one training image: forward plus backward.

    Uses ``cnnlesson.analysis.training_flops_per_image`` when it exists.  Else:
    every Conv2D and Dense layer costs F = 2·MACs forward, F for the weight
    gradient and F for the input gradient, except the first layer, whose input
    gradient is not computed; element-wise work (activations, pooling, dropout,
    the optimizer) is not counted.
    """
    try:
        from cnnlesson.analysis import training_flops_per_image as counted
    except ImportError:
        counted = None
    if counted is not None:
        return int(counted(model)), "cnnlesson.analysis.training_flops_per_image"
    total, first = 0, True
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            kh, kw, cin, cout = layer.kernel.shape
            _, oh, ow, _ = layer.output.shape
            forward = 2 * oh * ow * cout * kh * kw * cin
        elif kind == "Dense":
            forward = 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        else:
            continue
        total += forward * (2 if first else 3)
        first = False
    return total, "inline count in benchmarks/bench.py (conv and dense multiply-adds)"


def float32_peak(n, repeats=8):
    """Best FLOP/s of an ``n x n`` float32 ``tf.matmul`` on this machine."""
    import tensorflow as tf

    a = tf.random.uniform((n, n))
    b = tf.random.uniform((n, n))
    mm = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)[:1, :1]))
    mm().numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        mm().numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def bench_training(args):
    import keras

    from cnnlesson import build_lesson_model, load_cifar10, scale_images
    from cnnlesson.train import image_datasets

    (x_pixels, y), _ = load_cifar10(subset=args.images)
    x = scale_images(x_pixels)
    n, bs = len(x), args.batch_size
    steps = -(-n // bs)
    ours = build_lesson_model()
    plain = build_lesson_model(compile=False)
    plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    plain.set_weights(ours.get_weights())
    keras.utils.set_random_seed(0)
    dataset, _ = image_datasets(x_pixels, y, x_pixels[:1], y[:1], batch_size=bs)

    def run_plain():
        plain.fit(x, y, batch_size=bs, epochs=1, verbose=0)

    def run_ours():
        ours.fit(dataset, epochs=1, verbose=0, shuffle=False)  # as cnnlesson.train_model

    runners = {"plain": run_plain, "ours": run_ours}
    wall = {k: [] for k in runners}
    cpu = {k: [] for k in runners}
    iterations = {}
    peaks = [float32_peak(args.peak_size)]
    load_before = os.getloadavg()[0]
    for name, run in runners.items():  # warm-up: traces the graphs
        model = plain if name == "plain" else ours
        before = int(model.optimizer.iterations)
        run()
        iterations[name] = int(model.optimizer.iterations) - before
    print(f"{n} images, batch {bs}: {steps} steps per run "
          f"(optimizer steps seen: plain {iterations['plain']}, ours {iterations['ours']})")
    for r in range(args.repeats):
        for name in (("plain", "ours") if r % 2 == 0 else ("ours", "plain")):
            t0, c0 = time.perf_counter(), time.process_time()
            runners[name]()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            print(f"  round {r + 1} {name:5s} {n / wall[name][-1]:7.0f} img/s  "
                  f"wall {wall[name][-1]:6.2f} s  cpu {cpu[name][-1]:6.2f} s", flush=True)
    peaks.append(float32_peak(args.peak_size))
    load_after = os.getloadavg()[0]
    peak = max(peaks)
    flops, flops_source = training_flops_per_image(ours)
    ips = {k: n / statistics.median(v) for k, v in wall.items()}
    cpu_ms = {k: statistics.median(v) / steps * 1e3 for k, v in cpu.items()}
    result = {
        "plain_images_per_second": round(ips["plain"], 1),
        "ours_images_per_second": round(ips["ours"], 1),
        "speedup": round(ips["ours"] / ips["plain"], 3),
        "percent_of_peak": round(100 * ips["ours"] * flops / peak, 1),
        "plain_percent_of_peak": round(100 * ips["plain"] * flops / peak, 1),
        "cpu_speedup": round(cpu_ms["plain"] / cpu_ms["ours"], 3),
        "plain_cpu_ms_per_step": round(cpu_ms["plain"], 2),
        "ours_cpu_ms_per_step": round(cpu_ms["ours"], 2),
        "plain_runs_images_per_second": [round(n / t, 1) for t in wall["plain"]],
        "ours_runs_images_per_second": [round(n / t, 1) for t in wall["ours"]],
        "peak_gflops_float32": round(peak / 1e9, 1),
        "training_flops_per_image": flops,
        "flops_source": flops_source,
        "images": n, "batch_size": bs, "steps_per_run": steps, "repeats": args.repeats,
        "load_average_before_after": [round(load_before, 2), round(load_after, 2)],
        "cpus": os.cpu_count(),
    }
    if max(load_before, load_after) > 0.5 * (os.cpu_count() or 1) + 1:
        print(f"warning: load average {load_before:.1f}/{load_after:.1f} on "
              f"{os.cpu_count()} CPUs: other processes share the machine; wall-time "
              "figures are noisy, the CPU-time ratio less so")
    print(f"plain {ips['plain']:.0f} img/s, ours {ips['ours']:.0f} img/s: "
          f"x{result['speedup']:.2f} (CPU time per step: plain {cpu_ms['plain']:.1f} ms, "
          f"ours {cpu_ms['ours']:.1f} ms, x{result['cpu_speedup']:.2f}); "
          f"{flops / 1e6:.1f} MFLOP per image; float32 peak {peak / 1e9:.0f} GFLOP/s; "
          f"ours at {result['percent_of_peak']}% of peak, plain at "
          f"{result['plain_percent_of_peak']}%")
    return result


# ---------------------------------------------------------------- docs benchmark


def _tree_rss(pid):
    """Summed resident memory (bytes) of ``pid`` and all its descendants, from /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(p, []))
    return total


def timed_command(cmd, cwd, env):
    """Run ``cmd``; return (seconds, peak summed RSS of its process tree in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.25)
    return time.perf_counter() - start, round(peak / 2**20, 1), proc.returncode


def bench_docs(args):
    import importlib.util
    import shutil
    import tempfile

    if importlib.util.find_spec("sphinx") is None:
        print("docs benchmark skipped: Sphinx is not installed in this environment "
              "(install the docs extra: pip install -e '.[docs]')")
        return {"docs_skipped": "sphinx not installed"}
    work = Path(tempfile.mkdtemp(prefix="cnnlesson-docs-bench-"))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / name)
    docs = work / "docs"
    if not (docs / "conf.py").is_file():
        print("docs benchmark skipped: docs/conf.py does not exist yet")
        return {"docs_skipped": "no docs/conf.py"}
    out = docs / "_build" / args.docs_profile
    env = dict(os.environ, CNNLESSON_PROFILE=args.docs_profile, PYTHONPATH=str(work),
               PYTHONUNBUFFERED="1")
    if not args.docs_keep_cache:
        env["CNNLESSON_CACHE_DIR"] = str(work / ".training-cache")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
           "-d", str(out / "doctrees"), str(docs), str(out / "html")]
    page = Path(args.touch) if args.touch else None
    if page is None:
        candidates = [docs / "network.md"] + sorted(docs.glob("*.md"))
        page = next((p.relative_to(work) for p in candidates if p.is_file()), None)
    result = {"docs_profile": args.docs_profile, "docs_fresh_training_cache":
              not args.docs_keep_cache, "docs_touched_page": str(page)}
    stages = [("clean", None), ("noop", None), ("touch", page)]
    for stage, touched in stages:
        if touched is not None:
            # An edit of the prose: the code cells, and so the executed outputs, stay valid.
            with open(work / touched, "a") as handle:
                handle.write("\n")
        seconds, peak_mib, code = timed_command(cmd, work, env)
        print(f"docs {stage:5s} build: {seconds:8.1f} s, peak memory {peak_mib:8.1f} MiB, "
              f"exit {code}", flush=True)
        result.update({f"docs_{stage}_seconds": round(seconds, 1),
                       f"docs_{stage}_peak_mib": peak_mib, f"docs_{stage}_exit": code})
    if args.docs_keep:
        print(f"docs built in {out / 'html'}")
        result["docs_kept_at"] = str(out / "html")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv=None):
    args = parse_args(argv)
    result = {}
    if not args.no_train:
        result.update(bench_training(args))
    if args.docs:
        try:
            result.update(bench_docs(args))
        except Exception as error:  # the JSON line must still come last
            print(f"docs benchmark failed: {error!r}")
            result["docs_error"] = repr(error)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
