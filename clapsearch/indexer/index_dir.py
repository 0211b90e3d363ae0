"""An index folder: SQL metadata (the source of truth), a FAISS file derived from it, and the model it needs."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from clapsearch.encoder import Encoder
from clapsearch.errors import UserError
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex

log = logging.getLogger(__name__)


class IndexError_(UserError, ValueError):
    """An index that cannot be used as asked; the message says why and what to do."""


def _model_key(model: str | Path) -> str:
    p = Path(model)
    return str(p.resolve()) if p.exists() else str(model)


@dataclass
class IndexDir:
    folder: Path
    store: Store
    encoder: Encoder
    vectors: VectorIndex

    @classmethod
    def open(cls, folder: str | Path, db_url: str | None = None, model: str | None = None, device: str = "auto",
             create: bool = False) -> IndexDir:
        """Open (or create) an index, load the model it was built with, and make FAISS agree with SQL."""
        folder = Path(folder)
        if not create and db_url is None and not (folder / "metadata.sqlite").is_file():
            raise IndexError_(f"no index at {folder}: build one with 'clapsearch index PATH --index {folder}'")
        folder.mkdir(parents=True, exist_ok=True)
        store = Store(db_url) if db_url else Store.sqlite_in(folder)
        meta = store.meta()
        built_with = meta.get("model")
        if built_with and model and _model_key(model) != built_with:
            raise IndexError_(
                f"index {folder} was built with model {built_with!r}, not {model!r}: leave out --model to use "
                f"{built_with!r}, or give another --index for {model!r}"
            )
        encoder = Encoder(built_with or model or "default", device=device)
        ident = encoder.identity
        if built_with:
            if (meta.get("config_hash"), meta.get("weights_hash")) != (ident["config_hash"], ident["weights_hash"]):
                raise IndexError_(
                    f"index {folder} was built with another version of model {built_with!r} "
                    f"(config {meta.get('config_hash')}, weights {meta.get('weights_hash')}; now "
                    f"{ident['config_hash']}, {ident['weights_hash']}): re-index into a new --index folder"
                )
        else:
            store.set_meta({"model": _model_key(built_with or model or "default"), "config_hash": ident["config_hash"],
                            "weights_hash": ident["weights_hash"], "dim": str(encoder.dim),
                            "sample_rate": str(encoder.sample_rate), "clip_seconds": str(encoder.clip_seconds)})
        vectors = cls._vectors(folder, store, encoder.dim)
        return cls(folder, store, encoder, vectors)

    @staticmethod
    def _vectors(folder: Path, store: Store, dim: int) -> VectorIndex:
        generation = store.generation()
        vectors = VectorIndex.load(folder, dim)
        if vectors is not None and vectors.generation == generation:
            return vectors
        # FAISS is behind SQL (an interrupted run) or missing: rebuild it from the vectors SQL holds.
        log.info("rebuilding FAISS index of %s from its metadata", folder)
        vectors = VectorIndex(dim)
        for ids, vecs in store.iter_vectors(dim):
            vectors.add(ids, vecs)
        vectors.generation = generation
        return vectors

    def save_vectors(self) -> None:
        self.vectors.save(self.folder, self.store.generation())
