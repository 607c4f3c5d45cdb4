"""One table of every control: its URL key, label, default, choices or range, and how a link's text is read; and
the pages' identities. The UI draws controls from this table and the tests read it; nothing else repeats a default.

Every key is unique across pages (it is the `?key=` of a shared link, bound by Streamlit's `bind="query-params"`)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from dlviz.analysis import grid
from dlviz.runs import ADAM, FIRST_SEED, GD, LESSON_HIDDEN_UNITS, MAX_SEEDS
from dlviz.text.format import format_lr


LEARNING_RATE_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZE_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
ROW_CHOICES = (500, 1_000, 2_000, 4_000, 6_000, 8_000, 10_000)
HIDDEN_UNIT_CHOICES = (4, 8, 16, 32, 64, 128, 256, 512)


class LinkError(ValueError):
    """A link's value for a setting that cannot be used; the message says why, for the user."""


def nearest_choice(rate: float, choices: Sequence[float] = LEARNING_RATE_CHOICES) -> float:
    """The offered learning rate closest to `rate` on a log scale (a suggestion of 0.0029 becomes 0.003)."""
    return min(choices, key=lambda choice: abs(math.log10(float(choice)) - math.log10(rate)))


def _number(text: str) -> float:
    """A finite number from a link's text; refuses what would overflow or is not a number."""
    if len(text) > 32 or not text.strip():
        raise LinkError(f"{len(text)} characters is not a number dlviz can use" if text.strip() else "it is empty")
    try:
        value = float(text)
    except ValueError:
        raise LinkError(f"“{text}” is not a number") from None
    if not math.isfinite(value):
        raise LinkError(f"“{text}” is not a finite number")
    return value


@dataclass(frozen=True)
class Setting:
    """One control. `widget` is the Streamlit widget that draws it; a link's text (one value, or several for a
    multiselect) is read by `parse`, which raises `LinkError` for anything the widget would not show as given."""

    key: str
    label: str
    default: Any
    widget: str  # "slider" | "select_slider" | "multiselect" | "radio" | "toggle" | "selectbox"
    low: float | None = None
    high: float | None = None
    step: int | None = None
    choices: tuple = ()
    labels: dict = field(default_factory=dict)  # choice -> text shown, where it differs from str(choice)
    help: str = ""
    default_note: str = ""  # what the default means where its number alone would mislead (a notice says it)

    def format(self, choice: Any) -> str:
        if choice in self.labels:
            return self.labels[choice]
        return format_lr(choice) if isinstance(choice, float) else str(choice)

    def _choice(self, text: str) -> Any:
        for choice in self.choices:
            if text in (str(choice), self.format(choice)):
                return choice
        if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in self.choices):
            number = _number(text)
            for choice in self.choices:
                if abs(float(choice) - number) <= 1e-9 * max(1.0, abs(number)):
                    return choice
        offered = ", ".join(self.format(c) for c in self.choices)
        raise LinkError(f"“{text}” is not one of {offered}")

    def parse(self, raw: Sequence[str]) -> Any:
        """The value a link's text stands for. Raises LinkError (repeated key for a single value, not a number,
        out of range, not offered)."""
        raw = list(raw)
        if self.widget == "multiselect":
            values = [self._choice(text) for text in raw]
            return sorted(set(values), key=lambda v: self.choices.index(v))
        if len(raw) != 1:
            raise LinkError(f"the link gives it {len(raw)} times ({', '.join(raw)}); it takes one value")
        text = raw[0]
        if self.widget == "toggle":
            lowered = text.lower()
            if lowered in ("true", "1", "yes", "on", "false", "0", "no", "off"):
                return lowered in ("true", "1", "yes", "on")
            raise LinkError(f"“{text}” is not true or false")
        if self.widget == "slider":
            number = _number(text)
            if number != int(number):
                raise LinkError(f"“{text}” is not a whole number")
            if not self.low <= number <= self.high:  # (1e308 would print 309 digits)
                shown = f"{int(number):,} is" if abs(number) < 1e6 else "it is a number far"
                raise LinkError(f"{shown} outside {int(self.low):,} to {int(self.high):,}")
            return int(number)
        return self._choice(text)


