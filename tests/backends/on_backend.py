"""What the cross-backend tests run in a process of one backend (``KERAS_BACKEND``).

``python on_backend.py train FOLDER``: train the lesson's network and the final design on
the small CIFAR-10 copy named by ``CNNLESSON_CIFAR10_DIR``, and publish them into
``FOLDER/models`` as a site build does.  ``python on_backend.py load FOLDER OUT``: import
those models into the training cache, load them as the pages do, and write their
predictions of the test images (``OUT/predictions.npz``) and the explorer's data
(``OUT/explorer-data``).  The last line printed is the backend's name.
"""

import sys
from pathlib import Path

import numpy as np

import cnnlesson
from cnnlesson import data
from cnnlesson.__main__ import main
from cnnlesson.backends import current_backend
from cnnlesson.export import write_site_data
from cnnlesson.profiles import Profile

#: Images per batch file of the small copy the tests write (the official files hold 10,000).
IMAGES_PER_BATCH = 200
data.IMAGES_PER_BATCH = IMAGES_PER_BATCH

PROFILE = Profile(name="tiny", lesson={"epochs": 1, "batch_size": 32, "subset": None},
                  comparison={"epochs": 1, "batch_size": 32, "subset": None},
                  is_lesson_recipe=False,
                  design={"steps": {"epochs": 1, "batch_size": 32, "subset": None},
                          "final": {"epochs": 1, "batch_size": 64, "subset": None}})


def trained():
    """The two networks of the profile, through the training cache, as the pages get them."""
    return {"lesson": cnnlesson.train_lesson_model(**PROFILE.lesson, verbose=0).model,
            "design": cnnlesson.train_design_model(**PROFILE.design["final"], verbose=0).model}


def train(folder):
    """Train (the build's log is ``CNNLESSON_MODELS_USED``, set by the test), then publish."""
    trained()
    used = Path(folder, "models-used.txt")
    assert main(["models", "publish", str(Path(folder, "models")), "--used", str(used)]) == 0


def load(folder, out):
    assert main(["models", "import", str(Path(folder, "models"))]) == 0
    networks = trained()
    _, (x_test, _) = cnnlesson.load_cifar10()
    images = cnnlesson.scale_images(x_test)
    np.savez(Path(out, "predictions.npz"),
             **{name: model.predict(images, verbose=0) for name, model in networks.items()})
    write_site_data(out, PROFILE)


if __name__ == "__main__":
    task, *folders = sys.argv[1:]
    {"train": train, "load": load}[task](*folders)
    print(current_backend())
