"""Better networks by the lesson's own rules: one change at a time, and the final design.

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

:func:`cnnlesson.build_design_model` is the final design. Every layer is named explicitly, so the
architecture description (and so the training cache key) does not depend on how many
models a session built before.
"""

from __future__ import annotations

import functools

from cnnlesson._checks import positive_int
from cnnlesson.model import (
    INPUT_SHAPE,
    NUM_CLASSES,
    _keras_style_namer,
    augmentation_layers,
    build_lesson_model,
    conv_block,
)

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

def build_design_step(step, *, compile=True, seed=0):
    """Build one row of the design page's table: the tutorial's network after ``step``.

    Parameters
    ----------
    step : {"a", "b", "c", "d", "e", "f"}
        How far along :data:`DESIGN_STEPS` to go; each step keeps the changes before it.
    compile : bool
        Compile as the lesson does: Adam, sparse categorical cross-entropy and accuracy.
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
    name = _keras_style_namer()
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
    model = keras.Sequential(stack, name=f"design_step_{step}")
    if compile:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
    return model


def design_builder(*, epochs, batch_size, subset=None):
    """The final design's builder for one schedule: ``build(seed=...)`` for ``train_model``.

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
    from cnnlesson.model import build_design_model

    images = TRAIN_IMAGES if subset is None else positive_int(subset, "subset")
    steps = -(-images // positive_int(batch_size, "batch_size"))
    return functools.partial(build_design_model, epochs=positive_int(epochs, "epochs"),
                             steps_per_epoch=steps)


def _lesson_builder(*, epochs, batch_size, subset=None):
    return build_lesson_model


#: The networks ``python -m cnnlesson train --model NAME`` trains: for each name, a
#: function of the schedule (``epochs``, ``batch_size``, ``subset``) giving its builder.
MODELS = {"lesson": _lesson_builder, "design": design_builder}
