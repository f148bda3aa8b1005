"""ONNX exports of a sentence-transformers model, built on the user's machine from its local folder and cached.

The exported graph is the whole sentence embedding: the transformer's token states, mean pooling over the attention
mask (``Σ_t m_t·h_t / max(Σ_t m_t, 1e-9)``, sentence-transformers' ``Pooling`` in mean mode) and L2 normalisation
(its ``Normalize``), with batch and sequence length dynamic; in fp32 it gives the torch vectors to 1e-6. ``int8``
then quantises the MatMul weights to int8 per output channel (``quantize_dynamic(per_channel=True)``: one scale per
column, which keeps the cosine to the fp32 vectors at about 0.995 where one scale per matrix gives 0.96), all but
the first layer's feed-forward pair (``quantise_int8``). onnxruntime's offline BERT fusion (fused attention,
GELU, layer norms) is not applied: on int8 graphs run one text at a time it was 20% slower than the plain graph.

``OnnxModelCache`` keeps one file per (model files, settings, exporter versions): its name is the hash of all of them,
so a new model or a new torch, transformers, onnx or onnxruntime builds a fresh file and never reuses a stale one.
Every file is written to a temporary name in the same folder and renamed into place (atomic on POSIX), then a
manifest with its SHA-256; a file without a manifest, or whose bytes do not match it (truncated, edited), is rebuilt.
Nothing is downloaded: the export reads the model folder only.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Literal

log = logging.getLogger("newsclust")

Precision = Literal["fp32", "int8"]
EXPORT_FORMAT = "newsclust-onnx-1"  # bump when the graph or the quantisation below changes
OPSET = 17
CACHE_ENV = "NEWSCLUST_ONNX_CACHE"
EXPORTER_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime")
FIRST_FEED_FORWARD = re.compile(r"/layer\.0/(intermediate|output)/dense/MatMul$")  # BERT's first FFN pair
MODEL_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "modules.json", "1_Pooling/config.json")


class ExportError(Exception):
    """The model folder cannot be exported (not a mean-pooled transformer, or the cache cannot be written)."""


def default_cache_folder() -> Path:
    """``$NEWSCLUST_ONNX_CACHE``, else ``$XDG_CACHE_HOME/newsclust/onnx``, else ``~/.cache/newsclust/onnx``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsclust" / "onnx"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """``write(partial)`` to a temporary file beside ``target``, then rename it over ``target``.

    A crash or an exception leaves ``target`` as it was (absent or the previous file) and removes the partial file,
    so a reader never sees half a model.
    """
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        write(partial)
        partial.chmod(0o644)  # mkstemp makes it private; the cache is as readable as any other cache file
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def check_mean_pooled(model_path: Path) -> None:
    """Refuse models whose sentence-transformers pipeline is not transformer → mean pooling (→ normalise)."""
    modules_file = model_path / "modules.json"
    if not modules_file.exists() or not (model_path / "tokenizer.json").exists():
        raise ExportError(f"{model_path} is not a sentence-transformers folder with modules.json and tokenizer.json")
    kinds = [m["type"].rsplit(".", 1)[-1] for m in json.loads(modules_file.read_text())]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ExportError(f"modules {kinds}: the ONNX backend exports Transformer + Pooling (+ Normalize) only")
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v is True)
    if modes != ["pooling_mode_mean_tokens"]:
        raise ExportError(f"pooling {modes}: the ONNX backend exports mean pooling only")


def export_fp32(model_path: Path, target: Path) -> None:
    """The fp32 graph (token ids, mask[, token types] → unit vectors), traced by torch's TorchScript exporter."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; make sure none is asked
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars on stderr, under cron too

    class MeanPooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    encoder = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(encoder.forward).parameters:
        names.append("token_type_ids")
    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"embedding": {0: "batch"}}
    # torch 2.5+ defaults to (or offers) the dynamo exporter, which needs onnxscript: the TorchScript one does not
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation warnings of the TorchScript exporter
        torch.onnx.export(MeanPooled(encoder), dummy, str(target), input_names=names, output_names=["embedding"],
                          dynamic_axes=axes, opset_version=OPSET, **legacy)


