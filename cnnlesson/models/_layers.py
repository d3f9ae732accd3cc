"""Pieces every network of the package shares: layer names, blocks, augmentation, compiling."""

from __future__ import annotations

from collections import Counter

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
# Training steps per call of the compiled train function (a documented option of
# ``Model.compile``): fewer trips between Python and the graph, the same steps in the
# same order.
STEPS_PER_EXECUTION = 25
#: The translation of the augmentation, as a fraction of the image: 0.125 is 4 pixels.
TRANSLATION = 0.125


def keras_style_namer():
    """Name layers as a fresh Keras session would: ``conv2d``, ``conv2d_1``, ...

    Fixed names keep a model's description (and so its training cache key) the same
    however many models a session built before.

    Examples
    --------
    >>> name = keras_style_namer()
    >>> name("conv2d"), name("conv2d"), name("dense")
    ('conv2d', 'conv2d_1', 'dense')
    """
    seen = Counter()

    def name(base):
        count = seen[base]
        seen[base] += 1
        return base if count == 0 else f"{base}_{count}"

    return name


def compile_as_tutorial(model, learning_rate=0.001):
    """Compile as the tutorial does: Adam, sparse categorical cross-entropy and accuracy.

    ``learning_rate`` is Adam's default or a schedule; :data:`STEPS_PER_EXECUTION` steps
    run per call, which changes the speed, not the steps (one on PyTorch, whose Keras
    trainer runs one step per call).
    """
    import keras

    steps = 1 if keras.backend.backend() == "torch" else STEPS_PER_EXECUTION
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"],
                  steps_per_execution=steps)


def augmentation_layers(seed, name):
    """Random horizontal flips and translations by up to :data:`TRANSLATION`, seeded."""
    from keras import layers

    return [
        layers.RandomFlip("horizontal", seed=seed, name=name("random_flip")),
        layers.RandomTranslation(TRANSLATION, TRANSLATION, fill_mode="constant", seed=seed + 1,
                                 name=name("random_translation")),
    ]


def conv_block(filters, *, batch_norm, max_norm, seed, name):
    """Layers of one 3×3 'same' convolution with ReLU; with batch norm, Conv → BN → ReLU."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    constraint = keras.constraints.MaxNorm(3) if max_norm else None
    if not batch_norm:
        return [layers.Conv2D(filters, 3, padding="same", activation="relu",
                              kernel_constraint=constraint, kernel_initializer=init,
                              name=name("conv2d"))]
    # The batch norm's own shift would cancel a bias, so the convolution has none.
    return [layers.Conv2D(filters, 3, padding="same", use_bias=False,
                          kernel_constraint=constraint, kernel_initializer=init,
                          name=name("conv2d")),
            # Momentum 0.9 (PyTorch's default) rather than Keras' 0.99: the moving statistics
            # used at test time settle within tens of steps, which short runs need.
            layers.BatchNormalization(momentum=0.9, name=name("batch_normalization")),
            layers.ReLU(name=name("re_lu"))]
