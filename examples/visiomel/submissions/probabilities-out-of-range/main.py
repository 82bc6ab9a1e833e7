"""Expected: FAILED PREDICTIONS_INVALID, "the predictions file is invalid: …" with the count of
values outside [0, 1], never an id or a value. Writes the model's logit instead of the
probability (the sigmoid was forgotten), so most values are negative."""
import csv
from pathlib import Path

DATA = Path("/code_execution/data")
HERE = Path(__file__).resolve().parent

with open(DATA / "test_metadata.csv", newline="") as f:
    rows = list(csv.DictReader(f))
with open(HERE / "submission.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["filename", "relapse"])
    for row in rows:
        logit = -3 + 0.03 * (float(row["age"]) - 50) + 1.2 * float(row["melanoma_history"]) + 1.5 * float(row["ulceration"])
        writer.writerow([row["filename"], f"{logit:.6f}"])
print(f"wrote {len(rows)} predictions")
