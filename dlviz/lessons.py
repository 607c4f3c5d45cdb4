"""The lesson's words: what to look for on each page, the lesson's Keras code with the page's values filled in, and
a short quiz whose explanations quote the numbers of the run on screen (from `dlviz.diagnose.Findings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dlviz.diagnose import (ACCURACY_GAP, BATCH_SIZE, BEST_RUN, BEST_VAL_LOSS, DIVERGED, EARLY_STOPPING, EPOCHS,
                            LEARNING_RATE, NO_OVERFITTING, NOISE, NOISE_COMPARISON, OSCILLATING, OVERFITTING, TOO_HIGH,
                            TOO_SLOW, UPDATES, UPDATES_COMPARISON, Findings, format_loss, format_value)

WHAT_TO_LOOK_FOR: dict[str, list[str]] = {
    EPOCHS: [
        "An epoch is one full pass over the training rows, so epochs set how long the model trains.",
        "Watch the two curves part: training loss keeps falling (and training accuracy rising) while validation "
        "loss turns upward (and validation accuracy slips). From that turn on the model is memorizing its "
        "training rows: it is overfitting.",
        "The best stopping point is the epoch of lowest validation loss; EarlyStopping finds it for you.",
    ],
    BATCH_SIZE: [
        "The batch size is how many rows the model looks at before each weight update: it sets how often the "
        "model updates (rows / batch size times per epoch) and how noisy each update is.",
        "Small batches mean many small, jittery steps; large batches mean few, smoother steps. Compare the "
        "per-update loss: larger batches give smoother curves.",
        "A little noise can help the model generalize, but very small batches are slow and erratic.",
    ],
    LEARNING_RATE: [
        "The learning rate is how big each update step is.",
        "Too small and the loss barely moves; too large and the loss jumps around, oscillates, or explodes "
        "(diverges). Look for the rate that falls quickly and then settles.",
        "Epochs, batch size and learning rate work together: a bigger step or more updates per epoch can mean "
        "fewer epochs are needed, so balance the three.",
    ],
}


# ---------------------------------------------------------------------------------------------------------------
# The lesson's code


def lesson_code(epochs: int, batch_size: int, learning_rate: float, hidden_units: int = 64,
                n_features: int | None = None, early_stopping_patience: int | None = None,
                csv_path: str = "data.csv", target: str = "target") -> str:
    """The lesson's Keras code with this page's settings, ready to paste into a notebook next to `csv_path`.

    >>> "epochs=20" in lesson_code(20, 32, 0.01)
    True
    """
    epochs, batch_size, hidden_units = int(epochs), int(batch_size), int(hidden_units)
    rate = repr(float(learning_rate))
    shape = f"({int(n_features)},)" if n_features is not None else "(X_train.shape[1],)"
    callbacks_setup, callbacks_arg = "", ""
    if early_stopping_patience is not None:
        callbacks_setup = (
            "# Stop when validation loss has not improved for a while and keep the best epoch's weights.\n"
            f"early_stopping = keras.callbacks.EarlyStopping(monitor=\"val_loss\", "
            f"patience={int(early_stopping_patience)}, restore_best_weights=True)\n\n")
        callbacks_arg = ",\n    callbacks=[early_stopping]"
    return f'''import pandas as pd
import keras
from keras import layers
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

data = pd.read_csv({csv_path!r})
X = data.drop(columns=[{target!r}]).values
y = data[{target!r}].values

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
scaler = StandardScaler()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)

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


# ---------------------------------------------------------------------------------------------------------------
# Quiz


@dataclass
class Question:
    """A multiple-choice question. `answer` indexes `options`; `explain(findings)` says why, quoting the current
    run's numbers when the findings have them and falling back to the general reason when they do not."""

    prompt: str
    options: list[str]
    answer: int
    explain: Callable[[Findings], str]

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]


def _safe(findings: Findings | None) -> Findings:
    return findings if isinstance(findings, Findings) else Findings(page="")


def _rate(value) -> str:
    return format_value(LEARNING_RATE, value)


