"""Trains SlideCNN on the demo's training set and writes model.pt next to this file.

Run it in the CPU runtime (PyTorch may not be on the host), on the training set that `npm start`
generates (.data/examples/tissuenet/train) or `podium download tissuenet train` fetches:
  podman run --rm --network=none -v "$PWD/examples/tissuenet/submissions/pytorch-cnn:/m" \
    -v "$PWD/podium-data/tissuenet/train:/train:ro" -w /m <runtime image> python3 train.py /train
Deterministic: a fixed seed, one thread, full-batch Adam. model.pt is about 5 KB.
"""
import csv
import sys
from pathlib import Path

import torch
from torch import nn

from slide_cnn import SlideCNN, least_cost_class, read_slide

HERE = Path(__file__).resolve().parent


def main(train_dir: Path) -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with open(train_dir / "train_labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    slides = torch.stack([read_slide(train_dir / row["filename"]) for row in rows])
    labels = torch.tensor([[int(row[c]) for c in "0123"].index(1) for row in rows])
    model = SlideCNN()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    loss_of = nn.CrossEntropyLoss()
    for epoch in range(400):
        optimiser.zero_grad()
        loss = loss_of(model(slides), labels)
        loss.backward()
        optimiser.step()
        if epoch % 100 == 99:
            accuracy = (least_cost_class(model(slides)) == labels).float().mean()
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}, training accuracy {accuracy:.3f}")
    torch.save(model.state_dict(), HERE / "model.pt")
    print(f"wrote {HERE / 'model.pt'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
