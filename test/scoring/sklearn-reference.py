"""scikit-learn's value for each metric case read on stdin (test/scoring/metrics-sklearn.test.ts).

Input: a JSON list of cases {metric, truth, predicted, eps?, matrix?}, rows as the metric receives
them (lists of numbers, category values already their index). Output: a JSON list, one
{"value": float} or {"undefined": "why"} per case, floats printed with repr (exact round trip).

Each metric is scikit-learn's own function; Podium's conventions around it are applied here the
way docs/ARCHITECTURE.md ("Metrics") states them, never Podium's formulas:
- a row names a class by its single column's value, else by its highest column, the first on a
  tie (numpy argmax), which for one-hot rows is the column set to 1;
- log loss is log_loss(eps=eps, labels=[0, 1]) with scikit-learn 1.2's clipping;
- cost-matrix (no scikit-learn metric) is 1 - sum(confusion_matrix * cost) / n.
"""

import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics

warnings.simplefilter("ignore")  # UndefinedMetricWarning for zero-division classes: scored 0, as Podium does


def classes(rows):
    rows = np.asarray(rows, dtype=np.float64)
    return rows[:, 0] if rows.shape[1] == 1 else np.argmax(rows, axis=1).astype(np.float64)


def score(case):
    kind = case["metric"]
    truth = np.asarray(case["truth"], dtype=np.float64)
    predicted = np.asarray(case["predicted"], dtype=np.float64)
    if kind == "accuracy":
        return metrics.accuracy_score(classes(truth), classes(predicted))
    if kind == "balanced-accuracy":
        return metrics.balanced_accuracy_score(classes(truth), classes(predicted))
    if kind == "macro-f1":
        return metrics.f1_score(classes(truth), classes(predicted), average="macro", zero_division=0)
    if kind == "roc-auc":
        return metrics.roc_auc_score(truth[:, 0], predicted[:, 0])
    if kind == "log-loss":
        return metrics.log_loss(truth[:, 0], predicted[:, 0], eps=case["eps"], labels=[0, 1])
    if kind == "rmse":
        return metrics.mean_squared_error(truth, predicted, squared=False)
    if kind == "mae":
        return metrics.mean_absolute_error(truth, predicted)
    if kind == "cost-matrix":
        cost = np.asarray(case["matrix"], dtype=np.float64)
        labels = list(range(len(cost)))
        confusion = metrics.confusion_matrix(classes(truth), classes(predicted), labels=labels)
        return 1 - float((confusion * cost).sum()) / len(truth)
    raise ValueError(f"unknown metric {kind}")


def answer(case):
    try:
        value = float(score(case))
    except ValueError as error:
        return {"undefined": str(error)}
    if math.isnan(value):
        return {"undefined": "nan"}
    return {"value": value if math.isfinite(value) else repr(value)}


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump({"sklearn": sklearn.__version__, "results": [answer(case) for case in cases]}, sys.stdout)
