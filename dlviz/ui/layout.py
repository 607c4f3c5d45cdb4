"""Small layout pieces every page uses: presenter mode, the settings container, a live chart slot, tables and
downloads."""

from __future__ import annotations

from typing import Any, Callable, Hashable, Sequence

import streamlit as st

from dlviz import settings
from dlviz.ui import controls as widgets  # `controls()` below is where pages put them

# Text that Streamlit would cut with an ellipsis ("Validation accuracy at ep…", "▶ Replay epoch b…") wraps instead:
# metric labels, widget labels, buttons and page links, in every mode (the sidebar injects it; presenter mode's CSS
# includes it). Rules name Streamlit's public test ids (data-testid) of the elements they change.
WRAP_CSS = """
<style>
  .stMain [data-testid="stMetricLabel"], .stMain [data-testid="stMetricLabel"] *,
  .stMain [data-testid="stWidgetLabel"], .stMain [data-testid="stWidgetLabel"] *,
  .stMain button, .stMain button *, .stMain [data-testid="stPageLink"] * {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }
</style>
"""

# Presenter mode's look, for a projector at 1280x720 or 1024x768: less space above the title, larger text. A metric's
# value holds a Markdown paragraph too: the last rule keeps it larger than the text rule above it would make it.
PRESENTER_CSS = WRAP_CSS + """
<style>
  .stMain [data-testid="stMainBlockContainer"] { padding-top: 3rem; padding-bottom: 3rem; }
  .stMain h1 { font-size: 2.1rem; padding: 0.25rem 0 0.5rem 0; }
  .stMain h2, .stMain h3 { font-size: 1.6rem; }
  .stMain [data-testid="stMarkdownContainer"] p, .stMain [data-testid="stMarkdownContainer"] li,
  .stMain [data-testid="stWidgetLabel"] p, .stMain [data-testid="stExpander"] summary p { font-size: 1.25rem; }
  .stMain [data-testid="stCaptionContainer"] p, .stMain [data-testid="stMultiSelectTagsContainer"] *,
  .stMain [data-testid="stMarkdownContainer"] code { font-size: 1.05rem; }
  .stMain [data-testid="stMetricLabel"] p { font-size: 1.05rem; }
  .stMain [data-testid="stMetricValue"], .stMain [data-testid="stMetricValue"] p { font-size: 2.6rem; }
</style>
"""


def presenter() -> bool:
    """Is presenter mode on (large fonts, thick lines, settings folded away, the sidebar closed on opening)?

    Usable before the sidebar is drawn: `streamlit_app.py` passes
    `initial_sidebar_state="collapsed" if layout.presenter() else "auto"` to `st.set_page_config`."""
    return bool(widgets.value(settings.PRESENT))  # the session's value once drawn, else the link's or default


def answers_hidden() -> bool:
    """In presenter mode with "Hide the answers" on: pages state no finding until the teacher reveals them: no mark
    on a chart (stars, overfitting hatching, ✕ where a run blew up, NaN, EarlyStopping's line, the grid's grey ✕
    cells, best and tied outlines, the range test's marks), no key, legend entry, hover or caption for those marks,
    no "What these runs show", no result column in a table and no control that starts on the best value; the plain
    curves and numbers the settings make stay (`tests/test_hidden_answers.py`). Always False outside presenter mode,
    so a learner on their own never meets hidden answers."""
    return presenter() and bool(widgets.value(settings.HIDE_ANSWERS))


def reveal_answers() -> None:
    """Where the answers would be: a note that they are hidden and a "Reveal the answers" button (it switches
    "Hide the answers" off for the session, and so in the URL). Draws nothing when they are shown."""
    if not answers_hidden():
        return
    st.info("The answers are hidden: what do you expect these curves to show? Decide, then reveal.",
            icon=":material/visibility_off:")
    st.button("Reveal the answers", key=f"reveal_{settings.HIDE_ANSWERS.key}",
              on_click=lambda: st.session_state.__setitem__(settings.HIDE_ANSWERS.key, False))


def intro(text: str) -> None:
    """A page's introduction: in presenter mode only its first sentence, so that the first chart fits the screen."""
    st.markdown(text.split(". ")[0].rstrip(".") + "." if presenter() else text)


def controls():
    """Where a page puts its settings: inline, or folded into a closed "Settings" expander in presenter mode (one
    line high, so the chart starts above the fold)."""
    return st.expander("Settings", expanded=False, icon=":material/tune:") if presenter() else st.container()


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
    """A small static table (`st.table`, no index column) from columns; integers get thousands separators."""
    import pandas as pd

    def cell(value: Any) -> Any:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value

    st.table(pd.DataFrame({name: [cell(v) for v in values] for name, values in columns.items()}), hide_index=True)


def final_chart(chart: LiveChart, figure: Any, epochs: int) -> None:
    """Show a sweep's finished figure as its browser replay: ▶ Play / ❚❚ Pause and an epoch slider (plotly frames),
    opening on the finished chart with its marks. `figure` is handed over (`replay`)."""
    chart.show(replay(figure, epochs, presenter()) if epochs > 1 else figure)


FIGURES_KEPT = 16  # a replay holds little more than its finished figure (its frames move a curtain)


def replay(figure: Any, epochs: int, presenter: bool) -> Any:
    """`figure`'s browser replay (`charts.replay`), shared by every session that shows the same finished figure: a
    class following one link, or a page rerun after any click, builds it once. Keyed by the figure's JSON. The first
    to ask hands its `figure` over (the replay is made in it): the caller reads nothing of it afterwards."""
    import plotly.io as pio

    from dlviz import charts

    return built_once(("replay", pio.to_json(figure, validate=False), epochs, presenter),
                      lambda: charts.replay(figure, epochs, presenter=presenter))


def built_once(key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()` made once for every session and rerun that asks with an equal `key` (its `repr`), the
    `FIGURES_KEPT` latest kept: a figure that is the same for everyone with the same data and settings (the shipped
    defaults' panels; a page rerun after any click). `key` must name everything the figure is drawn from: the
    runs' specs (with the data's fingerprint), every option, presenter mode and hidden answers. Only send what it
    returns (`plot`, `LiveChart.show`): building another figure from it in two sessions at once breaks (plotly's
    objects are not safe to share between threads while a figure is made from them)."""
    return _built(repr(key), build)


@st.cache_resource(max_entries=FIGURES_KEPT, show_spinner=False)
def _built(key: str, _build: Callable[[], Any]) -> Any:
    # A resource, not data: one shared figure that nobody changes (st.plotly_chart copies it to send it), where
    # st.cache_data would copy and validate it again on every hit.
    return _build()
