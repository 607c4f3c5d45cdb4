"""What a run is and what it produced, as plain data (`RunSpec`, `RunHistory`, `SweepProgress`, the stability runs, the
range test's `FinderResult`): free of TensorFlow, so cached or shipped results, and results from the training process,
are shown without paying for its import."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# The lesson's settings: what a page keeps fixed when it varies something else.
LESSON_HIDDEN_UNITS = 64
LESSON_LEARNING_RATE = 0.01
LESSON_BATCH_SIZE = 32
FIRST_SEED = 42  # a sweep's first seed unless the sidebar says otherwise

# A run has diverged when its loss is NaN/inf or an epoch's training loss exceeds this multiple of the loss it
# started from (about 0.69 for a fresh binary classifier): far worse than guessing.
DIVERGENCE_FACTOR = 3.0

MAX_EPOCHS = 500
MAX_BATCH_SIZE = 1 << 20
MIN_LEARNING_RATE = 1e-7
MAX_LEARNING_RATE = 100.0
MAX_HIDDEN_UNITS = 1024
MAX_SEED = 2**31 - 1  # Keras' set_random_seed (the plain reference run) takes seeds below 2**32
MAX_SEEDS = 5  # seeds per value of a sweep (the sidebar's largest choice)


class TrainingError(ValueError):
    """A training request dlviz refuses (an absurd setting), with a message for the user."""


@dataclass(frozen=True)
class RunSpec:
    """Every knob that changes a curve. Hashable: it is the cache key of a run."""

    dataset: str  # the Dataset's fingerprint
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 0.01
    hidden_units: int = 64
    seed: int = FIRST_SEED

    def replace(self, **changes) -> "RunSpec":
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise TrainingError(f"Epochs must be between 1 and {MAX_EPOCHS}; got {self.epochs}.")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise TrainingError(f"Batch size must be between 1 and {MAX_BATCH_SIZE:,}; got {self.batch_size}.")
        if not (np.isfinite(self.learning_rate) and MIN_LEARNING_RATE <= self.learning_rate <= MAX_LEARNING_RATE):
            raise TrainingError(f"Learning rate must be between {MIN_LEARNING_RATE:g} and {MAX_LEARNING_RATE:g}; "
                                f"got {self.learning_rate:g}.")
        if not 1 <= self.hidden_units <= MAX_HIDDEN_UNITS:
            raise TrainingError(f"Hidden units must be between 1 and {MAX_HIDDEN_UNITS}; got {self.hidden_units}.")
        if not (isinstance(self.seed, (int, np.integer)) and 0 <= self.seed <= MAX_SEED):
            raise TrainingError(f"The seed must be a whole number from 0 to {MAX_SEED:,}; got {self.seed!r}.")


@dataclass
class RunHistory:
    """What one run did, as plain data (cheap to pickle and cache; never a live Keras object).
    Per-epoch lists hold every epoch trained, as `model.fit` reports them, including after a blow-up (`diverged_at`);
    they stop early only at an epoch whose loss was NaN/inf (`nan_at`, that epoch included). `update_loss` holds every
    weight update's training loss (the loss of that batch before the update, as Keras computes it), float32."""

    spec: RunSpec
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    update_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    updates_per_epoch: int = 0
    # Loss and accuracy of the starting weights (epoch 0): the same for every run of a sweep with the same seed.
    initial_loss: float = float("nan")
    initial_val_loss: float = float("nan")
    initial_accuracy: float = float("nan")
    initial_val_accuracy: float = float("nan")
    wall_time: float = 0.0  # seconds, the stack's time shared equally among its runs
    # First epoch (1-based) whose training loss exceeded DIVERGENCE_FACTOR x initial_loss or was NaN/inf; training
    # went on after it unless the loss was NaN/inf.
    diverged_at: int | None = None
    nan_at: int | None = None  # 1-based epoch whose loss was NaN/inf: the last one recorded
    # Share of validation rows predicted positive (probability > 0.5) after the last recorded epoch: 0.0 or 1.0 means
    # the network predicts the same class for every row (a collapsed run).
    final_positive_share: float = float("nan")
    # Copied from the Dataset when it has them: the loss of always predicting the training share of positives, and
    # the validation accuracy of always predicting the majority class (what a collapsed run reaches).
    prior_loss: float = float("nan")
    majority_val_accuracy: float = float("nan")
    weights: tuple[np.ndarray, ...] = ()  # kernel1, bias1, kernel2, bias2 after the last recorded epoch
    # With train_sweep(record_path=True): weights flattened (kernel1, bias1, kernel2, bias2), float32
    # [points, n_params], and the number of weight updates done at each point (int64 [points], first 0); else empty.
    trajectory: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    trajectory_updates: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # With train_sweep(measure_noise=True): the gradient noise scale B_simple (rows) over the training rows at the
    # start (epoch 0) and after every recorded epoch (`dlviz.engine.noise`); else empty.
    noise_scale: list[float] = field(default_factory=list)

    def curve(self, key: str) -> list[float]:
        """A per-epoch series with the starting value (epoch 0) in front: `curve("val_loss")[e]` is after epoch e."""
        return [getattr(self, f"initial_{key}")] + list(getattr(self, key))

    @property
    def epochs_run(self) -> int:
        return len(self.loss)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def complete(self) -> bool:
        """Trained to its last epoch, or ended by a NaN/inf loss: nothing more will be recorded."""
        return self.nan_at is not None or self.epochs_run >= self.spec.epochs

    @property
    def total_updates(self) -> int:
        return len(self.update_loss)


