"""Each adapter on a small generated layout, and the message it gives when the layout is wrong."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clapsearch.benchmark import CaptionSet, LabelledSet, discover, load_task
from clapsearch.benchmark.tasks import render_prompt, stable_fold


def _labels(data: LabelledSet) -> dict[str, tuple[str, ...]]:
    return {Path(c.path).name: c.labels for c in data.clips}


def test_esc50_follows_the_csv_filenames_and_folds(esc50_layout: Path) -> None:
    data = load_task("esc50", esc50_layout)
    assert isinstance(data, LabelledSet) and len(data.clips) == 6
    assert data.classes == ["crackling_fire", "dog", "pig", "rain"]
    assert all(c.path.endswith(".flac") and Path(c.path).is_file() for c in data.clips)
    assert data.folds() == [1, 2, 3, 4, 5, 1]
    esc10 = load_task("esc50", esc50_layout, esc10=True)
    assert sorted(esc10.classes) == ["crackling_fire", "dog", "rain"] and len(esc10.clips) == 4


def test_esc50_wrong_layouts_say_what_was_expected(esc50_layout: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="meta/esc50.csv"):
        load_task("esc50", tmp_path)
    next((esc50_layout / "audio").iterdir()).unlink()
    with pytest.raises(ValueError, match="missing"):
        load_task("esc50", esc50_layout)
    with pytest.raises(ValueError, match="unknown benchmark task"):
        load_task("esc500", esc50_layout)


def test_us8k(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    root = tmp_path / "us8k"
    write_tone(root / "audio" / "fold1" / "a.wav", 200)
    write_tone(root / "audio" / "fold2" / "b.wav", 900)
    (root / "metadata").mkdir()
    (root / "metadata" / "UrbanSound8K.csv").write_text(
        "slice_file_name,fsID,start,end,salience,fold,classID,class\n"
        "a.wav,1,0,1,1,1,3,dog_bark\nb.wav,2,0,1,1,2,8,siren\n")
    data = load_task("us8k", root)
    assert _labels(data) == {"a.wav": ("dog_bark",), "b.wav": ("siren",)} and data.folds() == [1, 2]
    (root / "metadata" / "UrbanSound8K.csv").unlink()
    with pytest.raises(ValueError, match="metadata/UrbanSound8K.csv"):
        load_task("us8k", root)


def test_gtzan_and_music_speech(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    for g in ("blues", "rock"):
        write_tone(tmp_path / "gtzan" / "genres" / g / f"{g}.00000.wav", 300)
    assert load_task("gtzan", tmp_path / "gtzan").classes == ["blues", "rock"]
    write_tone(tmp_path / "ms" / "music_wav" / "m.wav", 300)
    write_tone(tmp_path / "ms" / "speech_wav" / "s.wav", 300)
    assert _labels(load_task("gtzan-ms", tmp_path / "ms")) == {"m.wav": ("music",), "s.wav": ("speech",)}
    with pytest.raises(ValueError, match="genres/<genre>"):
        load_task("gtzan", tmp_path / "ms")
    with pytest.raises(ValueError, match="music folder and a speech folder"):
        load_task("gtzan-ms", tmp_path / "gtzan")


def test_fsdd_ravdess_and_speaker_count(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    for name in ("3_jackson_0.wav", "7_theo_12.wav", "notes_1.wav"):
        write_tone(tmp_path / "fsdd" / "recordings" / name, 400)
    assert _labels(load_task("fsdd", tmp_path / "fsdd")) == {"3_jackson_0.wav": ("three",), "7_theo_12.wav": ("seven",)}
    write_tone(tmp_path / "rav" / "Actor_01" / "03-01-05-01-01-01-01.wav", 400)
    write_tone(tmp_path / "rav" / "Actor_02" / "03-01-02-02-01-01-02.wav", 400)
    assert sorted(c.labels[0] for c in load_task("ravdess", tmp_path / "rav").clips) == ["angry", "calm"]
    with pytest.raises(ValueError, match="3rd field"):
        load_task("ravdess", tmp_path / "fsdd")
    for n in ("1", "2"):
        write_tone(tmp_path / "spk" / n / "x.wav", 400)
    data = load_task("speaker-count", tmp_path / "spk")
    assert data.classes == ["1", "2"]
    assert render_prompt("{n} persons speaking", "2") == "2 persons speaking"


def test_folder_layout(folder_layout: Path, tmp_path: Path) -> None:
    data = load_task("folder", folder_layout)
    assert data.classes == ["hiss", "hum"] and len(data.clips) == 6
    assert data.folds() == [stable_fold(Path(c.path).name) for c in data.clips]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="one sub-folder per class"):
        load_task("folder", tmp_path / "empty")


def test_csv_with_groups_and_multilabel_lists(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    root = tmp_path / "g"
    for name in ("cat.wav", "cello.wav", "piano.wav", "dog.wav"):
        write_tone(root / "audio" / name, 500)
    (root / "labels.csv").write_text("filename,label,group\ncat.wav,cat,animal\ndog.wav,dog,animal\n"
                                     "cello.wav,cello,instrument\npiano.wav,piano,instrument\n")
    data = load_task("csv", root)
    assert data.grouped and not data.multi_label
    assert data.class_groups == {"cat": "animal", "dog": "animal", "cello": "instrument", "piano": "instrument"}
    (root / "labels.csv").write_text('filename,label\ncat.wav,"cat,pet"\ndog.wav,dog;pet\ncello.wav,cello\n')
    data = load_task("csv", root)
    assert data.multi_label and not data.grouped
    assert _labels(data)["cat.wav"] == ("cat", "pet") and _labels(data)["dog.wav"] == ("dog", "pet")
    (root / "labels.csv").write_text("filename,label\nmissing.wav,cat\n")
    with pytest.raises(ValueError, match="not found beside it or in audio/"):
        load_task("csv", root)
    (root / "labels.csv").write_text("file,class\ncat.wav,cat\n")
    with pytest.raises(ValueError, match="lacks column"):
        load_task("csv", root)


def test_clotho_and_audiocaps(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    root = tmp_path / "clotho"
    write_tone(root / "evaluation" / "rain.wav", 300)
    write_tone(root / "evaluation" / "bird.wav", 2000)
    (root / "clotho_captions_evaluation.csv").write_text(
        "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\n"
        "rain.wav,rain falls,water drips,a storm,drops on a roof,heavy rain\n"
        "bird.wav,a bird sings,chirping,birds at dawn,a small bird,tweets\n")
    data = load_task("clotho", root)
    assert isinstance(data, CaptionSet) and len(data.clips) == 2 and len(data.captions) == 10
    assert data.caption_clip == [0] * 5 + [1] * 5 and data.clips[0].endswith("rain.wav")
    root = tmp_path / "audiocaps"
    write_tone(root / "test" / "yt123.wav", 300)
    write_tone(root / "test" / "42.wav", 300)
    (root / "test.csv").write_text("audiocap_id,youtube_id,start_time,caption\n1,yt123,30,a dog barks\n"
                                   "42,gone,0,a car passes\n2,yt123,30,barking\n3,absent,0,never found\n")
    data = load_task("audiocaps", root)
    assert [Path(p).name for p in data.clips] == ["yt123.wav", "42.wav"]
    assert data.captions == ["a dog barks", "a car passes", "barking"] and data.caption_clip == [0, 1, 0]
    with pytest.raises(ValueError, match="caption_1"):
        load_task("clotho", root)


def test_discover_finds_data_sets_by_name_and_labels_csv(tmp_path: Path, esc50_layout: Path) -> None:
    (tmp_path / "gcompris").mkdir()
    (tmp_path / "gcompris" / "labels.csv").write_text("filename,label\n")
    (tmp_path / "fsdd").mkdir()
    (tmp_path / "unrelated").mkdir()
    assert [(t, p.name) for t, p in discover(tmp_path)] == [("esc50", "esc50"), ("fsdd", "fsdd"), ("csv", "gcompris")]
    with pytest.raises(ValueError, match="no data set found"):
        discover(tmp_path / "unrelated")
