"""Training manifests as the recipes write them: JSONL of Clip records (clapsearch.manifest), and data cards."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from clapsearch.errors import DataError, DataNotFound
from clapsearch.manifest import Clip

__all__ = ["Clip", "SourceStats", "merge_parts", "read_jsonl", "write_jsonl"]

log = logging.getLogger(__name__)


@dataclass
class SourceStats:
    """Per-source counts for the data card: clips, seconds of audio, distinct concepts."""

    source: str
    licence: str
    clips: int = 0
    seconds: float = 0.0
    concepts: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (hours added for convenience)."""
        d = asdict(self)
        d["hours"] = round(self.seconds / 3600.0, 3)
        d["seconds"] = round(self.seconds, 1)
        d["n_concepts"] = len(self.concepts)
        d["wall_seconds"] = round(self.wall_seconds, 1)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SourceStats:
        """Return SourceStats from :meth:`to_dict` output."""
        return cls(
            source=d["source"],
            licence=d.get("licence", ""),
            clips=int(d.get("clips", 0)),
            seconds=float(d.get("seconds", 0.0)),
            concepts=list(d.get("concepts", [])),
            skipped=dict(d.get("skipped", {})),
            wall_seconds=float(d.get("wall_seconds", 0.0)),
        )


def write_jsonl(path: Path, clips: Iterable[Clip]) -> int:
    """Write clips as JSONL (one object per line) and return how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for clip in clips:
            fh.write(json.dumps(clip.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    log.info("wrote %d rows to %s", n, path)
    return n


def read_jsonl(path: Path) -> Iterator[Clip]:
    """Yield the clips of a JSONL manifest; raises ValueError naming the bad line."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFound(f"manifest {path} does not exist; build it with `clapsearch data debian --out DIR`")
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield Clip.from_dict(json.loads(line))
            except (ValueError, KeyError) as exc:
                raise DataError(f"{path}:{i}: not a manifest row ({exc}); fix or delete that line") from exc


def merge_parts(out: Path) -> tuple[int, dict]:
    """Merge ``<out>/parts/*.jsonl`` into ``<out>/manifest.jsonl`` and write ``<out>/datacard.json``.

    Return (rows, card)."""
    out = Path(out)
    parts = sorted((out / "parts").glob("*.jsonl"))
    clips = [c for p in parts for c in read_jsonl(p)]
    n = write_jsonl(out / "manifest.jsonl", clips)
    sources = {}
    for p in parts:
        stats_path = p.with_suffix(".json")
        if stats_path.is_file():
            d = json.loads(stats_path.read_text())
            sources[d["source"]] = d
    total_s = sum(d["seconds"] for d in sources.values())
    card = {
        "manifest": "manifest.jsonl",
        "clips": n,
        "hours": round(total_s / 3600.0, 3),
        "concepts": len({c.label for c in clips}),
        "sources": sources,
    }
    (out / "datacard.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return n, card
