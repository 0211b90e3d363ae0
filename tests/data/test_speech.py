"""`clapsearch data speech`: words rendered by Debian's text-to-speech voices, captions, determinism, errors."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from clapsearch.cli.data import app
from clapsearch.data import speech as S
from clapsearch.errors import MissingPackageError, OptionError

runner = CliRunner()
REQUIRED = os.environ.get("CLAPSEARCH_TEST_TTS_REQUIRED") == "1"  # CI installs the engines: never skip there


def _need(*binaries: str) -> None:
    missing = [b for b in binaries if shutil.which(b) is None]
    if missing and not REQUIRED:
        pytest.skip(f"Debian's {', '.join(missing)} not installed (apt-get install {' '.join(missing)})")


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_cli_renders_words_with_captions_durations_and_provenance(tmp_path: Path) -> None:
    _need("espeak-ng", "flite")
    out = tmp_path / "c"
    res = runner.invoke(app, ["speech", "--out", str(out), "--words", "seven,hello", "--per-word", "3",
                              "--engines", "espeak-ng,flite", "--workers", "1"])
    assert res.exit_code == 0, res.output
    rows = _rows(out)
    assert len(rows) == 6
    assert sorted({r["label"] for r in rows}) == ["the word hello", "the word seven"]
    for r in rows:
        word = r["label"].removeprefix("the word ")
        assert r["captions"][0] == word, "the bare word is a caption (the keyword-spotting prompt)"
        assert any(c.startswith(("a man ", "a woman ", "a child ")) and f"'{word}'" in c for c in r["captions"])
        assert r["source"] in ("debian:espeak-ng-data", "debian:libflite1")
        assert r["licence"] == S.LICENCES[r["source"].removeprefix("debian:")]
        audio, sr = sf.read(out / r["audio"])
        seconds = audio.size / sr
        assert 0.2 < seconds < 3.0, f"a single word lasts a fraction of a second to a second or two: {seconds}"
        assert np.sqrt(np.mean(audio ** 2)) > 0.01, "real speech, not silence"
        quarter, floor = int(0.25 * sr), 0.01 * np.abs(audio).max()
        assert np.abs(audio[:quarter]).max() > floor and np.abs(audio[-quarter:]).max() > floor, "silence trimmed"
    card = json.loads((out / "datacard.json").read_text())
    assert card["clips"] == 6


def test_same_seed_same_clips_other_seed_other_voices(tmp_path: Path) -> None:
    _need("espeak-ng")
    plan = S.Plan(engines=("espeak-ng",), per_word=2, words=("nine",), seed=3)
    first = [c for _, cs in S.build(tmp_path / "a", plan) for c in cs]
    again = [c for _, cs in S.build(tmp_path / "b", plan) for c in cs]
    assert [c.to_dict() for c in first] == [c.to_dict() for c in again]
    for x, y in zip(first, again):
        np.testing.assert_array_equal(sf.read(tmp_path / "a" / x.audio)[0], sf.read(tmp_path / "b" / y.audio)[0])
    other = [c for _, cs in S.build(tmp_path / "c", S.Plan(engines=("espeak-ng",), per_word=2, words=("nine",),
                                                             seed=4)) for c in cs]
    assert [c.audio for c in other] != [c.audio for c in first]


def test_festival_batch_renders_each_voice(tmp_path: Path) -> None:
    _need("festival")
    try:
        S.check_engines(("festival",))
    except MissingPackageError as exc:
        if REQUIRED:
            raise
        pytest.skip(str(exc))
    jobs = [(S.Voice("festival", name, speaker, pkg), "three", tmp_path / f"{name}.wav")
            for name, (speaker, pkg, _) in S.FESTIVAL_VOICES.items()]
    S.synthesise(jobs)
    for _, _, path in jobs:
        audio, sr = sf.read(path)
        assert 0.3 < audio.size / sr < 3.0


def test_missing_engine_is_one_line_naming_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng on this PATH
    with pytest.raises(MissingPackageError, match=r"apt-get install espeak-ng"):
        S.check_engines(("espeak-ng",))
    res = runner.invoke(app, ["speech", "--out", str(tmp_path / "c"), "--words", "seven", "--engines", "espeak-ng"])
    assert res.exit_code != 0
    assert "apt-get install espeak-ng" in res.output and "Traceback" not in res.output
    with pytest.raises(OptionError, match="unknown text-to-speech engine 'pico'"):
        S.check_engines(("pico",))
    with pytest.raises(OptionError, match="not a word"):
        S.build(tmp_path / "d", S.Plan(words=("-rf",)))


def test_plan_balances_digits_and_captions_every_kind() -> None:
    rng = np.random.default_rng(0)
    pool = {"espeak-ng": [S.Voice("espeak-ng", f"en-us+{v}", sp, "espeak-ng-data", 50, 1.0, v in S.WHISPER_VARIANTS)
                          for v, sp in S.ESPEAK_VARIANTS.items()],
            "flite": [S.Voice("flite", n, sp, "libflite1") for n, sp in S.FLITE_VOICES.items()]}
    texts = S.load_texts()
    items = S.plan_items(S.Plan(per_digit=7, per_number=1, per_word=1, per_name=1, digit_strings=5,
                                per_sentence=1, overlaps=20), texts, pool, rng)
    digits = [it for it in items if it.kind == "digit"]
    by_digit = {d: sorted(it.voices[0].id for it in digits if it.texts[0] == d) for d in texts["digits"]}
    assert len({tuple(v) for v in by_digit.values()}) == 1 and len(by_digit["seven"]) == 7, "same voices per digit"
    assert {it.kind for it in items} == {"digit", "number", "word", "name", "digits", "sentence", "overlap"}
    for it in items:
        assert it.label and it.captions and all(c.strip() for c in it.captions)
        assert not any(ch.isdigit() for c in it.captions for ch in c), "numbers are spelt out"
    overlaps = [it for it in items if it.kind == "overlap"]
    assert all(it.label == "people talking" and len(it.voices) in (2, 3) for it in overlaps)
    assert any("a man and a woman talking" in it.captions for it in overlaps)
    whispered = [it for it in items if it.voices[0].whisper and it.kind != "overlap"]
    assert whispered and all(any("whispering" in c for c in it.captions) for it in whispered)
    sentence = next(it for it in items if it.kind == "sentence" and not it.voices[0].whisper)
    assert sentence.label in ("man speaking", "woman speaking", "child speaking")
