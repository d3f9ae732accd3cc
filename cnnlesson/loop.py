"""The training loop: how the lesson's recipe is stepped through on this machine.

`cnnlesson.train` decides *what* to train and caches it; this module decides
*how* the optimisation steps are run, so faster loops can be swapped in
without touching the cache or the recipe.

:func:`fit` does the arithmetic of ``model.fit`` (model, loss, Adam, constraints
after every step, dropout, shuffling each epoch, batch size, number of steps)
with less waste on a CPU; ``benchmarks/NOTES.md`` has the measurements:

* one ``tf.function`` call runs a chunk of steps in a graph loop, gathering
  each batch from a float32 tensor made once per fit;
* Adam is one fused kernel per variable (``ResourceApplyAdam``: Keras's formula
  up to float32 rounding) instead of a dozen passes over the 4.2M weights;
* dense kernels are trained transposed (rows = units), so that ``MaxNorm``'s
  per-unit norm is a fast row reduction and no matmul needs the slow
  ``dy @ W^T`` layout; they are copied back into the Keras model after each epoch;
* dropout draws 16 random bits per unit instead of a float32.
"""

from __future__ import annotations

import functools
import sys
import time
import weakref

import numpy as np

# Switches for benchmarks/levers.py, which measures each lever on its own.
_LEVERS = {"fused_adam": True, "fast_maxnorm": True, "dropout": "bits16",
           "transpose_dense": True, "steps_per_call": 50}
# What scale_images gives each pixel value, looked up per batch.
_PIXEL_SCALE = np.arange(256, dtype=np.float32) / np.float32(255.0)
# Traced steps per model, so that fitting a model again does not retrace.
_CACHE = weakref.WeakKeyDictionary()


