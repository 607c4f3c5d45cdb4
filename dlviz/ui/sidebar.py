"""The shared sidebar: the data, the model's width, the seeds and presenter mode, as a `Selection` every page uses.

A bad upload keeps the last good dataset on screen (nothing the user had is lost), with the error beside the uploader
and the kept file's own controls (target, rows, columns left out) still working on it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from dlviz import data as data_mod
from dlviz import defaults, settings
from dlviz.data import DataError, Dataset
from dlviz.runs import RunSpec
from dlviz.ui import controls, layout, predict

_LAST_DATASET = "dlviz_last_dataset"
_KEPT_UPLOAD = "dlviz_kept_upload"  # (file name, bytes shared by content) of the last upload that gave a dataset
_SELECTION = "dlviz_selection"
_DRAWN_THIS_RUN = "dlviz_sidebar_drawn"
_PAGE = "dlviz_page"  # the URL path of the page drawn last


@dataclass(frozen=True)
class Selection:
    """What the sidebar chose: the data and the settings every page shares."""

    dataset: Dataset
    hidden_units: int
    seed: int  # the first seed: seed 1 of every sweep
    n_seeds: int
    standardized: bool
    each_seed: bool

    @property
    def seeds(self) -> list[int]:
        """The seeds every value trains with: the first seed, then the next ones (paired across values)."""
        return defaults.seeds(self.seed, self.n_seeds)

    def base_spec(self, **changes) -> RunSpec:
        """A run on this data and model, seed 1, with `changes`."""
        return RunSpec(self.dataset.fingerprint, hidden_units=self.hidden_units, seed=self.seed).replace(**changes)

    def with_seeds(self, specs: list[RunSpec]) -> list[RunSpec]:
        """Every spec once per seed, value by value: `[v1 s1, v1 s2, ..., v2 s1, ...]`."""
        return defaults.with_seeds(specs, self.seeds)


# Datasets are read-only and made once per server (st.cache_resource): every session holds a reference to the same
# object, where st.cache_data would hand each call a copy (about 1 MB for the practice data) for the session to keep.
@st.cache_resource(max_entries=12, show_spinner=False)
def builtin_dataset(name: str, rows: int | None, standardize: bool, stratify: bool = False) -> Dataset:
    """A built-in dataset, made once and shared by every session."""
    return data_mod.load_builtin(name, max_rows=rows, standardize=standardize, stratify=stratify)


@st.cache_data(max_entries=4, show_spinner=False)
def _uploaded_frame(content: bytes):
    return data_mod.read_csv(content)


@st.cache_resource(max_entries=8, show_spinner=False)
def _shared_bytes(digest: str, _content: bytes) -> bytes:
    # One object per uploaded content: sessions keeping the same file hold it once, not once each.
    return _content


@st.cache_resource(max_entries=8, show_spinner=False)
def _uploaded_dataset(content: bytes, target: str, rows: int | None, standardize: bool, stratify: bool,
                      drop: tuple[str, ...], name: str) -> Dataset:
    return data_mod.prepare(_uploaded_frame(content), target, name=name, max_rows=rows, standardize=standardize,
                            stratify=stratify, drop_columns=drop)


@st.cache_data(max_entries=16, show_spinner=False)
def _warnings(_dataset: Dataset, fingerprint: str) -> list:
    return data_mod.data_warnings(_dataset)


def draw(page: str | None = None) -> Selection:
    """Draw the sidebar and return its choice (also kept for `selection()`). `page` (the page's URL path) tells a
    move to another page, whose link's values then win over the session's (`controls.follow_link`)."""
    controls.check_link(settings.every_setting(), every=True)  # before any widget: it may rerun the page
    if page is not None:
        if st.session_state.get(_PAGE, page) != page:
            controls.follow_link(settings.every_setting())
        st.session_state[_PAGE] = page
    if controls.value(settings.DATA) == "upload" and _LAST_DATASET not in st.session_state:
        # A link can carry settings but not an uploaded file.
        controls.add_notice("This link was shared from a view of an uploaded CSV; uploaded files cannot travel in a "
                            "link, so the practice dataset is shown instead. Upload the file again to see that view.")
        controls.set_value(settings.DATA, "practice")
        st.query_params.pop(settings.DATA.key, None)
        st.rerun()  # (the binding reads the URL a run starts with)
    if settings.HIDE_ANSWERS.key in st.query_params and not controls.value(settings.PRESENT):
        controls.add_notice(f"Ignored `{settings.HIDE_ANSWERS.key}={st.query_params[settings.HIDE_ANSWERS.key]}` "
                            f"from the link: “{settings.HIDE_ANSWERS.label}” works in presenter mode only (add "
                            f"`{settings.PRESENT.key}=true`). The answers are shown.")
        del st.query_params[settings.HIDE_ANSWERS.key]
    bar = st.sidebar
    present = controls.draw(settings.PRESENT, bar)
    st.html(layout.PRESENTER_CSS if present else layout.WRAP_CSS)
    if present:
        controls.draw(settings.HIDE_ANSWERS, bar)
    bar.header("Data")
    choice = controls.draw(settings.DATA, bar, horizontal=False)
    standardize = controls.draw(settings.STANDARDIZE, bar)
    stratify = controls.draw(settings.STRATIFY, bar)
    dataset: Dataset | None = None
    try:
        if choice == "practice":
            rows = controls.draw(settings.ROWS, bar)
            dataset = builtin_dataset("practice", rows, standardize, stratify)
        elif choice == "breast_cancer":
            dataset = builtin_dataset("breast_cancer", None, standardize, stratify)
        else:
            dataset = _upload(bar, standardize, stratify)
    except DataError as exc:  # e.g. a split with one class: the message names the control that helps
        bar.error(str(exc))
    if dataset is not None:
        st.session_state[_LAST_DATASET] = dataset
    else:
        dataset = st.session_state.get(_LAST_DATASET) or builtin_dataset("practice", settings.ROWS.default,
                                                                          standardize)
        bar.info(f"Still showing: **{dataset.name}**.")
    bar.caption(dataset.description)
    for note in dataset.notes:
        bar.caption(f":material/info: {note}")
    for warning in _warnings(dataset, dataset.fingerprint):
        bar.warning(warning.message, icon=":material/warning:")
    # The rows the pages train on: the lesson's code on this file reproduces the pages' split (and, seed for seed,
    # curves inside the pages' bands).
    bar.download_button("Download the rows used (CSV)",
                        lambda: dataset.trained_rows_frame().to_csv(index=False).encode(),
                        "data.csv", "text/csv", on_click="ignore", width="stretch",
                        help="Exactly the rows the pages train, validate and test on, before scaling: save it as "
                             "data.csv beside the lesson's code (each page's “The code” tab).")
    if choice != "upload":
        bar.download_button("Download the whole dataset (CSV)",
                            lambda: data_mod.builtin_frame(choice).to_csv(index=False).encode(),
                            f"dlviz_{choice}_all.csv", "text/csv", on_click="ignore", width="stretch",
                            help="All rows dlviz generated or loaded, before sampling, splitting and scaling.")
    else:
        bar.caption(":material/link: An uploaded file stays in this browser session: a shared link opens with the "
                    "practice data.")
    bar.header("Runs")
    n_seeds = controls.draw(settings.SEEDS, bar)
    each_seed = controls.draw(settings.EACH_SEED, bar)
    predict.toggle(bar)
    with bar.expander("Advanced: model and seed"):
        hidden = controls.draw(settings.HIDDEN, st)
        seed = controls.draw(settings.SEED, st)
    chosen = Selection(dataset, int(hidden), int(seed), int(n_seeds), bool(standardize), bool(each_seed))
    st.session_state[_SELECTION] = chosen
    st.session_state[_DRAWN_THIS_RUN] = True
    return chosen


def _upload(bar, standardize: bool, stratify: bool) -> Dataset | None:
    """The uploader, then the controls of the file in use: its target (chosen by `data.choose_target`'s rules,
    which the sidebar names), the rows used and a way to drop a column that gives the answer away.

    A file that cannot be read (or has no two-class column) gets its error beside the uploader, and the last good
    upload stays in use with its own controls, which keep working on it; so does an emptied uploader. Returns the
    dataset, or None (no upload has given one yet)."""
    uploaded = bar.file_uploader("CSV with a binary target column", type=["csv", "txt", "tsv"], key="upload")
    if uploaded is None:
        bar.caption("Upload a CSV: numeric feature columns and one column with two classes (0/1, yes/no, "
                    "True/False). The rules are on the home page.")
        return _kept_upload(bar, standardize, stratify)
    content = uploaded.getvalue()
    try:
        frame = _uploaded_frame(content)
        if not data_mod.binary_target_candidates(frame):
            raise DataError("No column has exactly two distinct values, so there is nothing to predict. "
                            "Expected a target column with two classes such as 0/1.")
    except DataError as exc:
        bar.error(f"**{uploaded.name}**: {exc}")
        return _kept_upload(bar, standardize, stratify, unless=content)
    dataset = _upload_controls(bar, uploaded.name, content, frame, standardize, stratify)
    if dataset is not None:
        st.session_state[_KEPT_UPLOAD] = (uploaded.name, _shared_bytes(hashlib.sha1(content).hexdigest(), content))
    return dataset


def _kept_upload(bar, standardize: bool, stratify: bool, unless: bytes | None = None) -> Dataset | None:
    """The last upload that gave a dataset, said so, with its controls (the same widget keys as when it was
    uploaded, so its target, rows and dropped columns carry on); None when there is none (or it is `unless`)."""
    kept = st.session_state.get(_KEPT_UPLOAD)
    if kept is None or kept[1] == unless:
        return None
    name, content = kept
    bar.info(f"Still showing: **{name}**, with its settings:")
    return _upload_controls(bar, name, content, _uploaded_frame(content), standardize, stratify)


def _upload_controls(bar, name: str, content: bytes, frame, standardize: bool, stratify: bool) -> Dataset | None:
    """An uploaded file's target, rows and dropped columns (keyed by the file's hash), and its dataset; None (with
    the error or the question beside the controls) while no dataset can be made from them."""
    file_key = hashlib.sha1(content).hexdigest()[:8]
    candidates = data_mod.binary_target_candidates(frame)
    chosen = data_mod.choose_target(frame)
    target = bar.selectbox("Target column (what to predict)", candidates,
                           index=candidates.index(chosen.column) if chosen.column in candidates else None,
                           key=f"target_{file_key}", placeholder="Pick the column to predict")
    if target is None:
        bar.info(f"{chosen.rule} Pick the column to predict.")
        return None
    if target == chosen.column:
        bar.caption(f"Target: {chosen.rule}")
    rows = bar.select_slider("Rows used", ("all",) + tuple(r for r in settings.ROW_CHOICES if r < len(frame)),
                             key=f"rows_{file_key}", help=settings.ROWS.help)
    drop = tuple(bar.multiselect("Columns left out", [c for c in frame.columns if c != target],
                                 key=f"drop_{file_key}",
                                 help="Leave out a column that gives the answer away (see the warnings)."))
    try:
        return _uploaded_dataset(content, target, None if rows == "all" else int(rows), standardize, stratify,
                                 drop, name)
    except DataError as exc:
        bar.error(f"**{name}**: {exc}")
        return None


def end_of_run() -> None:
    """Called by `streamlit_app.py` once the page has run (or stopped): the next run must draw the sidebar again."""
    st.session_state.pop(_DRAWN_THIS_RUN, None)


def selection() -> Selection:
    """The sidebar's choice for the page being drawn. Every page calls this first: `streamlit_app.py` has drawn the
    sidebar before it runs the page; a page run on its own (a test) draws it here."""
    if st.session_state.get(_DRAWN_THIS_RUN):
        return st.session_state[_SELECTION]
    return draw()
