"""Issue 26 item 1, the cross-check: every number a page shows for one quantity (the ★'s hover, the metric cards, the
findings, the legend) is the same at its printed precision, on every sweep page at its defaults, at one seed, and on
an uploaded CSV. Read as a student would: figure JSON, metrics and markdown."""

from __future__ import annotations

import re

import pytest

from dlviz.data import practice_frame
from tests.support import array, figures, open_page

PAGES = ("app_pages/epochs.py", "app_pages/batch_size.py", "app_pages/learning_rate.py")
LOWEST = re.compile(r"lowest validation loss \([^)]*\): (\d+\.\d+)")


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def _stars(at) -> dict[str, str]:
    """{value label: the lowest validation loss its ★ hover states} over every figure of the page."""
    out = {}
    for figure in figures(at):
        for trace in figure["data"]:
            found = LOWEST.search(trace.get("hovertemplate") or "")
            if found and array(trace, "x"):
                name = trace.get("name", "")
                out[name.removesuffix(" best") if name.endswith(" best") else "run"] = found.group(1)
    return out


def _metric(at, start: str) -> tuple[str, str] | None:
    found = next((m for m in at.metric if m.label.startswith(start)), None)
    return (found.label, found.value) if found else None


def cross_check(at) -> None:
    text = _text(at)
    stars = _stars(at)
    for label, number in stars.items():
        # the findings (sentence, ranking or tie, legend label) state the star's number wherever they name it
        value = re.escape(label.removeprefix("batch ").removeprefix("lr "))
        named = re.findall(rf"(?<![\d.]){value}\D{{0,40}}?reaches (\d+\.\d+)", text)
        named += re.findall(rf"(?<![\d.]){value}: (\d+\.\d+)", text)  # a tie lists every tied value's number
        assert all(n == number for n in named), (label, number, named)
    if "run" in stars:  # the epochs page: star, "lowest" metric and sentence
        lowest = _metric(at, "Lowest validation loss")
        assert lowest is not None and lowest[1] == stars["run"], (lowest, stars)
        said = re.search(r"lowest at epoch (\d+) \((\d+\.\d+)", text)
        assert said and said.group(2) == stars["run"] and f"epoch {said.group(1)}" in lowest[0], (said, lowest)
    # the last epoch's validation loss and accuracy: the metric cards and the sentences
    for rises in re.finditer(r"rises to (\d+\.\d+) at epoch (\d+)", text):
        card = _metric(at, f"Validation loss at epoch {rises.group(2)} (the last)")
        assert card is None or card[1] == rises.group(1), (card, rises.group(0))
    for ends in re.finditer(r"alidation accuracy ends at (\d+\.\d%)", text):
        card = next((m for m in at.metric if m.label.startswith("Validation accuracy at epoch")
                     and "(the last)" in m.label), None)
        assert card is None or card.value == ends.group(1), (card, ends.group(0))
    # a starting loss: the loss curves' first point, wherever a sentence states it
    starts = {f"{y:.3f}" for figure in figures(at) for t in figure["data"]
              if t.get("mode") == "lines" and (t.get("line") or {}).get("dash", "solid") == "solid"
              and (y := (array(t, "y") or [None])[0]) is not None and array(t, "x")[:1] == [0]}
    for said in re.findall(r"(?:fell from|its starting loss \()(\d+\.\d+)", text):
        assert said in starts, (said, starts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("seeds", [None, "1"])
def test_every_number_of_a_quantity_agrees(page, seeds):
    at = open_page(page, **({"seeds": seeds} if seeds else {}))
    assert _stars(at), "a star with its statistic"
    cross_check(at)


def test_every_number_of_a_quantity_agrees_on_an_uploaded_csv():
    at = open_page("app_pages/epochs.py", epochs="60", seeds="1", stop="60")
    at.sidebar.radio(key="data").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("mine.csv", practice_frame(600).to_csv(index=False).encode(),
                                              "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _stars(at) and "rises to" in _text(at), _text(at)
    cross_check(at)


def test_unscaled_inputs_are_named_on_the_learning_rate_page():
    """Issue 26 item 7: breast-cancer data with standardisation off blows up and sticks; the page names the cause."""
    at = open_page("app_pages/learning_rate.py", data="breast_cancer", std="0", lr_epochs="5", seeds="1")
    assert "the likely cause of runs that blow up, swing or stay stuck" in _text(at)
