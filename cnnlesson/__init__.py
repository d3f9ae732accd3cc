"""cnnlesson: an executable lesson on how a convolutional neural network is designed.

The top level gathers what the lesson's pages use; the modules hold one idea
each: :mod:`~cnnlesson.data`, :mod:`~cnnlesson.model`, :mod:`~cnnlesson.extract`,
:mod:`~cnnlesson.analysis`, :mod:`~cnnlesson.train` (with :mod:`~cnnlesson.cache` and
:mod:`~cnnlesson.optimizers`), :mod:`~cnnlesson.report` and :mod:`~cnnlesson.plotting`.
"""

import os

# TensorFlow's C++ start-up chatter (CPU feature notes, CUDA probes) would fill the
# lesson's executed cells; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnlesson.data import (  # noqa: E402
    CIFAR10_CLASSES,
    DatasetError,
    cifar10_source,
    load_cifar10,
    scale_images,
)
from cnnlesson.designs import train_design_model  # noqa: E402
from cnnlesson.extract import feature_extractor, feature_maps  # noqa: E402
from cnnlesson.model import build_design_model, build_lesson_model, describe_variant  # noqa: E402
from cnnlesson.profiles import Profile, current_profile  # noqa: E402
from cnnlesson.train import TrainingResult, train_lesson_model, train_model  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "CIFAR10_CLASSES",
    "DatasetError",
    "build_design_model",
    "build_lesson_model",
    "cifar10_source",
    "describe_variant",
    "feature_extractor",
    "feature_maps",
    "load_cifar10",
    "scale_images",
    "Profile",
    "TrainingResult",
    "current_profile",
    "train_design_model",
    "train_lesson_model",
    "train_model",
]
