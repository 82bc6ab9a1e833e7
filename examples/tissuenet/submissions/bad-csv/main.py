"""Expected: FAILED PREDICTIONS_INVALID, "the predictions file is invalid: …" with counts of missing
ids and bad values, never an id or a hidden value. Drops the first row and writes a 2 where only
0 or 1 is allowed."""
import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
with open(HERE / "data" / "submission_format.csv", newline="") as f:
    names = [row["filename"] for row in csv.DictReader(f)]
with open(HERE / "submission.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["filename", "0", "1", "2", "3"])
    for name in names[1:]:
        writer.writerow([name, 2, 0, 0, 0])
