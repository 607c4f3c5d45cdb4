"""Batch size: same data, same start, several batch sizes. Noise, and how many updates an epoch makes."""

import streamlit as st

from dlviz import charts, kinds
from dlviz.analysis.grid import SAME_UPDATES
from dlviz.text.format import value_label
from dlviz.ui import batch_fair, layout, sweep_page

st.title("Batch size: how often does the model update?")
layout.intro("The weights change once per **batch**. Small batches make many small, noisy steps per epoch; large "
             "batches make few, smooth ones. Switch the x-axis to *weight updates* to compare them step for step.")
page = sweep_page.draw(kinds.BATCH_SIZE)
if page is None:
    st.stop()

st.subheader("The loss of every weight update")
layout.plot(charts.update_loss_figure(
    charts.group_runs(page.histories, lambda h: value_label(kinds.BATCH_SIZE, h.spec.batch_size)),
    x_axis=page.options["x_axis"], log_x=page.options["log_x"], x_max=max(h.spec.epochs for h in page.histories),
    presenter=layout.presenter()), "batch_size_updates")
counts = {"batch size": page.values,  # what the settings make (the x-axis shows it too), not what training found
          "updates per epoch": [v.updates_per_epoch for v in page.found.per_value],
          "updates in total": [v.total_updates for v in page.found.per_value]}
layout.number_table(counts if layout.answers_hidden() else {
    **counts,
    "final validation accuracy": [f"{v.final_val_accuracy.mean:.1%}" + (  # a range only over several seeds
        f" ({v.final_val_accuracy.low:.1%}–{v.final_val_accuracy.high:.1%})" if v.n_seeds > 1 else "")
        for v in page.found.per_value],
})
if page.options["budget"] == SAME_UPDATES and len(set(made := counts["updates in total"])) > 1:  # as they ran
    st.caption(f"Same weight updates, to whole epochs (validation is measured after each epoch): about the same "
               f"number, {min(made):,}-{max(made):,} updates.")
batch_fair.draw(page)
