"""Home: what dlviz is for, the lesson's five questions as a path through the pages, presenter mode, the data."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dlviz import data, settings
from dlviz.settings import Page, Setting
from dlviz.ui import controls


@dataclass(frozen=True)
class Step:
    """One question of the lesson, the page whose run answers it, the settings that run uses (its link's values) and
    what to look at when the chart is drawn."""

    question: str
    page: Page
    values: tuple[tuple[Setting, object], ...]
    look: str


# The lesson's questions, in its order of ideas: how long, how often, how big a step, then a diagnosis. Each link
# opens the page at its default sweep (shipped precomputed, so it draws at once) or one switch away from it.
LESSON_PATH: tuple[Step, ...] = (
    Step("What happens if we train for too many epochs?", settings.EPOCHS_PAGE_ID,
         ((settings.EPOCHS, settings.EPOCHS.default),),
         "where the dashed validation loss stops falling and turns up while the training loss keeps falling"),
    Step("Why might smaller batches generalise better?", settings.BATCH_PAGE_ID,
         ((settings.BATCH_SIZES, settings.BATCH_SIZES.default), (settings.BATCH_X, "epoch")),
         "how jagged each batch size's curves are, and the gap between its training and validation loss"),
    Step("Does a bigger batch mean fewer weight updates?", settings.BATCH_PAGE_ID,
         ((settings.BATCH_SIZES, settings.BATCH_SIZES.default), (settings.BATCH_X, "updates"),
          (settings.BATCH_LOG_X, True)),
         "where each batch size's curve ends on the weight-updates axis after the same number of epochs"),
    Step("Which setting controls the step size of each update?", settings.LR_PAGE_ID,
         ((settings.LEARNING_RATES, settings.LEARNING_RATES.default),),
         "how fast each learning rate's loss falls, and which ones jump or blow up (✕)"),
    Step("Training is fast but validation accuracy is poor: what do you change first?", settings.LR_PAGE_ID,
         ((settings.LEARNING_RATES, settings.LEARNING_RATES.default), (settings.LR_METRIC, "accuracy")),
         "which learning rates reach a good validation accuracy, and which stall or swing"),
)

st.title("dlviz: see how epochs, batch size and learning rate shape training")
controls.show_notices()
st.markdown(
    "Every page trains **real Keras models** (the lesson's `Dense(64, relu) → Dense(1, sigmoid)`, Adam, binary "
    "cross-entropy) across values of one setting, from the same initial weights and batch order, and draws their "
    "training (solid) and validation (dashed) curves: **epochs** are how *long* it trains, **batch size** how "
    "*often* the weights change, **learning rate** how *big* each change is.")

st.subheader("The lesson in five questions")
st.caption("Each link opens the page with the settings whose runs answer the question, in “Predict first” mode: "
           "answer the page's questions, then it shows the runs and checks your answers against them (switch it off "
           "in the sidebar to see the charts at once).")
for number, step in enumerate(LESSON_PATH, start=1):
    query = {s.key: [controls.url_text(s, v) for v in value] if isinstance(value, (list, tuple))
             else controls.url_text(s, value) for s, value in step.values}  # repeated keys for several values
    st.page_link(step.page.script, label=f"{number}. {step.question}", icon=step.page.icon,
                 query_params={**query, settings.PREDICT.key: "true"}, width="stretch")
    st.caption(f"{step.page.title} page — look at {step.look}.")
st.page_link(settings.GRID_PAGE_ID.script, label="Then: batch size and learning rate together",
             icon=settings.GRID_PAGE_ID.icon, width="stretch")
st.page_link(settings.SURFACE_PAGE_ID.script, label="And: where the steps go on the real loss surface",
             icon=settings.SURFACE_PAGE_ID.icon, width="stretch")

st.subheader("How to read a chart")
st.markdown(
    """
- **Colour** = the value being varied (the legend, right of the chart, lists them in order).
- **Solid line** = training data; **dashed line** = validation data (rows the model never trains on).
- **Band** = the spread over the seeds (each value trains once per seed); differences inside it are ties.
- Training loss falling while validation loss rises = **overfitting** (hatched between that value's two curves, in
  its colour); ★ marks the lowest validation loss.
- Jagged curves = **noisy updates** (small batches); a ✕ = a run that **blew up** (learning rate too high).
- Hover for values; click a legend entry to hide it; the camera icon saves a PNG; ▶ Play replays the training.
"""
)

st.subheader("Teaching with dlviz")
st.markdown(
    f"""
- **Presenter mode** (the first switch in the sidebar, or `?{settings.PRESENT.key}=1` in a link): large text and
  thick lines for a projector, each page's settings folded into a **Settings** box, and the sidebar closed when the
  page opens (**»** at the top left opens it).
- **{settings.HIDE_ANSWERS.label}** (in the sidebar, in presenter mode): the plain curves only, with no stars, ✕
  marks, hatching or "What these runs show" until you press **Reveal the answers**, so the class can predict first.
- Every setting is in the page's address: copy it to share exactly this view.
"""
)

st.subheader("The data")
st.markdown(
    """
Pick the data in the sidebar: the **practice dataset** (10,000 synthetic rows, 20 numeric features, a binary `target`
with 10% label noise), the **breast-cancer** set from scikit-learn, or **your own CSV**. The sidebar's **Download the
rows used** gives exactly the rows the pages train, validate and test on.

Preprocessing follows the lesson: `train_test_split(test_size=0.2, random_state=42)` keeps 20% of the rows as a test
set; the **last 20%** of the rest are the validation set (Keras' `validation_split=0.2`); features are
**standardised** with the training rows' mean and standard deviation (a sidebar switch turns this off).
"""
)
with st.expander("Rules for uploaded CSV files"):
    st.markdown(data.UPLOAD_RULES)
