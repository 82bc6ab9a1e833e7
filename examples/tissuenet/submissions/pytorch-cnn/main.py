"""TissueNet with a small PyTorch CNN: reads each pyramidal TIFF slide with tifffile and predicts
its class with the weights in model.pt (trained by train.py on the training set)."""
import csv
from pathlib import Path

import torch

from slide_cnn import SlideCNN, least_cost_class, read_slide

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def main() -> None:
    torch.set_num_threads(1)
    model = SlideCNN()
    model.load_state_dict(torch.load(HERE / "model.pt", map_location="cpu", weights_only=True))
    model.eval()
    with open(DATA / "submission_format.csv", newline="") as f:
        filenames = [row["filename"] for row in csv.DictReader(f)]
    with torch.no_grad():
        predicted = [int(least_cost_class(model(read_slide(DATA / name).unsqueeze(0)))[0]) for name in filenames]
    with open(HERE / "submission.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "0", "1", "2", "3"])
        for name, label in zip(filenames, predicted):
            writer.writerow([name] + [1 if c == label else 0 for c in range(4)])
    print(f"torch {torch.__version__}: wrote {len(filenames)} predictions")


if __name__ == "__main__":
    main()