def _explain_too_many_epochs(findings: Findings) -> str:
    findings = _safe(findings)
    base = ("Training loss keeps falling, but past some epoch validation loss turns upward: the model starts to "
            "memorize its training rows instead of learning the pattern (overfitting).")
    turn = findings.get(OVERFITTING)
    parts = [base]
    if turn is not None:
        d = turn.data
        parts.append(f"In this run validation loss was lowest at epoch {d['best_epoch']} "
                     f"({format_loss(d['best_val_loss'])}) and had risen to {format_loss(d['end_val_loss'])} by epoch "
                     f"{d['end_epoch']}, while training loss fell from {format_loss(d['train_loss_at_best'])} to "
                     f"{format_loss(d['end_train_loss'])}.")
    else:
        calm = findings.get(NO_OVERFITTING)
        if calm is not None:
            d = calm.data
            parts.append(f"This run has not trained too long yet: validation loss was lowest at epoch "
                         f"{d['best_epoch']} of {d['end_epoch']} ({format_loss(d['best_val_loss'])}). Add epochs, "
                         "or use fewer rows, to watch it turn.")
    gap = findings.get(ACCURACY_GAP)
    if gap is not None and gap.data["gap"] > 0.05:
        parts.append(f"By the end, training accuracy ({gap.data['train_accuracy']:.0%}) is "
                     f"{100 * gap.data['gap']:.0f} points above validation accuracy ({gap.data['val_accuracy']:.0%}).")
    stop = findings.get(EARLY_STOPPING)
    if stop is not None and stop.data["stop_epoch"] is not None and stop.data["stop_epoch"] < stop.data["epochs"]:
        parts.append(f"EarlyStopping with patience {stop.data['patience']} would have stopped after epoch "
                     f"{stop.data['stop_epoch']} and kept epoch {stop.data['best_epoch']}'s weights.")
    return " ".join(parts)


def _explain_restore_best(findings: Findings) -> str:
    findings = _safe(findings)
    base = ("With restore_best_weights=True, EarlyStopping remembers the weights of the epoch with the lowest "
            "validation loss and puts them back when training ends, so the extra 'patience' epochs cost time but "
            "not quality.")
    stop = findings.get(EARLY_STOPPING)
    if stop is None:
        return base
    d = stop.data
    if d["stop_epoch"] is not None and d["stop_epoch"] < d["epochs"]:
        detail = (f"Here, with patience {d['patience']}, it would stop after epoch {d['stop_epoch']} of "
                  f"{d['epochs']} and hand back epoch {d['best_epoch']}'s weights (validation loss "
                  f"{format_loss(d['best_val_loss'])}).")
    else:
        detail = (f"Here, with patience {d['patience']}, it would run all {d['epochs']} epochs and still hand back "
                  f"epoch {d['best_epoch']}'s weights (validation loss {format_loss(d['best_val_loss'])}).")
    return f"{base} {detail}"


def _explain_fewer_updates(findings: Findings) -> str:
    findings = _safe(findings)
    base = ("Yes. One epoch makes ceil(training rows / batch size) updates, so doubling the batch size roughly "
            "halves the number of updates.")
    comparison = findings.get(UPDATES_COMPARISON)
    if comparison is not None:
        d = comparison.data
        small, large = d["smallest"], d["largest"]
        return (f"{base} In this sweep batch size {small:,} makes {d['updates_per_epoch'][small]:,} updates per "
                f"epoch ({d['total_updates'][small]:,} in all), batch size {large:,} only "
                f"{d['updates_per_epoch'][large]:,} ({d['total_updates'][large]:,} in all).")
    one = findings.get(UPDATES)
    if one is not None:
        d = one.data
        size = f"batch size {one.value:,}" if one.value is not None else "this run"
        return (f"{base} Here {size} makes {d['updates_per_epoch']:,} updates per epoch, "
                f"{d['total_updates']:,} in all.")
    return (f"{base} For example, 1,000 training rows give 32 updates per epoch at batch size 32 but 2 at batch "
            "size 500.")


def _explain_small_batches(findings: Findings) -> str:
    findings = _safe(findings)
    base = ("Each small batch is a rough sample of the data, so its update points in a slightly random direction. "
            "That noise keeps the model from settling into a fit that matches the training rows too exactly, which "
            "acts a little like regularization.")
    parts = [base]
    noise = findings.get(NOISE_COMPARISON)
    if noise is not None:
        d = noise.data
        parts.append(f"In this sweep the per-update loss scattered by {format_loss(d['noise'][d['smallest']])} at "
                     f"batch size {d['smallest']:,} but by {format_loss(d['noise'][d['largest']])} at batch size "
                     f"{d['largest']:,}.")
    else:
        single = findings.of_kind(NOISE)
        if single:
            parts.append(f"Here the per-update loss scattered by {format_loss(single[0].data['noise'])} at batch "
                         f"size {single[0].value:,}.")
    best_by_value = {f.value: f.data["best_val_loss"] for f in findings.of_kind(BEST_VAL_LOSS)}
    best = findings.get(BEST_RUN)
    if len(best_by_value) >= 2:
        small, large = min(best_by_value), max(best_by_value)
        small_loss, large_loss = best_by_value[small], best_by_value[large]
        if abs(small_loss - large_loss) <= 0.01 * max(small_loss, large_loss):
            verdict = "about the same here: 'sometimes' matters"
        elif small_loss < large_loss:
            verdict = "so here the smaller batch did generalize better"
        else:
            verdict = "so here it did not: 'sometimes' matters, and too much noise can also hurt"
        small_text, large_text = format_loss(small_loss), format_loss(large_loss)
        if small_text == large_text:
            small_text, large_text = f"{small_loss:.3f}", f"{large_loss:.3f}"
        parts.append(f"The lowest validation loss was {small_text} at batch size {small:,} against {large_text} at "
                     f"batch size {large:,}, {verdict}.")
    elif best is not None:
        parts.append(f"The lowest validation loss here, {format_loss(best.data['best_val_loss'])}, came from batch "
                     f"size {best.value:,}.")
    return " ".join(parts)