def quantise_int8(fp32: Path, target: Path) -> None:
    """Quantise the graph's MatMul weights to int8 per output channel, except the first layer's feed-forward pair.

    Activations are quantised at run time (uint8, one scale per input tensor). The first layer's feed-forward
    MatMuls stay fp32: their error reaches every later layer, and keeping them (a ninth of the multiply-adds, about
    a quarter more time) raises the cosine to the fp32 vectors from 0.993 to 0.995 on the UCI headlines and moved
    the story F1 there from 0.891 to 0.902 (fp32: 0.902). Models not named like BERT keep every MatMul int8.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep = [node.name for node in graph.node if node.op_type == "MatMul" and FIRST_FEED_FORWARD.search(node.name)]
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep)


@contextmanager
def quiet_exporters() -> Iterator[None]:
    """Silence the exporters' own log lines (dozens of INFO and WARNING lines per export) while they run.

    They log through the root logger, whose first call would also install a stderr handler on it: a NullHandler
    stands in for the duration, so the job's logging is left as it was.
    """
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        root.removeHandler(guard)


class OnnxModelCache:
    """ONNX files of sentence-transformers model folders in ``folder``, exported on first use."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_folder()

    def key(self, model_path: Path, precision: Precision) -> str:
        """Hash of the model's files, the precision, the export format and the exporting packages' versions."""
        digest = hashlib.sha256(f"{EXPORT_FORMAT}\x00{precision}\x00{OPSET}".encode())
        for package in EXPORTER_PACKAGES:
            digest.update(f"\x00{package}={metadata.version(package)}".encode())
        for name in MODEL_FILES:
            if (model_path / name).exists():
                digest.update(f"\x00{name}={file_sha256(model_path / name)}".encode())
        return digest.hexdigest()

    def model_file(self, model_path: str | Path, precision: Precision) -> Path:
        """The cached export of ``model_path``; exported (again) when missing or not matching its manifest."""
        model_path = Path(model_path)
        check_mean_pooled(model_path)
        key = self.key(model_path, precision)
        target = self.folder / f"{model_path.parent.name}-{model_path.name}-{precision}-{key[:16]}.onnx"
        manifest = target.with_suffix(".json")
        if target.exists() and manifest.exists() and self._matches(target, manifest):
            return target
        if target.exists() or manifest.exists():
            log.warning("embed: ONNX export %s is incomplete or damaged; exporting it again", target)
        log.info("embed: exporting %s to ONNX (%s) into %s, once", model_path, precision, self.folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with quiet_exporters():
                write_atomically(target, lambda partial: self._export(model_path, precision, partial))
            record = {"format": EXPORT_FORMAT, "precision": precision, "key": key, "model": str(model_path),
                      "sha256": file_sha256(target),
                      "versions": {p: metadata.version(p) for p in EXPORTER_PACKAGES}}
            write_atomically(manifest, lambda partial: partial.write_text(json.dumps(record, indent=1)))
        except OSError as exc:
            raise ExportError(f"cannot write the ONNX export into {self.folder} ({exc}); "
                              f"set {CACHE_ENV} to a writable folder") from None
        return target

    @staticmethod
    def _matches(target: Path, manifest: Path) -> bool:
        try:
            return json.loads(manifest.read_text()).get("sha256") == file_sha256(target)
        except (OSError, ValueError):
            return False

    @staticmethod
    def _export(model_path: Path, precision: Precision, partial: Path) -> None:
        if precision == "fp32":
            export_fp32(model_path, partial)
            return
        with tempfile.TemporaryDirectory(dir=partial.parent, prefix=".export-") as scratch:
            fp32 = Path(scratch) / "fp32.onnx"
            export_fp32(model_path, fp32)
            quantise_int8(fp32, partial)
