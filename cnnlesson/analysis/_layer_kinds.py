"""What kind of work a Keras layer does: the one place the package says it.

Every function of the package that treats layers differently by kind asks here: the
receptive field (which layers look at a spatial window), the FLOP counts (which layers do
matrix work), the explorer's export (which layers act only in training).  Layers are
recognised by class name, so this module never imports Keras.
"""

from __future__ import annotations

from cnnlesson.analysis._models import require_layer

#: Poolings over a window: each output is the largest or the mean of ``pool`` positions.
POOLING = frozenset(f"{kind}Pooling{rank}D" for kind in ("Max", "Average") for rank in (1, 2, 3))
#: Layers that slide a window over the image: each output sees ``kernel`` (or ``pool``)
#: positions per axis.
WINDOWED = POOLING | frozenset(
    {f"Conv{rank}D" for rank in (1, 2, 3)}
    | {"DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"})
#: Layers that slide a learned kernel over the image: the windowed layers that do not pool.
CONVOLUTION = WINDOWED - POOLING
#: Layers that pool each channel over the whole map: their outputs see the whole input.
GLOBAL_POOLING = frozenset(f"Global{kind}Pooling{rank}D" for kind in ("Average", "Max")
                           for rank in (1, 2, 3))
#: Layers that change the image only while training (random augmentation, dropout); when
#: predicting they pass their input on as it is.
TRAINING_ONLY = frozenset({
    "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomCrop",
    "RandomContrast", "RandomBrightness",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "GaussianDropout", "GaussianNoise", "AlphaDropout",
})
#: Layers that act on each position (or on the flattened whole) without a spatial window.
#: (Training-only layers are the identity when the network predicts.)
POINTWISE = frozenset({
    "InputLayer", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU",
    "ActivityRegularization", "BatchNormalization", "Rescaling", "Normalization",
    "Identity", "Flatten", "Dense", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D",
})
#: Layers that act along their ``axis``: per position only when that is the channel axis.
ALONG_AXIS = frozenset({"Softmax", "LayerNormalization", "UnitNormalization"})
#: Layers whose work is matrix products, the FLOPs the package counts.
MATRIX = frozenset({"Conv1D", "Conv2D", "Conv3D", "Dense"})
#: Layers whose work is per element or a comparison (pooling, activations, normalisation,
#: augmentation, reshaping): counted as 0 FLOPs, small next to the matrix work.
FLOP_FREE = (POOLING | GLOBAL_POOLING | POINTWISE | ALONG_AXIS | TRAINING_ONLY) - MATRIX


def layer_kind(layer) -> str:
    """The class name of a Keras layer, e.g. ``"Conv2D"``.

    Examples
    --------
    >>> import keras
    >>> layer_kind(keras.layers.MaxPooling2D())
    'MaxPooling2D'
    """
    return type(require_layer(layer)).__name__


def is_learnable(layer) -> bool:
    """Whether training changes the layer: it has trainable weights.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2),
    ...                           keras.layers.Dropout(0.5)])
    >>> [is_learnable(layer) for layer in model.layers]
    [True, False]
    """
    return bool(require_layer(layer).trainable_weights)


def is_flop_free(layer) -> bool:
    """Whether the FLOP counts of :mod:`cnnlesson.analysis` charge the layer nothing.

    Examples
    --------
    >>> import keras
    >>> is_flop_free(keras.layers.BatchNormalization()), is_flop_free(keras.layers.Dense(2))
    (True, False)
    """
    return layer_kind(layer) in FLOP_FREE


def is_training_only(layer) -> bool:
    """Whether the layer changes its input only while training (augmentation, dropout).

    Examples
    --------
    >>> import keras
    >>> is_training_only(keras.layers.RandomFlip()), is_training_only(keras.layers.ReLU())
    (True, False)
    """
    return layer_kind(layer) in TRAINING_ONLY
