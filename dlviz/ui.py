"""The one Streamlit module: shared sidebar, URL-backed controls, the cached live sweep, and small layout helpers.

Pages call these and stay thin. Every control is a `Param`: it starts from the URL (so a copied link reproduces a
view), falls back to its default with a short notice when the URL holds nonsense, and writes itself back to the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from dlviz import data as data_mod
from dlviz import defaults
from dlviz.cache import SweepCache
from dlviz.data import DataError, Dataset
from dlviz.runs import RunHistory, RunSpec, SweepProgress, TrainingError, updates_per_epoch

DEFAULT_ROWS = defaults.ROWS
ROW_CHOICES = (500, 1_000, 2_000, 4_000, 6_000, 8_000, 10_000)
# Work caps that keep a sweep responsive on a small Community Cloud container: training rows x epochs summed
# over the values of a sweep, and weight updates summed likewise.
MAX_SAMPLE_PASSES = 4_000_000
MAX_TOTAL_UPDATES = 150_000
LIVE_REDRAW_SECONDS = 0.4


# ---------------------------------------------------------------------------------------------------------------
# URL-backed controls


@dataclass(frozen=True)
class Param:
    """A control whose value lives in `st.session_state[key]` and in the URL as `?key=...`."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    dump: Callable[[Any], str] = str


def parse_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(float(text))
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value
    return parse


