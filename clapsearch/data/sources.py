"""Declarative list of the Debian packages that make up the training corpus."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """A caption override for clips whose path (relative to the root) matches ``pattern``.

    ``label == ""`` drops the matching clips; otherwise label/captions are used as given.
    """

    pattern: str
    label: str = ""
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One Debian package: where its sounds live and how to caption them.

    roots: folders inside the extracted package (glob patterns allowed); ``ARCHIVE!PREFIX`` means
    "inside the zip-like archive ARCHIVE (a glob), under PREFIX".
    captioner: path | description | samples | drumkit | speech.
    """

    package: str
    licence: str
    roots: tuple[str, ...]
    captioner: str = "path"
    rules: tuple[Rule, ...] = ()
    include: str = r"\.(ogg|wav|flac|aiff?)$"
    extra_packages: tuple[str, ...] = ()
    max_per_label: int = 30
    speaker: str = "woman"
    notes: str = ""
    skip_dirs: tuple[str, ...] = field(default=())


# Never in the manifest: ESC-50 evaluation recordings or suspected same-source copies
# (see shared/data/train/esc50_contamination.tsv). fire_small.ogg is waveform-identical to
# ESC-50 1-4211-A-12 (crackling fire); fire_fire.* / fire_large.* are embedding-level suspects of
# ESC-50 5-186924; widelands' saw_sawing_00..02 are suspects of ESC-50 4-102844 (hand saw).
EXCLUDE: dict[str, tuple[str, ...]] = {
    "minetest-data": (r"(^|/)fire_small\.ogg$", r"(^|/)fire_fire\.", r"(^|/)fire_large\."),
    "widelands-data": (r"(^|/)saw_sawing_0[0-2]\.",),
}


def is_excluded(package: str, path: str) -> bool:
    """Return True when a clip path of a package is on the contamination exclusion list."""
    return any(re.search(p, path) for p in EXCLUDE.get(package, ()))


_SPEECH_F = ("a woman speaking a short phrase", "a woman talking in a foreign language", "a female voice speaking")
_SPEECH_M = ("a man speaking a short phrase", "a man talking in a foreign language", "a male voice speaking")
_MUSIC = ("instrumental music", "a piece of background music", "music playing")

# Sonic Pi sample-name prefixes: prefix -> caption template ({x} = the cleaned rest of the name).
SAMPLE_PREFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ambi": ("ambient sound", ("an ambient {x} sound", "an atmospheric {x} drone", "a {x} ambient texture")),
    "bass": ("bass", ("a {x} bass synth note", "a deep {x} bass sound")),
    "bd": ("bass drum", ("a {x} bass drum kick", "a kick drum hit", "a bass drum beat")),
    "drum": ("drum", ("a {x} drum hit", "a {x} played on a drum kit")),
    "elec": ("electronic sound", ("an electronic {x} sound", "a synthesized {x}", "an electronic {x} blip")),
    "glitch": ("glitch", ("a glitchy electronic {x} sound", "a digital glitch noise")),
    "guit": ("guitar", ("an electric guitar playing {x}", "a guitar {x}", "guitar strings ringing")),
    "loop": ("drum loop", ("a {x} loop", "a repeating {x} rhythm", "a looped {x} beat")),
    "misc": ("misc", ("{ax}", "the sound of {ax}")),
    "perc": ("percussion", ("a percussive {x} sound", "a {x} percussion hit")),
    "sn": ("snare drum", ("a {x} snare drum hit", "a snare drum being struck")),
    "tabla": ("tabla", ("a tabla drum stroke", "an indian tabla drum being played", "a hand drum hit")),
    "vinyl": ("vinyl record", ("a vinyl record {x}", "a turntable {x} sound", "a record player {x}")),
    "mehackit": ("electronic sound", ("an electronic {x} sound", "a synthesized {x} noise")),
}

