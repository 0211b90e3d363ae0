"""Metrics against small cases computed by hand."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clapsearch.benchmark import Clip, LabelledSet
from clapsearch.benchmark.metrics import (
    accuracy,
    average_precision,
    average_precision_at_k,
    confusion_matrix,
    descending_ranks,
    hubs,
    map_at_k,
    mean_average_precision,
    per_class_accuracy,
    recall_at_k,
    relevant_ranks,
    softmax,
)
from clapsearch.benchmark.retrieval import retrieval_scores
from clapsearch.benchmark.zeroshot import classification_result


def test_accuracy_confusion_and_per_class() -> None:
    truth, pred = [0, 1, 2, 1], [0, 2, 2, 1]
    assert accuracy(truth, pred) == 0.75
    assert confusion_matrix(truth, pred, 3).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert per_class_accuracy(truth, pred, ["a", "b", "c", "unused"]) == {"a": 1.0, "b": 0.5, "c": 1.0}
    assert accuracy([], []) == 0.0


def test_hubs_are_classes_predicted_far_more_often_than_they_occur() -> None:
    # a attracts the clips of b and c; b is never predicted; c is predicted as often as it occurs
    truth, pred = [0, 0, 1, 1, 1, 2, 2], [0, 0, 0, 0, 2, 0, 2]
    conf = confusion_matrix(truth, pred, 3)
    assert hubs(conf, ["a", "b", "c"]) == [("a", 5, 2)]
    assert hubs(conf, ["a", "b", "c"], factor=3.0) == []
    names = ["a", "b", "c"]
    data = LabelledSet("csv", Path("/"), [Clip(f"/{i}.wav", (names[t],)) for i, t in enumerate(truth)], names)
    scored = classification_result(data, np.eye(3)[pred], range(7))
    assert scored.metrics["hub_ratio"] == pytest.approx(5 / 2)


def test_ranks_are_stable_on_ties() -> None:
    assert descending_ranks(np.array([0.2, 0.9, 0.2, 0.5])).tolist() == [3, 1, 4, 2]


def test_average_precision_and_multilabel_map() -> None:
    # class 0: relevant items ranked 1st and 3rd -> (1/1 + 2/3) / 2
    assert average_precision([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]) == pytest.approx(5 / 6)
    scores = np.array([[0.9, 0.1], [0.8, 0.4], [0.7, 0.3], [0.6, 0.2]])
    targets = np.array([[1, 0], [0, 0], [1, 0], [0, 1]], dtype=bool)
    value, aps = mean_average_precision(scores, targets)
    # class 1: its one relevant item (0.2) is ranked 3rd -> 1/3
    assert aps == pytest.approx([5 / 6, 1 / 3])
    assert value == pytest.approx((5 / 6 + 1 / 3) / 2)
    # a class with no positive has no AP and is left out of the mean
    value, aps = mean_average_precision(scores, np.c_[targets[:, :1], np.zeros((4, 1), bool)])
    assert np.isnan(aps[1]) and value == pytest.approx(5 / 6)


def test_average_precision_at_k_normalises_by_min_relevant_k() -> None:
    assert average_precision_at_k(np.array([3])) == pytest.approx(1 / 3)
    assert average_precision_at_k(np.array([11])) == 0.0
    assert average_precision_at_k(np.array([1, 12])) == pytest.approx(0.5)  # (1/1) / min(2, 10)
    assert average_precision_at_k(np.arange(1, 13)) == pytest.approx(1.0)  # 10 hits / min(12, 10)
    assert average_precision_at_k(np.array([2, 4]), k=10) == pytest.approx((1 / 2 + 2 / 4) / 2)


# Three clips A, B, C; captions a1, a2 -> A; b1, b2 -> B; c1 -> C. Rows: captions, columns: clips.
SIM = np.array([
    [0.9, 0.1, 0.2],   # a1: A ranked 1
    [0.3, 0.5, 0.5],   # a2: A ranked 3
    [0.6, 0.7, 0.1],   # b1: B ranked 1
    [0.8, 0.2, 0.3],   # b2: B ranked 3
    [0.5, 0.4, 0.45],  # c1: C ranked 2
])
CAPTION_CLIP = [0, 0, 1, 1, 2]


def test_text_to_audio_by_hand() -> None:
    ranks = relevant_ranks(SIM, [[c] for c in CAPTION_CLIP])
    assert [r.tolist() for r in ranks] == [[1], [3], [1], [3], [2]]
    assert recall_at_k(ranks, 1) == pytest.approx(2 / 5)
    assert recall_at_k(ranks, 2) == pytest.approx(3 / 5)
    assert recall_at_k(ranks, 5) == 1.0
    assert map_at_k(ranks, 10) == pytest.approx((1 + 1 / 3 + 1 + 1 / 3 + 1 / 2) / 5)


def test_audio_to_text_by_hand_with_several_captions_per_clip() -> None:
    # Column A ranks captions a1 .9, b2 .8, b1 .6, c1 .5, a2 .3: A's captions at 1 and 5.
    # Column B: b1 .7, a2 .5, c1 .4, b2 .2, a1 .1: B's captions at 1 and 4.
    # Column C: a2 .5, c1 .45, ...: C's caption at 2.
    ranks = relevant_ranks(SIM.T, [[0, 1], [2, 3], [4]])
    assert [r.tolist() for r in ranks] == [[1, 5], [1, 4], [2]]
    aps = [(1 + 2 / 5) / 2, (1 + 2 / 4) / 2, 1 / 2]
    m = retrieval_scores(SIM, CAPTION_CLIP)
    assert m["a2t_R@1"] == pytest.approx(2 / 3)  # a clip counts at its best-ranked caption
    assert m["a2t_R@5"] == 1.0
    assert m["a2t_mAP@10"] == pytest.approx(sum(aps) / 3)
    assert m["t2a_R@1"] == pytest.approx(2 / 5)
    assert m["t2a_R@10"] == 1.0
    assert m["t2a_mAP@10"] == pytest.approx((1 + 1 / 3 + 1 + 1 / 3 + 1 / 2) / 5)


def test_softmax_ignores_classes_out_of_play() -> None:
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0), -np.inf])), [0.25, 0.75, 0.0])


def test_grouped_classification_by_hand() -> None:
    classes = ["cat", "cello", "dog"]
    groups = {"cat": "animal", "dog": "animal", "cello": "instrument"}
    clips = [Clip("/a.wav", ("cat",), "animal"), Clip("/b.wav", ("dog",), "animal"),
             Clip("/c.wav", ("cello",), "instrument")]
    data = LabelledSet("csv", Path("/"), clips, classes, class_groups=groups)
    # Clip b's best logit overall is "cello", which is not an animal: within its group it is "dog" (right).
    logits = np.array([[2.0, 0.0, 2.0 - np.log(3.0)],  # cat 0.75 vs dog 0.25 -> right
                       [0.0, 9.0, 1.0],                  # dog -> right
                       [5.0, 0.0, 5.0]])                 # cello is its group's only class -> right, p = 1
    r = classification_result(data, logits, [0, 1, 2])
    assert r.value == 1.0 and r.confusion == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    p_b = 1 / (1 + np.exp(-1.0))
    assert r.metrics["nll"] == pytest.approx(-(np.log(0.75) + np.log(p_b) + 0.0) / 3)
    assert r.metrics["accuracy[animal]"] == 1.0 and r.metrics["accuracy[instrument]"] == 1.0


def test_multilabel_classification_by_hand() -> None:
    clips = [Clip("/a.wav", ("dog", "pet")), Clip("/b.wav", ("cat", "pet")), Clip("/c.wav", ("car",))]
    data = LabelledSet("csv", Path("/"), clips, ["car", "cat", "dog", "pet"], multi_label=True)
    logits = np.array([[0.0, 1.0, 3.0, 2.0],
                       [0.5, 0.2, 0.1, 0.3],
                       [4.0, 0.0, 0.0, 5.0]])
    r = classification_result(data, logits, [0, 1, 2])
    # car: relevant c ranked 1st -> 1; cat: relevant b ranked 2nd (a: 1.0, b: 0.2) -> 1/2;
    # dog: a ranked 1st -> 1; pet: relevant a, b; ranking c 5.0, a 2.0, b 0.3 -> (1/2 + 2/3) / 2.
    aps = [1.0, 0.5, 1.0, (1 / 2 + 2 / 3) / 2]
    assert r.metric == "mAP" and r.value == pytest.approx(np.mean(aps))
    assert r.per_class == pytest.approx(dict(zip(data.classes, aps)))
    # top-1: a -> dog (right), b -> car (wrong), c -> pet (wrong)
    assert r.metrics["accuracy"] == pytest.approx(1 / 3)
