"""Clip: the one manifest record, written by the data recipes (`clapsearch.data`) and read by the trainer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Clip:
    """One clip and its captions, as a manifest row describes it (lhotse style: describe now, decode later).

    `audio` is relative to the manifest's folder in a written manifest, and absolute once the trainer has read
    it. A manifest row holds the first five fields; the last two are the trainer's, never written: `duration`
    (seconds, from the file's header when the trainer checks the clip) and `background` (a training mixture's
    background group: the mixture holds that concept too).
    """

    audio: str
    captions: list[str]
    label: str = ""
    source: str = ""
    licence: str = ""
    duration: float = 0.0
    background: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest row: a JSON-ready dict in the manifest's key order (the trainer's fields left out)."""
        return {"audio": self.audio, "captions": list(self.captions), "label": self.label, "source": self.source,
                "licence": self.licence}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Clip:
        """Return a Clip from a manifest row, exactly as written (a single ``caption`` string is accepted too)."""
        caps = d.get("captions")
        if caps is None:
            caps = [d["caption"]] if d.get("caption") else []
        return cls(
            audio=str(d["audio"]),
            captions=[str(c) for c in caps],
            label=str(d.get("label", "")),
            source=str(d.get("source", "")),
            licence=str(d.get("licence", "")),
        )

    @property
    def group(self) -> str:
        """The label-aware batching group: the concept label, or the clip itself when it has none."""
        return f"label:{self.label}" if self.label else f"clip:{self.audio}"
