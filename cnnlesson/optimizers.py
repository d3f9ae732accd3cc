"""Adam with Keras' arithmetic, updated in one pass per variable on TensorFlow.

Keras' :class:`keras.optimizers.Adam` updates a variable in about a dozen
element-wise passes over it (the moments, their corrections, the step).  For
the lesson's 4.2 million dense weights that is a quarter of a training step on
a CPU.  :class:`FusedAdam` computes the same formula (Kingma & Ba's Adam with
Keras' defaults and bias correction folded into the step size) in a single
TensorFlow kernel, ``ResourceApplyAdam``, through the optimizer's public
extension points: :meth:`build` creates the two moment slots with
``add_variable_from_reference`` and :meth:`update_step` applies the kernel.
On another Keras backend it falls back to Keras' own update.

The numbers agree with :class:`keras.optimizers.Adam` up to float32 rounding
(the kernel groups the same operations differently); ``tests/test_optimizers.py``
compares the two step by step.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="cnnlesson")
class FusedAdam(keras.optimizers.Adam):
    """:class:`keras.optimizers.Adam`, one fused kernel per variable and step.

    It takes Adam's arguments and serialises as Adam does, so a model compiled
    with it saves, loads and describes itself like one compiled with
    ``optimizer="adam"``.  Options the fused kernel does not cover (``amsgrad``)
    are refused rather than silently ignored.

    Examples
    --------
    >>> import numpy as np
    >>> weights = keras.Variable(np.ones(3, "float32"))
    >>> optimizer = FusedAdam(learning_rate=0.1)
    >>> optimizer.apply([np.array([1.0, -1.0, 0.0], "float32")], [weights])
    >>> np.round(keras.ops.convert_to_numpy(weights), 4).tolist()
    [0.9, 1.1, 1.0]
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("FusedAdam does not implement amsgrad; use keras.optimizers.Adam")
        self.fused = keras.backend.backend() == "tensorflow"

    def build(self, var_list):
        """Create the first and second moment of every variable (Keras' slot names)."""
        if self.built:
            return
        if not self.fused:
            super().build(var_list)
            return
        # The base class of Adam sets up the iteration counter and learning rate;
        # Adam's own build would create moments this class could not address publicly.
        keras.optimizers.Optimizer.build(self, var_list)
        self.moment_slots = {}
        for variable in var_list:
            self.moment_slots[_tensorflow_variable(variable).ref()] = (
                self.add_variable_from_reference(variable, "momentum"),
                self.add_variable_from_reference(variable, "velocity"),
            )

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Adam step to ``variable`` with ``ResourceApplyAdam``."""
        if not self.fused:
            return super().update_step(gradient, variable, learning_rate)
        import tensorflow as tf

        # On TensorFlow, Keras hands update_step the tf.Variable behind each Keras variable.
        variable = _tensorflow_variable(variable)
        momentum, velocity = self.moment_slots[variable.ref()]
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.constant(self.beta_1, dtype)
        beta_2 = tf.constant(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=_tensorflow_variable(momentum).handle,
            v=_tensorflow_variable(velocity).handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.constant(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
        )


def _tensorflow_variable(variable):
    """The ``tf.Variable`` that holds a Keras variable's value (itself if it is one)."""
    return variable.value if isinstance(variable, keras.Variable) else variable
