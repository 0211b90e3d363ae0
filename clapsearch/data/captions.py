"""Turn labels, folder names, file names and descriptions into natural caption phrases."""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

# noun: gerunds / synonyms (first gerund is the main one). Generic sound vocabulary, not tied to any eval set.
_VERB_TABLE = """
dog: barking, yapping / hound, puppy
cat: meowing, purring / kitten
cow: mooing, lowing / cattle
cattle: lowing, mooing / cows
bull: bellowing / ox
sheep: bleating / lamb
goat: bleating / kid goat
pig: oinking, squealing, grunting / hog
horse: neighing, whinnying, snorting / pony
donkey: braying / mule
camel: grunting, groaning
elephant: trumpeting
lion: roaring, growling / big cat
tiger: roaring, growling
bear: growling, roaring
wolf: howling, growling
bird: chirping, singing, tweeting / songbird
birds: chirping, singing / songbirds
chicken: clucking / hen
hen: clucking / chicken
rooster: crowing / cockerel
duck: quacking
goose: honking
crow: cawing / raven
owl: hooting
frog: croaking / toad
insect: buzzing
insects: buzzing, chirping
cricket: chirping
bee: buzzing
fly: buzzing
mosquito: whining
snake: hissing
monkey: chattering, screeching / ape
seagull: crying, squawking / gull
peacock: calling, screeching
flamingo: honking, calling
dolphin: clicking, whistling
whale: singing, calling
bat: squeaking, flapping
mouse: squeaking
door: creaking, slamming, opening
gate: creaking, opening
footstep: walking, stepping / footsteps
footsteps: walking / steps
rain: falling, pattering / rainfall
thunder: rumbling, cracking / thunderstorm
wind: blowing, howling / gust of wind
water: flowing, splashing
river: flowing, rushing / stream
stream: trickling / brook
waterfall: rushing, roaring
wave: crashing / surf
waves: crashing / surf
fire: crackling, burning / flames
explosion: booming / blast
bell: ringing, chiming
clock: ticking
phone: ringing / telephone
telephone: ringing / phone
car: driving, passing
engine: running, humming / motor
saw: sawing, cutting wood
axe: chopping / hatchet
hammer: hammering, banging
glass: breaking, shattering
coin: clinking, jingling / coins
coins: clinking, jingling
baby: crying, babbling / infant
crowd: chattering, cheering / people
man: speaking, shouting / male voice
woman: speaking, shouting / female voice
child: laughing, talking / kid
button: clicking
drum: being hit, beating
bubble: popping / bubbles
whistle: blowing
horn: blowing, sounding
siren: wailing
helicopter: flying / chopper
airplane: flying overhead / plane
train: passing, rumbling
ship: creaking / boat
boat: sailing / ship
"""

_VERBS: dict[str, list[str]] = {}
_SYNONYMS: dict[str, list[str]] = {}
for _line in _VERB_TABLE.strip().splitlines():
    _noun, _rest = _line.split(":", 1)
    _verbs, _, _syns = _rest.partition("/")
    _VERBS[_noun.strip()] = [v.strip() for v in _verbs.split(",") if v.strip()]
    _SYNONYMS[_noun.strip()] = [s.strip() for s in _syns.split(",") if s.strip()]

