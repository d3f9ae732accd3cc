"""Command line: training (cached), and the trained models a site publishes.

- ``python -m cnnlesson train [--model NAME]`` trains a network through the cache;
- ``python -m cnnlesson models import SOURCE`` adds a site's published models to the cache;
- ``python -m cnnlesson models list`` shows what the cache holds;
- ``python -m cnnlesson models publish FOLDER --used RECORDS`` writes the models a build used.

The last line printed is one JSON object, so scripts can read the result with
``tail -n 1``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cnnlesson import published
from cnnlesson._interrupts import honoured, raise_if_interrupted
from cnnlesson._web import DEFAULT_TIMEOUT, TIMEOUT_VARIABLE, checked_timeout
from cnnlesson.cache import CacheNotWritableError, cache_dir, cached_results
from cnnlesson.data import DatasetError
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


def _timeout(text):
    try:
        return checked_timeout(text, "--timeout")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
    models = commands.add_parser(
        "models", help="the trained models a site publishes, and the training cache",
        description="Import a site's trained models into the training cache, list the "
        "cache, or publish the models a build used.")
    verbs = models.add_subparsers(dest="verb", required=True)
    imports = verbs.add_parser(
        "import", help="add a site's published models to the training cache, checked",
        description="Add the models a site publishes to the training cache: every file "
        "checked against its SHA-256, every recipe and architecture against the index.")
    imports.add_argument("source", help="a built site, its models/ folder, a zip of either, "
                         "or an http(s) address of one")
    imports.add_argument("--only", nargs="+", metavar="KEY", help="import only these keys")
    imports.add_argument("--timeout", type=_timeout, metavar="SECONDS", default=None,
                         help="how long a read from an http(s) address waits for the "
                         f"connection and each next piece of data (default: "
                         f"${TIMEOUT_VARIABLE}, else {DEFAULT_TIMEOUT:g})")
    verbs.add_parser("list", help="show the models in the training cache")
    publish = verbs.add_parser("publish", help="write the models a build used, with an index")
    publish.add_argument("folder", help="where to write them (a site's models/ folder)")
    publish.add_argument("--used", required=True, metavar="RECORDS",
                         help="the records of used models that the build wrote (a folder "
                         "of them, docs/_build/<profile>/models-used, or one file)")
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
            return _train(arguments) if arguments.command == "train" else _models(arguments)
    except KeyboardInterrupt:
        # An entry is only ever renamed in complete, so an interrupted run leaves none.
        print("interrupted; nothing was cached", file=sys.stderr)
        return 130


def _train(arguments):
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


def _import(arguments):
    """``models import``: exit status 0 when every model was imported or skipped, 1 when
    any was refused or the source did not answer in time, 2 when the source is not one."""
    try:
        outcome = published.import_models(arguments.source, keys=arguments.only,
                                          timeout=arguments.timeout)
    except (published.ModelsSourceError, CacheNotWritableError, ValueError, OSError) as error:
        raise_if_interrupted()
        print(f"error: {error}", file=sys.stderr)
        print(json.dumps({"imported": 0, "skipped": 0, "refused": 0, "error": str(error)}))
        return 1 if isinstance(error, published.UnreachableSourceError) else 2
    return 1 if outcome["refused"] else 0


def _publish(arguments):
    """``models publish``: exit status 0 when every used model was published, 1 when any
    was left out (each said in one line), 2 when nothing could be published."""
    try:
        if not Path(arguments.used).exists():
            raise FileNotFoundError(
                f"no record of used models at {arguments.used}: a docs build writes them "
                "(docs/_build/<profile>/models-used/)")
        keys = published.used_keys(arguments.used)
        index = published.publish_models(
            keys, arguments.folder, report=lambda line: print(f"error: {line}", file=sys.stderr))
    except (ValueError, OSError) as error:
        raise_if_interrupted()
        print(f"error: {error}", file=sys.stderr)
        print(json.dumps({"published": 0, "bytes": 0, "missing": [], "error": str(error)}))
        return 2
    size = sum(f["size"] for m in index["models"] for f in m["files"].values())
    missing = sorted(set(keys) - {m["cache_key"] for m in index["models"]})
    used = Path(arguments.used)
    for record in sorted(used.rglob("*.txt")) if used.is_dir() and missing else []:
        named = sorted(set(published.used_keys(record)) & set(missing))
        if named:
            print(f"error: {record.relative_to(used)} names {', '.join(named)}: run that page "
                  "or example again to record the models it uses now", file=sys.stderr)
    print(json.dumps({"published": len(index["models"]), "bytes": size, "missing": missing}))
    return 1 if missing else 0


def _models(arguments):
    if arguments.verb == "import":
        return _import(arguments)
    if arguments.verb == "publish":
        return _publish(arguments)
    if cache_dir().exists() and not cache_dir().is_dir():
        print(f"error: the training cache {cache_dir()} is a file, not a folder; set "
              "CNNLESSON_CACHE_DIR to a folder", file=sys.stderr)
        print(json.dumps({"models": 0, "error": "the training cache is a file"}))
        return 2
    results = cached_results()
    print(f"training cache {cache_dir()}: {len(results)} model{'s' if len(results) != 1 else ''}")
    for result in results:
        print(_listed(result))
    print(json.dumps({"models": len(results)}))
    return 0


def _listed(result: dict) -> str:
    """One line of ``models list``: key, network, schedule, accuracy, and where it came from."""
    origin = " (imported)" if result.get("imported_from") else ""
    try:
        recipe = result["recipe"]
        images = "all" if recipe.get("subset") is None else f"{recipe['subset']:,}"
        return (f"{result['cache_key']}  {recipe.get('model', '?'):14s} "
                f"{recipe['epochs']:>3} epochs, {images:>6} images  "
                f"test accuracy {result['test_accuracy']:.1%}{origin}")
    except (KeyError, TypeError, ValueError, AttributeError):  # written by other code
        return f"{result['cache_key']}  (its result.json records no recipe this version reads)"


if __name__ == "__main__":
    sys.exit(main())
