"""Turn labels, folder names, file names and descriptions into natural caption phrases."""
from __future__ import annotations

import functools
import logging
import os
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
gun: firing, shooting / firearm
rifle: firing, shooting / gun
laser: firing, zapping / laser gun
cannon: firing, booming
grenade: exploding / bomb
rocket: launching, whooshing / missile
mortar: firing, thudding
hoofbeat: clopping / hooves
hoofbeats: clopping / hooves
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
    "moving": None, "call": None, "ack": None, "sel": None, "prod": None, "summon": None, "ready": None, "spawn": None,
    "expire": None, "generic": None,
    "flapping": "flapping its wings", "canter": "cantering", "gallop": "galloping", "trot": "trotting",
    "impact": "hitting something", "splat": "splatting", "sizzle": "sizzling",
}

# word-level rewrites applied before anything else (abbreviations, game jargon)
REWRITES: dict[str, str] = {
    "hh": "hi-hat", "hihat": "hi-hat", "bd": "bass drum", "kick": "kick drum", "sd": "snare", "sn": "snare",
    "amb": "ambient", "fs": "footstep", "fx": "", "sfx": "", "snd": "", "vox": "voice", "guit": "guitar",
    "elec": "electronic", "perc": "percussion", "cym": "cymbal", "jav": "javelin", "ballist": "ballista",
    "foorstep": "footstep", "ele": "elephant", "hstep": "footstep", "mstep": "hoofbeats", "footsteps": "footstep",
    "steps": "footstep", "step": "footstep", "fem": "woman", "female": "woman", "male": "man", "bassdrum": "bass drum",
    "tom": "tom drum",
}

STOPWORDS = frozenset(
    "sound sounds audio ogg wav flac mp3 aiff aif final new alt var version take edit mix copy test tmp "
    "mono stereo left right lo hi mid med sample samples snd fx sfx the of and a an in on at to for with "
    "data share usr games game core default misc other various generic wood1 mn units unit factions techs".split()
)

HUMANS = frozenset("man woman child person baby human boy girl soldier people crowd worker warrior archer knight "
                   "guard peasant villager pirate swordsman mage wizard priest magician horseman".split())
ANIMATE = HUMANS | frozenset(
    "dog cat cow cattle bull sheep goat pig horse donkey camel elephant lion tiger bear wolf bird birds chicken "
    "hen rooster duck goose crow owl frog insect cricket bee fly mosquito snake monkey seagull peacock flamingo "
    "dolphin whale bat mouse rat deer orc troll dwarf elf ogre giant dragon monster creature animal zombie "
    "skeleton ghost spider wose mermaid naga drake lizard gryphon horseman ghoul goblin yeti mermen merman "
    "wraith lich imp rabbit stag hare fox boar squirrel badger moose elk alien aliens".split())
# game/UI words that name no sound source: a clip whose head noun is one of these is dropped
NON_SOUND_HEADS = frozenset(
    "active illegal save secret gold health green full off tip raze recycle success fail occupied message chat "
    "freshmen site node immediate breaks dig dug hand bar can foot remove draw land ambient solar residential "
    "commune shanty build under mods item player damage select menu button start end round alert generic "
    "default test misc new cancel error warning info notify open close level harvest".split())

_INANIMATE = {"being hit": "hitting something", "crying out in pain": "hitting something",
              "attacking": "striking", "dying": "being destroyed"}
_PAIN = ("dying", "being hit", "crying out in pain")

_DICT_PATHS = ("/usr/share/dict/american-english", "/usr/share/dict/words", "/usr/share/dict/british-english")
WORDS_ENV = "CLAPSEARCH_WORDS"  # set by the recipe to the word list it fetched (Debian's wamerican)


