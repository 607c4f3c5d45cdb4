"""AppTest: each page states its own findings, shows the lesson's code with its values, and runs the quiz."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.test_pages import APP, TIMEOUT, figures, legend


def page(path: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_code_tab(at: AppTest, page_name: str) -> AppTest:
    """The code tab is drawn only when it is open (lazy tabs): open it as a click would."""
    assert not at.code  # closed at first: the browser is not sent the highlighted code
    at.session_state[f"lesson_tabs_{page_name}"] = "The code"
    return at.run()


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_epochs_page_points_at_overfitting_and_early_stopping():
    at = page("pages/epochs.py")
    text = markdown(at)
    assert "What this run shows" in [h.value for h in at.subheader]
    assert re.search(r"Validation loss is lowest at epoch \d+ \(0\.\d+\) and rises to", text)
    assert "EarlyStopping with patience 5 would stop after epoch" in text
    (code,) = open_code_tab(at, "epochs").code
    assert "epochs=100" in code.value and "batch_size=32" in code.value and "learning_rate=0.01" in code.value
    assert "EarlyStopping" in code.value and "model.fit(" in code.value
    shapes = figures(at)[0]["layout"].get("shapes", [])
    assert any(s.get("type") == "rect" for s in shapes)  # the overfitting region is shaded
    # patience changes the preview
    at.number_input(key="patience").set_value(20).run()
    assert "EarlyStopping with patience 20" in markdown(at)


def test_epochs_quiz_explains_with_this_runs_numbers():
    at = page("pages/epochs.py")
    quiz = at.radio(key="quiz_epochs_1")
    assert quiz.value is None and "too many epochs" in quiz.label
    wrong = next(o for o in quiz.options if "keeps improving" in o)
    quiz.set_value(wrong).run()
    assert at.error and "Not quite" in at.error[0].value
    right = next(o for o in quiz.options if "overfit" in o)
    at.radio(key="quiz_epochs_1").set_value(right).run()
    assert at.success and re.search(r"epoch \d+", at.success[0].value)


def test_batch_size_page_findings_code_and_quiz():
    at = page("pages/batch_size.py")
    text = markdown(at)
    assert "noisiest" in legend(figures(at)[0])
    assert re.search(r"scatters by 0\.\d+ around its trend at batch size 8 and by 0\.\d+ at batch size 512", text)
    prompts = [r.label for r in at.radio if r.key and r.key.startswith("quiz_batch_size")]
    assert any("reduce the number of updates" in p for p in prompts)
    assert any("generalize better" in p for p in prompts)
    open_code_tab(at, "batch_size")
    at.selectbox(key="code_value").set_value(8).run()
    assert "batch_size=8" in at.code[0].value


def test_learning_rate_page_findings_follow_the_settings():
    at = page("pages/learning_rate.py")
    text = markdown(at)
    assert "diverged" in text and "too slow" in text.lower()
    prompts = [r.label for r in at.radio if r.key and r.key.startswith("quiz_learning_rate")]
    assert any("step size" in p for p in prompts) and any("validation accuracy" in p for p in prompts)
    # change the settings: the sentences change with them
    at.multiselect(key="lrs").set_value([0.001, 0.01]).run()
    assert not at.exception
    shows = markdown(at).split("Of 2 learning rates", 1)
    assert len(shows) == 2 and "diverged" not in shows[1] and "too slow" not in shows[1].lower()
