"""Caption breadth from WordNet: other names and a broader name for the head noun of a clip's label.

"horse galloping" also reads as "the sound of equine galloping"; "market ambience" as "market atmosphere". The
trainer adds these captions beside the label templates (`--lexicon wordnet`), so that the heads see more than one
word for a concept they have few clips of. WordNet 3.0 comes from Debian's `wordnet-base` package (the WordNet 3.0
licence: use, copy, modify and distribute with its notice), read in its own database format (wndb(5)): only the
noun index and data files.

Kept conservative, since a wrong sense teaches a wrong word: only the most frequent sense of the head noun, only
when that sense names a sound source or event (its lexicographer file is an animal, artifact, person, act, event,
phenomenon, natural object or substance), only words that occur in WordNet's sense-tagged corpus, and never for
a spoken word's label ("the word seven": its synonyms are other words).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from clapsearch.errors import UserError

log = logging.getLogger(__name__)

# Lexicographer files (lexnames(5)) whose nouns can make or be a sound.
SOUND_FILES = {4: "noun.act", 5: "noun.animal", 6: "noun.artifact", 11: "noun.event", 17: "noun.object",
               18: "noun.person", 19: "noun.phenomenon", 27: "noun.substance"}
# Broader names too general to say anything about a sound.
TOO_GENERAL = {"entity", "physical entity", "object", "whole", "artifact", "artefact", "thing", "unit", "matter",
               "instrumentality", "instrumentation", "device", "act", "event", "happening", "organism", "being",
               "person", "individual", "someone", "somebody", "causal agent", "cause", "structure", "container",
               "commodity", "material", "substance", "phenomenon", "process", "action", "activity", "implement",
               "sound", "noise", "occurrence", "stuff", "equipment", "feat", "instrument", "block"}
MAX_WORDS = 3  # longest compound looked up, and longest synonym used
DEBIAN_PACKAGE = "wordnet-base"


class LexiconError(UserError, ValueError):
    """The WordNet files are missing or unreadable."""


@dataclass(frozen=True)
class Synset:
    offset: int
    lexfile: int
    words: tuple[str, ...]  # lemmas with spaces, in WordNet's order
    hypernyms: tuple[int, ...]  # data.noun offsets


class WordNet:
    """The noun part of a WordNet database folder (index.noun + data.noun), read on demand."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        index, data = self.folder / "index.noun", self.folder / "data.noun"
        if not index.is_file() or not data.is_file():
            raise LexiconError(f"{self.folder} holds no WordNet index.noun and data.noun: give a WordNet 3.0 "
                               f"'dict' folder, or 'wordnet' to use Debian's {DEBIAN_PACKAGE}")
        self._senses: dict[str, tuple[int, tuple[int, ...]]] = {}  # lemma -> (tagged senses, synset offsets)
        for line in index.read_text(encoding="latin-1").splitlines():
            if not line or line.startswith(" "):  # the licence header
                continue
            parts = line.split()
            try:
                n_synsets, n_pointers = int(parts[2]), int(parts[3])
                tagged = int(parts[5 + n_pointers])
                offsets = tuple(int(p) for p in parts[6 + n_pointers:6 + n_pointers + n_synsets])
            except (IndexError, ValueError) as e:
                raise LexiconError(f"{index}: unreadable line {line[:60]!r} ({e}); reinstall the WordNet files") from e
            self._senses[parts[0]] = (tagged, offsets)
        self._data = data
        self._synsets: dict[int, Synset] = {}

    def __contains__(self, lemma: str) -> bool:
        return _key(lemma) in self._senses

    def lemma(self, word: str) -> str | None:
        """The word as WordNet lists it: itself, or its singular by the regular endings ("sparks" -> "spark")."""
        for form, ending in ((word, ""), (word, "s"), (word, "es")):
            base = form[:len(form) - len(ending)] if ending and form.endswith(ending) else form if not ending else ""
            if base and base in self:
                return base
        return None

    def tagged(self, lemma: str) -> int:
        """How many of the lemma's senses occur in WordNet's sense-tagged corpus (0: a rare word)."""
        return self._senses.get(_key(lemma), (0, ()))[0]

    def first_sense(self, lemma: str) -> Synset | None:
        """The lemma's most frequent sense as a common noun (not "Drake" for "drake"), or None."""
        lemma = lemma.lower()
        for offset in self._senses.get(_key(lemma), (0, ()))[1]:
            sense = self.synset(offset)
            if lemma in sense.words:
                return sense
        return None

    def synset(self, offset: int) -> Synset:
        if offset not in self._synsets:
            self._synsets[offset] = self._read(offset)
        return self._synsets[offset]

    def _read(self, offset: int) -> Synset:
        with open(self._data, "rb") as f:
            f.seek(offset)
            line = f.readline().decode("latin-1")
        try:
            head = line.split(" | ", 1)[0].split()
            n_words = int(head[3], 16)
            words = tuple(head[4 + 2 * i].replace("_", " ") for i in range(n_words))
            at = 4 + 2 * n_words
            n_pointers = int(head[at])
            pointers = [head[at + 1 + 4 * i:at + 5 + 4 * i] for i in range(n_pointers)]
            hypernyms = tuple(int(p[1]) for p in pointers if p[0] == "@" and p[2] == "n")
            return Synset(offset, int(head[1]), words, hypernyms)
        except (IndexError, ValueError) as e:
            raise LexiconError(f"{self._data}: no synset at offset {offset} ({e}); reinstall the WordNet files") from e

    def broaden(self, label: str, synonyms: int = 2) -> list[str]:
        """Return other phrasings of a label: its head noun replaced by up to `synonyms` common synonyms, and
        by one broader name (the modifiers before the head dropped). [] when the label has no usable head."""
        label = " ".join(label.lower().replace("_", " ").split())
        if not label or label.startswith("the word "):
            return []
        tokens = self._tokens(label.split())
        run = 0  # the leading nouns: "kitchen timer", not the verbs of "jet taking off"
        while run < len(tokens) and self.lemma(tokens[run]) and not _gerund(tokens[run]):
            run += 1
        if run == 0:
            return []
        head = tokens[run - 1]
        base = self.lemma(head) or head
        sense = self.first_sense(base)
        if sense is None or sense.lexfile not in SOUND_FILES:
            return []
        before, after = tokens[:run - 1], tokens[run:]
        out: list[str] = []
        for word in sense.words:
            if len(out) == synonyms:
                break
            if word not in (head, base) and self._usable(word, sense):
                out.append(" ".join([*before, word, *after]))
        broader = self._broader(sense)
        if broader:
            out.append(" ".join([broader, *after]))
        return [p for i, p in enumerate(out) if p != label and p not in out[:i]]

    def _tokens(self, words: list[str]) -> list[str]:
        """Join the longest runs of words that WordNet knows as one compound ("level crossing")."""
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                phrase = " ".join(words[i:i + n])
                if n == 1 or phrase in self:
                    out.append(phrase)
                    i += n
                    break
        return out

    def _usable(self, word: str, sense: Synset) -> bool:
        """A common word whose own most frequent sense is this one: not "killer" for an orca."""
        if word != word.lower() or len(word.split()) > MAX_WORDS or word in TOO_GENERAL or not self.tagged(word):
            return False
        first = self.first_sense(word)
        return first is not None and first.offset == sense.offset

    def _broader(self, sense: Synset, levels: int = 2) -> str | None:
        """The first common name among the sense's hypernyms, up to `levels` up, still a sound source."""
        frontier = list(sense.hypernyms)
        for _ in range(levels):
            parents = [self.synset(o) for o in frontier]
            for parent in parents:
                if parent.lexfile in SOUND_FILES:
                    for word in parent.words:
                        if self._usable(word, parent):
                            return word
            frontier = [o for p in parents for o in p.hypernyms]
        return None


def _gerund(token: str) -> bool:
    return " " not in token and token.endswith("ing")  # "galloping", not the compound "level crossing"


def _key(lemma: str) -> str:
    return lemma.lower().replace(" ", "_")


def load_lexicon(spec: str, cache: str | Path) -> WordNet | None:
    """Return the WordNet that `--lexicon` names: '' for none, 'wordnet' for Debian's wordnet-base (downloaded
    once into `cache`), or a folder of WordNet database files."""
    if not spec:
        return None
    if spec == "wordnet":
        from clapsearch.data.debian import download, extract

        cache = Path(cache)
        tree = extract(download(DEBIAN_PACKAGE, cache / "debs"), cache / DEBIAN_PACKAGE)
        return WordNet(tree / "usr" / "share" / "wordnet")
    return WordNet(spec)
