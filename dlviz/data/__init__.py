"""Datasets: the built-in practice and breast-cancer sets and user CSVs, validated, split and scaled the lesson's way.

The pipeline runs one way: `read` (bytes -> raw DataFrame; `numbers`: the file's one number convention) -> `clean`
(`target`: which column and its 0/1 labels; keys, types, missing values) -> `split` (the lesson's split and scaling
-> `Dataset`, and `data_warnings` before training). Everything a user can get wrong raises `DataError` with a
message written for them; the rest of dlviz trusts a `Dataset`. `UPLOAD_RULES` tells the user the same rules.
"""

from dlviz.data.builtin import BREAST_CANCER, PRACTICE, builtin_frame, load_builtin, practice_frame
from dlviz.data.read import read_csv
from dlviz.data.rules import MAX_COLUMNS, MAX_UPLOAD_BYTES, MIN_ROWS, UPLOAD_RULES, DataError
from dlviz.data.split import STRATIFY_CONTROL, Dataset, DataWarning, data_warnings, prepare
from dlviz.data.target import TargetChoice, binary_target_candidates, choose_target
