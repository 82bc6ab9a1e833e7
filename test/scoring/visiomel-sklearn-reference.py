"""scikit-learn's values for VisioMel's scoring program (test/scoring/scoring-program.test.ts).

Input on stdin: a JSON list of cases {truth: [0|1...], predicted: [p...], split: ["public"|"private"...]}.
Output: a JSON list, one per case, {"weighted-log-loss": {split: value}, "log-loss": {split: value}}
for overall and each split with rows, floats printed with repr (exact round trip).

Each value is scikit-learn's own function (1.2 semantics, eps=1e-16 as VisioMel):
  log_loss(y, p, eps=1e-16, labels=[0, 1], sample_weight=compute_sample_weight("balanced", y))
and the same without sample_weight, on the rows of each split.
"""

import json
import sys
import warnings

import numpy as np
from sklearn.metrics import log_loss
from sklearn.utils.class_weight import compute_sample_weight

warnings.simplefilter("ignore")


def scores(truth, predicted):
    y = np.asarray(truth, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.float64)
    weights = compute_sample_weight("balanced", y)
    return {
        "weighted-log-loss": float(log_loss(y, p, eps=1e-16, labels=[0, 1], sample_weight=weights)),
        "log-loss": float(log_loss(y, p, eps=1e-16, labels=[0, 1])),
    }


def answer(case):
    rows = {"overall": list(range(len(case["truth"])))}
    for name in ("public", "private"):
        picked = [i for i, split in enumerate(case["split"]) if split == name]
        if picked:
            rows[name] = picked
    by_split = {name: scores([case["truth"][i] for i in picked], [case["predicted"][i] for i in picked]) for name, picked in rows.items()}
    return {score: {name: values[score] for name, values in by_split.items()} for score in ("weighted-log-loss", "log-loss")}


json.dump([answer(case) for case in json.load(sys.stdin)], sys.stdout)