# tokens that are actions: token -> gerund (None = a game/UI verb that carries no sound meaning, drop it)
ACTIONS: dict[str, str | None] = {
    "die": "dying", "death": "dying", "dying": "dying", "dead": "dying",
    "hit": "being hit", "hurt": "crying out in pain", "pain": "crying out in pain", "wound": "crying out in pain",
    "attack": "attacking", "bite": "biting", "growl": "growling", "roar": "roaring", "howl": "howling",
    "bark": "barking", "moo": "mooing", "meow": "meowing", "chirp": "chirping", "tweet": "tweeting",
    "squeal": "squealing", "squeak": "squeaking", "neigh": "neighing", "hiss": "hissing", "buzz": "buzzing",
    "croak": "croaking", "caw": "cawing", "hoot": "hooting", "crow": None, "cluck": "clucking",
    "walk": "walking", "walking": "walking", "run": "running", "running": "running", "jump": "jumping",
    "eat": "eating", "drink": "drinking", "swim": "swimming", "splash": "splashing", "flap": "flapping",
    "fly": "flying", "fall": "falling", "break": "breaking", "breaking": "breaking", "crash": "crashing",
    "open": "opening", "close": "closing", "slam": "slamming", "knock": "knocking", "creak": "creaking",
    "chop": "chopping", "saw": None, "collapse": "collapsing", "explode": "exploding", "burn": "burning",
    "shoot": "shooting", "fire": None, "laugh": "laughing", "cough": "coughing", "sneeze": "sneezing",
    "scream": "screaming", "yell": "yelling", "shout": "shouting", "cry": "crying", "sigh": "sighing",
    "snore": "snoring", "whistle": None, "clap": "clapping", "miss": "swishing through the air",
    "swing": "swinging", "select": None, "order": None, "trained": None, "idle": None, "move": None,
    "moving": None, "call": None, "ready": None, "spawn": None, "expire": None, "generic": None,
    "flapping": "flapping its wings", "canter": "cantering", "gallop": "galloping", "trot": "trotting",
    "impact": "hitting something", "splat": "splatting", "sizzle": "sizzling",
}

# word-level rewrites applied before anything else (abbreviations, game jargon)
REWRITES: dict[str, str] = {
    "hh": "hi-hat", "hihat": "hi-hat", "bd": "bass drum", "kick": "kick drum", "sd": "snare", "sn": "snare",
    "amb": "ambient", "fs": "footstep", "fx": "", "sfx": "", "snd": "", "vox": "voice", "guit": "guitar",
    "elec": "electronic", "perc": "percussion", "cym": "cymbal", "jav": "javelin", "ballist": "ballista",
    "foorstep": "footstep", "hstep": "footstep", "mstep": "hoofbeat", "footsteps": "footstep",
    "steps": "footstep", "step": "footstep", "fem": "woman", "female": "woman", "male": "man", "bassdrum": "bass drum", "tom": "tom drum",
}

STOPWORDS = frozenset(
    "sound sounds audio ogg wav flac mp3 aiff aif final new alt var version take edit mix copy test tmp "
    "mono stereo left right lo hi mid med sample samples snd fx sfx the of and a an in on at to for with "
    "data share usr games game core default misc other various generic wood1 mn".split()
)

HUMANS = frozenset("man woman child person baby human boy girl soldier people crowd".split())
ANIMATE = HUMANS | frozenset(
    "dog cat cow cattle bull sheep goat pig horse donkey camel elephant lion tiger bear wolf bird birds chicken "
    "hen rooster duck goose crow owl frog insect cricket bee fly mosquito snake monkey seagull peacock flamingo "
    "dolphin whale bat mouse rat deer orc troll dwarf elf ogre giant dragon monster creature animal zombie "
    "skeleton ghost spider wose mermaid naga drake lizard gryphon horseman".split())
_INANIMATE = {"being hit": "hitting something", "crying out in pain": "hitting something",
              "attacking": "striking", "dying": "being destroyed"}
_PAIN = ("dying", "being hit", "crying out in pain")

_DICT_PATHS = ("/usr/share/dict/words", "/usr/share/dict/american-english", "/usr/share/dict/british-english")


