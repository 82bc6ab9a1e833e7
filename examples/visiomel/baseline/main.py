"""VisioMel baseline: a fixed logistic model of the clinical metadata. Standard library only."""
import csv
import math
from pathlib import Path

DATA = Path("/code_execution/data")
HERE = Path(__file__).resolve().parent


def relapse_probability(row: dict) -> float:
    logit = -3 + 0.03 * (float(row["age"]) - 50) + 1.2 * float(row["melanoma_history"]) + 1.5 * float(row["ulceration"])
    return 1 / (1 + math.exp(-logit))


def main() -> None:
    with open(DATA / "test_metadata.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(HERE / "submission.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "relapse"])
        for row in rows:
            writer.writerow([row["filename"], f"{relapse_probability(row):.6f}"])
    print(f"wrote {len(rows)} predictions")


if __name__ == "__main__":
    main()
