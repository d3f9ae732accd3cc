"""The docs build's folders are named in one place, docs/_ext/build_layout.py: the noxfile,
conf.py and the extensions take their paths from it and spell none themselves."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USERS = [ROOT / "noxfile.py", ROOT / "docs" / "conf.py",
         *sorted((ROOT / "docs" / "_ext").glob("*.py"))]
#: The names of build_layout's folders, as a path would spell them.
NAMES = ('"_build"', '"site-extra"', '"downloads"', '"figure-files"', '"models-used.txt"',
         '".jupyter_cache"', '"doctrees"', '"auto_examples"')


@pytest.mark.parametrize("path", [p for p in USERS if p.name != "build_layout.py"],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_build_folder_is_spelled_outside_build_layout(path):
    text = path.read_text("utf-8")
    assert [name for name in NAMES if name in text] == []