def fit(model, x_train, y_train, *, epochs, batch_size, validation_data=None, seed=0,
        verbose=1, precision="float32"):
    """Run ``epochs`` passes of mini-batch training and return the per-epoch history.

    Parameters
    ----------
    model : keras.Model
        A compiled model; on return its weights and optimizer state are the
        trained ones.
    x_train, y_train : numpy.ndarray
        Images, either float32 scaled to [0, 1] or uint8 pixels (scaled by ``/ 255``
        batch by batch, which saves memory), and integer labels.
    epochs, batch_size : int
        The schedule.
    validation_data : tuple of numpy.ndarray, optional
        ``(x_test, y_test)`` evaluated after every epoch.
    seed : int
        Seeds the shuffling and dropout so that a rerun gives the same curves.
    verbose : int
        0 silent, 1 a progress bar, 2 one line per epoch.
    precision : {"float32", "bfloat16"}
        ``"float32"`` is the lesson's arithmetic.  ``"bfloat16"`` runs the
        convolutions in bfloat16 (weights, optimizer and everything else stay
        float32): faster on CPUs with AVX512-BF16, but a different recipe.

    Returns
    -------
    dict
        Lists, one value per epoch: ``loss``, ``accuracy`` (means over the
        epoch's images, dropout on, as Keras reports them), ``val_loss``,
        ``val_accuracy`` (only with validation data) and ``epoch_seconds``.
    """
    import keras
    import tensorflow as tf

    if precision not in ("float32", "bfloat16"):
        raise ValueError(f"precision must be 'float32' or 'bfloat16', got {precision!r}")
    keras.utils.set_random_seed(seed)
    # uint8 pixels stay uint8 (a quarter of the memory) and are scaled batch by batch,
    # to exactly the values of scale_images.
    x_train = np.asarray(x_train)
    x_all = tf.constant(x_train if x_train.dtype == np.uint8 else x_train.astype("float32"))
    y_all = tf.constant(np.asarray(y_train).reshape(-1).astype("int32"))
    n = int(x_all.shape[0])
    steps = _CACHE.get(model)
    if steps is None or steps.opt is not model.optimizer or steps.precision != precision:
        steps = _CACHE[model] = _Steps(model, precision)
    steps.seed.assign(seed)
    steps.load()
    rng = np.random.default_rng(seed)
    names = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validation_data else [])
    history = {name: [] for name in names + ["epoch_seconds"]}
    chunk = _LEVERS["steps_per_call"] * batch_size
    for epoch in range(epochs):
        start, loss_sum, correct = time.perf_counter(), 0.0, 0.0
        if verbose == 1:
            print(f"Epoch {epoch + 1}/{epochs}")
            bar = keras.utils.Progbar(-(-n // batch_size), stateful_metrics=names)
        order = tf.constant(rng.permutation(n).astype("int32"))
        for begin in range(0, n, chunk):
            idx = order[begin:begin + chunk]
            full = len(idx) // batch_size * batch_size
            for part, size in ((idx[:full], batch_size), (idx[full:], len(idx) - full)):
                if size:
                    sums = steps.run(x_all, y_all, part, size)
                    loss_sum, correct = loss_sum + float(sums[0]), correct + float(sums[1])
            if verbose == 1:
                done = min(begin + chunk, n)
                bar.update(-(-done // batch_size),
                           [("loss", loss_sum / done), ("accuracy", correct / done)])
        steps.load(to_keras=True)
        values = {"loss": loss_sum / n, "accuracy": correct / n}
        if validation_data is not None:  # batch 256: per-image arithmetic, quicker
            val = model.evaluate(*validation_data, batch_size=256, verbose=0, return_dict=True)
            values["val_loss"] = val["loss"]
            values["val_accuracy"] = next(v for k, v in val.items() if "acc" in k)
        for name in names:
            history[name].append(values[name])
        history["epoch_seconds"].append(time.perf_counter() - start)
        if verbose == 1:
            bar.update(-(-n // batch_size), list(values.items()), finalize=True)
        elif verbose:
            _report(f"Epoch {epoch + 1}/{epochs} - {history['epoch_seconds'][-1]:.1f}s - "
                    + " - ".join(f"{k}: {v:.4f}" for k, v in values.items()))
    return {key: [float(v) for v in values] for key, values in history.items()}


def _report(line):
    """Print a progress line; where stdout is captured (a docs build), echo it to the terminal."""
    print(line, flush=True)
    if sys.stdout is not sys.__stdout__ and sys.__stderr__ is not None:
        print(line, file=sys.__stderr__, flush=True)


class _Param:
    """A trainable variable as the loop trains it: itself or a transposed shadow copy."""

    def __init__(self, var, opt, transposed):
        import tensorflow as tf

        k = opt._get_variable_index(var)
        self.keras = (var, opt._momentums[k], opt._velocities[k])
        self.transposed = transposed
        self.train = tuple(tf.Variable(tf.transpose(t.value))
                           if transposed else t.value for t in self.keras)
        self.constraint = var.constraint

    def copy(self, to_keras):
        import tensorflow as tf

        for ours, theirs in zip(self.train, self.keras, strict=True):
            src, dst = (ours, theirs) if to_keras else (theirs, ours)
            dst.assign(tf.transpose(tf.convert_to_tensor(src)))


class _Steps:
    """Compiled training steps for one model; ``run`` does ``len(idx) // size`` steps."""

    def __init__(self, model, precision):
        import keras
        import tensorflow as tf

        self.tf, self.keras, self.precision = tf, keras, precision
        # Weakly: the module's cache is keyed weakly by the model, and a strong reference
        # from the value would keep every trained model alive.
        self.model = weakref.proxy(model)
        # A variable, not a constant, so that another seed does not retrace.
        self.seed = tf.Variable(0, dtype=tf.int64, trainable=False)
        opt = self.opt = model.optimizer
        self.vars = list(model.trainable_variables)
        opt.build(self.vars)
        self.loss = keras.losses.get(model.loss)
        self.fns = {}
        # Only plain Adam has a fused kernel with exactly Keras's arithmetic.
        self.fused = (_LEVERS["fused_adam"] and type(opt) is keras.optimizers.Adam
                      and not opt.amsgrad and opt.weight_decay is None
                      and opt.clipnorm is None and opt.clipvalue is None
                      and opt.global_clipnorm is None and not opt.use_ema
                      and opt.loss_scale_factor is None
                      and opt.gradient_accumulation_steps is None)
        # The layer-by-layer forward pass below is for Sequential models only.
        self.sequential = isinstance(model, keras.Sequential)
        dense = {id(layer.kernel) for layer in model.layers if self.sequential
                 and type(layer) is keras.layers.Dense and layer.use_bias
                 and len(layer.input.shape) == 2}
        self.params = {}
        if self.fused:
            for var in self.vars:
                c = var.constraint
                transposed = (_LEVERS["transpose_dense"] and id(var) in dense
                              and (c is None or (type(c) is keras.constraints.MaxNorm
                                                 and c.axis == 0)))
                self.params[id(var)] = _Param(var, opt, transposed)

    def load(self, to_keras=False):
        """Copy the Keras variables into the shadow copies (or back, ``to_keras``)."""
        for p in self.params.values():
            if p.transposed:
                p.copy(to_keras)

    def run(self, x_all, y_all, idx, size):
        tf = self.tf
        key = (size, x_all.dtype)
        if key not in self.fns:
            # A partial, not a lambda: TensorFlow counts traces per code object, and a
            # lambda's is shared by every model, so each new model looked like a retrace.
            self.fns[key] = tf.function(
                functools.partial(self._loop, size=size),
                input_signature=[tf.TensorSpec(x_all.shape, x_all.dtype),
                                 tf.TensorSpec(y_all.shape, tf.int32),
                                 tf.TensorSpec([None], tf.int32)])
        return self.fns[key](x_all, y_all, idx)

    def _loop(self, x_all, y_all, idx, size):
        tf = self.tf
        loss_sum, correct = tf.constant(0.0), tf.constant(0.0)
        for s in tf.range(tf.shape(idx)[0] // size):
            batch = idx[s * size:(s + 1) * size]
            xb = tf.gather(x_all, batch)
            if xb.dtype == tf.uint8:
                # A table of the 256 scaled values: the graph's own division rounds
                # differently from NumPy's in the last bit.
                xb = tf.gather(_PIXEL_SCALE, tf.cast(xb, tf.int32))
            loss, hits = self._step(xb, tf.gather(y_all, batch))
            loss_sum += loss * size
            correct += hits
        return loss_sum, correct

    def _step(self, xb, yb):
        tf = self.tf
        train = [self.params[id(v)].train[0] if self.fused else v for v in self.vars]
        with tf.GradientTape() as tape:
            probs = self._forward(xb)
            loss = tf.reduce_mean(self.loss(yb, probs))
        grads = tape.gradient(loss, train)
        if self.fused:
            self._adam(grads)
        else:
            self.opt.apply(grads, self.vars)
        hits = tf.reduce_sum(tf.cast(
            tf.equal(tf.argmax(probs, -1, output_type=tf.int32), yb), tf.float32))
        return loss, hits

    def _forward(self, h):
        keras, tf, bf16 = self.keras, self.tf, self.tf.bfloat16
        if not self.sequential:
            return self.model(h, training=True)
        for i, layer in enumerate(self.model.layers):
            p, kind = self.params.get(id(getattr(layer, "kernel", None))), type(layer)
            if kind is keras.layers.Dense and p is not None and p.transposed:
                h = layer.activation(tf.nn.bias_add(_matmul_t(h, p.train[0]), layer.bias))
            elif (_LEVERS["dropout"] == "bits16" and kind is keras.layers.Dropout
                  and layer.noise_shape is None and 0 < layer.rate < 1):
                h = _dropout16(h, layer.rate, tf.stack([self.seed, self.opt.iterations * 64 + i]))
            elif (self.precision == "bfloat16" and kind is keras.layers.Conv2D
                  and layer.data_format == "channels_last" and layer.groups == 1):
                # bfloat16 from here to the next layer that is not a convolution,
                # dropout or pooling, to cast activations as rarely as possible.
                h = tf.nn.conv2d(tf.cast(h, bf16), tf.cast(layer.kernel, bf16), layer.strides,
                                 layer.padding.upper(), dilations=layer.dilation_rate)
                if layer.use_bias:
                    h = tf.nn.bias_add(h, tf.cast(layer.bias, bf16))
                h = layer.activation(h)
            elif h.dtype == bf16 and kind is keras.layers.MaxPooling2D:
                h = tf.nn.max_pool2d(h, layer.pool_size, layer.strides, layer.padding.upper())
            else:
                h = layer(tf.cast(h, tf.float32), training=True)
        return tf.cast(h, tf.float32)

    def _adam(self, grads):
        tf, opt = self.tf, self.opt
        step = tf.cast(opt.iterations + 1, tf.float32)
        b1, b2 = tf.constant(opt.beta_1, tf.float32), tf.constant(opt.beta_2, tf.float32)
        eps, lr = tf.constant(opt.epsilon, tf.float32), tf.cast(opt.learning_rate, tf.float32)
        b1p, b2p = tf.pow(b1, step), tf.pow(b2, step)
        for var, grad in zip(self.vars, grads, strict=True):
            w, m, v = self.params[id(var)].train
            tf.raw_ops.ResourceApplyAdam(var=w.handle, m=m.handle, v=v.handle, beta1_power=b1p,
                                         beta2_power=b2p, lr=lr, beta1=b1, beta2=b2,
                                         epsilon=eps, grad=grad)
        # Keras applies the constraints after every variable has been updated.
        for var in self.vars:
            p = self.params[id(var)]
            if p.constraint is not None:
                p.train[0].assign(self._constrain(p))
        opt.iterations.assign_add(1)

    def _constrain(self, p):
        tf, c, w = self.tf, p.constraint, p.train[0]
        if _LEVERS["fast_maxnorm"] and type(c) is self.keras.constraints.MaxNorm:
            axis = 1 if p.transposed else c.axis
            norms = tf.math.reduce_euclidean_norm(w, axis=axis, keepdims=True)
            desired = tf.clip_by_value(norms, 0.0, c.max_value)
            return w * (desired / (self.keras.backend.epsilon() + norms))
        return c(w)


def _matmul_t(x, wt):
    """``x @ wt^T`` for a kernel stored transposed, each product in its fast layout."""
    import tensorflow as tf

    @tf.custom_gradient
    def mm(x, wt):
        return (tf.transpose(tf.matmul(wt, x, transpose_b=True)),
                lambda dy: (tf.matmul(dy, wt), tf.matmul(dy, x, transpose_a=True)))
    return mm(x, wt)


def _dropout16(x, rate, seed):
    """Dropout drawing 16 random bits per unit (half the generator's work) instead of 32.

    Drops with probability ``round(rate * 65536) / 65536`` (0.3 -> 0.300003, 0.5 exact);
    kept units are scaled by ``1 / (1 - rate)`` as in Keras."""
    import tensorflow as tf

    n = int(np.prod(x.shape[1:])) * tf.shape(x)[0]
    bits = tf.random.stateless_uniform(tf.reshape((n + 1) // 2, [1]), seed=seed, minval=None,
                                       maxval=None, dtype=tf.uint32)
    halves = tf.reshape(tf.bitcast(bits, tf.uint16), [-1])[:n]
    threshold = tf.constant(round(rate * 65536), tf.uint16)
    mask = tf.where(tf.reshape(halves, tf.shape(x)) >= threshold,
                    tf.constant(1.0 / (1.0 - rate), x.dtype), tf.constant(0.0, x.dtype))

    @tf.custom_gradient
    def drop(x):
        return x * mask, lambda dy: dy * mask
    return drop(x)
