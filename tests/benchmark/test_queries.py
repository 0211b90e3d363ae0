"""Free-text queries over a labelled set (`benchmark --queries`): the file, the scores, the CLI and its errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clapsearch.benchmark import RunOptions, load_task, run_task
from clapsearch.benchmark.indexing import open_engine, score_matrix
from clapsearch.benchmark.queries import LabelQuery, load_queries, precision_at_k, query_scores
from clapsearch.cli.main import app
from clapsearch.errors import DataError, DataNotFound, OptionError

OPTS = RunOptions(model="tiny", workers=0, device="cpu")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_queries_file_maps_labels_as_written_to_the_classes(tmp_path: Path) -> None:
    f = write(tmp_path / "q.csv", "# comment\nlabel,query\n\nDoor Wood Knock,  someone   knocking \n"
                                  "door_wood_knock,a rap on a door\nrain,\"a downpour, on a roof\"\n")
    assert load_queries(f, ["door_wood_knock", "rain"]) == [
        LabelQuery("door_wood_knock", "someone knocking"), LabelQuery("door_wood_knock", "a rap on a door"),
        LabelQuery("rain", "a downpour, on a roof")]


@pytest.mark.parametrize(("text", "message"), [
    ("label,query\ncat,a cat\nrain,\n", "line 3: the query is empty"),
    ("# c\nlabel,query\ncat,a cat\n\nbird,a bird\n", "line 5: 'bird' is not a class of the data set (cat, rain)"),
    ("class,text\ncat,a cat\n", "line 1: the header must name the columns label and query"),
    ("# nothing here\n", "has no rows"),
    ("label,query\n", "has a header but no queries"),
])
def test_a_bad_queries_file_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_queries(write(tmp_path / "q.csv", text), ["cat", "rain"])


def test_a_missing_folder_or_binary_queries_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataNotFound, match="not found"):
        load_queries(tmp_path / "none.csv", ["cat"])
    with pytest.raises(DataError, match="is a folder"):
        load_queries(tmp_path, ["cat"])
    (tmp_path / "b.csv").write_bytes(b"label,query\ncat,\xff\xfe\n")
    with pytest.raises(DataError, match="not UTF-8"):
        load_queries(tmp_path / "b.csv", ["cat"])


def test_precision_at_10_counts_relevant_clips_among_the_best_ten() -> None:
    scores = np.arange(20, dtype=float)[::-1]  # clip 0 best
    relevant = np.zeros(20, bool)
    relevant[[0, 3, 15]] = True
    assert precision_at_k(scores, relevant) == pytest.approx(2 / 3)  # 3 relevant: 2 of them in the top 10
    relevant[[1, 2, 4, 5, 6, 7, 8, 9, 11]] = True
    assert precision_at_k(scores, relevant) == pytest.approx(1.0)
    relevant[:] = False
    relevant[[10, 12]] = True
    assert precision_at_k(scores, relevant) == 0.0
    assert np.isnan(precision_at_k(scores, np.zeros(20, bool)))
    p10, ap = query_scores(np.stack([scores, -scores]), np.stack([relevant, relevant]))
    assert p10.tolist() == [0.0, 1.0]  # reversed, clips 12 and 10 rank 8th and 10th
    assert ap == pytest.approx([(1 / 11 + 2 / 13) / 2, (1 / 8 + 2 / 10) / 2])  # AP over the whole ranking


def test_queries_are_searched_through_the_engine_and_scored(folder_layout: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "q.csv", "label,query\nhum,a low drone\nhiss,white noise\nhiss,steam escaping\n")
    index = tmp_path / "idx"
    r = run_task("folder", folder_layout, RunOptions(**{**OPTS.__dict__, "queries": f}), index)
    assert (r.protocol, r.metric, r.n, r.metrics["queries"]) == ("queries", "P@10", 6, 3)
    data = load_task("folder", folder_layout)
    engine = open_engine(index, "tiny", "cpu")
    paths = [c.path for c in data.clips]
    texts = ["a low drone", "white noise", "steam escaping", "this is a sound of hum", "this is a sound of hiss"]
    cos = score_matrix(engine, engine.encoder.embed_texts(texts), paths)
    labels = [c.labels[0] for c in data.clips]
    asks = ["hum", "hiss", "hiss", "hum", "hiss"]
    # 3 clips per class: P@10 is recall over 6 clips, so 1.0; AP orders them.
    p10, ap = query_scores(cos, np.array([[lab == a for lab in labels] for a in asks]))
    assert r.value == pytest.approx(p10[:3].mean()) == pytest.approx(1.0)
    assert r.metrics["mAP"] == pytest.approx(ap[:3].mean())
    assert r.metrics["prompt_mAP"] == pytest.approx(ap[3:].mean())
    assert r.per_class == pytest.approx({"hum": p10[0], "hiss": p10[1:3].mean()})


def test_grouped_sets_are_searched_across_groups(tmp_path: Path, write_tone) -> None:
    """A user's search spans every clip: a query's top 10 may hold clips of other groups (they count as misses)."""
    root = tmp_path / "g"
    for name in ("cat", "dog", "cello", "piano"):
        write_tone(root / "audio" / f"{name}.wav", 200 + 300 * len(name))
    write(root / "labels.csv", "filename,label,group\ncat.wav,cat,animal\ndog.wav,dog,animal\n"
                               "cello.wav,cello,instrument\npiano.wav,piano,instrument\n")
    opts = RunOptions(**{**OPTS.__dict__, "queries": write(tmp_path / "q0.csv", "label,query\ncello,x\n")})
    run_task("csv", root, opts, tmp_path / "idx")  # builds the index
    engine = open_engine(tmp_path / "idx", "tiny", "cpu")
    paths = [c.path for c in load_task("csv", root).clips]
    cello = [Path(p).name for p in paths].index("cello.wav")
    # A query for which some animal outranks the cello (the tiny model is random but deterministic).
    texts = [f"a bowed string number {i}" for i in range(40)]
    cos = score_matrix(engine, engine.encoder.embed_texts(texts), paths)
    ranks = (cos > cos[:, [cello]]).sum(axis=1) + 1
    pick = int(np.argmax(ranks))
    assert ranks[pick] >= 3, "no query ranks an animal above the cello"
    f = write(tmp_path / "q.csv", f"label,query\ncello,{texts[pick]}\n")
    r = run_task("csv", root, RunOptions(**{**OPTS.__dict__, "queries": f}), tmp_path / "idx")
    assert r.n == 4 and r.value == 1.0  # one relevant clip, within the top 10 of 4
    assert r.metrics["mAP"] == pytest.approx(1 / ranks[pick])  # its rank among all four, not among two instruments


def test_queries_need_a_labelled_set_and_zero_shot(tmp_path: Path, folder_layout: Path, write_tone) -> None:
    f = write(tmp_path / "q.csv", "label,query\nhum,a drone\n")
    with pytest.raises(OptionError, match="--protocol zeroshot"):
        run_task("folder", folder_layout, RunOptions(**{**OPTS.__dict__, "queries": f, "protocol": "probe-l1"}))
    root = tmp_path / "clotho"
    write_tone(root / "evaluation" / "c0.wav", 300)
    write(root / "captions.csv", "file_name,caption_1\nc0.wav,low hum\n")
    with pytest.raises(OptionError, match="classification task"):
        run_task("clotho", root, RunOptions(**{**OPTS.__dict__, "queries": f}))


def test_cli_queries_end_to_end_and_its_errors(folder_layout: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    f = write(tmp_path / "q.csv", "label,query\nhum,a low drone\nhiss,white noise\n")
    out = tmp_path / "r.json"
    base = ["benchmark", "folder", "--root", str(folder_layout), "--model", "tiny", "--index", str(tmp_path / "i"),
            "--workers", "0", "--device", "cpu"]
    result = runner.invoke(app, [*base, "--queries", str(f), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "P@10" in result.output and "prompt_P@10" in result.output
    r = json.loads(out.read_text())
    assert (r["protocol"], r["metric"], r["queries"], set(r["per_class"])) == ("queries", "P@10", 2, {"hum", "hiss"})
    assert [(q["label"], q["query"]) for q in r["per_query"]] == [("hum", "a low drone"), ("hiss", "white noise")]
    assert {q["label"]: q["P@10"] for q in r["per_query"]} == pytest.approx(r["per_class"])
    assert all(0 < q["AP"] <= 1 for q in r["per_query"])
    bad = write(tmp_path / "bad.csv", "label,query\nbird,a bird\n")
    for args, message in (([*base, "--queries", str(bad)], "'bird' is not a class"),
                          ([*base, "--queries", str(tmp_path / "none.csv")], "not found"),
                          (["benchmark", "all", "--root", str(tmp_path), "--queries", str(f)], "not 'all'")):
        result = runner.invoke(app, args)
        assert result.exit_code != 0
        lines = [line for line in result.output.strip().splitlines() if line.strip()]
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output, result.output
