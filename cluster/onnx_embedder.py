"""``embed.backend: onnx-int8``: the packaged sentence-transformers model run by ONNX Runtime, int8, on the CPU.

The model is exported from its local folder on first use (``cluster.onnx_export``; about 20 s, cached under
``~/.cache/newsclust/onnx`` or ``$NEWSCLUST_ONNX_CACHE``), so nothing is downloaded and no binary is shipped; torch
is not imported once the export exists. Texts are tokenised with the model's own ``tokenizer.json`` (the ids
sentence-transformers feeds the model, truncated to ``max_seq_length``).

Each text runs alone (a batch of one) on one onnxruntime thread, and one worker thread per usable core takes its
share of the texts. Two reasons, both measured on 2 cores (docs/stories.md):

- dynamic int8 quantisation scales each MatMul's activations by the min and max of the whole input tensor, so in a
  batch a text's vector depends on its batch mates (cosine about 0.99 between a text embedded alone and in a batch
  of 64). Alone, a text's vector depends on the text only: the same on every night, in any run, in any order;
- it is also the fastest: no padding, and activations that stay in the core's cache (batches of 64, even sorted
  by length, spend 1.4× the CPU time); onnxruntime's own thread pool spins at every operator's barrier, which
  wastes CPU most when other work holds the cores. ``embed.batch_size`` therefore does not apply to this backend.

Vectors differ from the torch backend's (int8 weights and activations; cosine to its vectors about 0.99):
``model_id`` ends in ``+onnx-int8``, so the vector cache and the nightly state keep them apart.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .models import ModelError, resolve_model_path
from .onnx_export import ExportError, OnnxModelCache, Precision


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it, else every core)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class OnnxEmbedder:
    """Sentence embeddings from an ONNX export of a mean-pooled sentence-transformers model, on the CPU.

    ``model`` is a name or folder as for the torch backend (the packaged model's names resolve to its folder);
    ``device`` must be ``auto`` or ``cpu`` (int8 kernels are CPU kernels; on a GPU the torch backend is the fast one).
    """

    def __init__(self, model: str, device: str, max_seq_length: int, precision: Precision = "int8",
                 cache: OnnxModelCache | None = None, threads: int = 0) -> None:
        self.model = model
        self.device = device
        self.max_seq_length = max_seq_length
        self.precision = precision
        self.cache = cache if cache is not None else OnnxModelCache()
        self.threads = threads
        self.model_id = f"{model}@{max_seq_length}+onnx-{precision}"
        self._session = None
        self._input_names: list[str] = []
        self._tokenizer = None
        self._lower_case = False

    def _load(self) -> None:
        if self._session is not None:
            return
        if self.device not in ("auto", "cpu"):
            raise ModelError(f"embed.backend 'onnx-{self.precision}' runs on the CPU only, not on {self.device!r}: "
                             "set embed.device: cpu (or auto), or use embed.backend: torch on a GPU")
        import onnxruntime
        from tokenizers import Tokenizer

        path = Path(resolve_model_path(self.model))
        try:
            model_file = self.cache.model_file(path, self.precision)
        except ExportError as exc:
            raise ModelError(f"embed.model {self.model!r}: cannot export it to ONNX offline ({exc})") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one thread per text, texts in parallel (see the module docstring)
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._input_names = [i.name for i in self._session.get_inputs()]
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_seq_length)
        tokenizer.no_padding()  # tokenizer.json may pin a fixed padded length; texts run unpadded here
        self._tokenizer = tokenizer
        config = path / "sentence_bert_config.json"
        self._lower_case = config.exists() and bool(json.loads(config.read_text()).get("do_lower_case"))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The token ids of each text, as sentence-transformers makes them (stripped, truncated, with specials)."""
        self._load()
        prepared = [t.strip().lower() if self._lower_case else t.strip() for t in texts]
        return [encoding.ids for encoding in self._tokenizer.encode_batch(prepared)]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        ids = self.token_ids(texts)
        workers = min(self.threads or usable_cores(), len(ids))
        rows: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(ids)

        def embed_share(worker: int) -> None:
            for index in range(worker, len(ids), workers):
                rows[index] = self.run([ids[index]])[0]

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(embed_share, range(workers)))  # list(): re-raises a worker's exception here
        return np.stack(rows).astype(np.float32, copy=False)

    def run(self, batch: list[list[int]]) -> np.ndarray:
        """The vectors of a batch of token ids, padded to the longest (pad id 0 under a zero mask, so padding is left
        out of attention and of the mean). ``encode`` runs batches of one: see the module docstring."""
        self._load()
        lengths = np.array([len(ids) for ids in batch])
        input_ids = np.zeros((len(batch), lengths.max()), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, :len(ids)] = ids
        mask = (np.arange(input_ids.shape[1])[None, :] < lengths[:, None]).astype(np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        return self._session.run(["embedding"], {name: feeds[name] for name in self._input_names})[0]
