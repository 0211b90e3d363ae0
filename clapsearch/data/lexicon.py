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
# Heads that take no article in a sentence ("someone reads out numbers"), and plurals no rule finds.
PRONOUNS = {"someone", "somebody", "something", "everyone", "everybody", "anyone", "anybody", "nobody"}
IRREGULAR_PLURALS = {"people", "police", "cattle"}
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
        self._verbs: set[str] | None = None  # index.verb's lemmas, read on first use
        self._verb_exceptions: dict[str, str] = {}  # verb.exc: irregular forms ("dying" -> "die")
        self._plurals: set[str] | None = None  # noun.exc's irregular plurals ("men"), read on first use

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

    def sentence(self, label: str) -> str | None:
        """The label "NOUN VERBing ..." as the sentence a caption writer would use: "dog barking" -> "the dog
        barks", "glasses clinking" -> "the glasses clink", "engine shutting down" -> "the engine shuts down".
        None for any other label, or when WordNet does not list the verb (needs index.verb and verb.exc)."""
        label = " ".join(label.lower().replace("_", " ").split())
        if not label or label.startswith("the word "):
            return None
        tokens = self._tokens(label.split())
        run = 0
        while run < len(tokens) and self.lemma(tokens[run]) and not _gerund(tokens[run]):
            run += 1
        if run == 0 or run == len(tokens) or not _gerund(tokens[run]):
            return None
        verb = self.verb_lemma(tokens[run])
        if verb is None:
            return None
        head = tokens[run - 1]
        plural = self._plural(head)
        form = ("are" if plural else "is") if verb == "be" else verb if plural else _third_person(verb)
        article = [] if run == 1 and head in PRONOUNS else ["the"]
        return " ".join([*article, *tokens[:run], form, *tokens[run + 1:]])

    def _plural(self, noun: str) -> bool:
        """Whether a noun is a plural: an irregular one of noun.exc ("men"), "people", or a regular one whose
        singular WordNet lists and tags at least as often as the word itself ("glasses", which WordNet also
        lists as spectacles; not "gas", whose "ga" is a rare symbol)."""
        if noun in IRREGULAR_PLURALS or noun in self._noun_exceptions():
            return True
        if " " in noun or not noun.endswith("s") or noun.endswith("ss"):
            return False
        singulars = [noun[:-n] for n in (1, 2) if noun.endswith("es"[-n:]) and noun[:-n] in self]
        return any(noun not in self or self.tagged(one) >= self.tagged(noun) for one in singulars)

    def _noun_exceptions(self) -> set[str]:
        if self._plurals is None:
            exceptions = self.folder / "noun.exc"
            lines = exceptions.read_text(encoding="latin-1").splitlines() if exceptions.is_file() else []
            pairs = [parts for parts in map(str.split, lines) if len(parts) >= 2]
            self._plurals = {parts[0] for parts in pairs if parts[0] != parts[1]}  # not "gas gas"
        return self._plurals

    def verb_lemma(self, form: str) -> str | None:
        """The verb of an -ing form as WordNet lists it ("barking" -> "bark", "sizzling" -> "sizzle",
        "shutting" -> "shut" from verb.exc), or None."""
        verbs = self._verb_index()
        if form == "being":
            return "be"
        if form in self._verb_exceptions:
            return self._verb_exceptions[form]
        if not form.endswith("ing"):
            return None
        stem = form[:-3]
        # WordNet's morphy rules for -ing; where both are verbs, a stem ending in one vowel and one consonant
        # takes the e ("scraping" -> "scrape", not "scrap", whose -ing form doubles the p)
        bases = [b for b in (stem, stem + "e") if len(b) > 1 and b in verbs]
        if len(bases) == 2 and not _short_vowel_stem(stem):
            return stem
        return bases[-1] if bases else None

    def _verb_index(self) -> set[str]:
        if self._verbs is None:
            index, exceptions = self.folder / "index.verb", self.folder / "verb.exc"
            if not index.is_file() or not exceptions.is_file():
                raise LexiconError(f"{self.folder} holds no WordNet index.verb and verb.exc: give a whole "
                                   f"WordNet 3.0 'dict' folder, or 'wordnet' to use Debian's {DEBIAN_PACKAGE}")
            self._verbs = {line.split(" ", 1)[0] for line in index.read_text(encoding="latin-1").splitlines()
                           if line and not line.startswith(" ")}
            for line in exceptions.read_text(encoding="latin-1").splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0].endswith("ing"):
                    self._verb_exceptions.setdefault(parts[0], parts[1])
        return self._verbs

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


def _short_vowel_stem(stem: str) -> bool:
    """A stem ending consonant, one vowel, consonant ("scrap", "hop", "star"): its own -ing form would double
    the last letter, so an -ing form that does not ("scraping") comes from the verb with an e."""
    vowels = "aeiou"
    return (len(stem) >= 3 and stem[-1] not in vowels + "wxy" and stem[-2] in vowels
            and stem[-3] not in vowels)


def _third_person(verb: str) -> str:
    """"bark" -> "barks", "swish" -> "swishes", "cry" -> "cries", "go" -> "goes"; a phrasal verb's first word."""
    word, _, rest = verb.partition("_")
    if word == "have":
        word = "has"
    elif word.endswith(("s", "x", "z", "ch", "sh", "o")):
        word += "es"
    elif word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        word = word[:-1] + "ies"
    else:
        word += "s"
    return " ".join([word, *rest.split("_")]) if rest else word


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
