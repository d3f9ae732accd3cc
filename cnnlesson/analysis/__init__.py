"""Checks of the lesson's claims, and the arithmetic of convolutions by formula.

Every public name lives here, in ``cnnlesson.analysis``; the private modules behind it hold
one idea each:

- parameters per layer and per model (:func:`parameter_table`, :func:`total_parameters`),
  checked against Keras;
- output sizes after convolution and pooling (:func:`conv_output_size`,
  :func:`pool_output_size`), and receptive fields (:func:`receptive_field`,
  :func:`last_conv_receptive_field`);
- FLOPs per layer, per forward pass and per training step (:func:`layer_costs`,
  :func:`forward_flops_per_image`, :func:`training_flops_per_image`), and which layers
  count none, look at a window, learn or act only in training (:func:`is_flop_free`,
  :func:`is_learnable`, :func:`is_training_only`);
- a reference convolution in NumPy (:func:`apply_conv2d`), the same kernel in a Keras layer
  (:func:`conv2d_layer_with_weights`), and 1x1 channel mixing (:func:`mix_channels_1x1`);
- two stacked convolutions as one composed kernel, and why a ReLU between them breaks the
  identity (:func:`compose_kernels`, :func:`stacked_vs_single_check`), measured by the best
  single convolution a least-squares fit can find (:func:`best_conv_fit`);
- one feature map as a sum of per-channel maps (:func:`decompose_feature_map`);
- the effective receptive field: the gradient of a central unit with respect to the input,
  averaged over images (Luo et al., 2016) (:func:`effective_receptive_field`,
  :func:`effective_area`);
- how much a layer's maps still look like the picture, the one measure of "abstract" the
  pages report (:func:`layer_likeness`, :func:`map_likeness`);
- which classes a classifier confuses (:func:`confusion_counts`, :func:`most_confused`).

The convolutions are plain NumPy cross-correlations (what Keras ``Conv2D`` computes), so
the pages can show and verify each claim without a framework; Keras is imported only
inside the functions that compare against a real layer.
"""

from __future__ import annotations

from cnnlesson.analysis._abstraction import layer_likeness, map_likeness
from cnnlesson.analysis._composition import (
    ConvFit,
    StackedCheck,
    best_conv_fit,
    compose_kernels,
    stacked_vs_single_check,
)
from cnnlesson.analysis._confusion import Confusion, confusion_counts, most_confused
from cnnlesson.analysis._convolution import (
    GREY_WEIGHTS,
    apply_conv2d,
    conv2d_layer_with_weights,
    mix_channels_1x1,
)
from cnnlesson.analysis._counting import (
    LayerParams,
    conv2d_params,
    conv3d_params,
    dense_params,
    parameter_table,
    total_parameters,
)
from cnnlesson.analysis._decomposition import (
    FeatureMapParts,
    check_decomposition,
    decompose_feature_map,
)
from cnnlesson.analysis._effective_field import (
    EffectiveField,
    effective_area,
    effective_receptive_field,
)
from cnnlesson.analysis._flops import (
    LayerCost,
    conv_forward_flops,
    dense_forward_flops,
    forward_flops_per_image,
    layer_costs,
    layer_forward_flops,
    training_flops_per_image,
)
from cnnlesson.analysis._layer_kinds import (
    is_flop_free,
    is_learnable,
    is_training_only,
    layer_kind,
)
from cnnlesson.analysis._sizes import (
    ReceptiveField,
    conv_output_size,
    last_conv_receptive_field,
    pool_output_size,
    receptive_field,
)

__all__ = [
    "apply_conv2d", "best_conv_fit", "check_decomposition", "compose_kernels", "Confusion",
    "confusion_counts", "conv2d_layer_with_weights", "conv2d_params", "ConvFit", "conv3d_params",
    "conv_forward_flops",
    "conv_output_size", "decompose_feature_map", "dense_forward_flops", "dense_params",
    "effective_area", "effective_receptive_field", "EffectiveField", "FeatureMapParts",
    "forward_flops_per_image", "GREY_WEIGHTS", "is_flop_free", "is_learnable",
    "is_training_only", "last_conv_receptive_field", "layer_costs", "layer_forward_flops",
    "layer_kind", "layer_likeness", "LayerCost", "LayerParams", "map_likeness",
    "mix_channels_1x1", "most_confused", "parameter_table",
    "pool_output_size", "receptive_field", "ReceptiveField", "stacked_vs_single_check",
    "StackedCheck", "total_parameters", "training_flops_per_image",
]
