"""Caption rules: names, folders, descriptions and transcripts become natural phrases."""
from __future__ import annotations

import re

import pytest

from clapsearch.data import captions as C

ID_LIKE = re.compile(r"[_\d]|\.(ogg|wav|flac)|\bsfx\b|\bsnd\b|\bv\d")


@pytest.fixture(autouse=True)
def fixed_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use a small fixed word list so results do not depend on the machine's /usr/share/dict."""
    words = frozenset("cattle goat horse gravel grass door slam stone gate wind leaves sword small orc river fast "
                      "colorful rooster cow large metal mallet ambient birds wood".split())
    monkeypatch.setattr(C, "dictionary", lambda: words)


def test_tokens_strip_ids_numbers_extensions() -> None:
    assert C.tokens("Cattle_06.ogg") == ["cattle"]
    assert C.tokens("sfx_door_slam_01.wav") == ["door", "slam"]
    assert C.tokens("swordhit_11a.ogg") == ["sword", "hit"]
    assert C.tokens("xq7_zzkt.wav") == []


def test_animal_in_fauna_folder_gets_verbs_and_synonyms() -> None:
    label, caps = C.caption_path("actor/fauna/animal/cattle_06.ogg")
    assert label == "cattle"
    assert "cattle lowing" in caps and "cows mooing" in caps
    assert not any(ID_LIKE.search(c) for c in caps)


def test_folder_action_applies_to_file_noun() -> None:
    label, caps = C.caption_path("fauna/death/goat_12.ogg")
    assert label == "goat dying"
    assert caps[0] == "a goat dying"
    assert "a goat bleating" in caps


def test_footsteps_surface() -> None:
    label, caps = C.caption_path("actor/singlesteps/fs_gravel_03.ogg")
    assert label == "footsteps"
    assert caps[0] == "footsteps on gravel"


def test_inanimate_hit_and_modifiers() -> None:
    assert C.caption_path("weapon/swordhit_11a.ogg")[1][0] == "a sword hitting something"
    label, caps = C.caption_path("orc-small-hit-3.ogg")
    assert label == "orc being hit" and caps[0] == "a small orc being hit"


def test_uncaptionable_names_are_dropped() -> None:
    assert C.caption_path("misc/xq7_zzkt_01.wav") is None
    assert C.caption_path("big_03.ogg") is None


def test_description_first_line() -> None:
    label, caps = C.caption_description("A colorful rooster.\nfr.utf8=Un coq.")
    assert label == "rooster"
    assert caps[0] == "a colorful rooster crowing"
    assert C.caption_description("Remember to flush the toilet!") is None
    assert C.caption_description("UB2006 deep sea vessel.") is None


def test_speech_caption() -> None:
    label, caps = C.caption_speech("Please enter your password.", "woman")
    assert label == "woman speaking"
    assert caps[0] == "a woman saying: please enter your password"
    assert "a woman speaking" in caps
    assert C.caption_speech("[ascending tones]")[1][0] == "ascending tones"


def test_article() -> None:
    assert C.article("owl") == "an owl"
    assert C.article("cow") == "a cow"
    assert C.article("footsteps") == "footsteps"
    assert C.article("rain") == "rain"


@pytest.mark.parametrize("name", ["ambient/birds2.ogg", "water/river_fast.ogg", "gate/stonegate_close_2.ogg",
                                  "horse_attack1.ogg", "civ_dog_bark.ogg", "wind_01_v2.ogg"])
def test_no_id_like_tokens_in_any_caption(name: str) -> None:
    res = C.caption_path(name)
    assert res is not None, name
    assert not any(ID_LIKE.search(c) for c in res[1]), res
    assert len(res[1]) >= 2
