"""Readers the AppTest page tests share: a figure's series as the browser gets them (plotly sends numpy arrays as
base64 `{"dtype", "bdata"}`), its bands and marks, the page's elements in order, "What these runs show", the code
selector and tab, and all the text a page states."""

from __future__ import annotations

import base64

import numpy as np
from streamlit.testing.v1 import AppTest

# Real close and clear cases, measured on this engine (2 seeds, 5 epochs, batch 32):
# - practice data, 2,000 rows: lr 0.003 and 0.01 end 0.532 and 0.521 (lowest smoothed validation loss), while the
#   seeds alone move a run by 0.029: a tie under the page's rule.
# - breast-cancer data: lr 0.01 reaches 0.095 (seeds 0.094-0.096), lr 0.0001 is 0.35 behind on every seed: clear.
CLOSE = {"rows": "2000", "seeds": "2"}
CLEAR = {"data": "breast_cancer", "seeds": "2"}

HIDDEN = {"present": "1", "hide": "1"}


def series(values) -> np.ndarray:
    """A figure's x or y as the browser reads it: plain lists, or plotly's base64 typed arrays."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        return array.reshape([int(n) for n in str(shape).split(",")]) if shape else array
    return np.asarray([np.nan if v is None else v for v in (values or [])], dtype=float)


def curve(figure: dict, name: str) -> dict:
    """The first (training) mean curve of the value `name` ("lr 0.01")."""
    return next(t for t in figure["data"] if t.get("name") == name)


def band_traces(figure: dict) -> list[dict]:
    """The shaded min-max bands over seeds (a max edge filled down to its min edge)."""
    return [t for t in figure["data"] if t.get("fill") == "tonexty" and series(t.get("x")).size]


def blowup_traces(figure: dict) -> list[dict]:
    """The ✕ marks where a run blew up (legend keys, which have no points, left out)."""
    return [t for t in figure["data"] if (t.get("marker") or {}).get("symbol") == "x"
            and (t.get("name") or "").endswith("blew up")]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def in_page_order(at: AppTest) -> list:
    """Every element of the main area, top to bottom."""
    out = []

    def walk(node) -> None:
        out.append(node)
        for key in sorted(getattr(node, "children", {}) or {}):
            walk(node.children[key])

    walk(at.main)
    return out


def shows(at: AppTest) -> str:
    """The bullets under "What these runs show" (the page's findings), not the page's intro or lessons."""
    nodes = in_page_order(at)
    start = next(i for i, n in enumerate(nodes) if n in _ids(at.subheader) and n.value == "What these runs show")
    return next(n.value for n in nodes[start + 1:] if n in _ids(at.markdown))


class _ids:
    """Membership by identity (elements compare their values, and a table's value is a DataFrame)."""

    def __init__(self, elements) -> None:
        self._ids = {id(e) for e in elements}

    def __contains__(self, node) -> bool:
        return id(node) in self._ids


def code_selector(at: AppTest):
    (box,) = [s for s in at.selectbox if s.label == "Show the lesson's code for"]
    return box


def open_code_tab(at: AppTest, page_name: str) -> AppTest:
    """The code tab is drawn only when it is open (lazy tabs): open it as a click would."""
    assert not at.code  # closed at first: the browser is not sent the highlighted code
    at.session_state[f"lesson_tabs_{page_name}"] = "The code"
    return at.run()


def page_text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "error") for e in getattr(at.main, kind)]
    parts += [f"{m.label} {m.value}" for m in at.main.metric]
    parts += [" ".join(map(str, t.value.columns)) for t in at.main.table]
    return " ".join(parts)
