"""Trains the small SlideCNN of submissions/pytorch-cnn on the platform's compute (`podium train`).

The platform mounts the training data read-only at data/<dataset id>/ (here data/train/) and keeps
what this script writes to outputs/: outputs/model.pt is the weights pytorch-cnn/main.py loads.
The same recipe as submissions/pytorch-cnn/train.py (fixed seed, one thread, full-batch Adam), so
it takes about a minute on one CPU and writes a model of about 5 KB. It needs PyTorch: the phase's
runtime image has it, and so has the host's Python once scripts/setup-system.sh has installed Debian's
python3-torch (`npm start` runs training jobs as host processes; without it, ModuleNotFoundError).

  npx podium train examples/tissuenet/training -c tissuenet --phase learning
"""
import csv
from pathlib import Path

import torch
from torch import nn

from slide_cnn import SlideCNN, least_cost_class, read_slide

HERE = Path(__file__).resolve().parent
TRAIN = HERE / "data" / "train"
OUTPUTS = HERE / "outputs"


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with open(TRAIN / "train_labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    slides = torch.stack([read_slide(TRAIN / row["filename"]) for row in rows])
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
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}, training accuracy {accuracy:.3f}", flush=True)
    OUTPUTS.mkdir(exist_ok=True)
    torch.save(model.state_dict(), OUTPUTS / "model.pt")
    print(f"wrote outputs/model.pt ({(OUTPUTS / 'model.pt').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