def parse_choice(choices: Sequence[Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        for choice in choices:
            if str(choice) == text:
                return choice
        raise ValueError(f"{text!r} is not one of {', '.join(map(str, choices))}")
    return parse


def parse_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not true/false")


def parse_number_list(choices: Sequence[Any]) -> Callable[[str], list]:
    """A comma-separated list whose every item is one of `choices` (matched by value)."""
    def parse(text: str) -> list:
        values = []
        for item in filter(None, text.split(",")):
            number = float(item)
            match = [c for c in choices if abs(float(c) - number) <= 1e-9 * max(1.0, abs(number))]
            if not match:
                raise ValueError(f"{item} is not an offered value")
            values.append(match[0])
        return sorted(set(values), key=float)
    return parse


def dump_list(values: Sequence[Any]) -> str:
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def _owner(params: Sequence[Param]) -> str:
    """Which page's controls `params` are: pages share some keys (`epochs`, `metric`) but not their meaning."""
    return "|".join(param.key for param in params)


def init_params(params: Sequence[Param]) -> None:
    """Give each control its starting value: the URL's, else the value this session last had on this page, else the
    default.

    A key that another page's control holds (the batch-size page's `epochs` when the visitor comes from the epochs
    page by the sidebar) is this page's own again: Streamlit would otherwise draw the new control at its minimum (one
    epoch), since the value belongs to the other page's widget.
    """
    notices = st.session_state.setdefault("_param_notices", [])
    owner = _owner(params)
    owners = st.session_state.setdefault("_param_owners", {})
    for param in params:
        held_elsewhere = owners.get(param.key, owner) != owner
        owners[param.key] = owner
        if param.key in st.session_state:
            if not held_elsewhere:
                continue
        elif (raw := st.query_params.get(param.key)) is not None:
            try:
                st.session_state[param.key] = param.parse(raw)
                continue
            except (ValueError, TypeError) as exc:
                notices.append(f"Ignored `{param.key}={raw}` from the link ({exc}); using the default.")
        st.session_state[param.key] = st.session_state.get(f"_saved_{owner}_{param.key}", param.default)


def sync_params(params: Sequence[Param]) -> None:
    """Write the controls' current values to the URL (and remember them for when the user comes back)."""
    owner = _owner(params)
    for param in params:
        if param.key not in st.session_state:
            continue
        value = st.session_state[param.key]
        st.session_state[f"_saved_{owner}_{param.key}"] = value
        text = param.dump(value)
        if st.query_params.get(param.key) != text:
            st.query_params[param.key] = text


def add_notice(text: str) -> None:
    """A short notice shown above the page's controls on this run."""
    st.session_state.setdefault("_param_notices", []).append(text)


def show_param_notices() -> None:
    notices = st.session_state.pop("_param_notices", [])
    for notice in notices:
        st.warning(notice, icon="🔗")


# ---------------------------------------------------------------------------------------------------------------
# Data: the shared sidebar

DATA_CHOICES = (data_mod.PRACTICE, data_mod.BREAST_CANCER, data_mod.UPLOAD)
DATA_LABELS = {**data_mod.BUILTIN_NAMES, data_mod.UPLOAD: "Upload your own CSV"}
GLOBAL_PARAMS = [
    Param("data", data_mod.PRACTICE, parse_choice(DATA_CHOICES)),
    Param("rows", DEFAULT_ROWS, parse_choice(ROW_CHOICES)),
    Param("std", True, parse_bool, lambda v: "1" if v else "0"),
    Param("hidden", defaults.HIDDEN_UNITS, parse_int(1, 512)),
    Param("seed", defaults.SEED, parse_int(0, 99_999)),
    Param("present", False, parse_bool, lambda v: "1" if v else "0"),
]


@dataclass(frozen=True)
class Selection:
    """What the sidebar chose: the data and the settings every page shares."""

    dataset: Dataset
    hidden_units: int
    seed: int

    def base_spec(self, **changes) -> RunSpec:
        spec = RunSpec(self.dataset.fingerprint, hidden_units=self.hidden_units, seed=self.seed)
        return spec.replace(**changes)


@st.cache_data(max_entries=12, show_spinner=False)
def _builtin_dataset(name: str, rows: int | None, standardize: bool) -> Dataset:
    return data_mod.load_builtin(name, max_rows=rows, standardize=standardize)


@st.cache_data(max_entries=4, show_spinner=False)
def _uploaded_frame(content: bytes):
    return data_mod.read_csv(content)


@st.cache_data(max_entries=4, show_spinner=False)
def _uploaded_dataset(content: bytes, target: str, rows: int | None, standardize: bool, name: str) -> Dataset:
    return data_mod.prepare(_uploaded_frame(content), target, name=name, max_rows=rows, standardize=standardize)


def builtin_csv(name: str) -> bytes:
    """A built-in dataset as CSV, made only when someone clicks its download button (about 0.2 s for the practice
    data), not on every run."""
    return data_mod.builtin_frame(name).to_csv(index=False).encode()


PRESENTER_CSS = """
<style>
  .stMainBlockContainer, .stMain p, .stMain li, .stMain label, .stMain .stMarkdown { font-size: 1.3rem; }
  .stMain h1 { font-size: 3rem; }
  .stMain [data-testid="stMetricValue"] { font-size: 3rem; }
</style>
"""


def presenter() -> bool:
    """Is presenter mode on (large fonts, thick lines, settings folded away)?"""
    return bool(st.session_state.get("present", False))


def controls():
    """Where a page puts its settings: inline, or folded into an expander in presenter mode."""
    return st.expander("Settings", expanded=False) if presenter() else st.container()


def data_sidebar() -> Selection:
    """The shared sidebar: pick the data, see what it is. A bad upload keeps the last good dataset (or the practice
    data) on screen, with the error beside the uploader."""
    init_params(GLOBAL_PARAMS)
    if st.session_state["data"] == data_mod.UPLOAD and "_last_dataset" not in st.session_state:
        # A link can carry settings but not an uploaded file.
        add_notice("This link was shared from a view of an uploaded CSV; uploaded files cannot travel in a link, so "
                   "the practice dataset is shown instead. Upload the file again to see that view.")
        st.session_state["data"] = data_mod.PRACTICE
    sidebar = st.sidebar
    sidebar.toggle("Presenter mode", key="present",
                   help="Large text and thick lines for a projector; each page's settings fold away.")
    if st.session_state["present"]:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
    sidebar.header("Data")
    choice = sidebar.radio("Dataset", DATA_CHOICES, format_func=DATA_LABELS.get, key="data")
    standardize = sidebar.toggle("Standardise features", key="std",
                                 help="Subtract the mean and divide by the standard deviation of the training rows.")
    dataset: Dataset | None = None
    if choice == data_mod.PRACTICE:
        rows = sidebar.select_slider("Rows used", ROW_CHOICES, key="rows",
                                     help="Fewer rows overfit sooner and train faster; 10,000 is the whole set.")
        dataset = _builtin_dataset(data_mod.PRACTICE, rows, standardize)
    elif choice == data_mod.BREAST_CANCER:
        dataset = _builtin_dataset(data_mod.BREAST_CANCER, None, standardize)
    else:
        dataset = _upload_controls(sidebar, standardize)
    if dataset is not None:
        st.session_state["_last_dataset"] = dataset
    else:
        dataset = st.session_state.get("_last_dataset")
        if dataset is None:
            dataset = _builtin_dataset(data_mod.PRACTICE, DEFAULT_ROWS, standardize)
        sidebar.info(f"Still showing: **{dataset.name}**.")
    sidebar.caption(dataset.description)
    for note in dataset.notes:
        sidebar.caption(f"ℹ️ {note}")
    if choice != data_mod.UPLOAD:
        # Made on click, without a rerun (see `download_runs`).
        sidebar.download_button("Download this dataset (CSV)", functools.partial(builtin_csv, choice),
                                f"dlviz_{choice}.csv", "text/csv", on_click="ignore", width="stretch",
                                help="All rows, as dlviz generated or loaded them, before splitting and scaling.")
    else:
        sidebar.caption("🔗 An uploaded file stays in this browser session: a shared link opens with the practice "
                        "dataset.")
    with sidebar.expander("Advanced: model"):
        st.number_input("Hidden units", 1, 512, key="hidden", step=8,
                        help="Width of the hidden Dense layer. The lesson uses 64.")
        st.number_input("Seed", 0, 99_999, key="seed",
                        help="Sets the initial weights and the order of the batches. Same seed, same curves.")
    sync_params(GLOBAL_PARAMS)
    return Selection(dataset, int(st.session_state["hidden"]), int(st.session_state["seed"]))


def _upload_controls(sidebar, standardize: bool) -> Dataset | None:
    uploaded = sidebar.file_uploader("CSV with a binary target column", type=["csv", "txt", "tsv"], key="upload")
    if uploaded is None:
        sidebar.caption("Upload a CSV: numeric feature columns and one column with two classes (0/1, yes/no, "
                        "True/False). The rules are on the home page.")
        return None
    content = uploaded.getvalue()
    try:
        frame = _uploaded_frame(content)
        candidates = data_mod.binary_target_candidates(frame)
        if not candidates:
            raise DataError("No column has exactly two distinct values, so there is nothing to predict. "
                            "Expected a target column with two classes such as 0/1.")
        default = next((c for c in candidates if str(c).strip().lower() == "target"), candidates[0])
        target = sidebar.selectbox("Target column (what to predict)", candidates, index=candidates.index(default),
                                   key=f"target_{hashlib.sha1(content).hexdigest()[:8]}")
        return _uploaded_dataset(content, target, None, standardize, uploaded.name)
    except DataError as exc:
        sidebar.error(f"**{uploaded.name}**: {exc}")
        return None


def leave_legacy_pages_mode() -> None:
    """Make sure the app runs through `st.navigation`, even for the first visitor after a server start.

    Streamlit decides on its very first script run whether a `pages/` folder means its legacy multipage mode, before
    `st.navigation` has had a chance to say otherwise (it switches the mode off only once it is called). That first
    visitor would get the legacy menu, and a page opened by its URL would run without `streamlit_app.py`. Switch the
    legacy mode off and run again, the way every later visitor is served.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def selection() -> Selection:
    """The sidebar's choice for the page being drawn (set by `streamlit_app.py` before the page runs)."""
    leave_legacy_pages_mode()
    chosen = st.session_state.get("_selection")
    if chosen is None:  # a page run on its own (tests): draw the sidebar here
        chosen = data_sidebar()
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# Training: cached, shared between sessions, live while it runs


@st.cache_resource
def sweep_cache() -> SweepCache:
    """One cache per server process, shared by every session (results are immutable once stored)."""
    return SweepCache(max_entries=48, max_bytes=96 * 1024 * 1024)


@contextlib.asynccontextmanager
async def server_lifespan(app):
    """The lifespan of the app's `st.App` (see `streamlit_app.py`), entered at server start once this module (with
    pandas and scikit-learn: about 1 s here) is imported. Before the server listens, as a web server loads its app,
    it prepares what a first visitor would otherwise wait for (`warm_server`, about 0.4 s); done in the background
    instead, that work slowed the very first visit by as much. Anything long (training, if the shipped results do
    not apply here) still runs in the background, and a visitor who arrives meanwhile sees its progress.

    It also tells Streamlit that this is an `st.navigation` app, which Streamlit otherwise learns only during its
    first script run (see `leave_legacy_pages_mode`).
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    await asyncio.to_thread(warm_server)
    yield


def warm_server() -> None:
    """What a first visit would otherwise pay for, done at server start: the rest of the pages' imports, the shipped
    default sweeps in the cache (`warm_up`), Streamlit's own first-run costs, the default dataset, and one figure of
    each kind the pages draw (plotly imports its validators and subplot helpers on first use: about 0.2 s). Logs how
    long it took."""
    import numpy as np
    from streamlit.logger import get_logger

    started = time.perf_counter()
    from dlviz import charts, diagnose, interplay, lessons  # noqa: F401  (the pages' imports)

    warm_up()
    _warm_streamlit_first_run()
    dataset = _builtin_dataset(defaults.DATASET, defaults.ROWS, defaults.STANDARDIZE)
    shipped = {page: sweep_cache().get((dataset.fingerprint, tuple(specs)))
               for page, specs in defaults.default_sweeps(dataset).items()}
    if shipped["epochs"] and shipped["batch_size"]:  # else they are still training, and the figures can wait
        charts.epochs_figure(shipped["epochs"][0])
        charts.curves_figure(shipped["batch_size"], ["warm-up"] * len(shipped["batch_size"]))
        charts.update_loss_figure(shipped["batch_size"], ["warm-up"] * len(shipped["batch_size"]))
        charts.grid_heatmap_figure([16, 64], [0.01, 0.1], np.ones((2, 2)), value_label="warm-up")
    get_logger(__name__).info("the server is warm (default sweeps and figures ready) in %.2f s",
                              time.perf_counter() - started)


def _warm_streamlit_first_run() -> None:
    """Two costs Streamlit pays on the first script run of a process (together 0.15 s of a first visit here):

    - on the first element it sends, it calls `inspect.stack()` to tell a REPL from `streamlit run`, and the first
      `inspect` frame lookup in a process reads the file path of every loaded module; one call here fills that cache;
    - `st.set_page_config(page_icon=...)` imports Streamlit's emoji table (a large regular expression) to check the
      icon.
    """
    import inspect

    inspect.stack()
    try:
        import streamlit.emojis  # noqa: F401
    except ImportError:  # a Streamlit without it: nothing to warm
        pass


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread | None:
    """Once per server process: put the shipped default sweeps in the cache, and train in the background any that
    could not be loaded, so a first visitor to any page at its defaults does not wait for training.

    A visitor who arrives while the background training runs joins it through the cache and sees its progress.
    """
    from dlviz import precomputed

    dataset = _builtin_dataset(defaults.DATASET, defaults.ROWS, defaults.STANDARDIZE)
    cache = sweep_cache()
    for key, histories in precomputed.load(dataset).items():
        cache.put(key, histories)
    missing = [specs for specs in defaults.default_sweeps(dataset).values()
               if (dataset.fingerprint, tuple(specs)) not in cache]
    if not missing:
        return None

    def train_missing() -> None:
        from dlviz.training import train_sweep

        for specs in missing:
            cache.get_or_compute((dataset.fingerprint, tuple(specs)),
                                 lambda report, specs=specs: train_sweep(dataset, specs, report))

    thread = threading.Thread(target=train_missing, name="dlviz-warm-up", daemon=True)
    thread.start()
    return thread


def _width_factor(spec: RunSpec) -> float:
    """How much slower than the lesson's width a run is: the caps below are set at 64 hidden units, and an 8x wider
    model measured 3-3.6x slower here."""
    return max(1.0, spec.hidden_units / defaults.HIDDEN_UNITS) ** 0.6


def _work(specs: Sequence[RunSpec], n_train: int) -> tuple[int, int]:
    """(rows seen, weight updates) of a sweep, counted at the lesson's width."""
    passes = round(sum(s.epochs * _width_factor(s) for s in specs) * n_train)
    updates = round(sum(s.epochs * updates_per_epoch(n_train, s.batch_size) * _width_factor(s) for s in specs))
    return passes, updates


def work_check(specs: Sequence[RunSpec], n_train: int) -> str | None:
    """A message if the sweep is too big for a small server, else None."""
    passes, updates = _work(specs, n_train)
    if passes > MAX_SAMPLE_PASSES or updates > MAX_TOTAL_UPDATES:
        return (f"This sweep asks for {updates:,} weight updates over {passes:,} rows seen (counted at the lesson's "
                f"64 hidden units); dlviz allows up to {MAX_TOTAL_UPDATES:,} updates and {MAX_SAMPLE_PASSES:,} rows "
                "seen per sweep so the page stays responsive.")
    return None


def trim_to_budget(specs: Sequence[RunSpec], n_train: int) -> tuple[list[RunSpec], str | None]:
    """Shorten every run by the same factor until the sweep fits the caps. Returns the specs to train and a message
    for the user (None when nothing was trimmed); empty specs when even one epoch per run is too much."""
    specs = list(specs)
    too_big = work_check(specs, n_train)
    if too_big is None:
        return specs, None
    passes, updates = _work(specs, n_train)
    scale = min(MAX_SAMPLE_PASSES / passes, MAX_TOTAL_UPDATES / updates)
    trimmed = [s.replace(epochs=max(1, int(s.epochs * scale))) for s in specs]
    if work_check(trimmed, n_train) is not None:
        return [], (too_big + " Even one epoch per run is more than that: use fewer values, fewer rows or larger "
                    "batches.")
    before, after = max(s.epochs for s in specs), max(s.epochs for s in trimmed)
    return trimmed, (too_big + f" The runs were **trimmed to {after} epochs** (from {before}); for longer runs use "
                               "fewer values, fewer rows, larger batches or a narrower model.")


def run_sweep(selection: Selection, specs: Sequence[RunSpec],
              draw_partial: Callable[[list[RunHistory | None]], None] | None = None) -> list[RunHistory] | None:
    """Histories for `specs`, from the cache or trained now with a progress bar and live curves.

    A sweep too big for a small server is trimmed to fewer epochs (with a message); returns None (after showing
    why) when the request is refused.
    """
    specs = list(specs)
    if not specs:
        st.info("Pick at least one value to train.")
        return None
    specs, trimmed = trim_to_budget(specs, len(selection.dataset.y_train))
    if trimmed:
        st.warning(trimmed, icon="✂️")
    if not specs:
        return None
    cache = sweep_cache()
    key = (selection.dataset.fingerprint, tuple(specs))
    cached = cache.get(key)
    if cached is not None:
        return cached
    bar = st.progress(0.0, text="Waiting to train…")
    last_draw = [0.0]

    def on_progress(update: SweepProgress) -> None:
        now = time.monotonic()
        if now - last_draw[0] < LIVE_REDRAW_SECONDS and update.fraction < 1.0:
            return
        last_draw[0] = now
        bar.progress(update.fraction, text=f"Training {len(specs)} run(s) — {update.message} "
                                           f"({update.fraction:.0%})")
        if draw_partial is not None:
            draw_partial(list(update.histories))

    def train(report: Callable[[SweepProgress], None]) -> list[RunHistory]:
        from dlviz.training import train_sweep  # TensorFlow is imported only when something must be trained

        return train_sweep(selection.dataset, specs, report)

    try:
        return cache.get_or_compute(key, train, on_progress)
    except TrainingError as exc:
        st.error(str(exc))
        return None
    finally:
        bar.empty()


PRELOAD_KEY = "dlviz_preload_chart_code"


def preload_chart_code() -> None:
    """Have the browser start loading plotly's code at once, on a session's first run.

    Streamlit's frontend fetches plotly.js (4.7 MB of JavaScript, about 1.5 s to load and compile on a small machine)
    only when a page sends its first chart, so a first visitor would wait for the server's work and then for that.
    A hidden empty chart sent before the server's work makes the two overlap. The browser keeps the code for the
    whole session, so later runs send nothing. Where the server also sends the preload hint (`dlviz.webhints`) the
    hidden chart gains nothing measurable on a chart page (the script's elements arrive together, so the module is
    evaluated when they are drawn either way; the same median in 8 interleaved runs each), but it is what loads the
    code without the hint (AppTest, other launchers), and on the home page it loads it for the page opened next.
    """
    if st.session_state.get("_chart_code_preloaded"):
        return
    st.session_state["_chart_code_preloaded"] = True
    import plotly.graph_objects as go

    st.html(f"<style>.st-key-{PRELOAD_KEY} {{display: none}}</style>")
    st.plotly_chart(go.Figure(go.Scatter(x=[], y=[])), key=PRELOAD_KEY)


class LiveChart:
    """A chart slot that can be redrawn many times in one run (live curves, then the final figure)."""

    def __init__(self, name: str) -> None:
        self._slot = st.empty()
        self._name = name
        self._draws = 0

    def show(self, figure) -> None:
        self._draws += 1  # each draw needs its own element id
        self._slot.plotly_chart(figure, width="stretch", key=f"{self._name}_{self._draws}",
                                config={"toImageButtonOptions": {"format": "png", "scale": 2,
                                                                 "filename": f"dlviz_{self._name}"}})

    def replay_button(self, build: Callable[[int | None], Any], epochs: int, seconds: float = 6.0) -> None:
        """A button that redraws the chart epoch by epoch (`build(e)` draws up to epoch e; `build(None)` all)."""
        if not st.button("▶ Replay epoch by epoch", key=f"replay_{self._name}",
                         help="Watch the curves grow, as they did while training."):
            return
        frames = min(epochs, 60)  # at most 60 redraws, so long runs replay in the same few seconds
        for frame in range(1, frames + 1):
            self.show(build(max(1, round(frame * epochs / frames))))
            time.sleep(seconds / frames)
        self.show(build(None))


def table(columns: dict[str, Sequence]) -> None:
    """A small table of text and numbers, as Markdown: unlike `st.dataframe` it costs a first visitor's browser no
    extra JavaScript (about 1.3 MB for the data grid), and it follows presenter mode's larger font."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    names = list(columns)
    rows = zip(*(columns[name] for name in names))
    lines = ["| " + " | ".join(cell(n) for n in names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    st.markdown("\n".join(lines))


def download_runs(histories: Sequence[RunHistory], labels: Sequence[str], page: str) -> None:
    """A button that downloads the runs behind the chart as one tidy CSV (a row per value and epoch)."""
    from dlviz.runs import histories_frame

    histories, labels = list(histories), list(labels)
    # Made on click, not on every run. A click must not rerun the page: a rerun gives every deferred download a
    # new id, and another download clicked before the browser has it asks for a dropped id and gets nothing.
    st.download_button("Download runs (CSV)", lambda: histories_frame(histories, labels).to_csv(index=False).encode(),
                       f"dlviz_{page}_runs.csv", "text/csv", on_click="ignore",
                       help="Columns: value, epoch, weight_updates, loss, accuracy, val_loss, val_accuracy, ...")


def format_lr(rate: float) -> str:
    return f"{rate:g}"


def lesson_settings(**shown: Any) -> None:
    """One line with the settings that stay fixed on this page."""
    st.caption("Fixed on this page: " + " · ".join(f"{k} **{v}**" for k, v in shown.items())
               + ". Every run starts from the same initial weights and sees the batches in the same order.")


# ---------------------------------------------------------------------------------------------------------------
# The teaching layer: what the run shows, what to look for, the code, a quiz


def chart_marks(findings, histories: Sequence[RunHistory]) -> dict[str, list]:
    """Legend verdicts, best-epoch stars and shaded overfitting regions for `charts.curves_figure`."""
    from dlviz import diagnose

    values = findings.values
    verdicts, best, regions = [], [], []
    for value, history in zip(values, histories):
        verdicts.append(findings.verdict(value).split(" — ", 1)[-1])
        best_found = findings.get(diagnose.BEST_VAL_LOSS, value) or findings.get(diagnose.OVERFITTING, value)
        best.append(best_found.data["best_epoch"] if best_found and not history.diverged else None)
        overfit = findings.get(diagnose.OVERFITTING, value)
        regions.append((overfit.data["best_epoch"], overfit.data["end_epoch"]) if overfit else None)
    return {"verdicts": verdicts, "best_epochs": best, "overfit_regions": regions}


def what_this_run_shows(findings) -> None:
    st.subheader("What this run shows")
    sentences = findings.sentences()
    if not sentences:
        st.caption("Nothing stands out in these runs.")
    st.markdown("\n".join(f"- {sentence}" for sentence in sentences))


def sweep_chart(chart: "LiveChart", figure: Callable[..., Any], histories: Sequence[RunHistory],
                labels: Sequence[str], findings, page: str) -> None:
    """A sweep page's final chart (with the findings' marks), its replay button and its download button.

    `figure(histories, upto, marks)` draws the page's chart; the replay draws it without the marks until the end.
    """
    marks = chart_marks(findings, histories)
    chart.show(figure(histories, None, marks))
    buttons = st.columns([1, 1, 2])
    with buttons[0]:
        chart.replay_button(lambda upto: figure(histories, upto, marks if upto is None else None),
                            max(h.epochs_run for h in histories))
    with buttons[1]:
        download_runs(histories, labels, page)


def sweep_teaching(page: str, findings, values: Sequence[Any], labels: Sequence[str],
                   code_for: Callable[[Any], str]) -> None:
    """'What this run shows', then the lesson tabs with the code for one value (the best run's by default)."""
    what_this_run_shows(findings)
    label_of = dict(zip(values, labels))
    best = findings.best_value
    value = st.selectbox("Show the lesson's code for", values, index=values.index(best) if best in values else 0,
                         key="code_value", format_func=lambda v: label_of[v] + (" (best run)" if v == best else ""))
    lesson_tabs(page, findings, code_for(value))


def lesson_tabs(page: str, findings, code: str) -> None:
    """'What to look for', 'The code' and 'Check yourself', from `dlviz.lessons`, with this run's numbers."""
    from dlviz import lessons

    # Only the code tab is drawn lazily (when it is open): its highlighted code costs the browser another 1.5 MB of
    # JavaScript on a first visit. The quiz is always drawn, so that answers survive switching tabs.
    look, code_tab, quiz = st.tabs(["What to look for", "The code", "Check yourself"], key=f"lesson_tabs_{page}",
                                   on_change="rerun")
    with look:
        st.markdown("\n".join(f"- {line}" for line in lessons.WHAT_TO_LOOK_FOR[page]))
    with code_tab:
        st.caption("The lesson's Keras code with this page's settings: paste it into a notebook next to a CSV.")
        if code_tab.open:
            st.code(code, language="python")
    with quiz:
        for number, question in enumerate(lessons.QUIZ[page], start=1):
            choice = st.radio(f"**{number}. {question.prompt}**", question.options, index=None,
                              key=f"quiz_{page}_{number}")
            if choice is None:
                continue
            explanation = question.explain(findings)
            if question.options.index(choice) == question.answer:
                st.success(f"Right. {explanation}")
            else:
                st.error(f"Not quite — the answer is “{question.correct_option}”. {explanation}")


# ---------------------------------------------------------------------------------------------------------------
# The learning-rate range test, cached per dataset and settings


@st.cache_data(max_entries=16, show_spinner="Running the learning-rate range test…")
def _lr_finder(fingerprint: str, hidden_units: int, seed: int, batch_size: int, _dataset: Dataset):
    # Keyed by the fingerprint: the Dataset itself (leading underscore) is not hashed.
    from dlviz.lr_finder import find_learning_rate  # TensorFlow is imported only when the test runs

    return find_learning_rate(_dataset, batch_size=batch_size, hidden_units=hidden_units, seed=seed)


def lr_finder_result(selection: Selection, batch_size: int):
    """The learning-rate range test (`dlviz.lr_finder.FinderResult`) on the sidebar's data and model, from the same
    initial weights as the sweeps; None, after showing why, when it is refused."""
    from dlviz.lr_finder import FinderError

    try:
        return _lr_finder(selection.dataset.fingerprint, selection.hidden_units, selection.seed, int(batch_size),
                          selection.dataset)
    except FinderError as exc:
        st.error(str(exc))
        return None


def nearest_choice(rate: float, choices: Sequence[float]) -> float:
    """The offered value closest to `rate` on a log scale (a suggestion of 0.0029 becomes 0.003)."""
    import math

    return min(choices, key=lambda choice: abs(math.log10(float(choice)) - math.log10(rate)))
