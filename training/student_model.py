"""A small conv-only CTC line reader (the student of training/distill_line_reader.py).

Input and output as the fine-tuned PP-OCRv4 reader's (`line_reader.PlateLineReader`): (N, 3, 48, W)
normalised to [-1, 1], per-frame scores (N, T, 37) over blank + A-Z0-9 with the teacher's frame count,
T = floor(floor(ceil(W / 2) / 2) / 2): a stride-2 convolution, then two 2x2 max-pools (floor mode), so
frame t of the student sees the same place of the line as frame t of the teacher.
"""

from __future__ import annotations

import torch
from torch import nn

from plateguard.recognition.formats import ALPHABET


def conv(cin: int, cout: int, kernel: tuple[int, int] = (3, 3), stride: int = 1) -> nn.Sequential:
    pad = (kernel[0] // 2, kernel[1] // 2)
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=pad, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def frames(width: int) -> int:
    """Frames per line of input width `width` (the teacher's count)."""
    return ((width + 1) // 2) // 2 // 2


class StudentNet(nn.Module):
    """(N, 3, 48, W) -> logits (N, T, 37); `width` scales every layer's channels."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        c = [width, width * 2, width * 3, width * 6, width * 8]
        self.features = nn.Sequential(
            conv(3, c[0], stride=2),  # 24 x W/2
            conv(c[0], c[1]),
            nn.MaxPool2d(2),  # 12 x W/4
            conv(c[1], c[2]),
            nn.MaxPool2d(2),  # 6 x W/8
            conv(c[2], c[3]),
            conv(c[3], c[3]),
            nn.MaxPool2d((2, 1)),  # 3 x W/8
            conv(c[3], c[4], kernel=(3, 1)),
        )
        self.context = nn.Sequential(
            nn.Conv1d(c[4], c[4], 5, padding=2),
            nn.ReLU(inplace=True),
            nn.Conv1d(c[4], c[4], 5, padding=2),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv1d(c[4], len(ALPHABET) + 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq = self.features(x).amax(dim=2)  # (N, C, T)
        seq = seq + self.context(seq)
        return self.classifier(seq).permute(0, 2, 1)
