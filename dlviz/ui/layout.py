"""Small layout pieces every page uses: presenter mode, the settings container, a live chart slot, tables and
downloads."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import streamlit as st

from dlviz import settings

PRESENTER_CSS = """
<style>
  .stMain p, .stMain li, .stMain label, .stMain .stMarkdown { font-size: 1.3rem; }
  .stMain h1 { font-size: 2.4rem; }
  .stMain [data-testid="stMetricValue"] { font-size: 3rem; }
</style>
"""


def presenter() -> bool:
    """Is presenter mode on (large fonts, thick lines, settings folded away)?"""
    return bool(st.session_state.get(settings.PRESENT.key, False))


def controls():
    """Where a page puts its settings: inline, or folded into an expander in presenter mode."""
    return st.expander("Settings", expanded=False) if presenter() else st.container()


def plot(figure: Any, key: str) -> None:
    """A plotly figure across the page's width, its camera button saving a 2x PNG named after the chart."""
    st.plotly_chart(figure, width="stretch", key=key,
                    config={"toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"dlviz_{key}"}})


class LiveChart:
    """A chart slot that can be redrawn many times in one run (live curves while training, then the final figure)."""

    def __init__(self, name: str) -> None:
        self._slot = st.empty()
        self._name = name
        self._draws = 0

    def show(self, figure: Any) -> None:
        self._draws += 1  # each draw in one run needs its own element key
        with self._slot:
            plot(figure, f"{self._name}_{self._draws}")


def replay_toggle(name: str) -> bool:
    """A toggle that swaps the chart for its epoch-by-epoch animation (played in the browser)."""
    return st.toggle("▶ Replay epoch by epoch", key=f"replay_{name}",
                     help="The chart becomes an animation with play, pause and a slider: the curves grow as they "
                          "did while training.")


def table(frame: Any) -> None:
    """A small table (a pandas DataFrame, numbers already formatted for reading) without an index column."""
    st.table(frame, hide_index=True)


def download_runs(frame_of: Callable[[], Any], page: str, label: str = "Download runs (CSV)",
                  help: str | None = None) -> None:
    """A button that downloads a table (made only when clicked) as CSV, without rerunning the page."""
    st.download_button(label, lambda: frame_of().to_csv(index=False).encode(), f"dlviz_{page}_runs.csv",
                       "text/csv", on_click="ignore",
                       help=help or "One row per run and epoch: value, seed, epoch, weight_updates, loss, accuracy, "
                                    "val_loss, val_accuracy, ...")


def fixed_settings(**shown: Any) -> None:
    """One line with the settings that stay fixed on this page."""
    st.caption("Fixed on this page: " + " · ".join(f"{k} **{v}**" for k, v in shown.items())
               + ". Every value trains from the same initial weights and batch order for each seed.")


def number_table(columns: dict[str, Sequence]) -> None:
    """A table from columns; integers get thousands separators."""
    import pandas as pd

    def cell(value: Any) -> Any:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value

    table(pd.DataFrame({name: [cell(v) for v in values] for name, values in columns.items()}))


def final_chart(chart: LiveChart, figure: Any, epochs: int) -> None:
    """Show a sweep's finished figure as its browser replay: ▶ Play / ❚❚ Pause and an epoch slider (plotly frames),
    opening on the finished chart with its marks."""
    from dlviz import charts

    if epochs > 1:
        figure = charts.animated(*charts.cut_frames(figure, epochs), presenter=presenter())
    chart.show(figure)
