"""Expected: FAILED NO_PREDICTIONS_FILE, "main.py finished but wrote no submission.csv next to main.py."
Writes its predictions under the wrong name."""
from pathlib import Path

Path(__file__).with_name("predictions.csv").write_text("filename,0,1,2,3\n")
print("done (but wrote predictions.csv)")
