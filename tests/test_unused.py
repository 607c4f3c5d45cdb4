"""Every public function, class and constant of the product is used by product code or a benchmark, never only by
tests (`.ci/unused.py`)."""

from __future__ import annotations

import runpy
from pathlib import Path

UNUSED = runpy.run_path(str(Path(__file__).resolve().parent.parent / ".ci" / "unused.py"))


def test_no_public_product_name_is_reached_only_by_tests():
    assert UNUSED["unused"]() == []


def test_the_check_finds_a_name_nobody_uses(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("LIMIT = 3\n\n\ndef used():\n    return LIMIT\n\n\ndef orphan():\n    return used()\n")
    assert [line.split(":")[1] for line in UNUSED["unused"]([module], [])] == ["orphan"]
