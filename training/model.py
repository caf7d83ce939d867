"""Small CRNN-CTC plate reader (whole plate in, plate number out) with a state-classification head."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from plateguard.recognition.formats import ALPHABET as ALPHABET  # re-exported for train_reader
from plateguard.recognition.ppocr_plate import greedy_text

IN_H, IN_W = 48, 128


def block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class PlateReaderNet(nn.Module):
    """Input (N, 1, 48, 128) grayscale 0-255; outputs CTC probabilities (N, 32, 37), state probabilities."""

    def __init__(self, n_states: int = 51) -> None:
        super().__init__()
        self.features = nn.Sequential(
            block(1, 24),
            nn.MaxPool2d(2),  # 24x64
            block(24, 48),
            nn.MaxPool2d(2),  # 12x32
            block(48, 64),
            block(64, 64),
            nn.MaxPool2d((2, 1)),  # 6x32
            block(64, 96),
            nn.MaxPool2d((2, 1)),  # 3x32
            nn.Conv2d(96, 128, (3, 1), bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),  # 1x32
        )
        self.context = nn.Sequential(
            nn.Conv1d(128, 128, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv1d(128, 128, 3, padding=1),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv1d(128, len(ALPHABET) + 1, 1)
        self.state = nn.Linear(96, n_states)

    def forward_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = x.mean(dim=(2, 3), keepdim=True)
        std = x.std(dim=(2, 3), keepdim=True) + 8.0
        x = (x - mean) / std
        f = self.features[:-3](x)  # (N, 96, 3, 32)
        state = self.state(f.mean(dim=(2, 3)))
        seq = self.features[-3:](f).squeeze(2)  # (N, 128, 32)
        seq = seq + self.context(seq)
        logits = self.classifier(seq).permute(0, 2, 1)  # (N, T, C)
        return logits, state

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, state = self.forward_logits(x)
        return logits.softmax(-1), state.softmax(-1)


def greedy(probs: torch.Tensor) -> list[str]:
    """Best-path CTC decoding of (N, T, 37) scores over blank + ALPHABET (the engine's own decoder)."""
    return [greedy_text(row) for row in probs.detach().cpu().numpy()]
