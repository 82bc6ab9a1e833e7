"""The network and the slide reader shared by main.py (inference) and train.py (training)."""
from pathlib import Path

import numpy as np
import tifffile
import torch
from torch import nn

# TissueNet's cost[true][predicted]: the class to predict is the one of least expected cost.
COST = torch.tensor([[0.0, 0.1, 0.7, 1.0], [0.1, 0.0, 0.3, 0.7], [0.7, 0.3, 0.0, 0.3], [1.0, 0.7, 0.3, 0.0]])


class SlideCNN(nn.Module):
    """Two small convolutions, then the mean of each feature map over the slide: it learns what a
    nucleus looks like and how much of the slide they cover, whatever the stain's brightness."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classify = nn.Linear(8, 4)

    def forward(self, slides: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(slides).flatten(1))


def read_slide(path: Path) -> torch.Tensor:
    """The slide's full-resolution level (the TIFF's first page), centred on its median, as 1×H×W."""
    pixels = tifffile.imread(path, key=0).astype(np.float32)
    return torch.from_numpy((pixels - np.median(pixels)) / 64.0).unsqueeze(0)


def least_cost_class(logits: torch.Tensor) -> torch.Tensor:
    return (torch.softmax(logits, dim=1) @ COST).argmin(dim=1)
