"""The windows a Keras model or a list of layers applies, in the order it applies them.

:func:`cnnlesson.analysis.receptive_field` needs each layer in the order it runs, once per
time it runs. Keras exposes that order for a ``keras.Sequential`` model (``model.layers``)
and for a functional model (each operation's ``input`` and ``output``), but not for a
subclassed model, whose ``call`` is Python code, nor for a layer's second call:
``layer.input`` and ``layer.output`` are those of its first call. What cannot be read is
refused with what to pass instead, never guessed. Layers are recognised by class name
(:mod:`cnnlesson.analysis._layer_kinds`), so Keras is not imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cnnlesson._checks import described
from cnnlesson.analysis._layer_kinds import (
    ALONG_AXIS,
    GLOBAL_POOLING,
    POINTWISE,
    TRAINING_ONLY,
    WINDOWED,
)
from cnnlesson.analysis._models import is_keras, is_model, model_kind

#: The spatial axes of a layer by how many it has, in Keras's order (channels last).
AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}

_REFUSED = ("; pass a keras.Sequential or functional model, or a list of (kernel, stride) "
            "steps in the order the layers are applied")


def check_axis(axis):
    """``axis`` if it names a spatial axis, else a ValueError that lists the names."""
    if isinstance(axis, str) and axis in ("height", "width", "depth", "length"):
        return axis
    raise ValueError(f"axis must be 'height', 'width', 'depth' or 'length', got {axis!r}")


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _first_call(layer):
    """``(inputs, outputs)`` of the layer's first call, or None if it was never called."""
    try:
        return _as_list(layer.input), _as_list(layer.output)
    except (AttributeError, ValueError):
        return None


def _refuse_second_call(model, reader):
    raise ValueError(
        f"model {model.name!r} applies a layer more than once ({reader} is the output of "
        "a layer's second call), and Keras shows only where each layer was first called; "
        "pass a keras.Sequential that lists the layer once for each time it is applied, "
        "or a list of (kernel, stride) steps"
    )


def _functional_chain(model):
    """The operations of a functional model from its input to its output, one chain."""
    single = f"receptive_field follows a single chain of layers; model {model.name!r}"
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"{single} has {len(model.inputs)} inputs and "
                         f"{len(model.outputs)} outputs")
    source, sink = model.inputs[0], model.outputs[0]
    operations = [op for op in model.operations if type(op).__name__ != "InputLayer"]
    made = {id(source)}
    for op in operations:
        if model_kind(op) == "Functional":  # its input/output are its own, not this call's
            raise ValueError(
                f"model {model.name!r} applies the functional model {op.name!r} as a layer; "
                "Keras shows that model's own input and output, not where it is called"
                f"{_REFUSED} (a keras.Sequential may hold {op.name!r})")
        outputs = _as_list(op.output)
        if len(outputs) != 1:
            raise ValueError(f"{single} has layer {op.name!r} with {len(outputs)} outputs")
        made.add(id(outputs[0]))
    readers = {}
    for op in operations:
        for tensor in _as_list(op.input):
            if id(tensor) not in made:
                _refuse_second_call(model, f"the input of layer {op.name!r}")
            readers.setdefault(id(tensor), []).append(op)
    if id(sink) not in made:
        _refuse_second_call(model, "its output")
    for op in operations:  # in order, so the message names the first place it branches
        if len(_as_list(op.input)) != 1:
            raise ValueError(f"{single} merges branches at layer {op.name!r} "
                             f"({len(_as_list(op.input))} inputs)")
        if len(readers.get(id(op.output), ())) > 1:
            raise ValueError(f"{single} branches at layer {op.name!r} (its output feeds "
                             f"{len(readers[id(op.output)])} layers)")
    if len(readers.get(id(source), ())) > 1:
        raise ValueError(f"{single} branches at its input")
    chain, tensor = [], source
    while tensor is not sink:
        (op,) = readers[id(tensor)]
        chain.append(op)
        tensor = op.output
    return chain


def _check_list(items):
    """Refuse a list whose called layers do not follow one another in their model."""
    before = None  # the item before, when it is a layer that has been called
    for item in items:
        is_layer = is_keras(item) and not is_model(item)
        call = _first_call(item) if is_layer else None
        if call and before and [id(t) for t in call[0]] != [id(t) for t in before[1]]:
            raise ValueError(
                f"in the list, layer {item.name!r} does not take its input from "
                f"{before[0].name!r}, the item before it, where Keras first called it (the "
                "list leaves out a layer, crosses a branch or repeats a shared layer); list "
                "the layers of one path in the order they are applied, or pass the model")
        before = (item, call[1]) if call else None


_LAYERS = ("a keras.Sequential or functional model, or a list of Keras layers and "
           "(kernel, stride) steps")


def _chain(layers):
    """The items of a model or a list, in the order they are applied."""
    kind = model_kind(layers)
    if kind == "Sequential":
        return list(layers.layers)  # Keras runs a Sequential model's layers in this order
    if kind == "Functional":
        return _functional_chain(layers)
    if is_model(layers):
        raise ValueError(
            f"model {layers.name!r} is a subclassed model ({type(layers).__name__}) whose "
            f"call order Keras does not expose{_REFUSED}")
    if is_keras(layers):
        raise ValueError(f"layers must be {_LAYERS}, got the single layer {layers.name!r} "
                         f"({type(layers).__name__}); pass it in a list: [layer]")
    if (isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Iterable)
            or getattr(layers, "ndim", 1) != 1):
        raise ValueError(f"layers must be {_LAYERS}, got {described(layers)}; pass a "
                         "single step in a list, such as [3] or [(3, 2)]")
    items = list(layers)
    _check_list(items)
    return items