SOURCES: tuple[Source, ...] = (
    Source(
        "0ad-data", "CC-BY-SA-3.0", ("**/public.zip!audio/",),
        rules=(
            Rule(r"^interface/"), Rule(r"\.sfk$"),
            Rule(r"^music/", "music", _MUSIC),
            Rule(r"^voice/[^/]+/.*female", "woman speaking", _SPEECH_F),
            Rule(r"^voice/[^/]+/.*(^|[/_])male", "man speaking", _SPEECH_M),
            Rule(r"^actor/human/death/death_", "man dying", ("a man dying", "a man screaming in pain", "a dying scream")),
            Rule(r"^resource/mining/mine_stone", "mining stone", ("a pickaxe striking stone", "someone mining rock", "stone being chipped")),
            Rule(r"^resource/mining/mine_metal", "mining metal", ("a pickaxe striking metal ore", "someone mining metal", "metal clinking under a pick")),
            Rule(r"^resource/lumbering/", "chopping wood", ("an axe chopping wood", "someone chopping a tree", "wood being chopped")),
            Rule(r"^resource/construction/con_saw", "sawing wood", ("a saw cutting wood", "someone sawing a plank", "a hand saw sawing")),
            Rule(r"^resource/construction/con_wood", "hammering wood", ("hammering on wood", "carpentry work with a hammer", "wood being nailed")),
            Rule(r"^resource/construction/con_stone", "stonework", ("stones being laid", "a chisel striking stone", "masonry work")),
            Rule(r"^resource/farming/hoe", "hoeing soil", ("a hoe digging into soil", "someone tilling the ground", "digging in dirt")),
            Rule(r"^resource/foraging/leaves", "rustling leaves", ("leaves rustling", "someone rummaging through bushes", "rustling foliage")),
            Rule(r"^resource/gathering/"),
            Rule(r"^attack/fire/"),
            Rule(r"^attack/impact/(?P<a>arrow|sling)_(?P<b>[a-z]+)", "{a} impact", ("{an_a} hitting {b}", "a projectile striking {b}", "an impact on {b}")),
            Rule(r"^attack/impact/shield_(?P<b>[a-z]+)", "shield hit", ("a blow hitting a {b} shield", "a {b} shield being struck", "a weapon hitting a shield")),
            Rule(r"^attack/weapon/arrowfly", "arrow flying", ("an arrow whizzing past", "an arrow flying through the air", "an arrow whooshing by")),
            Rule(r"^attack/weapon/(?P<a>bow|jav|pike|spear|sword|sling)_attack", "{a} attack", ("{an_a} swinging", "a whoosh of {an_a} attack", "{an_a} cutting through the air")),
            Rule(r"^attack/weapon/musket", "gunshot", ("a musket firing", "a gunshot", "an old gun being fired")),
            Rule(r"^attack/destruction/building_collapse", "building collapsing", ("a building collapsing", "rubble crashing down", "a structure falling apart")),
            Rule(r"^ambient/building/amb_(?P<a>[a-z]+)", "{a} ambience", ("ambient sounds of a {a}", "the background noise of a busy {a}", "{a} ambience")),
            Rule(r"^ambient/dayscape/", "outdoor daytime ambience", ("outdoor ambience with birds and insects", "a nature soundscape during the day", "birds and insects in the countryside")),
        ),
    ),
    Source("tuxpaint-stamps-default", "GPL-2", ("usr/share/tuxpaint/stamps",), captioner="description",
           rules=(Rule(r"_desc(_[a-z_]+)?\.(ogg|wav)$"), Rule(r"(^|/)symbols/"), Rule(r"_[a-z]{2}(_[a-z]{2})?\.(ogg|wav)$")),
           notes="stamp sound effect <name>.ogg captioned from <name>.txt (first line, English)"),
    Source("wesnoth-1.16-data", "GPL-2+", ("usr/share/games/wesnoth/*/data/core/sounds",),
           rules=(Rule(r"(^|/)(magic|button|select|chat|receive|timer|user|gold|heal|poison|slow|petrified|expand|"
                       r"bell|flail|melee|ui|menu|lightning|fire|holy|entangle|faerie|spell|arcane|dark|cold|wail|"
                       r"wose|drake|naga|sling|net)[-_.a-z0-9]*", ""),)),
    Source("sonic-pi-samples", "CC0-1.0", ("usr/share/sonic-pi/samples",), captioner="samples", max_per_label=40),
    Source("hydrogen-drumkits", "per kit (drumkit.xml <license>); GPL-2+/CC-BY/CC-BY-SA/CC0", ("usr/share/hydrogen/data/drumkits",),
           captioner="drumkit", include=r"\.(ogg|wav|flac|aiff?)$", max_per_label=25),
    Source("asterisk-core-sounds-en-wav", "CC-BY-SA-3.0", ("usr/share/asterisk/sounds/en_US_f_Allison",),
           captioner="speech", extra_packages=("asterisk-core-sounds-en",), max_per_label=1000,
           rules=(Rule(r"^silence/"),)),
    Source("sound-theme-freedesktop", "GPL-2+ / CC-BY-SA", ("usr/share/sounds/freedesktop/stereo",)),
    Source("freedink-data", "GPL-3+", ("usr/share/games/dink/dink/Sound",)),
    Source("hedgewars-data", "GPL-2 / GFDL-1.3 / CC-BY-SA-3.0", ("usr/share/games/hedgewars/Data/Sounds",)),
    Source("megaglest-data", "CC-BY-SA-3.0", ("usr/share/games/megaglest/techs/*/factions/*/units/*/sounds",
                                               "usr/share/games/megaglest/data/core/sounds")),
    Source("widelands-data", "GPL-2+", ("usr/share/games/widelands/data/sound",)),
    Source("minetest-data", "CC-BY-SA-3.0 / CC0 per file", ("usr/share/games/minetest/games/*/mods/*/sounds",)),
    Source("lincity-ng-data", "GPL-2+", ("usr/share/games/lincity-ng/sounds",)),
    Source("lugaru-data", "CC-BY-SA-3.0", ("usr/share/games/lugaru/Data/Sounds",)),
    Source("ufoai-sound", "GPL-2+ / CC-BY-SA", ("**/0snd.pk3!sound/",)),
    Source("freeciv-data", "GPL-2+", ("usr/share/freeciv/stdsounds",)),
)

BY_NAME: dict[str, Source] = {s.package: s for s in SOURCES}


def get(package: str) -> Source:
    """Return the Source entry for a package name; raises KeyError listing the known names."""
    try:
        return BY_NAME[package]
    except KeyError:
        raise KeyError(f"unknown package {package!r}; known: {', '.join(BY_NAME)}") from None
