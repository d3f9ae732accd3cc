"""The lesson's network, the variants the site compares it with, and a better design.

One builder serves every variant of the lesson's network so that a comparison
changes exactly one thing; :func:`build_design_model` is the network the design
page arrives at.  Layers are named explicitly, with the names Keras gives them in a fresh
session (``conv2d``, ``dropout``, ``conv2d_1``, ...), so the summary matches
the lesson's however many models were built before.
"""

from __future__ import annotations

from collections import Counter

from cnnlesson._checks import positive_int

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
LESSON_CONV_KERNEL_SIZES = (3, 3)
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax")
# Training steps per call of the compiled train function (a documented option of
# ``Model.compile``): fewer trips between Python and the graph, the same steps.
STEPS_PER_EXECUTION = 25


def _keras_style_namer():
    """Name layers as a fresh Keras session would: ``conv2d``, ``conv2d_1``, ..."""
    seen = Counter()

    def name(base):
        count = seen[base]
        seen[base] += 1
        return base if count == 0 else f"{base}_{count}"

    return name


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
        Compile as the lesson does: Adam with its default settings, sparse
        categorical cross-entropy, sparse categorical accuracy.  Adam is
        :class:`cnnlesson.optimizers.FusedAdam` (the same formula, one fused
        kernel per variable) and :data:`STEPS_PER_EXECUTION` steps run per
        call: two speed settings that leave each step's arithmetic alone.
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

    name = _keras_style_namer()
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
        from cnnlesson.optimizers import FusedAdam

        model.compile(
            optimizer=FusedAdam(),
            loss="sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
            steps_per_execution=STEPS_PER_EXECUTION,
        )
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


#: Channels of the final design's three convolution blocks.
DESIGN_WIDTHS = (32, 64, 128)


def build_design_model(*, epochs=10, steps_per_epoch=391, widths=DESIGN_WIDTHS, compile=True,
                       seed=0):
    """Build the design page's network: the lesson's rules applied to the lesson's task.

    Each choice, and why:

    - **Augmentation inside the model** (random horizontal flips and shifts of up to
      4 pixels): every epoch sees slightly different images, so the network learns
      the objects rather than the 50,000 photographs; Keras applies it only in training.
    - **Three VGG blocks** of two 3×3 convolutions and a 2×2 max pooling, with
      ``widths`` channels (32, 64, 128): stacked 3×3 filters see as far as larger
      ones with fewer weights, and each pooling halves the maps while the channels
      double, so the cost per block stays even. The last convolution sees 36×36
      pixels, the whole image.
    - **Batch normalisation** after each convolution (which then needs no bias), before
      its ReLU: it keeps each layer's inputs at a steady scale, so a high learning rate
      trains without diverging. It replaces the tutorial's dropout and MaxNorm.
    - **Global average pooling** instead of ``Flatten`` + ``Dense(512)``: one number per
      channel, so the classifier has 1,290 parameters instead of 4.2 million.
    - **Softmax output** with sparse categorical cross-entropy: one of ten classes.
    - **Adam with a one-cycle learning rate**: a linear warm-up to 0.003 over the first
      fifth of the steps, then a cosine decay to zero at the last step, so a short run
      ends settled. The schedule needs the run's length, ``epochs * steps_per_epoch``.

    Parameters
    ----------
    epochs, steps_per_epoch : int
        Length of the training run the learning-rate schedule spans
        (391 steps are one epoch of 50,000 images in batches of 128).
    widths : tuple of int
        Channels of each block; one block per entry.
    compile : bool
        Compile with the optimizer and schedule above.
    seed : int
        Seeds the initial weights and the augmentation.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> model = build_design_model()
    >>> model.count_params()                 # a fifteenth of the tutorial's 4,210,090
    289642
    >>> model.layers[-1].activation.__name__
    'softmax'
    """
    positive_int(epochs, "epochs")
    positive_int(steps_per_epoch, "steps_per_epoch")
    widths = tuple(widths)
    if not widths:
        raise ValueError("widths must name at least one block, e.g. (32, 64, 128)")
    for width in widths:
        positive_int(width, f"each width in widths={widths!r}")

    import keras
    from keras import layers

    name = _keras_style_namer()
    seeds = iter(range(seed * 1000, seed * 1000 + 1000))
    stack = [keras.Input(shape=INPUT_SHAPE, name="input_layer"),
             *augmentation_layers(next(seeds), name)]
    for width in widths:
        for _ in range(2):
            stack += conv_block(width, batch_norm=True, max_norm=False, seed=next(seeds),
                                name=name)
        stack.append(layers.MaxPooling2D(2, name=name("max_pooling2d")))
    stack += [
        layers.GlobalAveragePooling2D(name=name("global_average_pooling2d")),
        layers.Dense(NUM_CLASSES, activation="softmax",
                     kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
                     name=name("dense")),
    ]
    model = keras.Sequential(stack, name="design_cnn")
    if compile:
        steps = epochs * steps_per_epoch
        warmup = max(1, steps // 5)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=3e-4, warmup_target=3e-3, warmup_steps=warmup,
            decay_steps=max(1, steps - warmup), alpha=0.0)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
                      loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
    return model


#: The translation of the augmentation, as a fraction of the image: 0.125 is 4 pixels.
TRANSLATION = 0.125


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
            layers.BatchNormalization(name=name("batch_normalization")),
            layers.ReLU(name=name("re_lu"))]
