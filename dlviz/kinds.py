"""The sweep kinds: one typed entry per swept setting, holding everything a page of that kind needs.

A page's identity is its `Kind` object, never a string: the shared sweep page (`dlviz.ui.sweep_page.draw(kind)`),
the findings (`SweepFindings.kind`), the predict questions (`Context.kind`) and the lesson tabs all read it. A new
one-setting page is one `Kind` here, its texts (`dlviz.text.lessons`), its controls and `Page` in
`dlviz.settings`, and its shipped default runs (`python -m dlviz.precomputed`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Sequence

from dlviz import settings
from dlviz.analysis import grid, sweeps
from dlviz.runs import LESSON_BATCH_SIZE, LESSON_LEARNING_RATE, RunHistory, RunSpec, updates_per_epoch
from dlviz.settings import Page, Setting
from dlviz.text import batch_fair, findings, lessons, predictions
from dlviz.text.format import format_count, format_lr


@dataclass(frozen=True, eq=False)  # compared by identity: a kind is a dictionary key
class Kind:
    """One kind of sweep.
    Attributes:
        page: the page that shows it (`settings.Page`: script, title, icon, URL path, its controls).
        fields: the `RunSpec` fields it varies: none (the epochs page: one run per seed), one, or two (the grid).
        prefix: the legend label's prefix ("lr " in "lr 0.01").
        noun: a value's name in a sentence ("learning rate" in "learning rate 0.01").
        plural: the values' name in a sentence ("learning rates").
        formatter: one value as text (`format_lr`, `format_count`); `text.format.value_label` adds the prefix.
        values: the control of the swept values (a multiselect), for one-setting kinds.
        epochs: the control of the number of epochs.
        metric, x_axis, log_x, log_y: the chart's controls, where the page offers them.
        budget: the control of equal epochs or equal weight updates (`Kind.specs`), where the page offers it.
        lesson_value: the lesson's own value of the field (the code tab starts on it when no value is clearly best).
        capped_by_rows: values above the training rows mean all of them (a batch size): merged into one.
        analyzer: `(kind, histories, **options) -> findings`, from `dlviz.analysis` (`sweeps.analyze_values`, its page
            extras chosen with `functools.partial`); None for the grid, whose page builds a `grid.Grid`.
        questions: `(predictions.Context) -> list[Question]`, the predict-first questions.
        sentences: `(findings) -> list[str]`, the page's own sentences in "What these runs show".
        look_for: the "What to look for" lines.
        quiz: the "Check yourself" questions (`lessons.Question`)."""

    page: Page
    fields: tuple[str, ...]
    prefix: str
    noun: str
    plural: str
    formatter: Callable[[Any], str]
    questions: Callable[[predictions.Context], list]
    analyzer: Callable[..., Any] | None = None
    values: Setting | None = None
    epochs: Setting | None = None
    metric: Setting | None = None
    x_axis: Setting | None = None
    log_x: Setting | None = None
    log_y: Setting | None = None
    budget: Setting | None = None
    lesson_value: Any = None
    capped_by_rows: bool = False
    sentences: Callable[[Any], list[str]] = lambda found: []
    look_for: tuple[str, ...] = ()
    quiz: tuple[lessons.Question, ...] = ()

    @property
    def name(self) -> str:
        """The kind's name in keys and file names: its page's URL path ("batch_size")."""
        return self.page.url_path

    @property
    def field(self) -> str | None:
        """The one `RunSpec` field a one-setting kind varies; None for the epochs page and the grid."""
        return self.fields[0] if len(self.fields) == 1 else None

    def value_of(self, history: RunHistory) -> Any:
        """The swept value of a run (None when the kind varies no single field)."""
        return getattr(history.spec, self.field) if self.field else None

    def analyze(self, histories: Sequence[RunHistory], **options: Any) -> Any:
        """The findings of a finished sweep (`analyzer` with this kind)."""
        return self.analyzer(self, histories, **options)

    def specs(self, base: RunSpec, values: Sequence[Any] = (), epochs: int | None = None,
              budget: str = grid.SAME_EPOCHS, n_train: int = 0) -> list[RunSpec]:
        """One run per value (sorted) at the lesson's batch size and learning rate, except the field varied; one run
        without a field. Seeds are added by the caller (`defaults.with_seeds`). With `budget` `grid.SAME_UPDATES`
        each run makes the weight updates the lesson's batch makes in `epochs` epochs over `n_train` rows
        (`grid.epochs_for`, so equal cells of the grid page are the same runs)."""
        lesson = base.replace(epochs=epochs or self.epochs.default, batch_size=LESSON_BATCH_SIZE,
                              learning_rate=LESSON_LEARNING_RATE)
        runs = [lesson.replace(**{self.field: value}) for value in sorted(values)] if self.field else [lesson]
        amount = lesson.epochs * (updates_per_epoch(n_train, LESSON_BATCH_SIZE) if budget == grid.SAME_UPDATES else 1)
        return [run.replace(epochs=grid.epochs_for(budget, amount, run.batch_size, n_train)) for run in runs]


EPOCHS = Kind(
    settings.EPOCHS_PAGE_ID, (), prefix="", noun="epochs", plural="epochs", formatter=format_count,
    analyzer=sweeps.analyze_values, questions=predictions.epochs_questions, epochs=settings.EPOCHS,
    sentences=findings.epochs_sentences, look_for=lessons.EPOCHS_LOOK_FOR, quiz=lessons.EPOCHS_QUIZ)

BATCH_SIZE = Kind(
    settings.BATCH_PAGE_ID, ("batch_size",), prefix="batch ", noun="batch size", plural="batch sizes",
    formatter=format_count, analyzer=partial(sweeps.analyze_values, noise=True), questions=batch_fair.questions,
    values=settings.BATCH_SIZES, epochs=settings.BATCH_EPOCHS, metric=settings.BATCH_METRIC, x_axis=settings.BATCH_X,
    log_x=settings.BATCH_LOG_X, budget=settings.BATCH_BUDGET, lesson_value=LESSON_BATCH_SIZE, capped_by_rows=True,
    sentences=findings.batch_sentences, look_for=lessons.BATCH_LOOK_FOR, quiz=lessons.BATCH_QUIZ + (batch_fair.QUIZ,))

LEARNING_RATE = Kind(
    settings.LR_PAGE_ID, ("learning_rate",), prefix="lr ", noun="learning rate", plural="learning rates",
    formatter=format_lr, analyzer=partial(sweeps.analyze_values, speed=True), questions=predictions.rate_questions,
    values=settings.LEARNING_RATES, epochs=settings.LR_EPOCHS, metric=settings.LR_METRIC, log_y=settings.LR_LOG_Y,
    lesson_value=LESSON_LEARNING_RATE, sentences=findings.oscillation_sentences, look_for=lessons.RATE_LOOK_FOR,
    quiz=lessons.RATE_QUIZ)

# The two-setting kind: batch sizes (rows) x learning rates (columns); its findings are a `grid.Grid`.
GRID = Kind(
    settings.GRID_PAGE_ID, ("batch_size", "learning_rate"), prefix="", noun="cell", plural="cells", formatter=str,
    questions=predictions.grid_questions, epochs=settings.GRID_EPOCHS, metric=settings.GRID_METRIC,
    x_axis=settings.GRID_X)

ONE_SETTING: tuple[Kind, ...] = (EPOCHS, BATCH_SIZE, LEARNING_RATE)
KINDS: tuple[Kind, ...] = ONE_SETTING + (GRID,)


def by_name(name: str) -> Kind:
    """The kind whose `name` (its page's URL path) is `name` (the loss-surface page's choice of sweep). Raises
    KeyError for no such kind."""
    return {kind.name: kind for kind in KINDS}[name]
