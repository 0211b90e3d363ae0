"""WordNet caption breadth, on a small database written in WordNet's own format (wndb(5))."""
from __future__ import annotations

from pathlib import Path

import pytest

from clapsearch.data.lexicon import LexiconError, WordNet, load_lexicon
from clapsearch.manifest import Clip
from clapsearch.trainer.manifest import add_label_captions

# name -> (lexicographer file, words, hypernym names); the index lists senses in this order.
SYNSETS = {
    "animal": (5, ["animal", "beast"], []),
    "horse": (5, ["horse", "Equus_caballus"], ["equine"]),
    "equine": (5, ["equine", "equid"], ["animal"]),
    "timepiece": (6, ["timepiece", "timekeeper"], []),
    "timer": (6, ["timer"], ["timepiece"]),
    "clock": (6, ["clock"], ["timepiece"]),
    "kitchen": (6, ["kitchen"], []),
    "violin": (6, ["violin", "fiddle"], ["bowed_stringed_instrument"]),
    "bowed_stringed_instrument": (6, ["bowed_stringed_instrument", "string"], ["musical_instrument"]),
    "musical_instrument": (6, ["musical_instrument", "instrument"], []),
    "string_fibre": (6, ["string", "twine"], []),
    "fiddle_cheat": (4, ["fiddle", "swindle"], []),
    "orca": (5, ["killer_whale", "killer", "orca"], ["animal"]),
    "killer_person": (18, ["killer", "slayer"], []),
    "Drake": (18, ["Drake", "Francis_Drake"], []),
    "drake": (5, ["drake"], ["animal"]),
    "standard": (9, ["standard", "criterion"], []),
    "level_crossing": (6, ["level_crossing", "grade_crossing"], []),
    "bell": (6, ["bell"], ["musical_instrument"]),
}
# lemma -> (tagged sense count, synset names in sense order)
INDEX = {
    "animal": (5, ["animal"]), "beast": (1, ["animal"]), "horse": (5, ["horse"]), "equine": (1, ["equine"]),
    "equid": (0, ["equine"]), "equus_caballus": (0, ["horse"]), "timepiece": (2, ["timepiece"]),
    "timekeeper": (0, ["timepiece"]), "timer": (1, ["timer"]), "clock": (4, ["clock"]), "kitchen": (3, ["kitchen"]),
    "violin": (2, ["violin"]), "fiddle": (2, ["violin", "fiddle_cheat"]),
    "bowed_stringed_instrument": (0, ["bowed_stringed_instrument"]),
    "string": (3, ["string_fibre", "bowed_stringed_instrument"]), "twine": (1, ["string_fibre"]),
    "musical_instrument": (4, ["musical_instrument"]), "instrument": (4, ["musical_instrument"]),
    "swindle": (1, ["fiddle_cheat"]), "killer_whale": (1, ["orca"]), "orca": (1, ["orca"]),
    "killer": (3, ["killer_person", "orca"]), "slayer": (1, ["killer_person"]),
    "drake": (2, ["Drake", "drake"]), "francis_drake": (0, ["Drake"]), "standard": (3, ["standard"]),
    "criterion": (2, ["standard"]), "level_crossing": (1, ["level_crossing"]),
    "grade_crossing": (1, ["level_crossing"]),
    "bell": (3, ["bell"]),
}


def write_wordnet(folder: Path) -> Path:
    """Write index.noun and data.noun as WordNet lays them out: byte offsets as synset ids, a licence header."""
    header = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University\n"
    offsets: dict[str, int] = {}
    position = len(header)
    for name in SYNSETS:  # fixed-width offsets, so the layout is known before writing
        offsets[name] = position
        position += len(_data_line(0, SYNSETS[name], {n: 0 for n in SYNSETS})) + 1
    lines = [_data_line(offsets[name], SYNSETS[name], offsets) for name in SYNSETS]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.noun").write_text(header + "".join(line + "\n" for line in lines), encoding="latin-1")
    index = [f"{lemma} n {len(names)} 1 @ {len(names)} {tagged} " + " ".join(f"{offsets[n]:08d}" for n in names)
             for lemma, (tagged, names) in sorted(INDEX.items())]
    (folder / "index.noun").write_text(header + "".join(line + " \n" for line in index), encoding="latin-1")
    return folder


def _data_line(offset: int, synset: tuple[int, list[str], list[str]], offsets: dict[str, int]) -> str:
    lexfile, words, hypernyms = synset
    pointers = " ".join(f"@ {offsets[h]:08d} n 0000" for h in hypernyms)
    return (f"{offset:08d} {lexfile:02d} n {len(words):02x} " + " ".join(f"{w} 0" for w in words)
            + f" {len(hypernyms):03d} {pointers} | a gloss")


@pytest.fixture
def wordnet(tmp_path: Path) -> WordNet:
    return WordNet(write_wordnet(tmp_path / "dict"))


def test_head_noun_gets_common_synonyms_and_a_broader_name(wordnet: WordNet) -> None:
    # the head of "horse galloping" is horse; Equus caballus is not lowercase and never tagged, so it is left out
    assert wordnet.broaden("horse galloping") == ["equine galloping"]
    # violin's synonym fiddle is kept (its first sense is the violin); the broader "bowed stringed instrument" is
    # never tagged and "string" is first a fibre, so the name comes from one level further up
    assert wordnet.broaden("violin") == ["fiddle", "musical instrument"]


def test_compounds_and_noun_modifiers(wordnet: WordNet) -> None:
    # "kitchen timer": the head is the last noun; its broader name drops the modifier
    assert wordnet.broaden("kitchen timer") == ["timepiece"]
    # "level crossing" is one WordNet compound, so the head is "bell", not "crossing"
    assert wordnet.broaden("level crossing bell") == ["musical instrument"]
    # a plural head is looked up by its singular
    assert wordnet.broaden("clocks ticking") == ["timepiece ticking"]


def test_wrong_senses_are_not_used(wordnet: WordNet) -> None:
    assert wordnet.broaden("orca") == ["killer whale", "animal"]  # not "killer": its first sense is a person
    assert wordnet.broaden("drake") == ["animal"]  # the common noun, not Francis Drake
    assert wordnet.broaden("standard") == []  # not a sound source (noun.cognition)
    assert wordnet.broaden("the word clock") == []  # a spoken word's synonyms are other words
    assert wordnet.broaden("galloping") == []  # no noun to broaden
    assert wordnet.broaden("") == []


def test_label_captions_take_the_templates_in_turn(wordnet: WordNet) -> None:
    clips = [Clip("a.wav", ["a horse galloping on a road"], label="horse galloping"),
             Clip("b.wav", ["a woman saying seven"], label="the word seven"),
             Clip("c.wav", ["unlabelled"])]
    add_label_captions(clips, ("this is a sound of {label}", "the sound of {label}"), wordnet)
    assert clips[0].captions == ["a horse galloping on a road", "this is a sound of horse galloping",
                                 "the sound of horse galloping", "this is a sound of equine galloping"]
    assert clips[1].captions == ["a woman saying seven", "this is a sound of the word seven",
                                 "the sound of the word seven"]
    assert clips[2].captions == ["unlabelled"]


def test_missing_or_damaged_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="holds no WordNet index.noun"):
        WordNet(tmp_path)
    folder = write_wordnet(tmp_path / "dict")
    (folder / "index.noun").write_text("horse n x\n")
    with pytest.raises(LexiconError, match="unreadable line"):
        WordNet(folder)
    assert load_lexicon("", tmp_path) is None
