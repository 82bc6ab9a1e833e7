"""VisioMel's scoring program: class-weighted log loss of the relapse probability.

Podium runs it in the scoring job's sandbox (docs/ARCHITECTURE.md, "Scoring programs"):

    python3 score.py input/labels.csv input/predictions.csv scores.json

labels.csv is the hidden dataset's labels (filename, relapse and, on the test set, the split
column `usage`: public or private); predictions.csv is the team's validated predictions
(filename, relapse). It writes, for each split the labels have:

    {"weighted-log-loss": {"overall": ..., "public": ..., "private": ...},
     "log-loss": {"overall": ..., "public": ..., "private": ...}}

weighted-log-loss is scikit-learn's
    log_loss(y, p, eps=1e-16, labels=[0, 1], sample_weight=compute_sample_weight("balanced", y))
(scikit-learn 1.2 semantics): each row weighs n / (k * n_class), with k the classes present in
the rows scored, so the rare relapses count as much as the many non-relapses, as a melanoma
relapse screen needs. Weights are computed on the rows of each split separately. log-loss is the
same without weights. Standard library only: the scoring image has Python but no scikit-learn.
"""

import csv
import json
import math
import sys

EPS = 1e-16
ID, TARGET, SPLIT = "filename", "relapse", "usage"


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def row_losses(truth, probabilities):
    """Per-row log loss as scikit-learn 1.2 computes it: p clipped, [1 - p, p] renormalised."""
    losses = []
    for y, p in zip(truth, probabilities):
        p = min(max(p, EPS), 1 - EPS)
        negative, total = 1 - p, (1 - p) + p
        losses.append(-math.log((p if y == 1 else negative) / total))
    return losses


def balanced_weights(truth):
    """scikit-learn's compute_sample_weight("balanced", y): n / (classes present × rows of the class)."""
    counts = {label: truth.count(label) for label in set(truth)}
    return [len(truth) / (len(counts) * counts[y]) for y in truth]


def weighted_mean(values, weights):
    return math.fsum(v * w for v, w in zip(values, weights)) / math.fsum(weights)


def scores_of(rows, predicted):
    truth = [int(float(row[TARGET])) for row in rows]
    probabilities = [predicted[row[ID]] for row in rows]
    losses = row_losses(truth, probabilities)
    return {
        "weighted-log-loss": weighted_mean(losses, balanced_weights(truth)),
        "log-loss": math.fsum(losses) / len(losses),
    }


def main(labels_path, predictions_path, scores_path):
    labels = read_rows(labels_path)
    predicted = {row[ID]: float(row[TARGET]) for row in read_rows(predictions_path)}
    splits = {"overall": labels}
    if labels and SPLIT in labels[0]:
        for name in ("public", "private"):
            splits[name] = [row for row in labels if row[SPLIT] == name]
    by_split = {name: scores_of(rows, predicted) for name, rows in splits.items() if rows}
    result = {score: {name: values[score] for name, values in by_split.items()} for score in ("weighted-log-loss", "log-loss")}
    with open(scores_path, "w") as f:
        json.dump(result, f)
    print(f"scored {len(labels)} rows: " + ", ".join(f"{name} {values['weighted-log-loss']:.6f}" for name, values in by_split.items()))


if __name__ == "__main__":
    main(*sys.argv[1:4])
