"""The house's import rule (docs/architecture.md): imports run downwards only, Streamlit is imported by `dlviz.ui`
alone and TensorFlow/Keras by `dlviz.engine` alone. Read from the source with `ast`, so a function-level import
counts too."""

from __future__ import annotations

import ast
from pathlib import Path

DLVIZ = Path(__file__).resolve().parents[1] / "dlviz"
# A unit may import only units of a lower rank.
RANK = {"runs": 0, "smoothing": 0, "data": 1, "analysis": 1, "text": 2, "engine": 2, "charts": 3, "settings": 3,
        "surface": 3, "jobs": 4, "kinds": 4, "defaults": 5, "precomputed": 6, "ui": 7}
ONLY = {"streamlit": "ui", "tensorflow": "engine", "keras": "engine"}


def imports(path: Path) -> set[str]:
    """Top-level package names and dlviz units (`dlviz.x...` -> "x") that `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ([f"dlviz.{a.name}" for a in node.names] if node.module == "dlviz" else [])
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.split(".")[1] if n.startswith("dlviz.") else n.split(".")[0] for n in names}
    return found


def test_imports_run_downwards_only():
    for path in sorted(DLVIZ.rglob("*.py")):
        relative = path.relative_to(DLVIZ)
        unit = relative.parts[0].removesuffix(".py")
        if unit == "__init__":
            continue
        assert unit in RANK, f"{relative}: a new unit needs its rank here and in docs/architecture.md"
        for name in imports(path):
            if name in RANK and name != unit:
                assert RANK[name] < RANK[unit], f"{relative} imports dlviz.{name}, a layer above or beside it"
            if name in ONLY:
                assert unit == ONLY[name], f"{relative} imports {name}: only dlviz.{ONLY[name]} may"
