"""The tutorial's network and the variants the site compares it with.

One builder serves every variant of the lesson's network so that a comparison
changes exactly one thing.  Layers are named explicitly, with the names Keras gives them
in a fresh session (``conv2d``, ``dropout``, ``conv2d_1``, ...), so the summary matches
the lesson's however many models were built before.
"""

from __future__ import annotations

from cnnlesson._checks import positive_int
from cnnlesson.models._layers import (
    INPUT_SHAPE,
    NUM_CLASSES,
    compile_as_tutorial,
    keras_style_namer,
)

LESSON_CONV_KERNEL_SIZES = (3, 3)
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax")


def _check_variant(conv_kernel_sizes, filters, dense_units, output_activation):
    if not conv_kernel_sizes:
        raise ValueError("conv_kernel_sizes must name at least one convolution, e.g. (3, 3)")
    for size in conv_kernel_sizes:
        positive_int(size, f"each kernel size in conv_kernel_sizes={conv_kernel_sizes!r}")
    positive_int(filters, "filters")
    positive_int(dense_units, "dense_units")
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}"
        )


def build_lesson_model(
    *,
    conv_kernel_sizes=LESSON_CONV_KERNEL_SIZES,
    output_activation="sigmoid",
    filters=32,
    dense_units=512,
    compile=True,
    seed=0,
):
    """Build the lesson's CIFAR-10 network, or one variant of it.

    With no arguments this is exactly the network of the lesson: two 3×3
    convolutions of 32 filters with dropout between them, 2×2 max pooling,
    a 512-unit dense layer with dropout, and a 10-unit sigmoid output;
    4,210,090 parameters, compiled with Adam and sparse categorical
    cross-entropy.

    Parameters
    ----------
    conv_kernel_sizes : tuple of int
        One entry per convolution, in order, with ``Dropout(0.3)`` between
        consecutive convolutions.  ``(3, 3)`` is the lesson; ``(5, 5)`` varies
        the filter size; ``(5,)`` replaces the two stacked 3×3 convolutions by
        one 5×5 convolution.
    output_activation : {"sigmoid", "softmax"}
        The lesson uses sigmoid; softmax is the usual choice for one-of-ten.
    filters : int
        Filters per convolution.
    dense_units : int
        Width of the hidden dense layer.
    compile : bool
        Compile as the lesson does: ``keras.optimizers.Adam()`` with its default
        settings, sparse categorical cross-entropy, sparse categorical accuracy
        (and 25 steps per call into TensorFlow, which changes the speed, not the
        steps).
    seed : int
        Seeds the weight initialisers so a rebuild starts from the same weights.

    Returns
    -------
    keras.Sequential

    Raises
    ------
    ValueError
        For an empty or non-positive kernel size, non-positive widths or an
        unknown output activation.

    Examples
    --------
    >>> model = build_lesson_model()
    >>> [layer.name for layer in model.layers]
    ['conv2d', 'dropout', 'conv2d_1', 'max_pooling2d', 'flatten', 'dense', 'dropout_1', 'dense_1']
    >>> model.count_params()
    4210090
    >>> build_lesson_model(conv_kernel_sizes=(5,), compile=False).count_params()
    4202378
    """
    conv_kernel_sizes = tuple(conv_kernel_sizes)
    _check_variant(conv_kernel_sizes, filters, dense_units, output_activation)

    import keras
    from keras import layers
    from keras.constraints import MaxNorm

    name = keras_style_namer()
    # Distinct seeds per layer: equal seeds would give correlated initial weights.
    layer_seeds = iter(range(seed * 1000, seed * 1000 + 1000))

    def kernel_init():
        return keras.initializers.GlorotUniform(seed=next(layer_seeds))

    # A fixed name keeps the architecture description (and so the cache key) identical
    # however many models this session has built.
    stack = [keras.Input(shape=INPUT_SHAPE, name="input_layer")]
    for index, size in enumerate(conv_kernel_sizes):
        if index > 0:
            stack.append(layers.Dropout(0.3, seed=next(layer_seeds), name=name("dropout")))
        stack.append(layers.Conv2D(
            filters, (size, size), padding="same", activation="relu",
            kernel_constraint=MaxNorm(3), kernel_initializer=kernel_init(),
            name=name("conv2d"),
        ))
    stack += [
        layers.MaxPooling2D((2, 2), name=name("max_pooling2d")),
        layers.Flatten(name=name("flatten")),
        layers.Dense(dense_units, activation="relu", kernel_constraint=MaxNorm(3),
                     kernel_initializer=kernel_init(), name=name("dense")),
        layers.Dropout(0.5, seed=next(layer_seeds), name=name("dropout")),
        layers.Dense(NUM_CLASSES, activation=output_activation,
                     kernel_initializer=kernel_init(), name=name("dense")),
    ]
    model = keras.Sequential(stack, name="lesson_cnn")
    if compile:
        compile_as_tutorial(model)
    return model


def describe_variant(conv_kernel_sizes=LESSON_CONV_KERNEL_SIZES, output_activation="sigmoid"):
    """A short human label for a variant, for tables and legends.

    Examples
    --------
    >>> describe_variant()
    'conv 3×3 → 3×3, sigmoid output'
    >>> describe_variant((5,), "softmax")
    'conv 5×5, softmax output'
    """
    convs = " → ".join(f"{size}×{size}" for size in conv_kernel_sizes)
    return f"conv {convs}, {output_activation} output"

