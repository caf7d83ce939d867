"""Shared by the fine-tuning scripts: an exported PaddleOCR graph made trainable, its trained values
mapped back to the graph's Constant nodes, and resumable checkpoints."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn


def constants_to_initializers(graph: Any, dropped: frozenset[str] = frozenset()) -> None:
    """Constant nodes become initializers (onnx2torch then converts them to tensors that can be trained);
    nodes whose output is in `dropped` are removed."""
    import onnx

    kept = []
    for node in graph.node:
        if node.output[0] in dropped:
            continue
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            tensor = onnx.TensorProto()
            tensor.CopyFrom(node.attribute[0].t)
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)


def constant_names(body: nn.Module, graph: Any) -> dict[str, str]:
    """State-dict key of each trainable tensor of the converted `body` -> the graph constant it came from
    (onnx2torch names modules after nodes, '.' as '/', and numbers initializer buffers in node order)."""
    inits = {t.name for t in graph.initializer}
    names: dict[str, str] = {}
    count = 0
    for node in graph.node:
        mod_name = node.name.replace(".", "/")
        module = getattr(body, mod_name)
        if node.op_type in ("Conv", "ConvTranspose"):
            for attr, value in zip(("weight", "bias"), node.input[1:], strict=False):
                names[f"{mod_name}.{attr}"] = value
        elif node.op_type == "BatchNormalization":
            for attr, value in zip(
                ("weight", "bias", "running_mean", "running_var"), node.input[1:], strict=True
            ):
                names[f"{mod_name}.{attr}"] = value
        for value in module.onnx_mapping.inputs:
            if value in inits:
                names[f"initializers.onnx_initializer_{count}"] = value
                count += 1
    return names


def resume(path: Path, model: nn.Module, opt: torch.optim.Optimizer) -> tuple[int, float]:
    """Step and seconds trained so far, from the checkpoint at `path` if there is one."""
    if not path.is_file():
        return 0, 0.0
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    step, trained_s = state["step"], state.get("trained_s", 0.0)
    print(f"resumed at step {step} ({trained_s / 60:.1f} min trained)", flush=True)
    return int(step), float(trained_s)


def save_checkpoint(
    path: Path, model: nn.Module, opt: torch.optim.Optimizer, step: int, trained_s: float
) -> None:
    """Written whole to a temporary file first, so an interrupted save never leaves a broken checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(
        {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "trained_s": trained_s}, buf
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def optimise(model: nn.Module, opt: torch.optim.Optimizer, loss: torch.Tensor) -> float:
    """One optimiser step on `loss`, gradients clipped at norm 5; the loss's value."""
    opt.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call,unused-ignore]  # untyped in torch; Any without it
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return float(loss.item())


class RunClock:
    """A bounded training run's bookkeeping: a progress line every 20 steps, a checkpoint every three
    minutes, validation every `val_minutes`; the run ends after `minutes` or at step `steps`."""

    def __init__(
        self,
        *,
        ckpt: Path,
        model: nn.Module,
        opt: torch.optim.Optimizer,
        trained_s: float,
        limits: tuple[float, int, float],
        validate: Callable[[], dict[str, float]],
    ) -> None:
        self.ckpt, self.model, self.opt, self.trained_s = ckpt, model, opt, trained_s
        self.minutes, self.steps, self.val_minutes = limits
        self.validate = validate
        self.start = self.last_save = self.last_val = time.time()
        self.losses: list[float] = []

    def after(self, step: int, loss: float) -> bool:
        """Call after each step; True when the run is over (checkpoint saved, validation printed)."""
        self.losses.append(loss)
        now = time.time()
        if step % 20 == 0:
            recent = float(np.mean(self.losses[-20:]))
            print(f"step {step} loss {recent:.4f} {(now - self.start) / 60:.1f} min", flush=True)
        done = now - self.start > self.minutes * 60 or step >= self.steps
        if now - self.last_save > 180 or done:
            save_checkpoint(self.ckpt, self.model, self.opt, step, self.trained_s + now - self.start)
            self.last_save = now
        if now - self.last_val > self.val_minutes * 60 or done:
            print(json.dumps({"step": step, "val": self.validate()}), flush=True)
            self.last_val = time.time()
        if done:
            minutes = round((time.time() - self.start) / 60, 1)
            print(json.dumps({"step": step, "minutes_this_run": minutes}), flush=True)
        return done
