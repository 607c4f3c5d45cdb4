"""Throw-away entry files for the benches: the shipped app, its middleware with parts left out.

An entry sits beside streamlit_app.py for the run (Streamlit finds pages/ from the script's folder) and is removed
afterwards; .gitignore lists `_bench_*_entry.py`.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SOURCE = """import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).parent))
import streamlit_app  # noqa: E402

app = st.App(streamlit_app.__file__, lifespan=streamlit_app.lifespan,
             middleware=streamlit_app.frontend_middleware({arguments}))
"""


def app_without(name: str, **leave_out: bool) -> Path:
    """Write `_bench_<name>_entry.py`: the shipped `st.App`, its middleware from `frontend_middleware(**leave_out)`
    (e.g. `compile_hint=False`)."""
    entry = ROOT / f"_bench_{name}_entry.py"
    entry.write_text(SOURCE.format(arguments=", ".join(f"{key}={value!r}" for key, value in leave_out.items())))
    return entry
