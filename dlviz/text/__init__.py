"""Words for learners: number formatting (`format`), sentences from findings (`findings`, `grid`), the lessons
(`lessons`: what to look for, the lesson's code, the quiz). No Streamlit, no TensorFlow."""
