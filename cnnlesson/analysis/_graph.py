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

from cnnlesson.analysis._layer_kinds import (
    ALONG_AXIS,
    GLOBAL_POOLING,
    POINTWISE,
    TRAINING_ONLY,
    WINDOWED,
)

_REFUSED = ("; pass a keras.Sequential or functional model, or a list of (kernel, stride) "
            "steps in the order the layers are applied")


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_keras(item):
    """True for a Keras layer, model or operation (they all compute output specs)."""
    return hasattr(item, "compute_output_spec")


def _model_kind(model):
    """``'Sequential'`` or ``'Functional'`` if ``model`` runs as that class does, else None."""
    for cls in type(model).__mro__:
        if cls.__name__ in ("Sequential", "Functional"):
            return cls.__name__ if type(model).call is cls.call else None
    return None


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
        if _model_kind(op) == "Functional":  # its input/output are its own, not this call's
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
        is_layer = _is_keras(item) and not hasattr(item, "layers")
        call = _first_call(item) if is_layer else None
        if call and before and [id(t) for t in call[0]] != [id(t) for t in before[1]]:
            raise ValueError(
                f"in the list, layer {item.name!r} does not take its input from "
                f"{before[0].name!r}, the item before it, where Keras first called it (the "
                "list leaves out a layer, crosses a branch or repeats a shared layer); list "
                "the layers of one path in the order they are applied, or pass the model")
        before = (item, call[1]) if call else None


def _chain(layers):
    """The items of a model or a list, in the order they are applied."""
    kind = _model_kind(layers)
    if kind == "Sequential":
        return list(layers.layers)  # Keras runs a Sequential model's layers in this order
    if kind == "Functional":
        return _functional_chain(layers)
    if hasattr(layers, "layers"):
        raise ValueError(
            f"model {layers.name!r} is a subclassed model ({type(layers).__name__}) whose "
            f"call order Keras does not expose{_REFUSED}")
    items = list(layers)
    _check_list(items)
    return items


def _input_height(model):
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None  # a model that has not been built
    return shape[1] if len(shape) > 2 else None


def _layer_steps(layer, input_height):
    kind = type(layer).__name__
    if getattr(layer, "data_format", None) == "channels_first":
        raise ValueError(f"layer {layer.name!r} ({kind}) has data_format='channels_first'; "
                         "receptive_field reads channels_last layers, Keras's default")
    if kind in WINDOWED:
        window = layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size
        yield window[0], layer.strides[0], getattr(layer, "dilation_rate", (1,))[0]
    elif kind in GLOBAL_POOLING:
        if input_height is None:
            raise ValueError(
                f"layer {layer.name!r} ({kind}) makes the field the whole input, whose "
                "size is unknown here; pass the Keras model rather than a list of layers")
        yield "global", input_height, None
    elif kind in ALONG_AXIS and _as_list(layer.axis) != [-1]:
        raise ValueError(
            f"layer {layer.name!r} ({kind}) acts along axis {layer.axis!r}, so it mixes "
            "positions; receptive_field follows such layers only along the channel axis, -1")
    elif kind not in POINTWISE | TRAINING_ONLY | ALONG_AXIS:
        raise ValueError(
            f"receptive_field does not know how layer {layer.name!r} ({kind}) changes "
            "the field; it follows convolutions, poolings and layers without a spatial "
            "window")


def _steps(layers, input_height):
    for index, item in enumerate(_chain(layers)):
        if isinstance(item, (tuple, list)):
            if not 1 <= len(item) <= 3:
                raise ValueError(f"expected (kernel, stride[, dilation]), got {item!r}")
            yield (*item, 1, 1)[:3]
        elif not _is_keras(item):
            yield item, 1, 1
        elif hasattr(item, "layers"):
            # A nested model's own input is the whole input only where the chain starts.
            height = input_height if input_height or index else _input_height(item)
            yield from _steps(item, height)
        else:
            yield from _layer_steps(item, input_height)


def field_steps(layers):
    """The windows along the height axis that ``layers`` applies, first to last.

    Parameters
    ----------
    layers : iterable or keras.Model
        As for :func:`cnnlesson.analysis.receptive_field`.

    Yields
    ------
    tuple
        ``(kernel, stride, dilation)`` for each window, or ``('global', input height,
        None)`` for a global pooling.

    Raises
    ------
    ValueError
        Where the order or the effect of a layer cannot be read (see
        :func:`cnnlesson.analysis.receptive_field`).

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3),
    ...                           keras.layers.Dropout(0.5), keras.layers.MaxPooling2D()])
    >>> list(field_steps(model))
    [(3, 1, 1), (2, 2, 1)]
    >>> list(field_steps([5, (3, 2)]))
    [(5, 1, 1), (3, 2, 1)]
    """
    height = _input_height(layers) if hasattr(layers, "layers") else None
    yield from _steps(layers, height)
