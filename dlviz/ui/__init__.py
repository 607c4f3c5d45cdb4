"""Everything that imports Streamlit: the sidebar, URL-bound controls, training, layout and teaching widgets."""
