"""``python -m cnnlesson.export FOLDER``: the explorer page's data, for the build profile.

Writes ``FOLDER/explorer-data`` with :func:`cnnlesson.export.write_site_data`, for the profile
that ``CNNLESSON_PROFILE`` names (``full`` when unset). ``nox -s docs`` runs it before
Sphinx, with ``FOLDER`` = ``docs/_build/<profile>/site-extra``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnlesson.export import write_site_data


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnnlesson.export",
        description="Write the explorer page's networks, images and reference answers "
                    "into FOLDER/explorer-data, for the profile CNNLESSON_PROFILE names.")
    parser.add_argument("folder", help="e.g. docs/_build/quick/site-extra")
    options = parser.parse_args(argv)
    if Path(options.folder).exists() and not Path(options.folder).is_dir():
        parser.error(f"{options.folder} is a file; name a folder for explorer-data/")
    try:
        write_site_data(options.folder)
    except (FileExistsError, ValueError) as error:
        print(f"python -m cnnlesson.export: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