@functools.lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Return the system word list (lower-case), or an empty set when none is installed."""
    for p in _DICT_PATHS:
        path = Path(p)
        if path.is_file():
            words = {w.strip().lower() for w in path.read_text(errors="ignore").splitlines() if w.strip().isalpha()}
            return frozenset(words)
    log.warning("no word list in %s; install `wamerican` for stricter caption filtering", _DICT_PATHS[0])
    return frozenset()


def is_word(tok: str) -> bool:
    """Return True if tok looks like a real English word (dictionary if present, else a vowel heuristic)."""
    if tok in _VERBS or tok in ACTIONS or "-" in tok or " " in tok:
        return True
    if len(tok) < 3 or not tok.isalpha():
        return False
    words = dictionary()
    if words:
        return tok in words or (tok.endswith("s") and tok[:-1] in words)
    return bool(re.search(r"[aeiouy]", tok))


def tokens(text: str) -> list[str]:
    """Return the meaningful lower-case word tokens of a file/folder name (ids, numbers, extensions removed)."""
    text = re.sub(r"\.(ogg|wav|flac|mp3|aiff?|opus|sfk)$", "", text, flags=re.I)
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    out: list[str] = []
    for raw in re.split(r"[^A-Za-z0-9']+", text.lower()):
        raw = raw.strip("'")
        raw = re.sub(r"\d+[a-z]?$", "", raw)  # trailing take numbers: horse1, swordhit_11a
        if not raw or any(ch.isdigit() for ch in raw):
            continue
        raw = REWRITES.get(raw, raw)
        for tok in raw.split():
            if tok in STOPWORDS:
                continue
            if is_word(tok):
                out.append(tok)
            else:
                out += _split_compound(tok)
    if "human" in out and ({"woman", "man", "old"} & set(out)):
        out.remove("human")
    return out


def _split_compound(tok: str) -> list[str]:
    """Return the two words of a run-together name ('swordhit' -> sword, hit), or [] if it is no compound."""
    if len(tok) < 6 or not tok.isalpha():
        return []
    for i in range(3, len(tok) - 2):
        a, b = REWRITES.get(tok[:i], tok[:i]), REWRITES.get(tok[i:], tok[i:])
        if a not in STOPWORDS and b not in STOPWORDS and is_word(a) and is_word(b) and a and b:
            return [a, b]
    return []


def article(phrase: str) -> str:
    """Return the phrase with a leading 'a'/'an' unless it is plural or mass-like."""
    head = phrase.split()[-1] if phrase.split() else phrase
    if head in ("rain", "thunder", "wind", "water", "fire", "music", "speech", "applause", "traffic", "cattle",
                "footsteps", "gravel", "snow", "sand", "grass", "metal", "stone", "wood", "laughter", "static"):
        return phrase
    if head.endswith("s") and not head.endswith(("ss", "us", "is")):
        return phrase
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def _dedup(items: list[str], limit: int = 5) -> list[str]:
    seen: list[str] = []
    for it in items:
        it = re.sub(r"\s+", " ", it).strip()
        if it and it not in seen:
            seen.append(it)
    return seen[:limit]


def describe(subject: str, action: str | None = None) -> list[str]:
    """Return several natural captions for a subject phrase and optional gerund ('a cow mooing', ...)."""
    words = subject.split()
    head = words[-1] if words else ""
    verbs = _VERBS.get(head, [])
    syns = _SYNONYMS.get(head, [])
    mods = " ".join(words[:-1])
    caps: list[str] = []
    if action and head not in ANIMATE:
        action = _INANIMATE.get(action, action)
    if action:
        caps += [f"{article(subject)} {action}", f"the sound of {article(subject)} {action}"]
        if head in HUMANS and action in _PAIN:
            caps += [f"{article(subject)} screaming in pain", f"a pained {head} groaning"]
            verbs, syns = [], []
        if syns:
            caps.append(f"{article((mods + ' ' + syns[0]).strip())} {action}")
        if verbs and action in ("dying", "being hit", "attacking", "crying out in pain"):
            caps.append(f"{article(subject)} {verbs[0]}")
    else:
        for v in verbs[:2]:
            caps.append(f"{article(subject)} {v}")
        for s in syns[:1]:
            alt = (mods + " " + s).strip()
            caps.append(f"{article(alt)} {verbs[-1]}" if verbs else f"the sound of {article(alt)}")
        caps.append(f"the sound of {article(subject)}")
        if not verbs:
            caps.append(f"{subject} sounds" if not subject.endswith("s") else f"{subject} noise")
    return _dedup(caps)


def caption_tokens(toks: list[str]) -> tuple[str, list[str]] | None:
    """Return (label, captions) from name tokens, or None when nothing meaningful remains."""
    action = None
    nouns: list[str] = []
    for t in toks:
        if t in ACTIONS:
            action = ACTIONS[t] or action
            if t not in _VERBS:
                continue
        if t not in nouns:
            nouns.append(t)
    if not nouns:
        return None
    known = [n for n in nouns if n.split()[-1] in _VERBS or n in ANIMATE]
    head = known[-1] if known else nouns[-1]
    mods = [n for n in nouns if n != head][-2:]
    subject = " ".join(mods + [head])
    if head == "footstep":
        surface = " ".join(mods)
        gait = "running" if action == "running" else "walking"
        caps = [f"footsteps on {surface}", f"someone {gait} on {surface}", f"{surface} footsteps"] if surface else [
            "footsteps", f"someone {gait}", "the sound of footsteps"]
        return "footsteps", _dedup(caps)
    if action and head not in ANIMATE:
        action = _INANIMATE.get(action, action)
    label = f"{head} {action}".strip() if action else head
    return label, describe(subject, action)


def caption_path(rel: str) -> tuple[str, list[str]] | None:
    """Return (label, captions) from a relative path like 'fauna/animal/cattle_06.ogg', or None.

    Nouns come from the file name; folder names add only actions ('death/goat_11' -> a goat dying),
    unless the file name holds no noun, then the nearest folder with one is used.
    """
    parts = list(Path(rel).parts)
    stem = tokens(parts[-1])
    folders = [tokens(p) for p in reversed(parts[:-1])]
    nouns = [t for t in stem if t not in ACTIONS or t in _VERBS]
    if not nouns:
        for ft in folders:
            if [t for t in ft if t not in ACTIONS or t in _VERBS]:
                stem = ft + stem
                break
    acts = [t for ft in folders for t in ft if t in ACTIONS and ACTIONS[t] and t not in _VERBS]
    if acts and not any(t in ACTIONS and ACTIONS[t] for t in stem):
        stem = stem + acts[:1]
    return caption_tokens(stem)


def caption_description(text: str) -> tuple[str, list[str]] | None:
    """Return (label, captions) from a short description such as 'A colorful rooster.'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = re.sub(r"[\"“”«»]|\(.*?\)", "", first).strip().rstrip(".!").strip()
    first = re.sub(r"^(a|an|the)\s+", "", first, flags=re.I)
    if not first or len(first.split()) > 8 or re.search(r"\d", first):
        return None
    phrase = first[0].lower() + first[1:]
    toks = [t for t in re.split(r"[^A-Za-z'-]+", phrase.lower()) if t]
    if not toks or not all(is_word(t) or t in STOPWORDS for t in toks):
        return None
    head = next((t for t in reversed(toks) if t in _VERBS), toks[-1])
    caps = describe(phrase)
    if head in _VERBS and head != toks[-1]:
        caps = _dedup(caps + describe(head))
    return head, caps


def caption_speech(transcript: str, speaker: str = "woman") -> tuple[str, list[str]] | None:
    """Return (label, captions) for a spoken prompt: 'a woman saying: please enter your password'."""
    t = re.sub(r"\s+", " ", transcript).strip()
    if not t:
        return None
    if t.startswith("[") and t.endswith("]"):
        inner = t.strip("[] ").lower()
        return (inner, [inner, f"the sound of {inner}"]) if inner and not re.search(r"\d", inner) else None
    t = t.strip(". ").lstrip(".").strip()
    if not re.search(r"[A-Za-z]", t):
        return None
    said = t[0].lower() + t[1:] if not t[:2].isupper() else t
    gender = "female" if speaker == "woman" else "male"
    caps = [f"a {speaker} saying: {said}", f"a {speaker} speaking", f"a {gender} voice saying {said}",
            f"a recorded {gender} voice prompt"]
    return f"{speaker} speaking", _dedup(caps)