@dataclass
class SweepProgress:
    """Handed to the progress callback after every epoch of every run."""

    done_updates: int
    total_updates: int
    histories: list[RunHistory | None]  # partial histories, in the order of the specs; None if not started
    message: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.done_updates / self.total_updates) if self.total_updates else 1.0


ProgressCallback = Callable[[SweepProgress], None]


class LandscapeError(ValueError):
    """Paths that cannot span a plane (too few points, mismatched sizes, non-finite weights), for the user."""


def n_params(n_features: int, hidden_units: int) -> int:
    """The lesson's model's weight count: Dense(hidden) kernel and bias, Dense(1) kernel and bias."""
    return n_features * hidden_units + 2 * hidden_units + 1


def updates_per_epoch(n_train: int, batch_size: int) -> int:
    return -(-n_train // batch_size)


def sweep_seeds(base_seed: int, count: int) -> list[int]:
    """The seeds each value of a sweep is trained with: `count` consecutive seeds from `base_seed` (the first is
    `base_seed`, so seed 1 of every sweep is the single-seed run). Raises `TrainingError` for a count outside 1 to
    MAX_SEEDS or seeds outside 0 to MAX_SEED.
    >>> sweep_seeds(42, 3)
    [42, 43, 44]
    """
    if not 1 <= count <= MAX_SEEDS:
        raise TrainingError(f"The number of seeds must be between 1 and {MAX_SEEDS}; got {count}.")
    if not 0 <= base_seed <= MAX_SEED - count + 1:
        raise TrainingError(f"The seed must be a whole number from 0 to {MAX_SEED - count + 1:,}; got {base_seed}.")
    return [base_seed + i for i in range(count)]


def histories_frame(histories: list[RunHistory], labels: list[str]):
    """One tidy table of runs (`pandas.DataFrame`), for download: a row per run and epoch (epoch 0 is the start)."""
    import pandas as pd

    def frame(history: RunHistory, label: str) -> pd.DataFrame:
        epoch = np.arange(history.epochs_run + 1)
        return pd.DataFrame({"value": label, "epoch": epoch, "weight_updates": epoch * history.updates_per_epoch,
                             **{key: history.curve(key) for key in ("loss", "accuracy", "val_loss", "val_accuracy")},
                             "diverged": history.diverged_at is not None and epoch >= history.diverged_at,
                             **{k: v for k, v in dataclasses.asdict(history.spec).items() if k != "dataset"}})
    return pd.concat([frame(h, label) for h, label in zip(histories, labels)] or [pd.DataFrame()], ignore_index=True)


# The edge-of-stability section's full-batch runs (`dlviz.engine.stability`).
GD, ADAM = "gd", "adam"
KERAS_ADAM_BETA_1 = 0.9  # keras.optimizers.Adam's default beta_1
# The section's own learning rates: plain full-batch gradient descent reaches 2/lr only at rates far above the page's
# (the lesson's model starts at a sharpness of ~1.6, so 2/lr is 20 at lr 0.1); Adam's are around the lesson's 0.01.
STABILITY_RATES = {GD: (0.05, 0.2, 0.5, 1.0, 2.0), ADAM: (0.003, 0.01, 0.03, 0.1)}
STABILITY_STEPS = {GD: 400, ADAM: 300}
STABILITY_EVERY = {GD: 10, ADAM: 20}  # steps between sharpness measurements: Adam's cost more (a new P each time)


@dataclass(frozen=True)
class StabilitySpec:
    """One full-batch run with its sharpness measured every `every` steps; hashable, it is the cache key (the
    dataset's fingerprint included)."""

    fingerprint: str
    learning_rate: float
    optimizer: str = GD  # GD: plain gradient descent, w -= lr * grad; ADAM: Keras' Adam
    seed: int = FIRST_SEED
    hidden_units: int = LESSON_HIDDEN_UNITS
    steps: int = STABILITY_STEPS[GD]
    every: int = STABILITY_EVERY[GD]

    @property
    def threshold(self) -> float:
        """Where a quadratic of that (preconditioned) curvature turns unstable: 2/lr for gradient descent,
        2(1 + beta1) / ((1 - beta1) lr) for Adam, 38/lr at Keras' beta1 = 0.9 (Cohen et al. 2022)."""
        beta = KERAS_ADAM_BETA_1
        return 2 / self.learning_rate if self.optimizer == GD else 2 * (1 + beta) / ((1 - beta) * self.learning_rate)


@dataclass
class StabilityRun:
    """What a `StabilitySpec` produced: `losses[t]` the training loss before step t (t = 0..steps; NaN from a
    divergence on), `sharpness[i]` the (for Adam, preconditioned) sharpness at step `sharpness_steps[i]`."""

    spec: StabilitySpec
    losses: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray


def stability_specs(fingerprint: str, optimizer: str, seed: int, hidden_units: int = LESSON_HIDDEN_UNITS
                    ) -> tuple[StabilitySpec, ...]:
    """The section's runs for one optimizer: `STABILITY_RATES[optimizer]` at `STABILITY_STEPS[optimizer]` steps."""
    return tuple(StabilitySpec(fingerprint, rate, optimizer, seed, hidden_units, STABILITY_STEPS[optimizer],
                               STABILITY_EVERY[optimizer])
                 for rate in STABILITY_RATES[optimizer])


# The learning-rate range test (`dlviz.engine.lr_finder`): fastai's lr_find settings, except the start (1e-6: dlviz's
# rates start at 1e-5) and 100 updates per decade instead of 100 in all: the moving average remembers ~50 updates,
# which at fastai's pace shifts the curve by three decades. On the practice data, 200 updates put the minimum / 10
# above 0.01 for two seeds of four; 700 kept it in 0.003-0.005.
START_LR = 1e-6
END_LR = 10.0
UPDATES_PER_DECADE = 100
# A tenth of the rate at the lowest smoothed loss (fastai's "minimum"; Smith's "an order of magnitude before the loss
# is lowest"): it stayed within a decade of a real 20-epoch sweep's best, while fastai's steepest fall wandered
# between 0.01 and 0.07 from seed to seed on this model's broad, noisy descent.
SUGGESTION_RULE = "minimum / 10"


class FinderError(ValueError):
    """A range test dlviz refuses (an absurd setting), with a message for the user."""


@dataclass
class FinderResult:
    """One seed's range test, as plain data (cheap to pickle and cache).
    `learning_rates[i]` is the learning rate of update i and `losses[i]` the loss of its batch before that update
    (as Keras and fastai record it); `smoothed` is their bias-corrected moving average. The arrays stop where the
    loss blew up (that update included when its loss is finite)."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    min_loss_lr: float           # where the smoothed loss is lowest
    suggestion_rule: str = SUGGESTION_RULE

    @property
    def suggestion(self) -> float:
        """A tenth of the learning rate at the lowest smoothed loss."""
        return self.min_loss_lr / 10


def default_updates() -> int:
    """How many updates the range test makes by default.
    Returns:
        `UPDATES_PER_DECADE` for every decade from START_LR to END_LR."""
    return int(round(UPDATES_PER_DECADE * math.log10(END_LR / START_LR)))
