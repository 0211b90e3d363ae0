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
    # shipped as data/sound/atlanteans/saw/sawing_00..02.ogg (named saw_sawing_0x in the contamination list)
    "widelands-data": (r"(^|/)saw(/|_)sawing_0[0-2]\.",),
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

# drum-kit instrument names: words to drop (brands, model names) and words to expand
DRUM_DROP = frozenset("pearl superstar alpha metal edge rude custom free floating maple redo super tama sabian zildjian "
                      "paiste ludwig yamaha roland power lite stomp dirty ring swish thin choke mic normal opaque dry "
                      "variation layer velocity beats".split())
DRUM_WORDS = {"hat": "hi-hat", "crash": "crash cymbal", "ride": "ride cymbal", "splash": "splash cymbal",
              "china": "china cymbal", "cow": "cow", "sang": "sangban", "ban": "drum", "opened": "open",
              "hardest": "hard", "softest": "soft"}

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
            Rule(r"^attack/impact/flesh", "flesh impact", ("a weapon striking flesh", "a blade stabbing into a body", "a wet thud of a hit")),
            Rule(r"^attack/impact/siegeprojectile", "heavy impact", ("a heavy projectile crashing into a wall", "a boulder smashing into stone", "a loud crashing impact")),
            Rule(r"^attack/siege/ram", "battering ram", ("a battering ram pounding a gate", "a heavy wooden ram thudding", "a ram smashing against a door")),
            Rule(r"^attack/siege/", "siege engine", ("a catapult launching a projectile", "a siege engine firing", "a wooden war machine creaking and releasing")),
            Rule(r"^attack/weapon/sling", "sling", ("a sling whirling and releasing a stone", "a sling shot whooshing", "a stone thrown with a sling")),
            Rule(r"^actor/ship/", "ship", ("a wooden ship creaking", "a boat moving through water", "a ship at sea")),
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
                       r"wose|drake|naga|sling|net)[-_.a-z0-9]*", ""),
                  Rule(r"(puny|ink|glob|charge|thunderstick|pincers|tail|claws|fuse|potion|rumble|throw|swish|"
                       r"morning|night|strike|squishy|groan|-fire-)"),)),
    Source("sonic-pi-samples", "CC0-1.0", ("usr/share/sonic-pi/samples",), captioner="samples", max_per_label=40),
    Source("hydrogen-drumkits", "per kit (drumkit.xml <license>); GPL-2+/CC-BY/CC-BY-SA/CC0", ("usr/share/hydrogen/data/drumkits",),
           captioner="drumkit", include=r"\.(ogg|wav|flac|aiff?)$", max_per_label=25),
    Source("asterisk-core-sounds-en-wav", "CC-BY-SA-3.0", ("usr/share/asterisk/sounds/en_US_f_Allison",),
           captioner="speech", extra_packages=("asterisk-core-sounds-en",), max_per_label=1000,
           rules=(Rule(r"^silence/"),)),
    Source("sound-theme-freedesktop", "GPL-2+ / CC-BY-SA-3.0 (per file, see copyright)",
           ("usr/share/sounds/freedesktop/stereo",), include=r"\.(oga|ogg|wav)$",
           rules=(Rule(r"alarm-clock", "alarm clock", ("an alarm clock ringing", "an alarm clock going off", "a ringing alarm")),
                  Rule(r"^bell", "bell", ("a bell ringing", "a short bell chime", "a bell being struck")),
                  Rule(r"camera-shutter|screen-capture", "camera shutter", ("a camera shutter clicking", "the click of a camera taking a picture", "a photo camera shutter")),
                  Rule(r"phone-incoming", "phone ringing", ("a telephone ringing", "a phone ringtone", "an incoming call ringing")),
                  Rule(r"phone-outgoing-busy", "busy signal", ("a telephone busy signal", "a busy tone on a phone line", "repeated beeps of a busy line")),
                  Rule(r"phone-outgoing-calling", "ringback tone", ("a phone ringback tone", "a telephone line ringing", "a call being placed")),
                  Rule(r"audio-channel|audio-test"),
                  Rule(r"", "notification sound", ("a computer notification chime", "a short electronic alert sound", "a desktop notification sound")))),
    Source("freedink-data", "GPL-3+", ("usr/share/games/dink/dink/Sound",)),
    Source("hedgewars-data", "GPL-2 / GFDL-1.3 / CC-BY-SA-3.0", ("usr/share/games/hedgewars/Data/Sounds",),
           rules=(Rule(r"^voices/.*laugh", "laughing", ("a person laughing", "a cartoon character laughing", "laughter")),
                  Rule(r"^voices/.*cough", "coughing", ("a person coughing", "a cartoon character coughing", "a cough")),
                  Rule(r"^voices/.*moan", "moaning", ("a person moaning", "a pained moan", "a cartoon character groaning")),
                  Rule(r"^voices/.*/(ooff|ow|ouch|nooo|ugh)\d*\.", "pained grunt",
                       ("a cartoon character grunting in pain", "a pained grunt", "someone crying out in pain")),
                  Rule(r"^voices/.*/jump\d*\.", "effort grunt", ("a short grunt of effort", "a character grunting as it jumps")),
                  Rule(r"^voices/.*firepunch"),
                  Rule(r"^voices/", "cartoon voice line", ("a cartoon character shouting a short phrase",
                                                           "a comic voice exclaiming", "a voice actor saying a short line")),
                  Rule(r"^\d[A-G]\.|hellish|kiss|tardis|yoohoo|custom|countdown|skip|placed|denied|extratime|"
                       r"suddendeath|invulnerable|lowgravity|switchhog|homerun|valkyries|collectcrate|hogchant|portal|"
                       r"warp|birdylay|egg|cake|melon|sinegun|landgun|ufo|hog_freeze|frozen_hog|rubberduck_die|hell_"),)),
    Source("megaglest-data", "CC-BY-SA-3.0", ("usr/share/games/megaglest/techs/*/commondata/sounds",
                                               "usr/share/games/megaglest/techs/*/factions/*/units/*/sounds"),
           rules=(Rule(r"/(sheep|pig|cow|bull|chicken|elephant|ele|horse|bee)[a-z]*[_\d]", "*"),
                  Rule(r"_(ack|select|sel)\d*\.\w+$", "game character voice",
                       ("a character voice acknowledging an order", "a short spoken reply from a game character",
                        "a voice saying a short phrase")),
                  Rule(r"(^|/|_)(die|death)\d*\.\w+$", "death cry",
                       ("a death cry", "a character screaming as it dies", "a pained dying scream")),
                  Rule(r"_(attack|hit|prod|summon|standing|fly)\d*\.\w+$"),
                  Rule(r"building_fall", "building collapsing",
                       ("a building collapsing", "rubble crashing down", "a structure falling apart")))),
    Source("widelands-data", "GPL-2+", ("usr/share/games/widelands/data/sound",)),
    Source("minetest-data", "CC-BY-SA-3.0 / CC0 per file", ("usr/share/games/minetest/games/*/mods/*/sounds",)),
    Source("lincity-ng-data", "GPL-2+", ("usr/share/games/lincity-ng/sounds",),
           rules=(Rule(r"^(?P<a>monument|school|university|market|harbor|farm|pottery|blacksmith|industry|"
                       r"residential|shanty|commune)[a-z]*\d*\.", "{a} ambience",
                       ("ambient sounds of a {a}", "the background noise around a {a}", "{a} ambience")),
                  Rule(r"^(substation|power|click|tip|raze|recycle|health|green)"))),
    Source("lugaru-data", "CC-BY-SA-3.0", ("usr/share/games/lugaru/Sounds",)),
    Source("ufoai-sound", "GPL-2+ / CC-BY-SA", ("**/0snd.pk3!sound/",)),
    Source("freeciv-data", "GPL-2+", ("usr/share/games/freeciv/stdsounds",)),
)

BY_NAME: dict[str, Source] = {s.package: s for s in SOURCES}


def get(package: str) -> Source:
    """Return the Source entry for a package name; raises KeyError listing the known names."""
    try:
        return BY_NAME[package]
    except KeyError:
        raise KeyError(f"unknown package {package!r}; known: {', '.join(BY_NAME)}") from None