def _explain_step_size(findings: Findings) -> str:
    findings = _safe(findings)
    base = "The learning rate: every update moves the weights by the learning rate times the update direction."
    parts = [base]
    diverged = findings.of_kind(DIVERGED)
    if diverged:
        d = diverged[-1]
        parts.append(f"At learning rate {_rate(d.value)} the steps were so big that the run diverged in epoch "
                     f"{d.data['epoch']}.")
    slow = findings.of_kind(TOO_SLOW)
    if slow:
        s = slow[0]
        parts.append(f"At {_rate(s.value)} they were so small that training loss only fell from "
                     f"{format_loss(s.data['start_loss'])} to {format_loss(s.data['final_loss'])} in "
                     f"{s.data['epochs']} epochs.")
    best = findings.get(BEST_RUN)
    if best is not None:
        parts.append(f"Learning rate {_rate(best.value)} reached the lowest validation loss, "
                     f"{format_loss(best.data['best_val_loss'])} at epoch {best.data['best_epoch']}.")
    if len(parts) == 1:
        parts.append("Epochs decide how many passes are made and batch size how many updates each pass makes, but "
                     "neither changes how far a single update moves.")
    return " ".join(parts)


def _explain_fast_but_poor(findings: Findings) -> str:
    findings = _safe(findings)
    base = ("Lower the learning rate first. Fast training with poor validation accuracy usually means the steps are "
            "too big: the loss drops quickly, then bounces around a poor solution instead of settling into a good "
            "one. Smaller steps settle better; then tune epochs and batch size.")
    best = findings.get(BEST_RUN)
    end_accuracy = {f.value: f.data.get("end_val_accuracy") for f in findings.of_kind(BEST_VAL_LOSS)}
    high = [f for f in findings.of_kind(TOO_HIGH) + findings.of_kind(OSCILLATING)
            if best is None or f.value != best.value]
    if best is not None and high:
        rate = max(f.value for f in high)
        accuracy = end_accuracy.get(rate)
        accuracy_text = f" and ends at {accuracy:.0%} validation accuracy" if accuracy is not None else ""
        best_accuracy = best.data.get("val_accuracy")
        best_text = f" ({best_accuracy:.0%} accuracy)" if best_accuracy is not None else ""
        return (f"{base} In this sweep learning rate {_rate(rate)} bounces around{accuracy_text}, while the "
                f"smaller {_rate(best.value)} reaches validation loss {format_loss(best.data['best_val_loss'])}"
                f"{best_text}.")
    diverged = findings.of_kind(DIVERGED)
    if diverged:
        d = diverged[-1]
        return (f"{base} In this sweep learning rate {_rate(d.value)} is the extreme case: it diverged in epoch "
                f"{d.data['epoch']}.")
    if best is not None:
        return (f"{base} In this sweep the lowest validation loss, {format_loss(best.data['best_val_loss'])}, came "
                f"from learning rate {_rate(best.value)}.")
    return base


QUIZ: dict[str, list[Question]] = {
    EPOCHS: [
        Question(
            "What happens if we train for too many epochs?",
            ["The model keeps improving on new data",
             "Training loss keeps falling but validation loss starts rising: the model overfits",
             "Training loss starts rising",
             "Nothing changes except training time"],
            1, _explain_too_many_epochs),
        Question(
            "EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True) stops training. "
            "Which weights does the model end up with?",
            ["The weights of the last epoch trained",
             "The weights of the epoch with the lowest validation loss",
             "The weights after epoch 5",
             "The initial weights"],
            1, _explain_restore_best),
    ],
    BATCH_SIZE: [
        Question(
            "Does increasing batch size reduce the number of updates?",
            ["Yes: each epoch makes fewer, larger-batch updates",
             "No: the number of updates depends only on the number of epochs",
             "No: a larger batch makes more updates per epoch"],
            0, _explain_fewer_updates),
        Question(
            "Why do smaller batch sizes sometimes generalize better?",
            ["Their noisier updates keep the model from fitting the training rows too exactly",
             "They see more rows in each epoch",
             "They make each epoch faster",
             "They raise the learning rate automatically"],
            0, _explain_small_batches),
    ],
    LEARNING_RATE: [
        Question(
            "Which hyperparameter directly controls step size?",
            ["Epochs", "Batch size", "Learning rate", "Hidden units"],
            2, _explain_step_size),
        Question(
            "Your model trains very fast but has poor validation accuracy: which hyperparameter should you adjust "
            "first?",
            ["Learning rate: lower it", "Batch size: raise it", "Epochs: train longer", "Hidden units: add more"],
            0, _explain_fast_but_poor),
    ],
}
