"""``python -m cnnlesson.export FOLDER``: the explorer page's data, for the build profile.

Writes ``FOLDER/explorer-data`` with :func:`cnnlesson.export.write_site_data`, for the profile
that ``CNNLESSON_PROFILE`` names (``full`` when unset). ``nox -s docs`` runs it before
Sphinx, with ``FOLDER`` = ``docs/_build/<profile>/explorer``.
"""

from __future__ import annotations

import argparse
import sys

from cnnlesson.export import write_site_data


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnnlesson.export",
        description="Write the explorer page's networks, images and reference answers "
                    "into FOLDER/explorer-data, for the profile CNNLESSON_PROFILE names.")
    parser.add_argument("folder", help="e.g. docs/_build/quick/explorer")
    options = parser.parse_args(argv)
    try:
        write_site_data(options.folder)
    except (FileExistsError, ValueError) as error:
        print(f"python -m cnnlesson.export: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
