"""Where does a training step of the lesson model spend its time on this CPU?

Times the pieces of one batch-32 step separately (each as its own tf.function,
median of many calls) and plain ``model.fit`` for comparison.  Run:
``python benchmarks/profile_pieces.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import build_model, load_subset  # noqa: E402


def timeit(fn, reps=30, warm=3):
    for _ in range(warm):
        r = fn()
    if r is not None:
        _ = [t.numpy() if hasattr(t, "numpy") else t for t in tf.nest.flatten(r)][:1]
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        r = fn()
        if r is not None:
            tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, r)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    (x, y), _ = load_subset(3200)
    model = build_model()
    B = 32
    xb = tf.constant(x[:B])
    yb = tf.constant(y[:B])
    res = {}

    # plain fit: 1 warm epoch, then a timed one
    model.fit(x, y, batch_size=B, epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=B, epochs=1, verbose=0)
    res["plain fit, ms/step"] = (time.perf_counter() - t0) / (len(x) / B) * 1e3

    empty = tf.function(lambda: tf.constant(0.0))
    res["empty tf.function call"] = timeit(empty, reps=200)

    tv = model.trainable_variables

    @tf.function
    def fwd():
        return tf.reduce_sum(model(xb, training=True))

    @tf.function
    def fwd_loss_grad():
        with tf.GradientTape() as tape:
            p = model(xb, training=True)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(yb, p))
        g = tape.gradient(loss, tv)
        return [tf.reduce_sum(gi[..., :1]) for gi in g]

    res["forward (training=True)"] = timeit(fwd)
    res["forward+backward"] = timeit(fwd_loss_grad)

    grads = [tf.random.normal(v.shape) * 1e-3 for v in tv]
    opt = model.optimizer

    @tf.function
    def keras_apply():
        opt.apply(grads, tv)
        return tf.constant(0.0)

    res["keras Adam apply (+constraints)"] = timeit(keras_apply)

    ms = [tf.Variable(tf.zeros_like(v)) for v in tv]
    vs = [tf.Variable(tf.zeros_like(v)) for v in tv]

    @tf.function
    def fused_apply():
        for v, m, s, g in zip(tv, ms, vs, grads, strict=True):
            tf.raw_ops.ResourceApplyAdam(var=v.value.handle if hasattr(v, "value") else v.handle,
                                         m=m.handle, v=s.handle, beta1_power=0.9,
                                         beta2_power=0.999, lr=1e-3, beta1=0.9, beta2=0.999,
                                         epsilon=1e-7, grad=g)
        return tf.constant(0.0)

    try:
        res["fused ResourceApplyAdam"] = timeit(fused_apply)
    except Exception as e:  # noqa: BLE001
        print("fused failed", e)

    @tf.function
    def constraints():
        for v in tv:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        return tf.constant(0.0)

    res["constraints only"] = timeit(constraints)

    W = model.get_layer(index=5).kernel
    a = tf.random.normal((B, 8192))
    d = tf.random.normal((B, 512))
    res["dense fwd matmul 32x8192x512"] = timeit(tf.function(lambda: tf.matmul(a, W)))
    res["dense dW  x^T dy"] = timeit(tf.function(lambda: tf.matmul(a, d, transpose_a=True)))
    res["dense dX  dy W^T"] = timeit(tf.function(lambda: tf.matmul(d, W, transpose_b=True)))

    c2 = model.layers[2]
    h = tf.random.normal((B, 32, 32, 32))

    @tf.function
    def conv2_fb():
        with tf.GradientTape() as tape:
            tape.watch(h)
            o = tf.nn.conv2d(h, c2.kernel, 1, "SAME")
        gh, gk = tape.gradient(o, [h, c2.kernel])
        return tf.reduce_sum(gh[:1, :1]) + tf.reduce_sum(gk[:1])

    res["conv2 fwd"] = timeit(tf.function(lambda: tf.reduce_sum(
        tf.nn.conv2d(h, c2.kernel, 1, "SAME")[:1, :1])))
    res["conv2 fwd+bwd (dX,dW)"] = timeit(conv2_fb)

    n = 2048
    ma = tf.random.normal((n, n))
    mb = tf.random.normal((n, n))
    t = timeit(tf.function(lambda: tf.reduce_sum(tf.matmul(ma, mb)[:1])), reps=10)
    res["matmul 2048 ms"] = t
    res["peak GFLOP/s (matmul 2048)"] = 2 * n**3 / (t / 1e3) / 1e9
    buf = tf.Variable(tf.random.normal((4194304,)))
    res["copy 16MB (assign x*1.0001)"] = timeit(tf.function(lambda: buf.assign(buf * 1.0001)))
    for k, v in res.items():
        print(f"{k:40s} {v:10.2f}")
    _ = np


if __name__ == "__main__":
    main()
