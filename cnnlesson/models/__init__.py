"""The networks of the lesson: the tutorial's, its variants, and better ones by its own rules.

- :func:`build_lesson_model`: the tutorial's CIFAR-10 network, exactly, and the variants
  the site compares it with (filter sizes, one 5×5 instead of two 3×3, softmax output);
  :func:`describe_variant` labels them.
- :func:`build_design_step`: the rows of the design page's table, each changing one thing
  of the row before it (:data:`DESIGN_STEPS`).
- :func:`build_design_model`: the final design, three VGG blocks with batch
  normalisation, global average pooling and augmentation; :func:`design_builder` makes
  it for one training schedule.
- :func:`training_recipe` and :func:`builder_for_recipe`: the one table of these networks
  by name, from which training writes its recipes and an import rebuilds a network.

Every network is compiled as the tutorial compiles its own: ``keras.optimizers.Adam``,
sparse categorical cross-entropy and accuracy.
"""

from cnnlesson.models._design import (
    DESIGN_STEPS,
    DESIGN_WIDTHS,
    TRAIN_IMAGES,
    build_design_model,
    build_design_step,
    design_builder,
)
from cnnlesson.models._layers import INPUT_SHAPE, NUM_CLASSES, TRANSLATION
from cnnlesson.models._lesson import (
    LESSON_CONV_KERNEL_SIZES,
    OUTPUT_ACTIVATIONS,
    build_lesson_model,
    describe_variant,
)
from cnnlesson.models._recipes import builder_for_recipe, training_recipe

__all__ = [
    "DESIGN_STEPS", "DESIGN_WIDTHS", "INPUT_SHAPE", "LESSON_CONV_KERNEL_SIZES", "NUM_CLASSES",
    "OUTPUT_ACTIVATIONS", "TRAIN_IMAGES", "TRANSLATION", "build_design_model",
    "build_design_step", "build_lesson_model", "builder_for_recipe", "describe_variant",
    "design_builder", "training_recipe",
]