@functools.lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Return the word list (lower-case): the recipe's own copy of wamerican, else the system's, else empty."""
    for p in (os.environ.get(WORDS_ENV, ""), *_DICT_PATHS):
        path = Path(p)
        if p and path.is_file():
            # lower-case entries only: proper nouns ("Ada", "Zulu") are no evidence of a sound word
            words = {w.strip() for w in path.read_text(errors="ignore").splitlines() if w.strip().isalpha()
                     and w.strip().islower()}
            return frozenset(words)
    log.warning("no word list in %s; install `wamerican` for stricter caption filtering", _DICT_PATHS[0])
    return frozenset()


# sound words that small word lists lack
EXTRA_WORDS = frozenset(
    "djembe conga congas bongo bongos cajon tabla cowbell rimshot hihat tambourine shaker claves guiro timbale "
    "timbales woodblock glockenspiel marimba xylophone didgeridoo kalimba sitar ukulele synth orca quetzal "
    "mountaingoat sangban dundun footstep footsteps hoofbeat hoofbeats".split())
# words that cannot head a caption on their own ("a big hissing", "an old being hit")
ADJECTIVES = frozenset("big small short long old young puny huge little large tiny heavy light fast slow low high "
                       "empty broken snappy hard soft dry wet electric loud quiet".split())


def is_word(tok: str) -> bool:
    """Return True if tok looks like a real English word (dictionary if present, else a vowel heuristic)."""
    if tok in _VERBS or tok in ACTIONS or tok in EXTRA_WORDS or "-" in tok or " " in tok:
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
        rewritten = raw in REWRITES
        raw = REWRITES.get(raw, raw)
        for tok in raw.split():
            if tok in STOPWORDS:
                continue
            if rewritten or is_word(tok):
                out.append(tok)
            else:
                out += _split_compound(tok)
    if "human" in out and ({"woman", "man", "old"} & set(out)):
        out = ["old man" if t == "old" else t for t in out if t != "human"]
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
                "footsteps", "gravel", "snow", "sand", "grass", "metal", "stone", "wood", "laughter", "static",
                "steam", "gunfire", "machinery", "ambience", "noise", "hail", "smoke", "ice", "mud", "wind chimes"):
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
    cand = [n for n in nouns if n not in ADJECTIVES]
    if not cand:
        return None
    known = [n for n in cand if n.split()[-1] in _VERBS or n.split()[-1] in ANIMATE]
    if not known and cand[-1] in NON_SOUND_HEADS:
        return None
    head = known[-1] if known else cand[-1]
    mods = [n for n in nouns if n not in (head, head + "s") and n + "s" != head][-2:]
    subject = " ".join(mods + [head])
    if head == "footstep":
        surface = " ".join(m for m in mods if m not in ADJECTIVES) or (
            f"a {' '.join(mods)} surface" if mods else "")
        gait = "running" if action == "running" else "walking"
        caps = [f"footsteps on {surface}", f"someone {gait} on {surface}",
                f"{surface} footsteps" if not surface.startswith("a ") else "the sound of footsteps"] if surface else [
            "footsteps", f"someone {gait}", "the sound of footsteps"]
        return "footsteps", _dedup(caps)
    if action and head.split()[-1] not in ANIMATE:
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
    if any("footstep" in ft for ft in folders) and "footstep" not in stem:
        stem = stem + ["footstep"]
    acts = [t for ft in folders for t in ft if t in ACTIONS and ACTIONS[t] and t not in _VERBS]
    if acts and not any(t in ACTIONS and ACTIONS[t] for t in stem):
        stem = stem + acts[:1]
    return caption_tokens(stem)


_SENTENCE_WORDS = frozenset("we you i is are was were remember have has it this that if stands".split())


def caption_description(text: str) -> tuple[str, list[str]] | None:
    """Return (label, captions) from a short description such as 'A colorful rooster.'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    if re.search(r"[\"“”«»]", first):
        return None
    first = re.sub(r"\(.*?\)", "", first).strip().rstrip(".!").strip()
    first = re.sub(r"^(a|an|the)\s+", "", first, flags=re.I)
    if not first or len(first.split()) > 8 or re.search(r"\d", first):
        return None
    if set(re.findall(r"[a-z']+", first.lower())) & _SENTENCE_WORDS:
        return None  # a sentence or a message, not a name of a sound source
    phrase = first[0].lower() + first[1:]
    toks = [t for t in re.split(r"[^A-Za-z'-]+", phrase.lower()) if t]
    if not toks:
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
        inner = re.sub(r"^(the )?sound of ", "", t.strip("[] ").lower())
        return (inner, [inner, f"the sound of {inner}"]) if inner and not re.search(r"\d", inner) else None
    t = t.strip(". ").lstrip(".").strip()
    if not re.search(r"[A-Za-z]", t):
        return None
    said = t[0].lower() + t[1:] if not t[:2].isupper() else t
    gender = "female" if speaker == "woman" else "male"
    caps = [f"a {speaker} saying: {said}", f"a {speaker} speaking", f"a {gender} voice saying {said}",
            f"a recorded {gender} voice prompt"]
    return f"{speaker} speaking", _dedup(caps)
