"""The package's structure: no module reaches into another module's private names."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cnnlesson"


def imported_private_names():
    """(importing file, module, name) for each ``from cnnlesson.X import _name``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnlesson"):
                found += [(path.relative_to(PACKAGE.parent).as_posix(), node.module, alias.name)
                          for alias in node.names if alias.name.startswith("_")]
    return found


def test_no_module_imports_another_modules_private_names():
    assert imported_private_names() == []


def test_the_cache_shows_a_small_public_face():
    import cnnlesson.cache

    assert len(cnnlesson.cache.__all__) <= 13, cnnlesson.cache.__all__
    assert all(hasattr(cnnlesson.cache, name) for name in cnnlesson.cache.__all__)
