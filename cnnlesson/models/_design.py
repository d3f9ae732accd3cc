"""Better networks by the tutorial's own rules: one change at a time, and the final design.

:func:`build_design_step` builds the rows of the design page's table. Each step keeps
everything of the step before it and changes one thing:

``"a"``
    The tutorial's network, :func:`cnnlesson.build_lesson_model`.
``"b"``
    ``Flatten`` + ``Dense(512)`` + ``Dropout`` replaced by global average pooling.
``"c"``
    A second convolution block in the VGG pattern: two 3×3 convolutions of twice the
    channels, then pooling, so the last convolution sees more of the image.
``"d"``
    Batch normalisation between each convolution and its ReLU.
``"e"``
    Data augmentation inside the model: random horizontal flips and small translations.
``"f"``
    A softmax output instead of the sigmoid.

:func:`build_design_model` is the final design. Every layer is named explicitly, so the
architecture description (and so the training cache key) does not depend on how many
models a session built before.
"""

from __future__ import annotations

import functools

from cnnlesson._checks import positive_int
from cnnlesson.models._layers import (
    INPUT_SHAPE,
    NUM_CLASSES,
    augmentation_layers,
    compile_as_tutorial,
    conv_block,
    keras_style_namer,
)
from cnnlesson.models._lesson import build_lesson_model

#: Images in CIFAR-10's training split.
TRAIN_IMAGES = 50_000

#: The steps of the design page's table, in order, with what each one changes.
DESIGN_STEPS = {
    "a": "the tutorial's network",
    "b": "Flatten + Dense(512) → global average pooling",
    "c": "+ a second VGG block (two 3×3 convs, 64 channels, pooling)",
    "d": "+ batch normalisation",
    "e": "+ augmentation (flips, translations)",
    "f": "+ softmax output",
}

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
      double, so the cost per block stays even. The last convolution sees 32×32
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
    >>> model.count_params()                 # under a tenth of the tutorial's 4,210,090
    289642
    >>> model.layers[-1].activation.__name__
    'softmax'
    >>> from cnnlesson.analysis import last_conv_receptive_field
    >>> last_conv_receptive_field(model)     # pixels: the whole 32×32 image
    32
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

    name = keras_style_namer()
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
        compile_as_tutorial(model, learning_rate=schedule)
    return model


def design_step_name(step) -> str:
    """The name of the network of one row of the design page's table (``model.name``).

    Examples
    --------
    >>> design_step_name("c")
    'design_step_c'
    """
    return f"design_step_{step}"


def build_design_step(step, *, compile=True, seed=0):
    """Build one row of the design page's table: the tutorial's network after ``step``.

    Parameters
    ----------
    step : {"a", "b", "c", "d", "e", "f"}
        How far along :data:`DESIGN_STEPS` to go; each step keeps the changes before it.
    compile : bool
        Compile as the lesson's network is: Adam, sparse categorical cross-entropy and
        accuracy.
    seed : int
        Seeds the initial weights, dropout and augmentation.

    Returns
    -------
    keras.Sequential

    Raises
    ------
    ValueError
        For an unknown step.

    Examples
    --------
    >>> [build_design_step(s, compile=False).count_params() for s in "abc"]
    [4210090, 10474, 66218]
    >>> [layer.name for layer in build_design_step("f", compile=False).layers][:4]
    ['random_flip', 'random_translation', 'conv2d', 'batch_normalization']
    """
    if step not in DESIGN_STEPS:
        raise ValueError(f"step must be one of {list(DESIGN_STEPS)}, got {step!r}")
    if step == "a":
        return build_lesson_model(compile=compile, seed=seed)

    import keras
    from keras import layers

    after = list(DESIGN_STEPS).index(step)
    name = keras_style_namer()
    seeds = iter(range(seed * 1000, seed * 1000 + 1000))
    stack = [keras.Input(shape=INPUT_SHAPE, name="input_layer")]
    if after >= 4:
        # Its own seeds, so that every step starts from the same initial weights.
        stack += augmentation_layers(seed * 1000 + 900, name)
    for filters in (32, 64) if after >= 2 else (32,):
        stack += conv_block(filters, batch_norm=after >= 3, max_norm=True, seed=next(seeds),
                            name=name)
        stack.append(layers.Dropout(0.3, seed=next(seeds), name=name("dropout")))
        stack += conv_block(filters, batch_norm=after >= 3, max_norm=True, seed=next(seeds),
                            name=name)
        stack.append(layers.MaxPooling2D(2, name=name("max_pooling2d")))
    stack += [
        layers.GlobalAveragePooling2D(name=name("global_average_pooling2d")),
        layers.Dense(NUM_CLASSES, activation="softmax" if after >= 5 else "sigmoid",
                     kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
                     name=name("dense")),
    ]
    model = keras.Sequential(stack, name=design_step_name(step))
    if compile:
        compile_as_tutorial(model)
    return model


def design_builder(*, epochs, batch_size, subset=None):
    """The final design's builder for one schedule: ``build(seed=...)`` for training.

    The learning-rate schedule spans the whole run, so the builder is made for the
    number of epochs and batches it will be trained with.

    Parameters
    ----------
    epochs, batch_size : int
        The schedule the model will be trained with.
    subset : int, optional
        Training images used (all 50,000 when None).

    Returns
    -------
    callable
        ``build(seed=0, compile=True)`` returning :func:`cnnlesson.build_design_model`'s
        network.

    Examples
    --------
    >>> build = design_builder(epochs=2, batch_size=128, subset=1_000)
    >>> build.keywords
    {'epochs': 2, 'steps_per_epoch': 8}
    """
    images = TRAIN_IMAGES if subset is None else positive_int(subset, "subset")
    steps = -(-images // positive_int(batch_size, "batch_size"))
    return functools.partial(build_design_model, epochs=positive_int(epochs, "epochs"),
                             steps_per_epoch=steps)
