"""Expected: FAILED USER_ERROR, "main.py exited with code 1: OSError: [Errno 30] Read-only file
system: '/code_execution/data/features_cache.csv'". The data is mounted read-only; caches belong
next to main.py or in /tmp."""
import csv
from pathlib import Path

DATA = Path("/code_execution/data")

with open(DATA / "test_metadata.csv", newline="") as f:
    rows = list(csv.DictReader(f))
with open(DATA / "features_cache.csv", "w", newline="") as f:
    csv.writer(f).writerows([[row["filename"], row["age"]] for row in rows])
