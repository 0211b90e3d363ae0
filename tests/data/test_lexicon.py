"""WordNet caption breadth, on a small database written in WordNet's own format (wndb(5))."""
from __future__ import annotations

from pathlib import Path

import pytest

from clapsearch.data.lexicon import LexiconError, WordNet, load_lexicon
from clapsearch.errors import OptionError
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
    "dog": (5, ["animal"]), "door": (4, ["kitchen"]), "engine": (3, ["kitchen"]), "glass": (4, ["kitchen"]),
    "glasses": (1, ["kitchen"]), "metal": (2, ["kitchen"]), "man": (6, ["animal"]), "gas": (5, ["kitchen"]),
    "ga": (0, ["kitchen"]), "someone": (1, ["animal"]), "wing": (3, ["animal"]), "men": (1, ["animal"]),
}


# index.verb's lemmas and verb.exc's irregular -ing forms
VERBS = ["bark", "scrape", "scrap", "close", "open", "shut", "die", "hit", "clink", "swish", "cry", "read", "fly",
         "sing", "singe"]
VERB_EXCEPTIONS = {"shutting": "shut", "dying": "die"}
NOUN_EXCEPTIONS = {"men": "man", "gas": "gas"}  # WordNet lists some nouns as their own exception


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
    verbs = [f"{verb} v 1 0 1 0 {9000 + i:08d}" for i, verb in enumerate(sorted(VERBS))]
    (folder / "index.verb").write_text(header + "".join(line + " \n" for line in verbs), encoding="latin-1")
    (folder / "verb.exc").write_text("".join(f"{k} {v}\n" for k, v in VERB_EXCEPTIONS.items()), encoding="latin-1")
    (folder / "noun.exc").write_text("".join(f"{k} {v}\n" for k, v in NOUN_EXCEPTIONS.items()), encoding="latin-1")
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


def test_noun_verbing_labels_read_as_sentences(wordnet: WordNet) -> None:
    assert wordnet.sentence("dog barking") == "the dog barks"
    assert wordnet.sentence("door closing") == "the door closes"  # the verb with an e: "clos" is no verb
    assert wordnet.sentence("metal scraping") == "the metal scrapes"  # both are verbs: "scrapping" would be scrap
    assert wordnet.sentence("engine shutting down") == "the engine shuts down"  # verb.exc, the rest kept
    assert wordnet.sentence("horse dying") == "the horse dies"
    assert wordnet.sentence("horse being hit") == "the horse is hit"
    assert wordnet.sentence("level crossing bell swishing through the air") == (
        "the level crossing bell swishes through the air")  # a compound is not a gerund
    assert wordnet.sentence("someone reading out numbers") == "someone reads out numbers"  # no article
    assert wordnet.sentence("horse crying out") == "the horse cries out"


def test_plural_heads_take_the_plural_verb(wordnet: WordNet) -> None:
    assert wordnet.sentence("dogs barking") == "the dogs bark"
    assert wordnet.sentence("glasses clinking") == "the glasses clink"  # listed itself, but rarer than glass
    assert wordnet.sentence("wings flapping") is None  # flap is not in this WordNet
    assert wordnet.sentence("men shouting") is None  # shout is not either
    assert wordnet.sentence("men dying") == "the men die"  # listed itself, and a plural in noun.exc
    assert wordnet.sentence("horses being hit") == "the horses are hit"
    assert wordnet.sentence("gas hissing") is None
    assert wordnet.sentence("gas swishing") == "the gas swishes"  # "gas gas" in noun.exc is no plural; "ga" rare


def test_other_labels_give_no_sentence(wordnet: WordNet) -> None:
    for label in ["dog", "barking", "barking dog", "dog walking", "the word clock", "", "dog and horse"]:
        assert wordnet.sentence(label) is None, label


def test_sentences_are_added_as_captions_without_a_template(wordnet: WordNet) -> None:
    clips = [Clip("a.wav", ["a horse galloping"], label="horse dying"), Clip("b.wav", ["x"], label="violin")]
    add_label_captions(clips, ("the sound of {label}",), wordnet, sentences=True)
    assert clips[0].captions == ["a horse galloping", "the sound of horse dying", "the sound of equine dying",
                                 "the horse dies"]
    assert clips[1].captions == ["x", "the sound of violin", "the sound of fiddle", "the sound of musical instrument"]
    with pytest.raises(OptionError, match="give --lexicon too"):
        add_label_captions(clips, ("the sound of {label}",), None, sentences=True)


def test_sentences_need_the_verb_files(tmp_path: Path) -> None:
    folder = write_wordnet(tmp_path / "dict")
    (folder / "index.verb").unlink()
    with pytest.raises(LexiconError, match="holds no WordNet index.verb"):
        WordNet(folder).sentence("dog barking")
