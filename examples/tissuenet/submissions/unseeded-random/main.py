"""A valid TissueNet submission that guesses each class with Python's unseeded random generator.

It scores like any submission, but run twice it gives other predictions: `podium rerun` reports it
"different", where the deterministic baseline is "identical". Standard library only.
"""
import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def main() -> None:
    # No random.seed(...): Python seeds from the operating system's entropy on every run.
    with open(DATA / "submission_format.csv", newline="") as f:
        filenames = [row["filename"] for row in csv.DictReader(f)]
    with open(HERE / "submission.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "0", "1", "2", "3"])
        for name in filenames:
            label = random.randrange(4)
            writer.writerow([name] + [1 if c == label else 0 for c in range(4)])
    print(f"wrote {len(filenames)} random predictions")


if __name__ == "__main__":
    main()