def _slider(key: str, label: str, default: int, low: int, high: int, help: str = "", step: int = 1) -> Setting:
    return Setting(key, label, default, "slider", low=low, high=high, step=step, help=help)


X_AXIS_LABELS = {"epoch": "epochs", "updates": "weight updates"}

# ---------------------------------------------------------------------------------------------------------------
# The sidebar: every page shares these.
DATA = Setting("data", "Dataset", "practice", "radio", choices=("practice", "breast_cancer", "upload"),
               labels={"practice": "Practice data (synthetic)", "breast_cancer": "Breast cancer (scikit-learn)",
                       "upload": "Upload your own CSV"})
ROWS = Setting("rows", "Rows used", 4_000, "select_slider", choices=ROW_CHOICES,
               help="A fixed random sample of the file's rows (the same every time). Fewer rows overfit sooner and "
                    "train faster.")
STANDARDIZE = Setting("std", "Standardise features", True, "toggle",
                      help="Subtract the mean and divide by the standard deviation of the rows that train.")
STRATIFY = Setting("strat", "Stratified split", False, "toggle",
                   help="Keep the class shares equal in the training, validation and test rows (for files with a "
                        "rare class).")
HIDDEN = Setting("hidden", "Hidden units", LESSON_HIDDEN_UNITS, "select_slider", choices=HIDDEN_UNIT_CHOICES,
                 help="Width of the hidden Dense layer. The lesson uses 64.")
SEED = _slider("seed", "First seed", FIRST_SEED, 0, 999,
               help="Seed 1 of every sweep: it sets the initial weights and the order of the batches. The other "
                    "seeds follow it (seed + 1, seed + 2, ...).")
SEEDS = _slider("seeds", "Seeds per value", 3, 1, MAX_SEEDS,
                help="Every value trains once per seed (different initial weights and batch order, the same for "
                     "every value). Differences smaller than the seed-to-seed spread are called ties.")
EACH_SEED = Setting("each_seed", "Draw every seed's curve", False, "toggle",
                    help="Thin lines for every seed instead of the mean and its min-max band.")
PRESENT = Setting("present", "Presenter mode", False, "toggle",
                  help="Large text and thick lines for a projector; each page's settings fold away.")
PREDICT = Setting("predict", "Predict first", False, "toggle",
                  help="Before the curves appear, answer one or two questions about this sweep; each answer is then "
                       "checked against the runs' own numbers. One click shows the curves without answering.")
# Presenter mode: the answers wait for the teacher (read with `dlviz.ui.layout.answers_hidden()`).
HIDE_ANSWERS = Setting("hide", "Hide the answers", False, "toggle",
                       help="In presenter mode: the plain curves only, with no stars, ✕ marks, hatching or “What "
                            "these runs show” until you switch this off, so the class can predict first.")
SIDEBAR = (DATA, ROWS, STANDARDIZE, STRATIFY, HIDDEN, SEED, SEEDS, EACH_SEED, PRESENT, HIDE_ANSWERS, PREDICT)

# ---------------------------------------------------------------------------------------------------------------
# Epochs page
EPOCHS = _slider("epochs", "Train for up to N epochs", 100, 1, 300)
STOP = dataclasses.replace(_slider("stop", "Stop after epoch E", 100, 1, 300, help="Marks epoch E on the curves "
                                  "(dotted line) and reports the validation metrics there."),
                          default_note="the run's last epoch")
PATIENCE = _slider("patience", "Early-stopping patience", 5, 1, 50,
                   help="Epochs without a lower validation loss before EarlyStopping ends training.")
EPOCHS_PAGE = (EPOCHS, STOP, PATIENCE)

