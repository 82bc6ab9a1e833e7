"""A PyTorch submission for the GPU benchmark, in TissueNet's contract: data at data/ next to this file.

A ResNet-18 forward pass (random weights: a stand-in for a real model's cost) runs over every slide
on the GPU in bf16; the class comes from the slide's mean intensity, so the score is meaningful.
"""
import csv
import time
from pathlib import Path

import numpy as np
import torch
import torchvision

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
THRESHOLDS = torch.tensor([65.0, 115.0, 165.0])
BATCH = 64


def read_pgm(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    header_end = 0
    for _ in range(3):
        header_end = raw.index(b"\n", header_end) + 1
    width, height = map(int, raw.split(b"\n")[1].split())
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(height, width)


def main() -> None:
    started = time.perf_counter()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"device: {device} {torch.cuda.get_device_name(0) if device.type == 'cuda' else ''}", flush=True)
    model = torchvision.models.resnet18(weights=None, num_classes=4).to(device).eval()
    with open(DATA / "submission_format.csv", newline="") as f:
        filenames = [row["filename"] for row in csv.DictReader(f)]
    predictions = []
    with torch.inference_mode(), torch.autocast(device_type=device.type, dtype=torch.bfloat16):
        for start in range(0, len(filenames), BATCH):
            names = filenames[start : start + BATCH]
            batch = torch.from_numpy(np.stack([read_pgm(DATA / name) for name in names])).to(device, non_blocking=True)
            pixels = batch.float()
            model(pixels.unsqueeze(1).expand(-1, 3, -1, -1) / 255.0)
            means = pixels.mean(dim=(1, 2))
            predictions.extend((means.unsqueeze(1) > THRESHOLDS.to(device)).sum(dim=1).tolist())
    if device.type == "cuda":
        torch.cuda.synchronize()
    with open(HERE / "submission.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "0", "1", "2", "3"])
        for name, label in zip(filenames, predictions):
            writer.writerow([name] + [1 if c == label else 0 for c in range(4)])
    print(f"predicted {len(filenames)} slides in {time.perf_counter() - started:.2f} s", flush=True)


if __name__ == "__main__":
    main()
