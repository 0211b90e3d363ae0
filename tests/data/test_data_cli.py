"""`clapsearch data` sub-app: shared-set conversion and argument errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
from typer.testing import CliRunner

from clapsearch.cli.data import app

runner = CliRunner()


def test_shared_converts_manifest_csv_to_absolute_jsonl(tmp_path: Path) -> None:
    s = tmp_path / "train" / "myset"
    (s / "audio").mkdir(parents=True)
    sf.write(s / "audio" / "dog_0001.ogg", np.zeros(800, np.float32), 8000)
    (s / "manifest.csv").write_text(
        "audio,caption,label,source,licence\n"
        "audio/dog_0001.ogg,a dog barking,dog,github:x/y@1:a.wav,MIT\n"
        "audio/missing.ogg,a cat,cat,github:x/y@1:b.wav,MIT\n")
    out = tmp_path / "shared.jsonl"
    res = runner.invoke(app, ["shared", "--root", str(tmp_path / "train"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows == [{"audio": str((s / "audio" / "dog_0001.ogg").resolve()), "captions": ["a dog barking"],
                     "label": "dog", "source": "github:x/y@1:a.wav", "licence": "MIT"}]


def test_unknown_package_and_missing_root(tmp_path: Path) -> None:
    res = runner.invoke(app, ["debian", "--out", str(tmp_path / "c"), "--packages", "no-such-pkg"])
    assert res.exit_code == 2 and "unknown package" in res.output
    res = runner.invoke(app, ["shared", "--root", str(tmp_path / "nope"), "--out", str(tmp_path / "s.jsonl")])
    assert res.exit_code == 2
