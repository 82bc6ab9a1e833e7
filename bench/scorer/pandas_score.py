"""Reference scorer: the same metric written the usual way with pandas + numpy, timed in-process.

Usage: pandas_score.py <metric> <predictions.csv> <labels.csv>  (metric: cost-matrix | log-loss)
Prints JSON: seconds (read, merge, score; interpreter start and imports excluded), peak RSS, scores.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

COST = np.array([[0, 0.1, 0.7, 1], [0.1, 0, 0.3, 0.7], [0.7, 0.3, 0, 0.3], [1, 0.7, 0.3, 0]])
EPS = 1e-16


def main() -> None:
    metric, predictions_path, labels_path = sys.argv[1:4]
    start = time.perf_counter()
    predictions = pd.read_csv(predictions_path, dtype={"filename": str})
    labels = pd.read_csv(labels_path, dtype={"filename": str})
    merged = labels.merge(predictions, on="filename", suffixes=("_true", "_pred"), validate="one_to_one")
    if metric == "cost-matrix":
        columns = ["0", "1", "2", "3"]
        true_class = merged[[f"{c}_true" for c in columns]].to_numpy().argmax(axis=1)
        predicted_class = merged[[f"{c}_pred" for c in columns]].to_numpy().argmax(axis=1)
        per_row = COST[true_class, predicted_class]
        score = lambda rows: float(1 - per_row[rows].mean())
    else:
        y = merged["relapse_true"].to_numpy()
        p = merged["relapse_pred"].to_numpy()
        per_row = -np.log(np.clip(np.where(y == 1, p, 1 - p), EPS, 1 - EPS))
        score = lambda rows: float(per_row[rows].mean())
    public = (merged["usage"] == "public").to_numpy()
    scores = {"overall": score(slice(None)), "public": score(public), "private": score(~public)}
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peakRssMiB": peak_mib, "rows": len(merged), "scores": scores}))


if __name__ == "__main__":
    main()
