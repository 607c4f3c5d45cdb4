"""Helpers shared by the AppTest page tests: open a page the way a visitor does, read its charts and tables."""

from __future__ import annotations

import json
import os

from streamlit.testing.v1 import AppTest

from dlviz.data import Dataset, prepare, read_csv

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "streamlit_app.py")
TIMEOUT = 300  # seconds per script run: CI machines are slow and a page may train


def open_page(page: str | None = None, **query: str | list[str]) -> AppTest:
    """The app opened with `?query` (as a link would), then switched to `page` ("app_pages/epochs.py"); asserts that no
    exception was shown."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    if page:  # opened at the page's own URL, as a shared link is
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the page, as the browser gets it."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def tables(at: AppTest) -> list:
    """Every `st.table` on the page, as DataFrames."""
    return [table.value for table in at.table]


def trace_names(figure: dict) -> list[str]:
    """The names shown in the legend."""
    return [t.get("name") for t in figure["data"] if t.get("name") and t.get("showlegend", True)]


def notices(at: AppTest) -> str:
    """Every warning on the page, as one text."""
    return " ".join(w.value for w in at.warning)


def array(trace: dict, key: str) -> list:
    """A trace's `x` / `y` as a list: plotly sends numeric arrays as base64 typed arrays (`{"dtype", "bdata"}`)."""
    import base64

    import numpy as np

    value = trace.get(key)
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value or [])


def curve(figure: dict, name: str, dash: str = "solid") -> dict:
    """The mean line of value `name` ("lr 0.01"): training is solid, validation dashed."""
    for trace in figure["data"]:
        if trace.get("name") == name and trace.get("mode", "lines") == "lines" and \
                trace.get("line", {}).get("dash", "solid") == dash:
            return trace
    raise KeyError(f"no {dash} line named {name!r}")


def load_csv(source, target: str | None = None, *, max_rows: int | None = None,
             standardize: bool = True, name: str = "Uploaded CSV", stratify: bool = False,
             drop_columns: tuple[str, ...] = ()) -> Dataset:
    """Read a CSV (path, bytes or file-like) with a binary target column and return a `Dataset`.

    `target` defaults to the column `choose_target` picks; the other options are `prepare`'s. Raises `DataError`
    for anything unusable; the rules
    are spelled out for users in `UPLOAD_RULES`.

    >>> load_csv(b"a,b,target\\n" + b"\\n".join(b"%d,%d,%d" % (i % 7, i % 3, i % 2) for i in range(40))).n_features
    2
    """
    frame = read_csv(source)
    return prepare(frame, target, name=name, max_rows=max_rows, standardize=standardize, stratify=stratify,
                   drop_columns=drop_columns)


def cielab(hex_color: str):
    """'#1b3a8c' -> its CIELAB (D65) coordinates: distances between two are CIE76 colour differences."""
    import numpy as np

    rgb = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    rgb = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    f = np.cbrt(xyz / [0.95047, 1.0, 1.08883])
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])
