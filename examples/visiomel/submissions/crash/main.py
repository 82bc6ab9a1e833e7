"""Expected: FAILED USER_ERROR, "main.py exited with code 1: KeyError: 'breslow'".
The model uses a column the test metadata does not have (Breslow thickness is not provided)."""
import csv
from pathlib import Path

DATA = Path("/code_execution/data")

with open(DATA / "test_metadata.csv", newline="") as f:
    rows = list(csv.DictReader(f))
print(f"loaded {len(rows)} cases")
thickness = [float(row["breslow"]) for row in rows]
