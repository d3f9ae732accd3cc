"""Which Keras models the analysis can read, and their layers with nested models opened.

Keras records the order of the layers and the shape each one receives for a
``keras.Sequential`` or functional model, and for the models nested in one, but not for a
subclassed model, whose ``call`` is Python code. The helpers here tell those apart and
refuse, in one line that says what to pass instead, anything they cannot read. Keras
models are recognised by what they expose, so Keras is not imported here.
"""

from __future__ import annotations

from cnnlesson._checks import described

_SEQUENTIAL_OR_FUNCTIONAL = "a keras.Sequential or functional model"


def is_keras(item):
    """True for a Keras layer, model or operation (they all compute output specs)."""
    return hasattr(item, "compute_output_spec")


def is_model(item):
    """True for a Keras model of any kind: a layer that holds layers."""
    return is_keras(item) and hasattr(item, "layers")


def model_kind(model):
    """``'Sequential'`` or ``'Functional'`` if ``model`` runs as that class does, else None."""
    for cls in type(model).__mro__:
        if cls.__name__ in ("Sequential", "Functional"):
            return cls.__name__ if type(model).call is cls.call else None
    return None


def require_model(model, reader, name="model"):
    """Refuse anything but a built Sequential or functional model, naming the fix.

    ``reader`` says what needs the model (a function's name), for the message.
    """
    if not is_model(model):
        raise ValueError(f"{name} must be {_SEQUENTIAL_OR_FUNCTIONAL}, got "
                         f"{described(model)}")
    if model_kind(model) is None:
        raise ValueError(
            f"model {model.name!r} is a subclassed model ({type(model).__name__}), whose "
            f"layers' order and input shapes Keras does not record, and {reader} reads "
            f"them; rebuild it as {_SEQUENTIAL_OR_FUNCTIONAL}")
    if not getattr(model, "inputs", None):
        raise ValueError(f"model {model.name!r} has not been built, so its layers have no "
                         "input shapes yet; start it with keras.Input(shape) or call "
                         "model.build(input_shape)")


def leaf_layers(model, reader):
    """The layers of ``model`` in order, each nested model replaced by its own layers.

    A layer that ``model.layers`` lists twice (a keras.Sequential may) comes twice. The
    ``InputLayer`` that a functional model lists is left out: it does no work and holds
    no weights, and a keras.Sequential does not list it, so the same network gives the
    same layers however it was built.
    """
    for layer in model.layers:
        if is_model(layer):
            require_model(layer, reader, name=f"layer {layer.name!r}")
            yield from leaf_layers(layer, reader)
        elif type(layer).__name__ != "InputLayer":
            yield layer


def require_layer(layer, name="layer"):
    """Refuse anything but a Keras layer (a model is one too), naming ``name``."""
    if not is_keras(layer):
        raise ValueError(f"{name} must be a Keras layer, got {described(layer)}")
    return layer