# Batch-size page
BATCH_SIZES = Setting("batches", "Batch sizes", (8, 32, 128, 512), "multiselect", choices=BATCH_SIZE_CHOICES)
BATCH_EPOCHS = _slider("b_epochs", "Epochs", 20, 1, 200)
BATCH_X = Setting("b_x", "x-axis", "epoch", "radio", choices=("epoch", "updates"), labels=X_AXIS_LABELS)
BATCH_METRIC = Setting("b_metric", "Metric", "loss", "radio", choices=("loss", "accuracy"))
BATCH_LOG_X = Setting("b_logx", "Log x-axis", False, "toggle",
                      help="On the weight-updates axis, a log scale keeps large batches (few updates) from being "
                           "squashed against 0.")
BATCH_BUDGET = Setting("b_budget", "Give every batch size the same number of…", grid.SAME_EPOCHS, "radio",
                       choices=grid.BUDGETS, labels=X_AXIS_LABELS,
                       help="Same epochs (the lesson's way): every batch sees every row equally often. Same weight "
                            "updates: every batch makes about the updates batch 32 makes in those epochs (to whole "
                            "epochs), so larger batches train for more epochs.")
BATCH_PAGE = (BATCH_SIZES, BATCH_EPOCHS, BATCH_X, BATCH_METRIC, BATCH_LOG_X, BATCH_BUDGET)

# Learning-rate page
LEARNING_RATES = Setting("lrs", "Learning rates (log scale)", (1e-4, 1e-3, 1e-2, 1e-1, 1.0), "multiselect",
                         choices=LEARNING_RATE_CHOICES)
LR_EPOCHS = _slider("lr_epochs", "Epochs", 20, 1, 200)
LR_METRIC = Setting("lr_metric", "Metric", "loss", "radio", choices=("loss", "accuracy"))
LR_LOG_Y = Setting("lr_logy", "Log loss axis", True, "toggle",
                   help="A log axis keeps a diverging run from flattening the others.")
LR_OPTIMIZER = Setting("lr_opt", "Optimizer", GD, "radio", choices=(GD, ADAM),
                       labels={GD: "Plain gradient descent", ADAM: "The lesson's Adam"},
                       help="Why big steps oscillate: full-batch runs with plain gradient descent (sharpness against "
                            "2/lr) or the lesson's Adam (preconditioned sharpness against 38/lr).")
LR_PAGE = (LEARNING_RATES, LR_EPOCHS, LR_METRIC, LR_LOG_Y, LR_OPTIMIZER)

# Batch size x learning rate page
GRID_BATCH_SIZES = Setting("g_batches", "Batch sizes (rows)", (16, 64, 256, 1024), "multiselect",
                           choices=BATCH_SIZE_CHOICES)
GRID_LEARNING_RATES = Setting("g_lrs", "Learning rates (columns, log scale)",
                              (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0), "multiselect",
                              choices=LEARNING_RATE_CHOICES)
GRID_BUDGET = Setting("g_budget", "Give every cell the same number of…", grid.SAME_EPOCHS, "radio",
                      choices=grid.BUDGETS, labels=X_AXIS_LABELS,
                      help="Same epochs: every cell sees the training rows the same number of times. Same weight "
                           "updates: every cell takes the same number of steps, so bigger batches see more data.")
GRID_EPOCHS = _slider("g_epochs", "Epochs per cell", 20, 1, 200)
GRID_UPDATES = _slider("g_updates", "Weight updates per cell", 300, 10, 2000, step=10)
GRID_OUTCOME = Setting("g_outcome", "Colour the cells by", grid.DEFAULT_OUTCOME, "selectbox", choices=grid.OUTCOMES,
                       labels={"final_val_loss": "final validation loss", "best_val_loss": "lowest validation loss",
                               "final_val_accuracy": "final validation accuracy", "diverged": "diverged or not"},
                       help="Final validation loss: the model you get at the end of the budget. Lowest validation "
                            "loss: as if every run had stopped at its best epoch. Diverged: which runs blew up.")
GRID_LOOK = Setting("g_look", "Overlay", "row", "radio", choices=("row", "column", "cell"),
                    labels={"row": "one batch size (a row)", "column": "one learning rate (a column)",
                            "cell": "one cell"})
