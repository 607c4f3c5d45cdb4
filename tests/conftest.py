"""Shared fixtures: tiny datasets so unit tests stay fast."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pytest  # noqa: E402

from dlviz.data import load_builtin  # noqa: E402


@pytest.fixture(scope="session")
def tiny_dataset():
    """600 practice rows: 384 train, 96 validation, 120 test."""
    return load_builtin("practice", max_rows=600)
