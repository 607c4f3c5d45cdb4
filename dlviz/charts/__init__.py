"""Plotly figures from run histories and findings, one module per figure family (pure functions of plain data).

style: colours, fonts, ticks · curves: sweep curves over seeds · epochs: the epochs
page's two panels · updates: per-update
loss · grid: batch x learning-rate heatmap · range_test: LR range test · animation: replay frames in the browser.
"""

from dlviz.charts.animation import animated, cut_frames, frame_epochs
from dlviz.charts.curves import Band, Marks, curves_figure, group_runs, needs_log_y, seed_band
from dlviz.charts.epochs import epochs_figure
from dlviz.charts.grid import grid_heatmap_figure, lr_axis_position, outcome_heatmap
from dlviz.charts.range_test import range_band_figure
from dlviz.charts.style import PRESENTER, NORMAL, log_ticks, sizes, value_colors
from dlviz.charts.updates import update_loss_figure
