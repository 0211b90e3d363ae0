from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from clapsearch.data.manifest import write_jsonl
from clapsearch.manifest import Clip
from clapsearch.trainer.manifest import TrainClip, load_manifests, read_manifest, split_holdout


def test_csv_rows_of_one_clip_merge_and_paths_resolve(tmp_path: Path) -> None:
    sf.write(tmp_path / "a.wav", np.zeros(1600, np.float32), 16000)
    (tmp_path / "m.csv").write_text("audio,caption,label\na.wav,a door,door\na.wav,a door slams,door\n")
    clips, summary = read_manifest(tmp_path / "m.csv")
    assert len(clips) == 1 and summary.rows == 2
    assert clips[0].captions == ["a door", "a door slams"]
    assert clips[0].audio == str((tmp_path / "a.wav").resolve()) and clips[0].label == "door"


def test_bad_files_are_skipped_and_reported(tmp_path: Path) -> None:
    sf.write(tmp_path / "good.wav", np.zeros(1600, np.float32), 16000)
    (tmp_path / "garbage.wav").write_bytes(b"not audio at all" * 10)
    (tmp_path / "empty.wav").write_bytes(b"")
    rows = [{"audio": n, "captions": ["x"]} for n in ("good.wav", "garbage.wav", "empty.wav", "missing.wav")]
    rows.append({"audio": "good2.wav", "captions": []})
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    clips, summaries, skipped = load_manifests([tmp_path / "m.jsonl"])
    assert [Path(c.audio).name for c in clips] == ["good.wav"]
    assert {Path(s.audio).name for s in skipped} == {"garbage.wav", "empty.wav", "missing.wav", "good2.wav"}
    assert all(s.reason for s in skipped) and summaries[0].clips == 1


def test_holdout_split_is_deterministic_and_disjoint() -> None:
    clips = [Clip(f"/x/{i}.wav", ["c"]) for i in range(200)]
    train, held = split_holdout(clips, 0.1)
    assert 5 < len(held) < 40 and not {c.audio for c in train} & {c.audio for c in held}
    assert [c.audio for c in split_holdout(clips, 0.1)[1]] == [c.audio for c in held]


def test_clip_round_trips_through_dict() -> None:
    clip = Clip("/a.wav", ["one", "two"], "lbl", "src", "CC0")
    assert Clip.from_dict(clip.to_dict()) == clip
    # duration and background are the trainer's working fields, never written to a manifest
    assert Clip("/a.wav", ["one"], duration=1.5, background="label:x").to_dict() == Clip("/a.wav", ["one"]).to_dict()


def test_data_and_trainer_share_one_record(tmp_path: Path) -> None:
    import clapsearch.data as data

    assert TrainClip is Clip and data.Clip is Clip
    sf.write(tmp_path / "a.wav", np.zeros(16000, np.float32), 16000)
    write_jsonl(tmp_path / "m.jsonl", [Clip("a.wav", [" a door ", ""], "door", "debian:x", "GPL")])
    clips, _, _ = load_manifests([tmp_path / "m.jsonl"])
    assert clips == [Clip(str((tmp_path / "a.wav").resolve()), ["a door"], "door", "debian:x", "GPL", duration=1.0)]


def test_label_captions_are_added_once() -> None:
    from clapsearch.trainer.manifest import add_label_captions

    clips = [Clip(audio="a.wav", captions=["cattle lowing"], label="cow"), Clip(audio="b.wav", captions=["x"])]
    add_label_captions(clips, ("the sound of {label}", "the sound of {label}", "{label}"))
    assert clips[0].captions == ["cattle lowing", "the sound of cow", "cow"]
    assert clips[1].captions == ["x"]  # no label, nothing added
