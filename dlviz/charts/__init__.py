"""Plotly figures from run histories and findings, one module per figure family (pure functions of plain data).

style: colours, sizes, log ticks, the shared layout · curves: learning curves over seeds (sweeps, the epochs page) ·
updates: per-update loss · grid: batch x learning-rate heatmap · range_test · batch_fair · stability · landscape ·
animation: replay frames in the browser.
"""

from dlviz.charts.animation import replay
from dlviz.charts.curves import Marks, curves_figure, epochs_figure, group_runs
from dlviz.charts.grid import grid_heatmap_figure, lr_axis_position, outcome_heatmap
from dlviz.charts.range_test import range_band_figure
from dlviz.charts.style import value_colors
from dlviz.charts.updates import update_loss_figure
