"""cnnlesson: an executable lesson on how a convolutional neural network is designed.

The top level gathers what the lesson's pages use; the modules hold one idea
each: :mod:`~cnnlesson.data` (CIFAR-10), :mod:`~cnnlesson.models` (the networks),
:mod:`~cnnlesson.train` (training with ``model.fit``, through :mod:`~cnnlesson.cache`),
:mod:`~cnnlesson.extract` (feature maps), :mod:`~cnnlesson.export` (the explorer's
data), :mod:`~cnnlesson.analysis` (counts, sizes, fields, FLOPs, kernels),
:mod:`~cnnlesson.uncertainty` (what a measured accuracy can tell),
:mod:`~cnnlesson.wording` (numbers in words and tables), :mod:`~cnnlesson.plotting`
(figures), :mod:`~cnnlesson.profiles` (how much the build trains) and
:mod:`~cnnlesson.about` (the version and the project's addresses).
"""

import os

# TensorFlow's C++ start-up chatter (CPU feature notes, CUDA probes) would fill the
# lesson's executed cells; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnlesson import about  # noqa: E402
from cnnlesson.data import (  # noqa: E402
    CIFAR10_CLASSES,
    DatasetError,
    cifar10_source,
    load_cifar10,
    scale_images,
)
from cnnlesson.extract import feature_extractor, feature_maps  # noqa: E402
from cnnlesson.models import build_design_model, build_lesson_model, describe_variant  # noqa: E402
from cnnlesson.profiles import Profile, current_profile  # noqa: E402
from cnnlesson.published import use_site_models  # noqa: E402
from cnnlesson.train import (  # noqa: E402
    TrainingResult,
    train_design_model,
    train_lesson_model,
    train_model,
)

# Written once, in pyproject.toml; the installed metadata carries it here.
__version__ = about.version()

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
    "use_site_models",
]
