"""The lesson's words: what to look for on each page, the lesson's Keras code with the page's values filled in, and
a short quiz whose explanations quote the numbers of the runs on screen (from `SweepFindings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dlviz.analysis import sweeps
from dlviz.analysis.sweeps import SweepFindings
from dlviz.text import findings as words
from dlviz.text.format import format_count, format_loss, format_lr, format_percent

# What to look for, per page (each kind in `dlviz.kinds` holds its own).
EPOCHS_LOOK_FOR = (
    "An epoch is one full pass over the training rows, so epochs set how long the model trains.",
    "Watch the two curves part: training loss keeps falling while validation loss turns upward. From that turn "
    "on the model is memorizing its training rows: it is overfitting.",
    "The best stopping point is where validation loss is lowest. EarlyStopping keeps the best weights it has seen, "
    "but with little patience it can stop at an early dip, before the lowest point: its patience decides.",
)
BATCH_LOOK_FOR = (
    "The batch size is how many rows the model looks at before each weight update: it sets how often the "
    "model updates (rows / batch size times per epoch) and how noisy each update is.",
    "Small batches mean many small, jittery steps; large batches mean few, smoother steps. Compare the "
    "per-update loss: larger batches give smoother curves.",
    "A little noise can help the model generalize; whether it does on this data, the page checks against the "
    "seed-to-seed spread.",
)
RATE_LOOK_FOR = (
    "The learning rate is how big each update step is.",
    "Too small and the loss barely moves; too large and the loss jumps around, oscillates, or explodes "
    "(diverges). Look for the rate that falls quickly and then settles.",
    "Rates whose bands overlap are not clearly different: the seeds alone move a run that much.",
)


# The lesson's code


def lesson_code(epochs: int, batch_size: int, learning_rate: float, hidden_units: int = 64,
                n_features: int | None = None, early_stopping_patience: int | None = None,
                csv_path: str = "data.csv", target: str = "target", standardize: bool = True,
                stratify: bool = False) -> str:
    """The lesson's Keras code with this page's settings, runnable as plain Python next to `csv_path` (a CSV with a
    `target` column of 0/1 and numeric features).

    It prepares the data exactly as dlviz does: `train_test_split(test_size=0.2, random_state=42)` (when
    `stratify`, stratified by the target and the training rows reordered as `Dataset` does, so that the validation
    tail is stratified too), the scaler fitted on the rows that train only (the training rows minus the last
    20% that `validation_split=0.2` holds out, split where Keras splits: `floor(n * 0.8)`), then
    `fit(validation_split=0.2)`. It sets no seed for the weights or batch order (the page's runs differ by seed
    too), and says so in a comment.

    >>> "epochs=20" in lesson_code(20, 32, 0.01)
    True
    """
    epochs, batch_size, hidden_units = int(epochs), int(batch_size), int(hidden_units)
    rate = format_lr(learning_rate)
    shape = f"({int(n_features)},)" if n_features is not None else "(X_train.shape[1],)"
    split_args = "test_size=0.2, random_state=42" + (", stratify=y" if stratify else "")
    stratify_tail = (
        "# Stratify the validation tail too: reorder the training rows so that the last 20% (which\n"
        "# validation_split=0.2 holds out) keep the class balance, as the page's split does.\n"
        "n_val = len(X_train) - math.floor(len(X_train) * (1 - 0.2))\n"
        "fit_rows, val_rows = train_test_split(np.arange(len(X_train)), test_size=n_val, random_state=42,\n"
        "                                      stratify=y_train)\n"
        "X_train, y_train = X_train[np.r_[fit_rows, val_rows]], y_train[np.r_[fit_rows, val_rows]]\n\n"
        if stratify else "")
    if standardize:
        scale = (
            "# Standardise with the rows that train only: validation_split=0.2 below holds out the LAST 20% of\n"
            "# X_train (Keras splits at floor(n * 0.8)), so the scaler must not see those rows either.\n"
            "n_fit = math.floor(len(X_train) * (1 - 0.2))\n"
            "scaler = StandardScaler().fit(X_train[:n_fit])\n"
            "X_train = scaler.transform(X_train)\n"
            "X_test = scaler.transform(X_test)\n\n")
        scale_import = "from sklearn.preprocessing import StandardScaler\n"
    else:
        scale, scale_import = "# Features are used as they are (standardisation is off on the page).\n\n", ""
    callbacks_setup, callbacks_arg = "", ""
    if early_stopping_patience is not None:
        callbacks_setup = (
            "# Stop when validation loss has not improved for a while and keep the best epoch's weights.\n"
            f"early_stopping = keras.callbacks.EarlyStopping(monitor=\"val_loss\", "
            f"patience={int(early_stopping_patience)}, restore_best_weights=True)\n\n")
        callbacks_arg = ",\n    callbacks=[early_stopping]"
    return f'''import math

{"import numpy as np" + chr(10) if stratify else ""}import pandas as pd
import keras
from keras import layers
from sklearn.model_selection import train_test_split
{scale_import}
data = pd.read_csv({csv_path!r})
X = data.drop(columns=[{target!r}]).values
y = data[{target!r}].values

X_train, X_test, y_train, y_test = train_test_split(X, y, {split_args})
{stratify_tail}{scale}# No seed is set for the initial weights or the batch order, so every run's curves differ a little (fit
# reshuffles the rows each epoch): expect them inside the band the page draws over its seeds.
model = keras.Sequential([
    keras.Input(shape={shape}),
    layers.Dense({hidden_units}, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate={rate}),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)

{callbacks_setup}history = model.fit(
    X_train, y_train,
    epochs={epochs},
    batch_size={batch_size},
    validation_split=0.2{callbacks_arg},
)

test_loss, test_accuracy = model.evaluate(X_test, y_test)
print(f"Test accuracy: {{test_accuracy:.3f}}")
'''


# Quiz


@dataclass
class Question:
    """A multiple-choice question. `answer` indexes `options`; `explain(findings)` says why, quoting the current
    runs' numbers when the findings have them (any page's `SweepFindings`, or None) and the general reason when not."""

    prompt: str
    options: list[str]
    answer: int
    explain: Callable[[SweepFindings | None], str]

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]


def _valid(findings) -> bool:
    return isinstance(findings, SweepFindings) and bool(findings.per_value)


def _explain_too_many_epochs(findings: SweepFindings | None) -> str:
    parts = ["Training loss keeps falling, but past some epoch validation loss turns upward: the model starts to "
             "memorize its training rows instead of learning the pattern (overfitting)."]
    if _valid(findings):
        v = findings.per_value[0]
        text = words.overfitting_sentence(findings.kind, v)
        parts += [text and "In this run: " + text[:1].lower() + text[1:], words.accuracy_gap_sentence(v),
                  words.early_stopping_sentence(findings)]
    return " ".join(part for part in parts if part)


def _explain_restore_best(findings: SweepFindings | None) -> str:
    base = ("With restore_best_weights=True, EarlyStopping remembers the weights of the epoch with the lowest "
            "validation loss and puts them back when training ends, so the extra 'patience' epochs cost time but "
            "not quality.")
    text = words.early_stopping_sentence(findings) if _valid(findings) else None
    return f"{base} Here: {text}" if text else base


def _explain_fewer_updates(findings: SweepFindings | None) -> str:
    base = ("One epoch makes ceil(training rows / batch size) updates, so doubling the batch size roughly "
            "halves the number of updates.")
    if _valid(findings) and len(findings.per_value) >= 2:
        small, large = findings.per_value[0], findings.per_value[-1]
        return (f"{base} In this sweep batch size {format_count(small.value)} makes "
                f"{format_count(small.updates_per_epoch)} updates per epoch ({format_count(small.total_updates)} in "
                f"all), batch size {format_count(large.value)} only {format_count(large.updates_per_epoch)} "
                f"({format_count(large.total_updates)} in all).")
    if _valid(findings) and findings.per_value[0].updates_per_epoch:
        v = findings.per_value[0]
        return (f"{base} Here one run makes {format_count(v.updates_per_epoch)} updates per epoch, "
                f"{format_count(v.total_updates)} in all.")
    return (f"{base} For example, 1,000 training rows give 32 updates per epoch at batch size 32 but 2 at batch "
            "size 500.")


def _explain_small_batches(findings: SweepFindings | None) -> str:
    parts = ["Each small batch is a rough sample of the data, so its update points in a slightly random direction. "
             "That noise keeps the model from settling into a fit that matches the training rows too exactly, which "
             "acts a little like regularization: 'sometimes', because it does not always show."]
    if _valid(findings):
        small, large = findings.per_value[0], findings.per_value[-1]
        if small.noise.finite and large.noise.finite and small is not large:
            parts.append(f"In this sweep the per-update loss scattered by {format_loss(small.noise.mean)} at batch "
                         f"size {format_count(small.value)} but by {format_loss(large.noise.mean)} at batch size "
                         f"{format_count(large.value)}.")
        parts.append(words.generalisation_sentence(findings))
    return " ".join(part for part in parts if part)


def _best_text(findings: SweepFindings) -> str | None:
    ranking = findings.ranking
    if ranking.best is not None:
        stat = ranking.stat(ranking.best)
        return (f"Learning rate {format_lr(ranking.best)} reached the lowest validation loss, "
                f"{format_loss(stat.mean)}, clearly ahead of the others.")
    if len(ranking.tied) > 1:
        return (f"Learning rates {', '.join(format_lr(v) for v in ranking.tied)} tie for the lowest validation "
                f"loss at {findings.n_seeds} seed(s).")
    return None


def _explain_step_size(findings: SweepFindings | None) -> str:
    parts = ["The learning rate: every update moves the weights by the learning rate times the update direction."]
    if _valid(findings):
        diverged = [v for v in findings.per_value if v.diverged_seeds]
        if diverged:
            v = diverged[-1]
            parts.append(f"At learning rate {format_lr(v.value)} the steps were so big that the run diverged in "
                         f"epoch {v.diverged_epochs[0]}.")
        if findings.too_slow:
            s = findings.too_slow[0]
            parts.append(f"At {format_lr(s.value)} they were so small that training loss only fell from "
                         f"{format_loss(s.start_loss)} to {format_loss(s.final_loss)} in {s.epochs} epochs.")
        parts = [part for part in parts + [_best_text(findings)] if part]
    if len(parts) == 1:
        parts.append("Epochs decide how many passes are made and batch size how many updates each pass makes, but "
                     "neither changes how far a single update moves.")
    return " ".join(parts)


def _explain_fast_but_poor(findings: SweepFindings | None) -> str:
    base = ("Lower the learning rate first. Fast training with poor validation accuracy usually means the steps are "
            "too big: the loss drops quickly, then bounces around a poor solution instead of settling into a good "
            "one. Smaller steps settle better; then tune epochs and batch size.")
    if not _valid(findings):
        return base
    high = [v for v in findings.per_value
            if {sweeps.TOO_HIGH, sweeps.OSCILLATING} & set(v.verdicts) and not v.diverged_seeds]
    if high and findings.ranking.leader is not None:
        v = high[-1]
        lead = findings.value(findings.ranking.leader)
        return (f"{base} In this sweep learning rate {format_lr(v.value)} bounces around and ends at "
                f"{format_percent(v.final_val_accuracy.mean)} validation accuracy, while "
                f"{format_lr(lead.value)} reaches validation loss {format_loss(lead.score.mean)} "
                f"({format_percent(lead.final_val_accuracy.mean)} accuracy).")
    diverged = [v for v in findings.per_value if v.diverged_seeds]
    if diverged:
        v = diverged[-1]
        return (f"{base} In this sweep learning rate {format_lr(v.value)} is the extreme case: it diverged in epoch "
                f"{v.diverged_epochs[0]}.")
    best = _best_text(findings)
    return f"{base} {best}" if best else base


# The quiz, per page (each kind in `dlviz.kinds` holds its own).
EPOCHS_QUIZ = (
    Question("What happens if we train for too many epochs?",
             ["The model keeps improving on new data",
              "Training loss keeps falling but validation loss starts rising: the model overfits",
              "Training loss starts rising",
              "Nothing changes except training time"], 1, _explain_too_many_epochs),
    Question("EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True) stops training. "
             "Which weights does the model end up with?",
             ["The weights of the last epoch trained",
              "The weights of the epoch with the lowest validation loss",
              "The weights after epoch 5",
              "The initial weights"], 1, _explain_restore_best),
)
BATCH_QUIZ = (
    Question("Does increasing batch size reduce the number of updates?",
             ["Yes: each epoch makes fewer, larger-batch updates",
              "No: the number of updates depends only on the number of epochs",
              "No: a larger batch makes more updates per epoch"], 0, _explain_fewer_updates),
    Question("Why do smaller batch sizes sometimes generalize better?",
             ["Their noisier updates keep the model from fitting the training rows too exactly",
              "They see more rows in each epoch",
              "They make each epoch faster",
              "They raise the learning rate automatically"], 0, _explain_small_batches),
)
RATE_QUIZ = (
    Question("Which hyperparameter directly controls step size?",
             ["Epochs", "Batch size", "Learning rate", "Hidden units"], 2, _explain_step_size),
    Question("Your model trains very fast but has poor validation accuracy: which hyperparameter should you "
             "adjust first?",
             ["Learning rate: lower it", "Batch size: raise it", "Epochs: train longer", "Hidden units: add more"],
             0, _explain_fast_but_poor),
)
