"""Expected: FAILED USER_ERROR, "main.py exited with code 1: FileNotFoundError: [Errno 2] No such
file or directory: '../data/test_metadata.csv' (hint: this phase's data is mounted read-only at
/code_execution/data)". The data path of the competitor's own checkout (a notebook folder next to
a data folder) instead of the mount the challenge documents."""
import csv
from pathlib import Path

DATA = Path("../data")

with open(DATA / "test_metadata.csv", newline="") as f:
    rows = list(csv.DictReader(f))
print(f"loaded {len(rows)} cases")
