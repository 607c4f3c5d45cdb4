"""Datasets: the built-in practice and breast-cancer sets and user CSVs, validated, split and scaled the lesson's way.

The pipeline runs one way: `read` (bytes -> raw DataFrame, `numbers`: the file's one number convention) ->
`target` and `clean` (target, keys, types) -> `split` (the lesson's split and scaling -> `Dataset`) -> `checks`
(warnings before training). Everything a user can get wrong raises `DataError` with a message written for them; the
rest of dlviz trusts a `Dataset`. `UPLOAD_RULES` tells the user the same rules in plain words.
"""

from dlviz.data.builtin import (BREAST_CANCER, BUILTIN_NAMES, PRACTICE, breast_cancer_frame, builtin_frame,
                                load_builtin, practice_frame)
from dlviz.data.checks import DataWarning, data_warnings
from dlviz.data.read import read_csv
from dlviz.data.rules import (DECIMAL_COMMA, FALSE_WORDS, MAX_ABS_VALUE, MAX_CATEGORIES, MAX_COLUMNS,
                              MAX_UPLOAD_BYTES, MIN_ROWS, MOSTLY_MISSING, READ_NOTES, SPLIT_RANDOM_STATE, TEST_SIZE,
                              TRUE_WORDS, UPLOAD_RULES, VALIDATION_SPLIT, DataError, Source)
from dlviz.data.split import MIN_CLASS_ROWS, SAMPLE_SEED, STRATIFY_CONTROL, Dataset, lesson_split, prepare
from dlviz.data.target import (TargetChoice, binary_target_candidates, choose_target, encode_target,
                               find_target)
