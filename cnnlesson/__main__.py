"""Command line: ``python -m cnnlesson train [--model NAME]`` trains a network (cached).

The last line printed is one JSON object, so scripts can read the result with
``tail -n 1``.
"""

from __future__ import annotations

import argparse
import json
import sys

from cnnlesson._interrupts import honoured, raise_if_interrupted
from cnnlesson.train import MODELS


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"--seed must be an integer from 0 to {2**32 - 1}, got {text!r}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m cnnlesson",
        description="Tools of the cnnlesson teaching site.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train", help="train the lesson's model on CIFAR-10 (cached)",
        description="Train the lesson's CIFAR-10 network and print its results as JSON. "
        "Set CNNLESSON_CIFAR10_DIR to use a local copy of CIFAR-10 instead of downloading it.",
    )
    train.add_argument("--epochs", type=_positive_int, default=25)
    train.add_argument("--batch-size", type=_positive_int, default=32)
    train.add_argument("--subset", type=_positive_int, default=None,
                       help="use only the first N images of each split (at most the "
                       "50,000 training images)")
    train.add_argument("--seed", type=_seed, default=0,
                       help="fixes initial weights, dropout and shuffling (0 to 2**32 - 1)")
    train.add_argument("--model", choices=sorted(MODELS), default="lesson",
                       help="which network: the tutorial's (lesson) or the design page's "
                       "final design (design)")
    train.add_argument("--no-cache", action="store_true",
                       help="train even if a stored result exists, and store nothing")
    return parser


def main(argv=None):
    """Run the command line; return the process exit status.

    Examples
    --------
    >>> main(["train", "--epochs", "0"])
    Traceback (most recent call last):
    SystemExit: 2
    """
    arguments = _parser().parse_args(argv)
    try:
        with honoured():
            return _train(arguments)
    except KeyboardInterrupt:
        # An entry is only ever renamed in complete, so an interrupted run leaves none.
        print("interrupted; nothing was cached", file=sys.stderr)
        return 130


def _train(arguments):
    from cnnlesson.cache import CacheNotWritableError
    from cnnlesson.data import DatasetError

    try:
        result = MODELS[arguments.model](epochs=arguments.epochs, batch_size=arguments.batch_size,
                                         subset=arguments.subset, seed=arguments.seed,
                                         cache=not arguments.no_cache, verbose=1)
    except (DatasetError, CacheNotWritableError, ValueError) as error:
        raise_if_interrupted()  # an error that a Ctrl-C caused is reported as the Ctrl-C
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = result.summary()
    summary.pop("history")
    summary["model"] = arguments.model
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
