"""The compiled training step of :mod:`cnnlesson.loop`: forward pass, gradient,
fused Adam and constraints, traced once per model.

Private: :func:`cnnlesson.loop.fit` is the interface.  ``benchmarks/levers.py``
switches the levers in :data:`LEVERS` one at a time to measure each.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from cnnlesson.data import scale_images

# Switches for benchmarks/levers.py, which measures each lever on its own.
LEVERS = {"fused_adam": True, "fast_maxnorm": True, "dropout": "bits16",
          "transpose_dense": True, "steps_per_call": 50}
# What scale_images gives each pixel value, looked up per batch.
PIXEL_SCALE = scale_images(np.arange(256, dtype=np.uint8))


class Param:
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


class Steps:
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
        self.fused = (LEVERS["fused_adam"] and type(opt) is keras.optimizers.Adam
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
                transposed = (LEVERS["transpose_dense"] and id(var) in dense
                              and (c is None or (type(c) is keras.constraints.MaxNorm
                                                 and c.axis == 0)))
                self.params[id(var)] = Param(var, opt, transposed)

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
                xb = tf.gather(PIXEL_SCALE, tf.cast(xb, tf.int32))
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
            elif (LEVERS["dropout"] == "bits16" and kind is keras.layers.Dropout
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
        if LEVERS["fast_maxnorm"] and type(c) is self.keras.constraints.MaxNorm:
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
