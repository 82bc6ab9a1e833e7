"""Tries every channel a cheater has to carry hidden data out of one run.

Expected on hidden data: FAILED with a fixed category, charged to the quota, and nothing it
printed, wrote or raised reaches the team (submission, logs, CLI, leaderboard). On smoke data
(public) the team sees everything, as it should. A `channel.txt` next to this file picks the
channel that decides how the run fails (default `raise`):
  raise      prints the data, writes it into submission.csv, then raises with it in the message
  header     writes the data as the predictions' header (PREDICTIONS_INVALID)
  ids        writes the data as the predictions' ids (PREDICTIONS_INVALID)
  values     writes pixel bytes as prediction values (PREDICTIONS_INVALID)
  exit-code  exits with a pixel byte as its status (USER_ERROR)
"""
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CHANNEL_FILE = HERE / "channel.txt"
CHANNEL = CHANNEL_FILE.read_text().strip() if CHANNEL_FILE.exists() else "raise"

slides = sorted(p for p in DATA.iterdir() if p.suffix == ".tif")
# A slide's name and its last 16 pixel bytes: what the team must never read back.
secrets = [f"{p.name}:{p.read_bytes()[-16:].hex()}" for p in slides]

for secret in secrets:
    print(secret)
    print(secret, file=sys.stderr)

with open(HERE / "submission.csv", "w", newline="") as f:
    writer = csv.writer(f)
    if CHANNEL == "header":
        writer.writerow(["filename", *secrets])
    else:
        writer.writerow(["filename", "0", "1", "2", "3"])
    for slide, secret in zip(slides, secrets):
        if CHANNEL == "ids":
            writer.writerow([secret, 1, 0, 0, 0])
        elif CHANNEL == "values":
            tail = slide.read_bytes()[-4:]
            writer.writerow([slide.name, *tail])
        else:
            writer.writerow([slide.name, 1, 0, 0, 0])

if CHANNEL == "raise":
    raise RuntimeError("; ".join(secrets))
if CHANNEL == "exit-code":
    sys.exit(slides[0].read_bytes()[-1] or 1)