def _input_shape(model):
    try:
        return tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None  # a model that has not been built


def _axis_index(layer, rank, axis):
    """Where ``axis`` is among the spatial axes of a layer that has ``rank`` of them."""
    names = AXES.get(rank, ())
    if axis in names:
        return names.index(axis)
    has = (f"the axis {names[0]!r}" if len(names) == 1 else "the axes "
           + ", ".join(repr(name) for name in names[:-1]) + f" and {names[-1]!r}")
    raise ValueError(
        f"axis={axis!r} does not exist for the {rank}-D layer {layer.name!r} "
        f"({type(layer).__name__}), which has {has}; pass "
        + " or ".join(f"axis={name!r}" for name in names))


def _global_size(layer, input_shape, axis):
    kind = type(layer).__name__
    if input_shape is None:
        raise ValueError(
            f"layer {layer.name!r} ({kind}) makes the field the whole input, whose "
            "size is unknown here; pass the Keras model rather than a list of layers")
    index = _axis_index(layer, int(kind[-2]), axis)
    size = input_shape[1 + index] if len(input_shape) == int(kind[-2]) + 2 else None
    if size is None:
        raise ValueError(
            f"layer {layer.name!r} ({kind}) makes the field the whole input, whose {axis} "
            f"is not fixed (input shape {input_shape[1:]}); give keras.Input a fixed size")
    return size


def _layer_steps(layer, input_shape, axis):
    kind = type(layer).__name__
    if getattr(layer, "data_format", None) == "channels_first":
        raise ValueError(f"layer {layer.name!r} ({kind}) has data_format='channels_first'; "
                         "receptive_field reads channels_last layers, Keras's default")
    if kind in WINDOWED:
        window = layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size
        index = _axis_index(layer, len(window), axis)
        dilation = getattr(layer, "dilation_rate", None)
        yield window[index], layer.strides[index], dilation[index] if dilation else 1
    elif kind in GLOBAL_POOLING:
        yield "global", _global_size(layer, input_shape, axis), None
    elif kind in ALONG_AXIS and _as_list(layer.axis) != [-1]:
        raise ValueError(
            f"layer {layer.name!r} ({kind}) acts along axis {layer.axis!r}, so it mixes "
            "positions; receptive_field follows such layers only along the channel axis, -1")
    elif kind not in POINTWISE | TRAINING_ONLY | ALONG_AXIS:
        raise ValueError(
            f"receptive_field does not know how layer {layer.name!r} ({kind}) changes "
            "the field; it follows convolutions, poolings and layers without a spatial "
            "window")


def _steps(layers, input_shape, axis):
    for index, item in enumerate(_chain(layers)):
        if getattr(item, "ndim", None) == 1:  # a NumPy (kernel, stride) pair
            item = tuple(item.tolist())
        if isinstance(item, (tuple, list)):
            if not 1 <= len(item) <= 3:
                raise ValueError(f"expected (kernel, stride[, dilation]), got {item!r}")
            yield None, (*item, 1, 1)[:3]
        elif not is_keras(item):
            if not hasattr(item, "__index__"):
                raise ValueError(
                    "each item of layers must be a kernel size, a (kernel, stride[, "
                    f"dilation]) tuple or a Keras layer, got {described(item)}")
            yield None, (item, 1, 1)
        elif is_model(item):
            # A nested model's own input is the whole input only where the chain starts.
            shape = input_shape if input_shape or index else _input_shape(item)
            yield from _steps(item, shape, axis)
        else:
            for step in _layer_steps(item, input_shape, axis):
                yield item, step


def layer_steps(layers, axis="height"):
    """Each window that ``layers`` applies along ``axis``, first to last, with its layer.

    Parameters
    ----------
    layers : iterable or keras.Model
        As for :func:`cnnlesson.analysis.receptive_field`.
    axis : {'height', 'width', 'depth', 'length'}
        As for :func:`cnnlesson.analysis.receptive_field`.

    Yields
    ------
    tuple
        ``(layer, step)``: the Keras layer (None for a step given as numbers), and
        ``(kernel, stride, dilation)`` for a window or ``('global', input size, None)``
        for a global pooling.

    Raises
    ------
    ValueError
        Where the order or the effect of a layer cannot be read (see
        :func:`cnnlesson.analysis.receptive_field`).

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)),
    ...                           keras.layers.Conv2D(1, (3, 5), name="conv"),
    ...                           keras.layers.Dropout(0.5),
    ...                           keras.layers.MaxPooling2D(name="pool")])
    >>> [(layer.name, step) for layer, step in layer_steps(model, axis="width")]
    [('conv', (5, 1, 1)), ('pool', (2, 2, 1))]
    >>> list(layer_steps([5, (3, 2)]))
    [(None, (5, 1, 1)), (None, (3, 2, 1))]
    """
    axis = check_axis(axis)
    yield from _steps(layers, _input_shape(layers) if is_model(layers) else None, axis)
