"""An index folder: SQL metadata (the source of truth), a FAISS file derived from it, and the model it needs."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from clapsearch.encoder import Encoder
from clapsearch.errors import UserError
from clapsearch.index.lock import IndexLock, IndexLocked
from clapsearch.model.precision import check_precision
from clapsearch.store import Store
from clapsearch.store.store import SQLITE_FILE
from clapsearch.vectors import VectorIndex
from clapsearch.vectors.faiss_index import INDEX_FILE, STATE_FILE
from clapsearch.vectors.kinds import TRAIN_SAMPLE, check_choice, resolve

log = logging.getLogger(__name__)


class IndexError_(UserError, ValueError):
    """An index that cannot be used as asked; the message says why and what to do."""


def _model_key(model: str | Path) -> str:
    p = Path(model)
    return str(p.resolve()) if p.exists() else str(model)


def _shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: it fails later with its own message
        return url


def _missing_sqlite_file(url: str) -> bool:
    """A reader must not create an empty SQLite file where it was given a URL to nothing."""
    try:
        u = make_url(url)
    except Exception:
        return False
    database = u.database or ""
    return u.get_backend_name() == "sqlite" and bool(database) and not database.startswith("file:") \
        and database != ":memory:" and not Path(database).exists()


def _no_table(e: DatabaseError) -> bool:
    # SQLite: OperationalError "no such table"; PostgreSQL: ProgrammingError (UndefinedTable) "does not exist"
    text = str(e)
    return "no such table" in text or "UndefinedTable" in text or ("relation" in text and "does not exist" in text)


def _damaged(where: str, folder: Path, e: BaseException) -> IndexError_:
    first = str(getattr(e, "orig", e) or e).strip().splitlines()[0]
    return IndexError_(f"the metadata database {where} is damaged ({first}): run 'clapsearch index PATH --index "
                       f"{folder} --rebuild' to set it aside and build the index again")


@dataclass
class IndexDir:
    """The open index. Every change goes through put_file/move_file/remove_files, which commit SQL first and
    then update FAISS; `vectors.generation` names the last SQL generation FAISS holds exactly, so a FAISS file
    saved after a failure between the two is marked stale, never current."""

    folder: Path
    store: Store
    encoder: Encoder
    vectors: VectorIndex
    choice: str = "auto"  # the --vector-index recorded in the meta: auto, flat, ivf or ivf-pq

    @classmethod
    def open(cls, folder: str | Path, db_url: str | None = None, model: str | None = None, device: str = "auto",
             create: bool = False, vector_index: str | None = None, precision: str = "auto") -> IndexDir:
        """Open (or create) an index, load the model it was built with, and make FAISS agree with SQL.

        create=False opens for reading and never writes SQL (a read-only mount works).
        vector_index: auto, flat, ivf or ivf-pq, recorded in the meta (a writer); None keeps the recorded one.
        precision: the audio network's (clapsearch.model.precision); 'auto' keeps an existing index's. A writer
        must use the index's recorded precision (its vectors are never mixed); a reader may use any.
        """
        if vector_index is not None:
            check_choice(vector_index)
        check_precision(precision)
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise IndexError_(f"--index {folder} is a file, not an index folder: give the folder that "
                              "'clapsearch index' built")
        if not create and db_url is None and not (folder / SQLITE_FILE).is_file():
            raise IndexError_(f"no index at {folder}: build one with 'clapsearch index PATH --index {folder}'")
        where = _shown_url(db_url) if db_url else str(folder / SQLITE_FILE)
        if not create and db_url and _missing_sqlite_file(db_url):
            raise IndexError_(f"no index in {where} (no such file): build one with 'clapsearch index PATH --index "
                              f"{folder} --db URL'")
        try:
            if create:
                folder.mkdir(parents=True, exist_ok=True)
            store = Store(db_url, readonly=not create, vector_dir=folder) if db_url \
                else Store.sqlite_in(folder, readonly=not create)
            meta = store.meta()
        except DatabaseError as e:
            if not create and _no_table(e):
                raise IndexError_(f"no index in {where}: build one with 'clapsearch index PATH --index {folder}"
                                  f"{' --db URL' if db_url else ''}'") from None
            if isinstance(e, OperationalError) and not ("malformed" in str(e) or "not a database" in str(e)):
                raise  # a server that cannot be reached, a lock: reported as a database error
            raise _damaged(where, folder, e) from None
        built_with = meta.get("model")
        if not create and not built_with:
            raise IndexError_(f"no index in {where}: build one with 'clapsearch index PATH --index {folder}"
                              f"{' --db URL' if db_url else ''}'")
        if built_with and model and _model_key(model) != built_with:
            raise IndexError_(
                f"index {folder} was built with model {built_with!r}, not {model!r}: leave out --model to use "
                f"{built_with!r}, or give another --index for {model!r}"
            )
        recorded = (meta.get("precision") or "fp32") if built_with else None  # indexes before precisions: fp32
        if create and recorded and precision not in ("auto", recorded):
            raise IndexError_(f"index {folder} holds {recorded} vectors, not {precision}: use --precision {recorded} "
                              f"(or auto), or give another --index for {precision}")
        encoder = Encoder(built_with or model or "default", device=device,
                          precision=recorded if recorded and precision == "auto" else precision)
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
                            "sample_rate": str(encoder.sample_rate), "clip_seconds": str(encoder.clip_seconds),
                            "precision": encoder.precision, "vector_index": vector_index or "auto"})
            meta["vector_index"] = vector_index or "auto"  # recorded with the model: one commit
        choice = meta.get("vector_index", "auto")
        if create and vector_index is not None and vector_index != meta.get("vector_index"):
            store.set_meta({"vector_index": vector_index})
            choice = vector_index
        out = cls(folder, store, encoder, VectorIndex(encoder.dim), choice)
        if create and (moved := store.migrate_vectors()):
            log.info("moved %d vectors of %s from SQL blobs into its vector file", moved, folder)
        out.vectors = out._load_vectors(writable=create)
        return out

    def _load_vectors(self, writable: bool) -> VectorIndex:
        generation = self.store.generation()
        vectors = VectorIndex.load(self.folder, self.encoder.dim)
        if vectors is None or vectors.generation != generation:
            # FAISS is behind SQL (an interrupted run), damaged or missing: rebuild it from the vectors SQL holds.
            log.info("rebuilding FAISS index of %s from its metadata", self.folder)
            vectors = self._rebuild(generation)
            if self.store.damaged:
                self._left_out_damaged(vectors, writable)
            elif not writable:
                self._save_if_free(vectors)
        vectors.rerank_source = self._stored_vectors
        return vectors

    def _rebuild(self, generation: int) -> VectorIndex:
        """A new index of the type the choice gives at SQL's size, trained on a sample of SQL's vectors."""
        dim, n = self.encoder.dim, self.store.count_segments()
        kind = resolve(self.choice, n, dim)
        sample = np.zeros((0, dim), np.float32)
        if kind != "flat" and n:
            keep, rng = min(1.0, TRAIN_SAMPLE / n), np.random.default_rng(0)
            sample = np.concatenate([v[rng.random(len(v)) < keep] for _, v in self.store.iter_vectors(dim)])
        vectors = VectorIndex.build(dim, kind, sample, self.store.iter_vectors(dim), total=n)
        vectors.generation = generation
        vectors.rerank_source = self._stored_vectors
        return vectors

    def _left_out_damaged(self, vectors: VectorIndex, writable: bool) -> None:
        """Vectors that failed their check were left out of the rebuilt FAISS; a writer drops their files'
        segments in SQL too (one commit) and marks the files changed, so that this or the next index run embeds
        them again. A reader keeps its FAISS in memory only (the next writer finds the damage again)."""
        n = len(self.store.damaged)
        if not writable:
            log.warning("%d stored vectors of %s are damaged and left out of search: run 'clapsearch index' to "
                        "embed their files again", n, self.folder)
            return
        paths, removed = self.store.drop_damaged()
        log.warning("%d stored vectors of %d files in %s are damaged: those files are embedded again", n,
                    len(paths), self.folder)
        vectors.remove(removed)  # the files' other segments: SQL dropped them with the damaged ones
        if self.store.generation() == vectors.generation + 1:
            vectors.generation += 1

    def _stored_vectors(self, ids: np.ndarray) -> np.ndarray:
        return self.store.vectors_by_ids(ids, self.encoder.dim)

    def _save_if_free(self, vectors: VectorIndex) -> None:
        """A reader saves a rebuilt FAISS file when no writer holds the index and the folder is writable."""
        try:
            with IndexLock(self.folder):
                if self.store.generation() == vectors.generation:
                    vectors.save(self.folder)
        except (IndexLocked, UserError, OSError) as e:
            log.info("rebuilt FAISS index of %s kept in memory only (%s)", self.folder, e)

    # -- changes: SQL first, then FAISS -----------------------------------------------------------
    def put_file(self, fields: dict[str, object], segments: list[tuple[float, float, np.ndarray]]) -> None:
        """Insert or replace a file (indexed with its segments, or skipped without) in SQL, then in FAISS."""
        before = self.vectors.generation
        removed, new_ids = self.store.put_file(fields, segments)
        self.vectors.remove(removed)
        if segments:  # as stored (float16): a rebuild from the stored vectors gives the same index
            self.vectors.add(np.array(new_ids), Store.stored(np.stack([v for _, _, v in segments])))
        self._advance(before)

    def move_file(self, old_path: str, new_path: str, size: int, mtime: float) -> None:
        before = self.vectors.generation
        self.store.move_file(old_path, new_path, size, mtime)
        self._advance(before)  # segment ids and vectors are unchanged

    def remove_files(self, paths: list[str]) -> None:
        if not paths:
            return
        before = self.vectors.generation
        self.vectors.remove(self.store.remove_files(paths))
        self._advance(before)

    def _advance(self, before: int) -> None:
        # FAISS now holds SQL's new generation only if it held the one before this single commit.
        after = self.store.generation()
        if after == before + 1:
            self.vectors.generation = after

    def save_vectors(self) -> None:
        """Write FAISS with the generation it holds exactly (a stale one is rebuilt at the next open).

        First, an index whose type no longer fits (auto at another size, another --vector-index) or that has
        grown or shrunk past its training (kinds.needs_training) is rebuilt from SQL's vectors.
        """
        v = self.vectors
        if resolve(self.choice, v.ntotal, v.dim) != v.kind or v.needs_training():
            log.info("rebuilding FAISS index of %s as %s (%d vectors)", self.folder,
                     resolve(self.choice, v.ntotal, v.dim), v.ntotal)
            self.vectors = self._rebuild(self.store.generation())
        self.vectors.save(self.folder)


def set_aside(folder: str | Path) -> Path | None:
    """Move an index folder's database and FAISS files into a `replaced-<time>` subfolder; return it."""
    folder = Path(folder)
    names = [n for n in (SQLITE_FILE, SQLITE_FILE + "-wal", SQLITE_FILE + "-shm", INDEX_FILE, STATE_FILE)
             if (folder / n).exists()] + sorted(p.name for p in folder.glob("vectors*.f16"))
    if not names:
        return None
    dest = folder / time.strftime("replaced-%Y%m%d-%H%M%S")
    dest.mkdir()
    for n in names:
        (folder / n).rename(dest / n)
    log.warning("moved the old index files of %s to %s", folder, dest)
    return dest