GRID_CELL_BATCH = Setting("g_cb", "Batch size", None, "selectbox", choices=BATCH_SIZE_CHOICES,
                          help="The row to overlay (or the cell's row).")
GRID_CELL_RATE = Setting("g_clr", "Learning rate", None, "selectbox", choices=LEARNING_RATE_CHOICES,
                         help="The column to overlay (or the cell's column).")
GRID_METRIC = Setting("g_metric", "Metric", "loss", "radio", choices=("loss", "accuracy"))
GRID_X = Setting("g_x", "x-axis", "epoch", "radio", choices=("epoch", "updates"), labels=X_AXIS_LABELS)
GRID_PAGE = (GRID_BATCH_SIZES, GRID_LEARNING_RATES, GRID_BUDGET, GRID_EPOCHS, GRID_UPDATES, GRID_OUTCOME)
GRID_LOOK_CONTROLS = (GRID_LOOK, GRID_CELL_BATCH, GRID_CELL_RATE, GRID_METRIC, GRID_X)


# Where the steps go (the loss surface)
SURFACE_SWEEP = Setting("s_sweep", "Sweep", "learning_rate", "radio", choices=("learning_rate", "batch_size"),
                        labels={"learning_rate": "learning rate", "batch_size": "batch size"})
SURFACE_RATES = Setting("s_lrs", "Learning rates", (1e-4, 1e-3, 1e-2, 1e-1, 1.0), "multiselect",
                        choices=LEARNING_RATE_CHOICES[:-1])
SURFACE_BATCHES = Setting("s_batches", "Batch sizes", (8, 32, 128, 512), "multiselect",
                          choices=BATCH_SIZE_CHOICES[:8])
SURFACE_EPOCHS = _slider("s_epochs", "Epochs", 20, 1, 50)
SURFACE_ZOOM = Setting("s_zoom", "Zoom on the valley", True, "toggle",
                       help="Fit the map to the runs that end near the best one (within 1.5x its distance from the "
                            "start); the others are drawn up to where they leave it (✕). Off: the map covers every "
                            "run that did not diverge.")
SURFACE_VALUES = {"learning_rate": SURFACE_RATES, "batch_size": SURFACE_BATCHES}  # by SURFACE_SWEEP's choice
SURFACE_PAGE = (SURFACE_SWEEP, SURFACE_RATES, SURFACE_BATCHES, SURFACE_EPOCHS, SURFACE_ZOOM)


# ---------------------------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class Page:
    """A page of the app: its script, its title in the navigation, its icon and its URL path."""

    script: str
    title: str
    icon: str
    url_path: str
    settings: tuple[Setting, ...] = ()


HOME = Page("app_pages/home.py", "Home", ":material/home:", "")
EPOCHS_PAGE_ID = Page("app_pages/epochs.py", "Epochs", ":material/timer:", "epochs", EPOCHS_PAGE)
BATCH_PAGE_ID = Page("app_pages/batch_size.py", "Batch size", ":material/stacks:", "batch_size", BATCH_PAGE)
LR_PAGE_ID = Page("app_pages/learning_rate.py", "Learning rate", ":material/speed:", "learning_rate", LR_PAGE)
GRID_PAGE_ID = Page("app_pages/interplay.py", "Batch size × learning rate", ":material/grid_on:", "interplay",
                    GRID_PAGE + GRID_LOOK_CONTROLS)
SURFACE_PAGE_ID = Page("app_pages/loss_surface.py", "Where the steps go", ":material/landscape:", "loss_surface",
                       SURFACE_PAGE)
PAGES: tuple[Page, ...] = (HOME, EPOCHS_PAGE_ID, BATCH_PAGE_ID, LR_PAGE_ID, GRID_PAGE_ID, SURFACE_PAGE_ID)


def every_setting() -> list[Setting]:
    """Every control of the app, the sidebar's first; no two share a URL key (`tests/test_core.py`)."""
    return list(SIDEBAR) + [s for page in PAGES for s in page.settings]
