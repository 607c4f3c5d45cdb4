"""List the public functions, classes and constants of the product (dlviz/, app_pages/, streamlit_app.py) that
neither product code nor the benchmarks (bench/) use: each is reached only by tests or by nothing, and should go (or
move to tests/support).

    python .ci/unused.py        # prints one line per name; exit status 1 when there is any

A name counts as used when product code other than its own definition reads it (a call, an attribute, a
decorator, a default argument); re-exports (`from ... import`, `__all__`) do not count. Names are matched by
identifier, so a name defined twice counts as used when either is: the check can miss an unused name, never
report a used one.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [*sorted((ROOT / "dlviz").rglob("*.py")), *sorted((ROOT / "app_pages").glob("*.py")),
           ROOT / "streamlit_app.py"]
BENCH = sorted((ROOT / "bench").glob("*.py"))  # the benchmarks measure the product: their use counts


def defined(tree: ast.Module) -> list[str]:
    """The module's public top-level functions, classes and constants (UPPER_CASE names)."""
    names = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    names += [target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
              for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
              if isinstance(target, ast.Name) and target.id.isupper()]
    return [name for name in names if not name.startswith("_")]


def uses(tree: ast.Module) -> Counter:
    """How often each identifier is read (names and attributes), imports and `__all__` left out."""
    seen: Counter = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            seen[node.id] += 1
        elif isinstance(node, ast.Attribute):
            seen[node.attr] += 1
    return seen


def unused(paths: list[Path] = PRODUCT, users: list[Path] = BENCH) -> list[str]:
    """`module:name` for every public function, class or constant of `paths` that no code of `paths` or `users`
    uses."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in paths}
    seen: Counter = Counter()
    for tree in [*trees.values(), *(ast.parse(path.read_text(), str(path)) for path in users)]:
        seen.update(uses(tree))
    for tree in trees.values():  # a constant's own assignment is not a use of it
        seen.subtract(target.id for node in tree.body if isinstance(node, ast.Assign)
                      for target in node.targets if isinstance(target, ast.Name) and target.id.isupper())
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{name}"
            for path, tree in trees.items() for name in defined(tree)
            if not seen[name]]


if __name__ == "__main__":
    found = unused()
    print("\n".join(found) if found else "every public product function, class and constant is used by product code")
    sys.exit(1 if found else 0)
