"""Everything that imports Streamlit: the sidebar, URL-bound controls, cached training, layout and teaching widgets.

Pages import the submodules they need (`from dlviz.ui import controls, layout, sweep, teaching`).
"""
