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
    # (path regex, licence) pairs for packages whose folders carry different licences; first match wins
    licence_by_path: tuple[tuple[str, str], ...] = ()

    def licence_for(self, rel: str) -> str:
        """Return the licence of a clip path: the first matching ``licence_by_path`` entry, else the package's."""
        return next((lic for pat, lic in self.licence_by_path if re.search(pat, rel)), self.licence)


# Never in the manifest: ESC-50 evaluation recordings or suspected same-source copies
# (see shared/data/train/esc50_contamination.tsv). fire_small.ogg is waveform-identical to
# ESC-50 1-4211-A-12 (crackling fire); fire_fire.* / fire_large.* are embedding-level suspects of
# ESC-50 5-186924; widelands' saw_sawing_00..02 are suspects of ESC-50 4-102844 (hand saw).
EXCLUDE: dict[str, tuple[str, ...]] = {
    "minetest-data": (r"(^|/)fire_small\.ogg$", r"(^|/)fire_fire\.", r"(^|/)fire_large\."),
    # shipped as data/sound/atlanteans/saw/sawing_00..02.ogg (named saw_sawing_0x in the contamination list)
    "widelands-data": (r"(^|/)saw(/|_)sawing_0[0-2]\.",),
    # Sound.ocg/Fire.ocg/Fire.ogg: the recording of ESC-50 1-4211-A-12 (crackling fire; cosine 0.979, waveform
    # cross-correlation 0.965), the same source as minetest's fire_small.ogg
    "openclonk-data": (r"(^|/)Fire/Fire\.ogg$",),
    # the same recording again, shipped by the homedecor mod's fake fire
    "minetest-mod-homedecor": (r"(^|/)fire_small\.ogg$",),
    # a 1.5 s excerpt of ESC-50 4-188033-A-38 (clock tick): cosine 0.960, waveform correlation 0.969
    "qabcs-data": (r"(^|/)clock\.ogg$",),
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

# ------------------------------------------------------------------ everyday sounds (issue 5)
# These packages are captioned by explicit rules only: every clip is matched by a rule written after reading the
# file name (and, for opensfx, the entry's own description); the final catch-all Rule(r"") drops the rest.
_DROP_REST = Rule(r"")
_JET = ("a jet airplane taking off", "a jet engine roaring during take-off", "an airplane taking off from a runway")
_FIGHTER = ("a fighter jet flying overhead", "a jet plane roaring past", "the roar of a military jet")
_HELI = ("a helicopter flying overhead", "the thudding rotor blades of a helicopter", "a chopper hovering")
_CAR_HORN = ("a car horn honking", "a driver beeping the car horn", "a vehicle horn blaring")
_TRUCK = ("a truck engine starting and pulling away", "a diesel truck engine rumbling", "a heavy vehicle driving off")
_COW = ("a cow mooing", "cattle lowing", "a cow calling in a field")
_SHEEP = ("sheep bleating", "a flock of sheep baaing", "sheep in a field")
_HORSE = ("a horse neighing", "a horse whinnying", "a neighing horse")
_DOG = ("a dog barking", "a barking dog", "a dog woofing")
_ROOSTER = ("a rooster crowing", "a cockerel crowing in the morning", "a rooster's cock-a-doodle-doo")
_BIRDS = ("birds chirping", "songbirds singing", "birds tweeting outdoors")
_GULLS = ("seagulls crying", "gulls squawking by the sea", "seagulls calling")
_WIND = ("wind howling", "a strong wind blowing", "gusts of wind")
_THUNDER = ("thunder rumbling", "a thunderclap", "thunder during a storm")
_RAIN = ("rain falling", "the sound of rainfall", "rain pattering down")
_WAVES = ("ocean waves crashing on the shore", "surf breaking on a beach", "sea waves rolling in")
_EXPLOSION = ("an explosion", "a loud blast", "something exploding with a boom")
_APPLAUSE = ("an audience applauding", "a crowd clapping", "applause")
_CHEER = ("a crowd cheering", "people cheering and shouting", "a cheering audience")
_SCREAM = ("a person screaming", "a loud scream", "someone shrieking in terror")
_CHAINSAW = ("a chainsaw running", "a chainsaw cutting wood", "the buzz of a chainsaw")
_CIRCSAW = ("a circular saw cutting wood", "a power saw whining through a plank", "an electric saw cutting")
_JACKHAMMER = ("a jackhammer pounding", "a pneumatic drill breaking concrete", "road works with a jackhammer")
_SHIP_HORN = ("a ship's horn blowing", "a ferry sounding its horn", "a deep ship horn in a harbour")
_CROSSING = ("a railroad crossing bell ringing", "a level crossing warning bell", "the bells of a railway crossing")
_MACHINE_GUN = ("a machine gun firing", "rapid automatic gunfire", "a burst of machine gun fire")
_SHOTGUN = ("a shotgun firing", "a shotgun blast", "a loud gunshot from a shotgun")
_MAN_DYING = ("a man dying", "a man screaming in pain", "a dying scream")
_MAN_PAIN = ("a man grunting in pain", "a pained male groan", "someone crying out in pain")
_FOOTSTEPS_HARD = ("footsteps on a hard floor", "someone walking in boots", "boots stepping on concrete")
_MACHINERY = ("industrial machinery running", "a machine humming and clanking", "factory machines working")

SOURCES += (
    Source("lmms-common", "GPL-2+", ("usr/share/lmms/samples",), include=r"\.(ogg|wav|flac)$", max_per_label=12,
           rules=(
               Rule(r"^(shapes|waveforms|basses|bassloops)/|^drums/(zap|nasty|clav|wood)|^misc/(bass!|buzz!|dong|electric|hit|metalish|snaph|undefined)|^effects/(chroma|filter|start|stop|warp)"),
               Rule(r"^beats/(rave_)?(kick|snare|hihat)"),
               Rule(r"^beats/", "drum loop", ("a drum loop", "a breakbeat drum pattern", "a looped electronic beat")),
               Rule(r"^drums/(bassdrum|kick)", "bass drum", ("a kick drum hit", "a bass drum beat", "a single kick drum sample")),
               Rule(r"^drums/(snare|sidestick|rim)", "snare drum", ("a snare drum hit", "a snare drum being struck", "a single snare drum sample")),
               Rule(r"^drums/hihat_closed", "closed hi-hat", ("a closed hi-hat hit", "a short hi-hat tick", "a closed hi-hat cymbal")),
               Rule(r"^drums/hihat_foot", "closed hi-hat", ("a hi-hat foot pedal chick", "a hi-hat closed with the pedal")),
               Rule(r"^drums/hihat_opened", "open hi-hat", ("an open hi-hat hit", "an open hi-hat cymbal ringing", "a sizzling open hi-hat")),
               Rule(r"^drums/crash", "crash cymbal", ("a crash cymbal hit", "a crash cymbal crashing", "a cymbal crash")),
               Rule(r"^drums/ride", "ride cymbal", ("a ride cymbal hit", "a ride cymbal ringing", "a ping of a ride cymbal")),
               Rule(r"^drums/tom", "tom drum", ("a tom drum hit", "a tom-tom being struck", "a single tom drum")),
               Rule(r"^drums/shaker", "shaker", ("a shaker being shaken", "a rattling percussion shaker", "a maraca shake")),
               Rule(r"^drums/clap", "hand clap", ("a drum machine hand clap", "a clap sample", "a single hand clap")),
               Rule(r"^effects/explode", "explosion", _EXPLOSION),
               Rule(r"^effects/scratch", "record scratch", ("a vinyl record scratch", "a DJ scratching a record", "a turntable scratch")),
               Rule(r"^effects/wind_chimes", "wind chimes", ("wind chimes tinkling", "wind chimes ringing in the breeze", "metal chimes jingling")),
               Rule(r"^instruments/bassslap", "bass guitar", ("a slap bass guitar note", "a bass guitar being slapped", "a funky slapped bass")),
               Rule(r"^instruments/cello", "cello", ("a cello playing a note", "a bowed cello", "a cello string being bowed")),
               Rule(r"^instruments/church_organ", "organ", ("a church organ chord", "a pipe organ playing", "an organ note")),
               Rule(r"^instruments/e_organ", "organ", ("an electric organ chord", "an electronic organ playing", "an organ note")),
               Rule(r"^instruments/e_piano", "piano", ("an electric piano chord", "an electric piano being played", "electric piano keys struck")),
               Rule(r"^instruments/piano", "piano", ("a piano chord", "a piano being played", "piano keys struck")),
               Rule(r"^instruments/flute", "flute", ("a flute playing a note", "a flute melody", "a breathy flute tone")),
               Rule(r"^instruments/harpsichord", "harpsichord", ("a harpsichord note", "a harpsichord being played", "plucked harpsichord strings")),
               Rule(r"^instruments/steel_guitar_.*distorted", "electric guitar", ("a distorted electric guitar chord", "an overdriven guitar", "a rock guitar power chord")),
               Rule(r"^instruments/steel_guitar", "guitar", ("a steel-string guitar being strummed", "an acoustic guitar chord", "guitar strings ringing")),
               Rule(r"^instruments/trumpet", "trumpet", ("a trumpet playing a note", "a brass trumpet blast", "a trumpet tone")),
               Rule(r"^instruments/violin_pizzicato", "violin", ("a violin played pizzicato", "plucked violin strings", "a pizzicato violin note")),
               Rule(r"^instruments/violin", "violin", ("a violin playing", "a bowed violin note", "a violin string being bowed")),
               Rule(r"^latin/latin_brass", "brass section", ("a latin brass section riff", "trumpets playing a salsa riff", "a brass band stab")),
               Rule(r"^latin/latin_guitar", "guitar", ("a latin acoustic guitar riff", "a nylon-string guitar strumming", "a spanish guitar playing")),
               Rule(r"^misc/applause", "applause", _APPLAUSE),
               Rule(r"^misc/breath", "breathing", ("a person breathing in and out", "a deep breath", "someone breathing")),
               Rule(r"^misc/metronome", "metronome", ("a metronome ticking", "the click of a metronome", "a metronome keeping time")),
               Rule(r"^misc/raving_crowd", "cheering", ("a crowd cheering at a concert", "a raving crowd shouting", "an excited audience cheering")),
               Rule(r"^stringsnpads/bell_choir", "bells", ("a choir of bells ringing", "handbells chiming", "tuned bells ringing")),
               Rule(r"^stringsnpads/(rave_)?(chorus|choir)", "choir", ("a choir singing a chord", "voices singing together", "a synthesized choir pad")),
               Rule(r"^stringsnpads/.*strings?\d", "strings", ("a string section playing a chord", "orchestral strings", "a sustained string pad")),
               _DROP_REST)),
    Source("openttd-opensfx", "CC-BY-SA-3.0 (collection); per entry CC-BY-3.0 / CC-BY-SA-3.0 / CC0-1.0",
           ("**/opensfx.cat!",), include=r"\.wav$", max_per_label=4,
           notes="OpenTTD .cat archive; each entry's description names the sound, its Freesound original and licence",
           rules=(
               Rule(r"Toyland|Good Year|Bad Year|Splat|Unused|Beep|Oooh|breakdown|Lion"),
               Rule(r"_Factory Whistle", "factory whistle", ("a factory whistle blowing", "a steam whistle sounding at a factory", "an industrial steam whistle")),
               Rule(r"_Steam train station departure", "steam train", ("a steam train whistling as it leaves the station", "a steam locomotive whistle", "a steam train departing")),
               Rule(r"_Steam engine going in tunnel", "steam train", ("a steam locomotive whistling as it enters a tunnel", "a steam train whistle echoing", "a steam train passing")),
               Rule(r"_(Ship|Ferry) horn", "ship horn", _SHIP_HORN),
               Rule(r"_Propeller plane start", "propeller plane", ("a propeller plane engine starting", "a small airplane engine starting up and running", "a light aircraft propeller spinning up")),
               Rule(r"jet take off", "jet taking off", _JET),
               Rule(r"_Diesel electric train station departure", "train horn", ("a diesel locomotive horn in the distance", "a train horn sounding as it departs", "a train leaving a station")),
               Rule(r"_(Maglev|Monorail) train station departure", "train passing", ("an electric train pulling out of a station", "a train passing by", "a metro train departing")),
               Rule(r"_Mining machinery", "machinery", ("an elevator machine whirring", "mechanical machinery humming", "a lift motor running")),
               Rule(r"_Electric sparking", "electric sparks", ("electric sparks crackling", "a high-voltage arc buzzing", "electricity sparking")),
               Rule(r"_Steam \(of steam engine\)", "steam hissing", ("steam hissing", "a steam engine releasing steam", "a hiss of escaping steam")),
               Rule(r"_Level crossing", "level crossing bell", _CROSSING),
               Rule(r"_(Big )?crash", "crash", ("a loud crash", "a vehicle crashing", "a crash of metal and glass")),
               Rule(r"_Explosion", "explosion", _EXPLOSION),
               Rule(r"_Cash till", "cash register", ("a cash register ringing", "a till drawer opening with a bell", "an old cash register")),
               Rule(r"_Morse", "morse code", ("morse code beeping", "a telegraph sending morse code", "beeps of morse code")),
               Rule(r"_Plane wheels touching ground", "tyres screeching", ("tyres screeching", "wheels skidding on the ground", "rubber squealing on tarmac")),
               Rule(r"_Helicopter", "helicopter", _HELI),
               Rule(r"_Truck old bus start, pull away with horn", "truck horn", ("a truck starting and sounding an air horn", "a truck air horn blasting", "a lorry honking as it drives off")),
               Rule(r"_Truck old bus start", "truck engine", _TRUCK),
               Rule(r"_Modern bus start", "bus", ("a bus pulling away", "a city bus engine accelerating", "a bus driving off")),
               Rule(r"_Old bus start", "bus", ("an old bus engine starting", "a vintage bus starting and pulling away", "an old engine starting")),
               Rule(r"_Applause", "applause", _APPLAUSE),
               Rule(r"_Jackhammer", "jackhammer", _JACKHAMMER),
               Rule(r"_Modern car horn", "car horn", _CAR_HORN),
               Rule(r"_Sheep", "sheep", _SHEEP), Rule(r"_Cow", "cow", _COW), Rule(r"_Horse", "horse", _HORSE),
               Rule(r"_Building bridge", "hammering metal", ("a blacksmith hammering metal", "metal being hammered on an anvil", "hammer blows in a smithy")),
               Rule(r"_Sawmill", "circular saw", _CIRCSAW),
               Rule(r"Lumber mill - Crashing tree", "tree falling", ("a tree crashing to the ground", "a falling tree cracking and crashing down", "a tree falling")),
               Rule(r"Lumber mill - Falling tree", "tree falling", ("a tree being cut down and falling", "a tree cracking as it falls", "a tree falling")),
               Rule(r"Lumber mill - Chainsaw", "chainsaw", _CHAINSAW),
               Rule(r"_(Heavy )?wind", "wind", _WIND),
               Rule(r"Tropical - Bird", "tropical bird", ("a tropical bird calling", "an exotic bird singing in the jungle", "a bird call")),
               Rule(r"Tropical - Monkeys", "monkey", ("monkeys screeching", "monkeys chattering and shrieking", "apes calling in the jungle")),
               _DROP_REST)),
    Source("scorched3d-data", "GPL-2+ (none mod) / CC-BY-SA-3.0 (apoc mod)", ("usr/share/games/scorched3d/data/globalmods",),
           include=r"\.wav$", max_per_label=6, licence_by_path=((r"^apoc/", "CC-BY-SA-3.0"), (r"^none/", "GPL-2+")),
           rules=(
               Rule(r"/carhorn\d", "car horn", _CAR_HORN),
               Rule(r"/cessna\.", "propeller plane", ("a small propeller plane flying", "a cessna engine droning overhead", "a light aircraft flying by")),
               Rule(r"/cheeringloop", "cheering", _CHEER),
               Rule(r"/citysounds", "city traffic", ("city street ambience with traffic", "urban traffic noise", "cars passing on a busy street")),
               Rule(r"/(cows|moo)\.", "cow", _COW),
               Rule(r"/dog\d?\.", "dog", _DOG),
               Rule(r"/factoryloop", "machinery", _MACHINERY),
               Rule(r"/firetruck", "siren", ("a fire truck siren wailing", "a fire engine racing by with its siren on", "an emergency siren")),
               Rule(r"/policecar", "siren", ("a police car siren wailing", "a police siren", "an emergency vehicle siren")),
               Rule(r"/(helicopter|apache_\d)\.", "helicopter", _HELI),
               Rule(r"/rooster", "rooster", _ROOSTER),
               Rule(r"/scream(\d|ing)", "screaming", _SCREAM),
               Rule(r"/sheep", "sheep", _SHEEP),
               Rule(r"/machinegun", "machine gun", _MACHINE_GUN),
               Rule(r"/shotgun", "shotgun", _SHOTGUN),
               Rule(r"/thunder\d?\.", "thunder", _THUNDER),
               Rule(r"/bees\.", "bees", ("a swarm of bees buzzing", "bees buzzing", "an angry swarm of insects")),
               Rule(r"/bats\d", "bats", ("bats squeaking", "a colony of bats chirping and fluttering", "bats screeching")),
               Rule(r"/(birdchirp|birds)\d", "birds", _BIRDS),
               Rule(r"/camera\.", "camera shutter", ("a camera shutter clicking", "the click of a camera taking a picture", "a photo camera shutter")),
               Rule(r"/(f16|f18)_\d|/jet\.|/t38\.", "jet flying", _FIGHTER),
               Rule(r"/frogs", "frogs", ("frogs croaking", "a chorus of frogs at night", "toads croaking")),
               Rule(r"/gull\d", "seagull", _GULLS),
               Rule(r"/oceanwaves", "waves", _WAVES),
               Rule(r"/misc/rain\.", "rain", _RAIN),
               Rule(r"/misc/splash\.", "splash", ("a splash of water", "something splashing into water", "a water splash")),
               Rule(r"/wolf\.", "wolf", ("a wolf howling", "a lone wolf howling at night", "a howling wolf")),
               Rule(r"/tankmove", "tank engine", ("a tank engine rumbling", "a heavy tracked vehicle moving", "tank treads clanking")),
               Rule(r"/explosions/(exp|large|medium|small|xlarge|tank)\.", "explosion", _EXPLOSION),
               _DROP_REST)),
    Source("simutrans-pak64", "Artistic-1.0", ("usr/share/games/simutrans/pak/sound",), include=r"\.wav$",
           rules=(
               Rule(r"^Water\.", "water", ("water splashing and lapping", "water flowing", "the sound of water")),
               Rule(r"^forest\.", "forest ambience", ("forest ambience with birds", "birds singing in a forest", "a quiet woodland soundscape")),
               Rule(r"^tropic\.", "jungle ambience", ("tropical jungle ambience", "exotic birds and insects in a rainforest", "a jungle soundscape")),
               Rule(r"^boat-horn", "ship horn", _SHIP_HORN),
               Rule(r"^bus\.", "bus", ("a bus driving past", "a bus engine running", "a city bus pulling away")),
               Rule(r"^buzzsaw", "circular saw", _CIRCSAW),
               Rule(r"^comet-jet", "jet flying", ("a jet airliner flying overhead", "an early jet aircraft roaring", "a passenger jet passing")),
               Rule(r"^crossing", "level crossing bell", _CROSSING),
               Rule(r"^diesel", "diesel locomotive", ("a diesel locomotive engine rumbling", "a diesel train passing", "a train engine running")),
               Rule(r"^explosion", "explosion", _EXPLOSION),
               Rule(r"^horse", "horse", _HORSE),
               Rule(r"^jackhammer", "jackhammer", _JACKHAMMER),
               Rule(r"^planelow", "propeller plane", ("a propeller plane flying low overhead", "an airplane flying by", "a low-flying aircraft")),
               Rule(r"^seagulls", "seagull", _GULLS),
               Rule(r"^steam\.", "steam train", ("a steam train chugging", "a steam locomotive puffing", "a steam engine running")),
               Rule(r"^tree-cutting", "chopping wood", ("an axe chopping a tree", "someone chopping wood", "a tree being chopped")),
               Rule(r"^truck", "truck engine", ("a truck driving by", "a diesel truck engine rumbling", "a lorry passing")),
               _DROP_REST)),
    Source("bucklespring-data", "GPL-2+", ("usr/share/buckle/wav",), include=r"\.wav$", max_per_label=20,
           notes="IBM Model M key recordings: <scancode>-0.wav key press, -1.wav key release",
           rules=(
               Rule(r"-0\.wav$", "keyboard key press", ("a keyboard key being pressed", "a single click of a mechanical keyboard key", "typing one key on a clicky computer keyboard")),
               Rule(r"-1\.wav$", "keyboard key release", ("a mechanical keyboard key being released", "a key springing back on a clicky keyboard", "a computer keyboard key click")),
               _DROP_REST)),
    Source("frozen-bubble-data", "GPL-2", ("usr/share/games/frozen-bubble/snd",),
           rules=(Rule(r"^applause", "applause", _APPLAUSE),
                  Rule(r"^snore", "snoring", ("a person snoring", "someone snoring while asleep", "loud snoring")),
                  Rule(r"^typewriter", "typewriter", ("a typewriter typing", "the clacking of typewriter keys", "someone typing on a typewriter")),
                  _DROP_REST)),
    Source("tuxtype-data", "GPL-2+ (README_SOUNDS: GPL, tuxmath GPL)", ("usr/share/tuxtype/sounds",), include=r"\.wav$",
           rules=(Rule(r"^cheer", "cheering", _CHEER), Rule(r"^explosion", "explosion", _EXPLOSION),
                  Rule(r"^harp", "harp", ("a harp being strummed", "a glissando on a harp", "harp strings")),
                  _DROP_REST)),
    Source("extremetuxracer-data", "GPL-2+", ("usr/share/games/etr/sounds",), include=r"\.wav$",
           rules=(Rule(r"^(?P<a>grass|ice|leaves|mud|rock|snow)_slide", "sliding",
                       ("something sliding over {a}", "a sled sliding on {a}", "the sound of sliding across {a}")),
                  _DROP_REST)),
    Source("crrcsim-data", "GPL-2", ("usr/share/games/crrcsim/sounds",), include=r"\.wav$",
           rules=(Rule(r"^electric\.", "electric motor", ("an electric motor whining", "a model airplane's electric motor running", "a small electric motor spinning")),
                  Rule(r"^fan\.", "ducted fan", ("a model jet's ducted fan whirring", "a small turbine fan whining", "a fan engine running")),
                  Rule(r"^glider\.", "wind", ("wind rushing past a glider", "air whooshing past a model glider", "a rush of wind")),
                  _DROP_REST)),
    Source("stormbaancoureur-data", "GPL-3", ("usr/share/games/stormbaancoureur/sounds",), include=r"\.wav$",
           rules=(Rule(r"^camaro", "car engine", ("a car engine running", "a muscle car engine idling and revving", "a powerful engine rumbling")),
                  Rule(r"^detonation", "explosion", _EXPLOSION), _DROP_REST)),
    Source("openarena-data", "GPL-2+", ("**/baseoa/pak0.pk3!sound/",), include=r"\.wav$", max_per_label=8,
           rules=(
               Rule(r"^player/footsteps/(boot|step)\d", "footsteps", _FOOTSTEPS_HARD),
               Rule(r"^player/footsteps/clank\d", "footsteps on metal", ("footsteps on metal", "someone walking on a metal grate", "boots clanking on metal")),
               Rule(r"^player/footsteps/splash\d", "footsteps in water", ("footsteps splashing through water", "someone wading through shallow water", "splashing footsteps")),
               Rule(r"^player/[a-z]+/death\d", "man dying", _MAN_DYING),
               Rule(r"^player/[a-z]+/pain\d+", "pained grunt", _MAN_PAIN),
               Rule(r"^player/[a-z]+/gasp", "gasping", ("a man gasping for air", "someone catching their breath", "a sharp gasp")),
               Rule(r"^player/[a-z]+/drown", "drowning", ("a man drowning", "someone gurgling underwater", "a choking gurgle")),
               Rule(r"^player/[a-z]+/jump\d", "effort grunt", ("a short grunt of effort", "a man grunting as he jumps")),
               Rule(r"^player/[a-z]+/falling\d", "screaming", ("a man screaming as he falls", "a falling scream", "a long yell")),
               Rule(r"^player/watr_in", "splash", ("someone jumping into water", "a body splashing into water", "a big splash")),
               Rule(r"^player/watr_out", "splash", ("someone climbing out of water", "water dripping off a body", "splashing out of a pool")),
               Rule(r"^player/gurp\d", "gurgling", ("gurgling underwater", "bubbles rising underwater", "someone gurgling")),
               Rule(r"^world/waterfall", "waterfall", ("a waterfall rushing", "water cascading down a waterfall", "roaring falling water")),
               Rule(r"^world/wind\d", "wind", _WIND),
               Rule(r"^world/(fire\d|firesoft)", "fire", ("a fire crackling", "flames burning", "a crackling fire")),
               Rule(r"^world/drops", "dripping", ("water dripping", "drops of water falling", "a dripping leak")),
               Rule(r"^world/fan\d?\.", "fan", ("a large fan whirring", "an industrial fan spinning", "a ventilation fan humming")),
               Rule(r"^world/(machinerydrone|tim_machine|tim_pump)", "machinery", _MACHINERY),
               Rule(r"^world/neonhum", "electrical hum", ("a neon light humming", "an electrical buzz", "a fluorescent tube buzzing")),
               Rule(r"^weapons/machinegun/machgf", "machine gun", _MACHINE_GUN),
               Rule(r"^weapons/machinegun/ric\d", "ricochet", ("a bullet ricocheting", "a ricochet whine", "a bullet bouncing off metal")),
               Rule(r"^weapons/shotgun/", "shotgun", _SHOTGUN),
               Rule(r"^weapons/rocket/rocklx", "explosion", _EXPLOSION),
               _DROP_REST)),
)

# ------------------------------------------------------------------ everyday sounds, second pass (issue 5)
# Same policy: explicit rules only, the final catch-all drops every file no rule names. Vehicle, water, weather,
# household and body sounds are kept; UI, announcer, music, sci-fi weapons and fantasy-creature files are dropped.
_PROP = ("a propeller airplane engine droning", "a piston aircraft engine running", "the drone of a small plane's propeller")
_ENGINE_START = ("an aircraft engine being cranked by its starter", "an engine starter motor whirring", "a piston engine starting up")
_JET_ENGINE = ("a jet engine roaring", "a jet aircraft engine running", "the whine and roar of a jet turbine")
_CAR_ENGINE = ("a car engine running", "a sports car engine humming at steady revs", "the drone of a racing car engine")
_SKID = ("tyres screeching", "a car skidding with squealing tyres", "rubber squealing on tarmac")
_RADIO_STATIC = ("radio static hissing", "white noise from a radio between stations", "a crackle of radio static")
_STREAM = ("a stream flowing", "water babbling over stones in a brook", "a river running")
_WATERFALL = ("a waterfall rushing", "water cascading down a waterfall", "roaring falling water")
_CRICKETS = ("crickets chirping", "a chorus of crickets at night", "night insects chirping")
_FOREST = ("forest ambience with birds singing", "birds calling in a quiet wood", "a woodland soundscape")
_FIRE = ("a fire crackling", "flames burning", "a crackling fire")
_SPLASH_IN = ("someone jumping into water", "a body splashing into water", "a big splash")
_SPLASH_OUT = ("someone climbing out of water", "water dripping off a body", "splashing out of a pool")
_DRIP = ("water dripping", "drops of water falling", "a dripping leak")
_STEAM = ("steam hissing", "a jet of steam escaping", "a hiss of escaping steam")
_HUM = ("an electrical hum", "a transformer buzzing", "a steady electric buzz")
_FOOTSTEPS_SOFT = ("footsteps on soft ground", "someone walking on grass", "soft footsteps on earth")
_DEATH_CRY = ("a person dying", "a dying scream", "someone crying out as they die")
_PAIN = ("someone grunting in pain", "a pained grunt", "a short cry of pain")
_LAUGH = ("a person laughing", "someone laughing out loud", "laughter")
_GLASS_BREAK = ("glass breaking", "a glass window shattering", "glass smashing into pieces")
_DOOR_OPEN = ("a door opening", "a door creaking open", "someone opening a door")
_DOOR_CLOSE = ("a door closing", "a door being shut with a thud", "someone closing a door")
_CAMERA = ("a camera shutter clicking", "the click of a camera taking a picture", "a photo camera shutter")
_FAN = ("a fan whirring", "a ventilation fan running", "an electric fan humming")
_EATING = ("someone munching food", "a person chewing and eating noisily", "crunchy chewing")

_STK_LICENCES = (  # data/sfx/... licences as listed per file in supertuxkart-data's debian/copyright
    (r"^sfx/(WilhelmScream|clock|wooden_bridge)\.", "public-domain"),
    (r"^sfx/(exotic-birds|explosion|fireworks_show|lenautile_restaurant|river_loop|waterfall_loop_2)|^karts/.*/skid\.", "CC0-1.0"),
    (r"^sfx/(crash\d?|splash)\.", "CC-BY-SA-4.0"),
    (r"^sfx/(airplane_jetEngine|engine_large|bowling_roll)|steamLocomotive|/cow\.", "CC-BY-SA-3.0"),
    (r"^sfx/engine_small", "CC-BY-SA-3.0 or GPL-3 or GPL-2"),
    (r"^sfx/(anvil|ball_bounce)\.", "GPL-2+"),
    (r"^sfx/", "CC-BY-3.0"),
    (r"", "GPL-3+"),  # "Files: *" (tracks/scotland/sheep.ogg)
)
# openclonk Sound.ocg/authors.txt: CC-BY-3.0 unless listed as CC0
_OC_CC0 = (r"Balloon/Pop|SoftTouch|SoftHit2|GeneralHit|DullMetalHit|DullWoodHit2|GlassHit|RockHit\d|Fire/Fuse|"
           r"LightMetalHit2|Earthquake\.|WoodCreak|Boiling|Blowout|SteamEngine|Pumpjack|MosquitoBuzz|Furnace/|"
           r"SawmillRipcut|UI/Click2")

SOURCES += (
    Source("flightgear-data-base", "GPL-2+", ("usr/share/games/flightgear/**/Sounds",), include=r"\.wav$",
           max_per_label=6, notes="global Sounds/ and the c172p aircraft's Sounds/ (rel paths start usr/share/games/...)",
           rules=(
               Rule(r"/Sounds/(mk-viii|tcas)/"),
               Rule(r"flightgear/Sounds/rain-windshield\.", "rain", ("rain drumming on an aircraft windshield", "raindrops hitting a windscreen", "rain pattering on glass")),
               Rule(r"flightgear/Sounds/rain\.", "rain", _RAIN),
               Rule(r"flightgear/Sounds/thunder\d?\.", "thunder", _THUNDER),
               Rule(r"flightgear/Sounds/wind(1|-8khz)?\.", "wind", ("wind rushing past a small plane", "a strong wind blowing", "the whoosh of wind")),
               Rule(r"flightgear/Sounds/(helicopter|rotor|rotor-2blade|blade_vortex)\.", "helicopter", _HELI),
               Rule(r"flightgear/Sounds/(jet|turbine_loop)\.", "jet engine", _JET_ENGINE),
               Rule(r"flightgear/Sounds/turbine_start\.", "jet engine", ("a jet turbine engine spooling up", "an aircraft turbine starting with a rising whine", "a jet engine starting")),
               Rule(r"flightgear/Sounds/turbine_shutdown\.", "jet engine", ("a jet turbine winding down", "an aircraft engine shutting down with a falling whine", "a jet engine spooling down")),
               Rule(r"flightgear/Sounds/turbojet_fan\.", "jet engine", ("the fan of a turbojet engine whirring", "a jet engine humming at idle", "a turbine fan whining")),
               Rule(r"flightgear/Sounds/turboprop1\.", "propeller plane", ("a turboprop aircraft engine droning", "the propellers of a turboprop plane humming", "a propeller turbine engine running")),
               Rule(r"flightgear/Sounds/R-1535Slow\.", "propeller plane", ("a radial aircraft engine running slowly", "a vintage piston plane engine rumbling", "a propeller engine ticking over")),
               Rule(r"flightgear/Sounds/(engine-prop|prop|p51d_rpm1)\.", "propeller plane", _PROP),
               Rule(r"flightgear/Sounds/(p51d_starter|p51d_startup|starter_start|starter_loop|starter_stop|cranking|engstart)\.", "engine starting", _ENGINE_START),
               Rule(r"flightgear/Sounds/crash\.", "crash", ("a loud crash", "an aircraft crashing into the ground", "a crash of metal")),
               Rule(r"flightgear/Sounds/door_close\.", "door closing", _DOOR_CLOSE),
               Rule(r"flightgear/Sounds/fan\.", "fan", _FAN),
               Rule(r"flightgear/Sounds/flaps\.", "electric motor", ("an electric motor whirring", "an aircraft flap motor running", "a small motor humming")),
               Rule(r"flightgear/Sounds/radionoise\.", "radio static", _RADIO_STATIC),
               Rule(r"flightgear/Sounds/squeal2?\.", "tyres screeching", ("tyres squealing as a plane touches down", "rubber screeching on a runway", "tyres screeching")),
               Rule(r"c172p/Sounds/engine-idle\.", "propeller plane", ("a small propeller plane engine idling", "a light aircraft engine ticking over", "a piston engine idling")),
               Rule(r"c172p/Sounds/engine\.", "propeller plane", ("a small propeller plane engine running", "a cessna engine droning", "a light aircraft propeller engine")),
               Rule(r"c172p/Sounds/engine-(start|crank)\.", "engine starting", _ENGINE_START),
               Rule(r"c172p/Sounds/engine-cut\.", "engine shutting down", ("an aircraft engine shutting down", "a propeller engine sputtering to a stop", "an engine being switched off")),
               Rule(r"c172p/Sounds/door-opening\.", "door opening", ("a small aircraft door being opened", "a door latch clicking open", "a door opening")),
               Rule(r"c172p/Sounds/door-closing\.", "door closing", ("a small aircraft door being shut", "a door closing with a thud", "a door closing")),
               Rule(r"c172p/Sounds/window-opening\.", "window", ("a small window being opened", "a window latch clicking open", "a window opening")),
               Rule(r"c172p/Sounds/window-closing\.", "window", ("a small window being closed", "a window latch snapping shut", "a window closing")),
               Rule(r"c172p/Sounds/glove_compartment_opening\.", "glove box", ("a glove compartment opening", "a small hinged lid clicking open", "a glove box being opened")),
               Rule(r"c172p/Sounds/glove_compartment_closing\.", "glove box", ("a glove compartment being shut", "a small hinged lid clicking closed", "a glove box closing")),
               Rule(r"c172p/Sounds/keys2?\.", "keys", ("keys clinking", "a bunch of keys rattling", "keys being handled")),
               Rule(r"c172p/Sounds/tires-rolling-(?P<a>asphalt|gravel)\.", "tyres rolling", ("tyres rolling over {a}", "wheels rumbling along {a}", "a plane taxiing on {a}")),
               Rule(r"c172p/Sounds/tires-screech-(?P<a>asphalt|gravel)", "tyres screeching", ("tyres screeching on {a}", "wheels skidding on {a}", "rubber squealing on {a}")),
               Rule(r"c172p/Sounds/water-fast\.", "water", ("water rushing past a moving boat hull", "a seaplane skimming fast over water", "water splashing against floats at speed")),
               Rule(r"c172p/Sounds/water-still\.", "water", ("water lapping gently against a floating hull", "gentle water lapping", "small waves lapping against a boat")),
               Rule(r"c172p/Sounds/(click[23]|double-click2?)\.", "switch click", ("a switch clicking", "a toggle switch being flipped", "a mechanical click")),
               Rule(r"c172p/Sounds/flaps-motor\.", "electric motor", ("an electric motor whirring", "an aircraft flap motor running", "a small motor humming")),
               Rule(r"c172p/Sounds/crash\.", "crash", ("a loud crash", "a small plane crashing", "a crash of metal")),
               _DROP_REST)),
    Source("torcs-data", "GPL-2+", ("usr/share/games/torcs/data/sound",), include=r"\.wav$", max_per_label=8,
           notes="engine loops are named after the car they were recorded from (f360, gt40, nsx...)",
           rules=(
               Rule(r"^(206_engine|935|944|alpha-romeo|cleanviper|corolla1400hi2|engine-1|evo7_engine(_f)?|f360|ferrarif355|"
                    r"ferrarif50|ford1b|ford2c|gt40|impreza2002_engine|lamborghinidiablo|lotus|mclarenf1|nsx|porsche_engine|"
                    r"renault-v10|viper2|viper_long|xj220)\.", "car engine", _CAR_ENGINE),
               Rule(r"^crash\d\.", "car crash", ("a car crashing", "a collision of metal", "a car bumping into a barrier")),
               Rule(r"^skid(_tyres)?\.", "tyres screeching", _SKID),
               Rule(r"^(skid_metal|bottom_crash)\.", "metal scraping", ("metal scraping along the ground", "a car scraping against a barrier", "screeching metal")),
               Rule(r"^backfire(_loop)?\.", "engine backfire", ("a car exhaust backfiring", "engine backfire pops", "an exhaust popping and banging")),
               Rule(r"^turbo1\.", "turbo whistle", ("a turbocharger whistling", "the whine of a car turbo", "a turbo spooling up")),
               Rule(r"^road-ride\.", "tyres rolling", ("tyres rolling on a road", "road noise from a moving car", "wheels humming on asphalt")),
               _DROP_REST)),
    Source("trigger-rally-data", "GPL-2+ / CC0-1.0 (per file, see copyright)", ("**/data.zip!sounds/",), include=r"\.wav$",
           licence_by_path=((r"^(wind|gravel|bang|gear)\.", "CC0-1.0"), (r"", "GPL-2+")),
           rules=(
               Rule(r"^codriver/"),
               Rule(r"^engine\.", "car engine", ("a rally car engine running", "a car engine revving", "a petrol engine humming")),
               Rule(r"^wind\.", "wind", _WIND),
               Rule(r"^gravel\.", "gravel crunching", ("tyres crunching over gravel", "a car driving on a gravel road", "gravel crunching under wheels")),
               Rule(r"^bang\.", "bang", ("a loud bang", "a heavy impact", "a thud of a collision")),
               _DROP_REST)),
    Source("supertuxkart-data", "per file (debian/copyright): CC0-1.0, CC-BY-3.0, CC-BY-SA-3.0/4.0, GPL-2+, public-domain",
           ("usr/share/games/supertuxkart/data",), include=r"\.ogg$", max_per_label=6, licence_by_path=_STK_LICENCES,
           rules=(
               Rule(r"^(music|tracks/(introcutscene|ancient|battleisland|cave))"),
               Rule(r"^sfx/WilhelmScream\.", "screaming", ("a man screaming", "a man's scream as he falls", "a loud shriek")),
               Rule(r"^sfx/airplane_jetEngine\.", "jet flying", ("an airliner flying low overhead", "a jet plane passing over with a roar", "an airplane flyover")),
               Rule(r"^sfx/anvil\.", "anvil", ("a hammer striking an anvil", "a metallic anvil clang", "a blacksmith's anvil ringing")),
               Rule(r"^sfx/ball_bounce\.", "ball bouncing", ("a ball bouncing", "a rubber ball bouncing on the floor", "a bouncing ball")),
               Rule(r"^sfx/bowling_roll\.", "bowling ball", ("a bowling ball rolling down a lane", "a heavy ball rolling", "the rumble of a rolling bowling ball")),
               Rule(r"^sfx/car_accel\.", "car accelerating", ("a car accelerating", "a car engine revving up as it speeds away", "a car speeding up")),
               Rule(r"^sfx/car_revup\.", "car engine revving", ("a car engine revving", "an engine being revved up", "a car engine roaring")),
               Rule(r"^sfx/clock\.", "clock ticking", ("a clock ticking", "the steady tick-tock of a clock", "a mechanical clock ticking")),
               Rule(r"^sfx/crash\d?\.", "crash", ("a crash", "a collision bump", "something crashing into a wall")),
               Rule(r"^sfx/engine_(large|small)\.", "engine", ("an engine running", "a small petrol engine buzzing", "a vehicle engine idling")),
               Rule(r"^sfx/exotic-birds", "tropical bird", ("exotic birds calling in a jungle", "tropical birds singing", "a jungle full of bird calls")),
               Rule(r"^sfx/explosion\.", "explosion", _EXPLOSION),
               Rule(r"^sfx/fireworks_show\.", "fireworks", ("fireworks exploding", "a fireworks display with bangs and crackles", "fireworks going off")),
               Rule(r"^sfx/gnu_flute\.", "flute", ("a flute melody", "someone playing a flute", "a wooden flute tune")),
               Rule(r"^sfx/hammer\.", "hammer", ("a hammer blow", "a hammer striking", "the thud of a hammer")),
               Rule(r"^sfx/horn\.", "car horn", _CAR_HORN),
               Rule(r"^sfx/lenautile_restaurant\.", "restaurant ambience",
                    ("restaurant ambience with people chatting and dishes clinking", "a busy restaurant", "the murmur of diners in a restaurant")),
               Rule(r"^sfx/metal_clang\.", "metal clang", ("a metal object clanging", "a loud metallic clang", "metal striking metal")),
               Rule(r"^sfx/rain\.", "rain", _RAIN),
               Rule(r"^sfx/river_loop\.", "stream", _STREAM),
               Rule(r"^sfx/skid\.|^karts/.*/skid\.", "tyres screeching", _SKID),
               Rule(r"^sfx/splash\.", "splash", ("a splash of water", "something splashing into water", "a water splash")),
               Rule(r"^sfx/static-radio\.", "radio static", _RADIO_STATIC),
               Rule(r"^sfx/swatter\.", "swatting", ("a fly swatter swatting", "a slap of a fly swatter", "a quick swat")),
               Rule(r"^sfx/thunder\.", "thunder", _THUNDER),
               Rule(r"^sfx/waterfall_loop", "waterfall", _WATERFALL),
               Rule(r"/cow\.", "cow", _COW),
               Rule(r"/sheep\.", "sheep", _SHEEP),
               Rule(r"steamLocomotive\.", "steam train", ("a steam locomotive chugging", "a steam train puffing past", "a steam engine running on rails")),
               _DROP_REST)),
    Source("redeclipse-data", "CC-BY-SA-3.0+ / CC-BY-SA-3.0 / CC-BY-3.0 (per folder, see copyright)",
           ("usr/share/games/redeclipse/data/sounds",), include=r"\.ogg$", max_per_label=6,
           licence_by_path=((r"^ambience/morph/|^ambience/(forest\d|cycadas)\.", "CC-BY-3.0"),
                            (r"^ambience/", "CC-BY-SA-3.0"), (r"", "CC-BY-SA-3.0+")),
           rules=(
               Rule(r"^ambience/(blowwind|hollowwind|wastewind|wind|morph/wind\d|morph/stormwind)\.", "wind", _WIND),
               Rule(r"^ambience/cavedrip\.", "dripping", ("water dripping in a cave", "drops echoing in a cavern", "a slow drip of water")),
               Rule(r"^ambience/creek\.", "stream", ("a creek babbling", "a small stream trickling over rocks", "a brook flowing")),
               Rule(r"^ambience/river\.", "stream", ("a river flowing", "a river rushing past", "running water of a river")),
               Rule(r"^ambience/water\.", "water", ("water flowing", "water running and splashing", "the sound of running water")),
               Rule(r"^ambience/cycadas\.", "cicadas", ("cicadas buzzing", "cicadas chirping on a hot day", "insects droning in the heat")),
               Rule(r"^ambience/distant_cars\.", "distant traffic", ("distant traffic noise", "cars passing in the distance", "the hum of a faraway road")),
               Rule(r"^ambience/fire\.", "fire", _FIRE),
               Rule(r"^ambience/forest\d\.", "forest ambience", _FOREST),
               Rule(r"^ambience/hum\.", "electrical hum", _HUM),
               Rule(r"^ambience/nightcrickets\.", "crickets", _CRICKETS),
               Rule(r"^ambience/vapour\.", "steam hissing", _STEAM),
               Rule(r"^ambience/waterfall", "waterfall", _WATERFALL),
               Rule(r"^ambience/morph/(storm)?rain\.", "rain", _RAIN),
               Rule(r"^ambience/morph/stormbolts\.", "thunder", ("a thunderstorm with lightning strikes", "thunder cracking overhead", "a rumbling storm")),
               Rule(r"^player/footstep\d?\.", "footsteps", _FOOTSTEPS_HARD),
               Rule(r"^player/concstep\d?\.", "footsteps", ("footsteps on concrete", "someone walking on a concrete floor", "a step on concrete")),
               Rule(r"^player/swimstep\d?\.", "swimming", ("someone swimming", "the splashing strokes of a swimmer", "arms paddling through water")),
               Rule(r"^player/death\d?\.", "death cry", _DEATH_CRY),
               Rule(r"^player/pain\d?\.", "pained grunt", _PAIN),
               Rule(r"^voice/haha\d?\.", "laughing", _LAUGH),
               Rule(r"^sfx/splashin\d?\.", "splash", _SPLASH_IN),
               Rule(r"^sfx/splashout\d?\.", "splash", _SPLASH_OUT),
               Rule(r"^sfx/underwater\.", "underwater", ("underwater ambience", "the muffled sound of being underwater", "bubbles and murmurs under water")),
               Rule(r"^sfx/(burning|burnfire)\.", "fire", _FIRE),
               Rule(r"^sfx/extinguish\d?\.", "fire extinguished", ("a flame hissing as it is put out", "a fire being doused", "a hiss of a fire going out")),
               _DROP_REST)),
    Source("nexuiz-data", "GPL-2+", ("**/data/data.pk3!sound/",), include=r"\.(ogg|wav)$", max_per_label=6,
           rules=(
               Rule(r"^ambient/fan\d?\.", "fan", _FAN),
               Rule(r"^ambient/(machine\d|machinerydrone\d*)\.|^desertfactory/machinevat", "machinery", _MACHINERY),
               Rule(r"^ambient/sparks\d?\.", "electric sparks", ("electric sparks crackling", "a high-voltage arc buzzing", "electricity sparking")),
               Rule(r"^ambient/transformer\.", "electrical hum", _HUM),
               Rule(r"^desertfactory/lights_loop", "electrical hum", ("fluorescent lights buzzing", "the hum of electric lights", "an electrical buzz")),
               Rule(r"^ambient/water\.", "water", ("water flowing", "water running", "the sound of water")),
               Rule(r"^desertfactory/pipewater", "water", ("water running through a pipe", "water gushing from a pipe", "flowing water in a drain")),
               Rule(r"^desertfactory/cricket", "crickets", _CRICKETS),
               Rule(r"^desertfactory/generator", "generator", ("a generator running", "an engine-driven generator droning", "a diesel generator humming")),
               Rule(r"^desertfactory/radiostatic", "radio static", _RADIO_STATIC),
               Rule(r"^desertfactory/steam_", "steam hissing", _STEAM),
               Rule(r"^desertfactory/wind", "wind", _WIND),
               Rule(r"^weather/rain", "rain", _RAIN),
               Rule(r"^misc/footstep\d", "footsteps", _FOOTSTEPS_HARD),
               Rule(r"^misc/metalfootstep\d", "footsteps on metal", ("footsteps on metal", "someone walking on a metal grate", "boots clanking on metal")),
               Rule(r"^misc/outwater\.", "splash", _SPLASH_OUT),
               Rule(r"^misc/mouseclick\.", "mouse click", ("a computer mouse clicking", "the click of a mouse button", "a single mouse click")),
               Rule(r"^weapons/(brass|casings)\d\.", "shell casings", ("empty shell casings clinking on the floor", "brass cartridges bouncing on the ground", "metal casings tinkling")),
               Rule(r"^weapons/uzi_fire\.", "machine gun", _MACHINE_GUN),
               Rule(r"^weapons/shotgun_fire\.", "shotgun", _SHOTGUN),
               Rule(r"^weapons/campingrifle_fire2?\.", "rifle shot", ("a rifle firing", "a sharp rifle shot", "a gunshot from a rifle")),
               Rule(r"^weapons/ric\d\.", "ricochet", ("a bullet ricocheting", "a ricochet whine", "a bullet bouncing off metal")),
               Rule(r"^player/(carni-lycan|reptilian)/"),  # creature characters, not human voices
               Rule(r"^weapons/tuba_note-?\d+\.", "tuba", ("a tuba playing a note", "a low brass tuba note", "a single tuba tone")),
               Rule(r"^player/[^/]+/player/death\d\.", "death cry", _DEATH_CRY),
               Rule(r"^player/[^/]+/player/pain\d+\.", "pained grunt", _PAIN),
               Rule(r"^player/[^/]+/player/gasp\.", "gasping", ("someone gasping for air", "a sharp gasp", "someone catching their breath")),
               Rule(r"^player/[^/]+/player/drown\.", "drowning", ("someone drowning", "gurgling underwater", "a choking gurgle")),
               Rule(r"^player/[^/]+/player/falling\.", "screaming", ("someone screaming as they fall", "a falling scream", "a long yell")),
               _DROP_REST)),
    Source("freedroidrpg-data", "GPL-2+", ("usr/share/freedroidrpg/data/sound/effects",), include=r"\.ogg$",
           rules=(
               Rule(r"^Glass_Break\.", "glass breaking", _GLASS_BREAK),
               Rule(r"^CameraTakesPicture\.", "camera shutter", _CAMERA),
               Rule(r"^tux_footstep\.", "footsteps", ("a footstep", "someone taking a step", "a single footstep")),
               Rule(r"^item_sounds/drop_book_sound\.", "book dropping", ("a book dropping onto the floor", "a heavy book falling", "a book landing with a thud")),
               Rule(r"^open_chest_sound\.", "chest opening", ("a wooden chest being opened", "a lid creaking open", "a box being opened")),
               _DROP_REST)),
    Source("supertux-data", "GPL-3+", ("usr/share/games/supertux2/sounds",), include=r"\.(ogg|wav)$",
           rules=(
               Rule(r"^rain\.", "rain", _RAIN),
               Rule(r"^thunder\.", "thunder", _THUNDER),
               Rule(r"^lightning\.", "thunder", ("a lightning strike cracking", "a sharp thunderclap", "a crack of thunder")),
               Rule(r"^waterfall\.", "waterfall", _WATERFALL),
               Rule(r"^splash\.", "splash", ("a splash of water", "something splashing into water", "a water splash")),
               Rule(r"^phone\.", "phone ringing", ("a telephone ringing", "an old phone bell ringing", "a ringing telephone")),
               Rule(r"^door\.", "door", ("a door opening and closing", "a door creaking", "the sound of a door")),
               Rule(r"^fire\.", "fire", _FIRE),
               Rule(r"^firecracker\.", "firecracker", ("a firecracker popping", "a firecracker going off", "a small bang of a firecracker")),
               Rule(r"^fireworks\.", "fireworks", ("a firework exploding", "a firework rocket bursting", "fireworks going off")),
               Rule(r"^skid\.", "tyres screeching", _SKID),
               Rule(r"^sizzle\.", "sizzling", ("something sizzling", "a hot liquid sizzling", "a sizzling hiss")),
               Rule(r"^savebell", "bell", ("a bell ringing", "a small bell chiming", "a bell being struck")),
               _DROP_REST)),
    Source("wordwarvi-sound", "CC-BY-SA-3.0", ("usr/share/wordwarvi/sounds",), include=r"\.ogg$", max_per_label=4,
           rules=(
               Rule(r"^toyota_celica_cardoor_sample\.", "car door", ("a car door slamming shut", "a car door being closed", "the thud of a car door")),
               Rule(r"^us_quarter\.", "coin", ("a coin dropping and spinning on a table", "a coin clinking", "a quarter falling onto a hard surface")),
               Rule(r"^jetwash\.", "jet flying", ("a jet roaring past", "the roar of jet exhaust", "a jet aircraft passing")),
               Rule(r"^fallingscreamhi\.", "screaming", ("someone screaming as they fall", "a falling scream", "a high-pitched scream")),
               Rule(r"^metalbang\d\.", "metal hit", ("a metal object being struck", "a clang of metal", "metal hitting metal")),
               Rule(r"^stonebang\d\.", "stones knocking", ("stones knocking together", "a rock hitting stone", "a stone clacking")),
               Rule(r"^big_explosion\.", "explosion", _EXPLOSION),
               _DROP_REST)),
    Source("openclonk-data", "CC-BY-3.0 / CC0-1.0 (per file, Sound.ocg authors.txt)", ("**/Sound.ocg!",),
           include=r"\.(ogg|wav)$", max_per_label=6, licence_by_path=((_OC_CC0, "CC0-1.0"), (r"", "CC-BY-3.0")),
           notes="c4group archive (gzip with changed magic, scrambled headers); group suffixes dropped from paths",
           rules=(
               Rule(r"^Animals/Bat/(Chirp|Noise\d)\.", "bats", ("bats squeaking", "a bat chirping", "bats screeching")),
               Rule(r"^Animals/Bat/Flutter\d\.", "wings flapping", ("wings flapping", "a bat fluttering its wings", "flapping wings")),
               Rule(r"^Animals/MosquitoBuzz\.", "mosquito", ("a mosquito buzzing", "the high whine of a mosquito", "an insect buzzing near the ear")),
               Rule(r"^Clonk/Action/Breathing\.", "breathing", ("someone breathing heavily", "a person panting", "a breath in and out")),
               Rule(r"^Clonk/Action/Dig/", "digging", ("a shovel digging into earth", "someone digging in dirt", "a spade scraping soil")),
               Rule(r"^Clonk/Action/Munch\d\.", "eating", _EATING),
               Rule(r"^Clonk/Movement/DivingLoop\d\.", "underwater", ("swimming underwater with bubbles", "the muffled sound of diving underwater", "bubbles rising around a diver")),
               Rule(r"^Clonk/Movement/StepHard\d\.", "footsteps", _FOOTSTEPS_HARD),
               Rule(r"^Clonk/Movement/StepSoft\d\.", "footsteps on grass", _FOOTSTEPS_SOFT),
               Rule(r"^Clonk/Skin/[^/]+/Laughter\d\.", "laughing", _LAUGH),
               Rule(r"^Clonk/Skin/[^/]+/Scream\d\.", "screaming", _SCREAM),
               Rule(r"^Clonk/Skin/[^/]+/Hurt\d\.", "pained grunt", _PAIN),
               Rule(r"^Clonk/Skin/[^/]+/Die\d\.", "death cry", _DEATH_CRY),
               Rule(r"^Environment/BirdsLoop\.", "birds", _BIRDS),
               Rule(r"^Environment/Disasters/Earthquake\.", "rumbling", ("an earthquake rumbling", "the deep rumble of the ground shaking", "a low rumble")),
               Rule(r"^Environment/Lightning/Thunder\d\.", "thunder", _THUNDER),
               Rule(r"^Environment/Tree/Chop\d\.", "chopping wood", ("an axe chopping a tree", "someone chopping wood", "a tree being chopped")),
               Rule(r"^Environment/Tree/Crack\.", "tree falling", ("a tree trunk cracking", "wood splitting as a tree gives way", "a tree cracking")),
               Rule(r"^Environment/Tree/Landing\.", "tree falling", ("a felled tree crashing to the ground", "a tree landing with a thud", "a tree falling")),
               Rule(r"^Environment/Waterfall\.", "waterfall", _WATERFALL),
               Rule(r"^Environment/WindLoop\.", "wind", _WIND),
               Rule(r"^Fire/Blast\d(alt)?\.", "explosion", _EXPLOSION),
               Rule(r"^Fire/BlastFirework\.", "fireworks", ("a firework exploding", "a firework rocket bursting", "fireworks going off")),
               Rule(r"^Fire/Cracker\.", "firecracker", ("a firecracker popping", "a firecracker going off", "a small bang of a firecracker")),
               Rule(r"^Fire/Fire\.", "fire", _FIRE),
               Rule(r"^Fire/Fuse(Loop|Short)?\.", "fuse burning", ("a burning fuse fizzing", "a lit fuse sizzling", "a fuse hissing as it burns")),
               Rule(r"^Fire/Inflame\.", "fire igniting", ("a fire flaring up", "a whoosh of flames igniting", "something catching fire")),
               Rule(r"^Hits/BucketHit\d\.", "bucket", ("a metal bucket being hit", "a bucket clanking", "a pail clattering")),
               Rule(r"^Hits/Materials/Glass/Glass(Break|Shatter)\.", "glass breaking", _GLASS_BREAK),
               Rule(r"^Hits/Materials/Glass/GlassHit\d\.", "glass clinking", ("glass being tapped", "a glass clinking", "a knock on glass")),
               Rule(r"^Hits/Materials/Metal/", "metal hit", ("a metal object being struck", "a clang of metal", "metal hitting metal")),
               Rule(r"^Hits/Materials/Rock/RockHit\d\.", "stones knocking", ("stones knocking together", "a rock hitting stone", "a stone clacking")),
               Rule(r"^Hits/Materials/Rock/Rockfall\d\.", "rockfall", ("rocks tumbling down", "a rockslide", "falling rocks")),
               Rule(r"^Hits/Materials/Wood/WoodCreak\d\.", "wood creaking", ("wood creaking", "a wooden beam creaking", "creaking timber")),
               Rule(r"^Hits/Materials/Wood/(Dull)?WoodHit\d\.", "wood knock", ("wood being knocked", "a thud on wood", "a wooden knock")),
               Rule(r"^Liquids/Boiling\.", "boiling water", ("water boiling and bubbling", "a pot boiling", "bubbling boiling liquid")),
               Rule(r"^Liquids/Bubble\d\.", "bubbling", ("bubbles popping in water", "a liquid bubbling", "bubbles rising")),
               Rule(r"^Liquids/Sizzle\.", "sizzling", ("something sizzling", "a hot liquid sizzling", "a sizzling hiss")),
               Rule(r"^Liquids/Splash\d\.", "splash", ("a splash of water", "something splashing into water", "a water splash")),
               Rule(r"^Liquids/StereoRain\.", "rain", _RAIN),
               Rule(r"^Liquids/Swim\d\.", "swimming", ("someone swimming", "the splashing strokes of a swimmer", "arms paddling through water")),
               Rule(r"^Liquids/Waterdrop\d\.", "dripping", ("a drop of water falling", "water dripping", "a single drip")),
               Rule(r"^Objects/Balloon/Inflate\.", "balloon inflating", ("a balloon being inflated", "air rushing into a balloon", "a balloon being blown up")),
               Rule(r"^Objects/Balloon/Pop\.", "balloon popping", ("a balloon popping", "a balloon bursting with a bang", "a loud pop of a balloon")),
               Rule(r"^Objects/Pickaxe/Clang", "pickaxe", ("a pickaxe striking rock", "a pick clanging on stone", "someone mining with a pickaxe")),
               Rule(r"^Objects/Plane/PropellerLoop\.", "propeller plane", _PROP),
               Rule(r"^Objects/Plane/PlaneCrash\.", "crash", ("a plane crashing", "a loud crash", "a crash of metal")),
               Rule(r"^Objects/SprayCan\.", "spray can", ("an aerosol spray can hissing", "spray paint being sprayed", "a spray can")),
               Rule(r"^Objects/Electrical\.", "electrical hum", ("electricity buzzing", "an electrical crackle and hum", "a buzzing electric current")),
               Rule(r"^Structures/Chest/Open\.", "chest opening", ("a wooden chest being opened", "a lid creaking open", "a box being opened")),
               Rule(r"^Structures/Chest/Close\.", "chest closing", ("a wooden chest being closed", "a lid thudding shut", "a box being closed")),
               Rule(r"^Structures/DoorOpen\d\.", "door opening", _DOOR_OPEN),
               Rule(r"^Structures/DoorClose\d\.", "door closing", _DOOR_CLOSE),
               Rule(r"^Structures/DoorUnlock\.", "door unlocking", ("a key unlocking a door", "a lock clicking open", "a door being unlocked")),
               Rule(r"^Structures/Elevator/Drilling\.", "drilling", ("a drill boring into rock", "a power drill running", "drilling")),
               Rule(r"^Structures/FanLoop\.", "fan", _FAN),
               Rule(r"^Structures/Furnace/Loop\.", "furnace", ("a furnace roaring", "flames roaring in a furnace", "a blast furnace burning")),
               Rule(r"^Structures/HingeCreak\d\.", "creaking hinge", ("a door hinge creaking", "a squeaky hinge", "a creaking gate")),
               Rule(r"^Structures/Pumpjack\.", "pump", ("an oil pumpjack working", "a mechanical pump rhythmically creaking", "a pump engine running")),
               Rule(r"^Structures/SawmillRipcut\.", "circular saw", _CIRCSAW),
               Rule(r"^Structures/SteamEngine\.", "steam engine", ("a steam engine chugging", "a steam engine running", "a stationary steam engine puffing")),
               Rule(r"^Structures/StoneGate/Chain\.", "chain rattling", ("a chain rattling", "metal chain links clanking", "a heavy chain being pulled")),
               Rule(r"^UI/Cash\.", "cash register", ("a cash register ringing", "a till drawer opening with a bell", "an old cash register")),
               _DROP_REST)),
)


# Third pass: children's ABC and programming-for-kids packages, whose sounds are named after the thing that makes
# them, and a timer app's ticking clocks. Only names whose sound the name says are kept (a rule per name); the rest
# (flags, cartoon characters, toys whose noise is unclear) are dropped.
def _table(text: str) -> tuple[Rule, ...]:
    """Rules from lines 'NAME | label | caption; caption; caption' (NAME: a regex for the path before the extension)."""
    out = []
    for line in text.strip().splitlines():
        name, label, caps = (part.strip() for part in line.rsplit("|", 2))
        out.append(Rule(rf"^{name}\.", label, tuple(c.strip() for c in caps.split(";"))))
    return (*out, _DROP_REST)


_QABCS = """
aesculapian_snake | snake | a snake hissing; a hissing snake; the hiss of a snake
airplane | airplane | an airplane flying overhead; a plane passing overhead; the drone of an aircraft
albatross | seabird | an albatross calling; a seabird crying; the call of a sea bird
bagpipes | bagpipes | bagpipes playing; the drone of bagpipes; a piper playing the bagpipes
bass_drum | bass drum | a bass drum being hit; a deep drum beat; the boom of a bass drum
bear | bear | a bear growling; a bear roaring; the growl of a bear
bird | bird | a bird chirping; a bird singing; a songbird tweeting
calf | calf | a calf mooing; a young cow lowing; a calf bleating for its mother
camera_lens | camera shutter | a camera shutter clicking; a photo camera taking a picture; the click of a camera
cat | cat | a cat meowing; a meowing cat; a cat mewing
cello | cello | a cello playing; a bowed cello note; the deep tone of a cello
chimpanzee | chimpanzee | a chimpanzee screeching; an ape hooting; a chimp calling
chinchilla | chinchilla | a chinchilla squeaking; a small rodent squeaking; a chinchilla chattering
clarinet | clarinet | a clarinet playing; a clarinet note; the woody tone of a clarinet
clock | clock | a clock ticking; the tick-tock of a clock; a ticking wall clock
cow | cow | a cow mooing; cattle lowing; a cow calling in a field
crow | crow | a crow cawing; a raven cawing; the caw of a crow
cymbals | cymbals | cymbals crashing; a pair of cymbals clashing; a cymbal crash
deer | deer | a deer calling; a stag bellowing; the call of a deer
dice | dice | dice rolling on a table; someone shaking and throwing dice; dice clattering
dog | dog | a dog barking; a barking dog; a dog woofing
dolphin | dolphin | a dolphin clicking and whistling; a dolphin squeaking; dolphin calls
drums | drums | drums being played; a drum beat; someone playing the drums
duck | duck | a duck quacking; the quack of a duck; ducks quacking
eagle-owl | owl | an eagle owl hooting; an owl hooting at night; the hoot of an owl
electric_guitar | electric guitar | an electric guitar playing; an electric guitar riff; a distorted guitar
elephant | elephant | an elephant trumpeting; the trumpet call of an elephant; an elephant calling
excavator | excavator | an excavator working; a digger's diesel engine running; heavy construction machinery
fire | fire | a fire crackling; flames burning; a crackling fire
flamingo | flamingo | a flamingo honking; flamingos calling; the call of a flamingo
flute | flute | a flute playing; a flute melody; the airy tone of a flute
foal | foal | a foal neighing; a young horse whinnying; a pony neighing
frog | frog | a frog croaking; a toad croaking; the croak of a frog
goose | goose | a goose honking; geese honking; the honk of a goose
grand_piano | piano | a grand piano playing; piano notes; someone playing the piano
grasshopper | grasshopper | a grasshopper chirping; insects chirping in the grass; the chirp of a grasshopper
guinea_fowl | guinea fowl | a guinea fowl calling; a guinea fowl cackling; a farm bird screeching
guitar | guitar | an acoustic guitar playing; a guitar being strummed; guitar chords
hand_organ | barrel organ | a barrel organ playing; a hand organ tune; a hurdy-gurdy street organ
harmonica | harmonica | a harmonica playing; a mouth organ; someone blowing a harmonica
harp | harp | a harp being played; harp strings plucked; a harp glissando
helicopter | helicopter | a helicopter flying overhead; the thudding rotor blades of a helicopter; a chopper hovering
heron | heron | a heron calling; the croak of a heron; a wading bird calling
horn | horn | a horn honking; a hooter sounding; a short horn blast
horse | horse | a horse neighing; a horse whinnying; a neighing horse
hyena | hyena | a hyena laughing; the cackle of a hyena; a hyena calling
jaguar | jaguar | a jaguar growling; a big cat snarling; the roar of a jaguar
kazoo | kazoo | a kazoo buzzing; someone humming into a kazoo; a kazoo tune
keyboard | keyboard typing | someone typing on a computer keyboard; keyboard keys clicking; typing on a keyboard
lion | lion | a lion roaring; the roar of a lion; a lion growling
little_monkey | monkey | a monkey chattering; a monkey screeching; a small monkey calling
lute | lute | a lute being played; plucked lute strings; a lute melody
lynx | lynx | a lynx growling; a wild cat hissing and yowling; a lynx calling
maracas | maracas | maracas shaking; a rattle being shaken; the rattle of maracas
moose | moose | a moose calling; a moose bellowing; the call of a moose
mouse | mouse | a mouse squeaking; the squeak of a mouse; mice squeaking
natural_horn | french horn | a horn playing; a brass horn note; the call of a hunting horn
newspaper | newspaper | newspaper pages rustling; someone turning the pages of a newspaper; paper rustling
oboe | oboe | an oboe playing; an oboe note; the reedy tone of an oboe
organ | organ | an organ playing; a church organ chord; the sound of a pipe organ
owl | owl | an owl hooting; the hoot of an owl; an owl calling at night
pelican | pelican | a pelican calling; a sea bird squawking; the call of a pelican
pheasant | pheasant | a pheasant calling; the crow of a pheasant; a game bird calling
piano | piano | a piano playing; piano notes; someone playing the piano
pig | pig | a pig oinking; a pig squealing; a hog grunting
quadrocopter | drone | a drone flying; the buzz of a quadcopter's propellers; a small drone hovering
quail | quail | a quail calling; the call of a quail; a small bird calling
raccoon | raccoon | a raccoon chittering; a raccoon squealing; the calls of a raccoon
ratchet | ratchet | a ratchet clicking; a ratchet wrench turning; a clicking rattle
recorder | recorder | a recorder playing; a recorder flute melody; someone playing a recorder
rhinoceros | rhinoceros | a rhinoceros snorting; a rhino grunting; the snort of a rhinoceros
rocket | rocket | a rocket launching; a rocket roaring into the sky; a rocket engine firing
rooster | rooster | a rooster crowing; a cockerel crowing in the morning; a rooster's cock-a-doodle-doo
rubber_ball | ball bouncing | a rubber ball bouncing; a ball bouncing on the floor; the bounce of a ball
saxophone | saxophone | a saxophone playing; a sax melody; the tone of a saxophone
seesaw | seesaw | a seesaw creaking; a playground seesaw squeaking; a creaking seesaw
sheep | sheep | a sheep bleating; sheep baaing; the bleat of a sheep
skateboard | skateboard | a skateboard rolling; the wheels of a skateboard on pavement; someone skateboarding
slit_drum | drum | a wooden slit drum being hit; a wooden drum beat; a log drum
sparrow | sparrow | a sparrow chirping; small birds twittering; the chirp of a sparrow
spoons | spoons | spoons clacking; spoons being played as percussion; metal spoons clinking
squeezebox | accordion | an accordion playing; a squeezebox melody; the bellows of an accordion
squirrel | squirrel | a squirrel chattering; a squirrel squeaking; the chatter of a squirrel
stork | stork | a stork clattering its bill; the clatter of a stork; a stork calling
tiger | tiger | a tiger roaring; the roar of a tiger; a tiger growling
timpani | timpani | timpani drums rolling; a kettle drum being hit; the boom of timpani
top | spinning top | a spinning top humming; a toy top spinning; the whirr of a spinning top
tractor | tractor | a tractor engine running; a farm tractor driving; the chug of a tractor
train | train | a train passing; a train rumbling along the tracks; a railway train
trumpet | trumpet | a trumpet playing; a trumpet fanfare; the blare of a trumpet
ukulele | ukulele | a ukulele being strummed; ukulele chords; a ukulele tune
umbrella | umbrella | an umbrella being opened; an umbrella snapping open; the whoosh of an umbrella opening
violin | violin | a violin playing; a bowed violin melody; the sound of a fiddle
vulture | vulture | a vulture hissing; a large bird screeching; the call of a vulture
walkie-talkie | walkie-talkie | a walkie-talkie crackling; radio static and a beep from a walkie-talkie; a two-way radio
watch | watch | a watch ticking; the tick of a wristwatch; a pocket watch ticking
western_concert_flute | flute | a concert flute playing; a flute melody; the airy tone of a flute
whale | whale | a whale singing; whale song underwater; the call of a whale
whistle | whistle | a whistle being blown; a shrill whistle; someone blowing a whistle
wolf | wolf | a wolf howling; the howl of a wolf; a wolf calling
wood_grouse | grouse | a capercaillie calling; a wood grouse displaying; the call of a grouse
xylophone | xylophone | a xylophone playing; xylophone notes; a mallet on a xylophone
yak | yak | a yak grunting; the grunt of a yak; a yak calling
zebra | zebra | a zebra braying; a zebra barking; the call of a zebra
zipline | zipline | someone sliding down a zip line; a pulley whizzing along a cable; a zip line
zipper | zipper | a zipper being zipped; the zip of a zipper; someone zipping a jacket
zither | zither | a zither being played; plucked zither strings; a zither melody
"""

_SCRATCH = """
Animal/Bird | bird | a bird chirping; a songbird tweeting; a bird singing
Animal/Cat | cat | a cat meowing; a meowing cat; a cat mewing
Animal/Crickets? | crickets | crickets chirping; a cricket chirping at night; insects chirping
Animal/Dog\\d | dog | a dog barking; a barking dog; a dog woofing
Animal/Duck | duck | a duck quacking; the quack of a duck; ducks quacking
Animal/Goose | goose | a goose honking; geese honking; the honk of a goose
Animal/Horse | horse | a horse neighing; a horse whinnying; a neighing horse
Animal/HorseGallop | horse galloping | a horse galloping; hooves galloping; the hoofbeats of a galloping horse
Animal/(Kitten|Meow) | cat | a cat meowing; a kitten mewing; the meow of a cat
Animal/Owl | owl | an owl hooting; the hoot of an owl; an owl calling at night
Animal/Rooster | rooster | a rooster crowing; a cockerel crowing in the morning; a rooster's cock-a-doodle-doo
Animal/SeaLion | sea lion | a sea lion barking; sea lions calling; the bark of a sea lion
Animal/WolfHowl | wolf | a wolf howling; the howl of a wolf; a wolf calling
Effects/BellToll | bell | a bell tolling; a large bell ringing; the toll of a bell
Effects/Bubbles | bubbles | bubbles rising in water; water bubbling; air bubbling through water
Effects/CarPassing | car passing | a car passing by; a car driving past; a passing car
Effects/DoorClose | door closing | a door being closed; a door shutting; a door closing with a thud
Effects/DoorCreak | door creaking | a door creaking open; a creaky door; a squeaking door hinge
Effects/MotorcyclePassing | motorcycle | a motorcycle passing by; a motorbike driving past; a motorcycle engine roaring past
Effects/Plunge | splash | something plunging into water; a splash; an object falling into water
Effects/Ripples | water | water rippling; water lapping; gentle ripples of water
Effects/SewingMachine | sewing machine | a sewing machine running; the whirr of a sewing machine; a sewing machine stitching
Effects/Typing | typing | someone typing on a keyboard; keys clicking while typing; typing
Effects/WaterDrop | water drop | a water drop falling; a drip of water; a single droplet
Effects/WaterRunning | running water | water running from a tap; a faucet running; running water
Human/BabyCry | baby crying | a baby crying; an infant wailing; a crying baby
Human/Cough-(fe)?male | coughing | a person coughing; someone coughing; a cough
Human/FingerSnap | finger snap | fingers snapping; a finger snap; someone snapping their fingers
Human/Footsteps-\\d | footsteps | footsteps; someone walking; the sound of footsteps
Human/Laugh-(fe)?male\\d? | laughing | a person laughing; someone laughing out loud; laughter
Human/PartyNoise | crowd | a crowd of people talking at a party; party chatter; people chatting and laughing
Human/Scream-(fe)?male\\d? | screaming | a person screaming; a loud scream; someone shrieking
Human/Slurp | slurping | someone slurping a drink; a person slurping; slurping through a straw
Human/Sneeze-(fe)?male | sneezing | a person sneezing; someone sneezing; a sneeze
Instruments/Dijjeridoo | didgeridoo | a didgeridoo droning; the drone of a didgeridoo; someone playing a didgeridoo
Instruments/GuitarStrum | guitar | a guitar being strummed; an acoustic guitar chord; guitar strumming
Instruments/Trumpet\\d | trumpet | a trumpet playing; a trumpet call; the blare of a trumpet
Percussion/CymbalCrash | cymbal | a cymbal crash; a crash cymbal being hit; a cymbal crashing
Percussion/Gong | gong | a gong being struck; the long ring of a gong; a gong
Percussion/Shaker | shaker | a shaker being shaken; a rattle shaker; a percussion shaker
"""

_POMODORO = """
clock | clock | a clock ticking; the tick-tock of a clock; a ticking wall clock
timer | kitchen timer | a kitchen timer ticking; a wind-up timer ticking; a mechanical timer
birds | birds | birds singing; songbirds chirping outdoors; a dawn chorus of birds
loud-bell | bell | a bell ringing; a loud bell; a ringing bell
"""

_MICROPOLIS = """
siren | siren | a siren wailing; an emergency vehicle siren; a wailing siren
police | police siren | a police car siren; a police siren wailing; a police car passing with its siren on
heavytraffic | traffic | heavy traffic on a road; cars and trucks driving past; the roar of city traffic
honkhonk-(high|med|low) | car horn | a car horn honking; a driver beeping the car horn; a vehicle horn blaring
cuckoo | cuckoo clock | a cuckoo clock calling; the cuckoo of a cuckoo clock; a cuckoo calling
quackquack | duck | a duck quacking; the quack of a duck; ducks quacking
explosion-(high|low) | explosion | an explosion; a loud blast; something exploding with a boom
skid | tyres screeching | tyres screeching; a car skidding with squealing tyres; rubber squealing on tarmac
stadium | crowd cheering | a crowd cheering; people cheering in a stadium; a cheering audience
bulldozer | bulldozer | a bulldozer engine rumbling; heavy construction machinery; a digger working
ignition | engine starting | an engine starting; a motor cranking and starting; a vehicle engine turning over
"""

_HOMEDECOR = """
homedecor_bathroom/sounds/homedecor_toilet_flush | toilet flush | a toilet flushing; the flush of a toilet; water rushing as a toilet is flushed
homedecor_bathroom/sounds/homedecor_shower | shower | a shower running; water spraying from a shower; someone taking a shower
homedecor_common/sounds/homedecor_faucet | faucet | a tap running; water pouring from a faucet; a faucet turned on
homedecor_doors_and_gates/sounds/homedecor_door_open | door opening | a door opening; a door creaking open; someone opening a door
homedecor_doors_and_gates/sounds/homedecor_door_close | door closing | a door closing; a door shutting; a door being closed
homedecor_electrical/sounds/homedecor_doorbell | doorbell | a doorbell ringing; someone ringing the doorbell; a ding-dong doorbell
homedecor_trash_cans/sounds/homedecor_trash_all | trash | rubbish being emptied into a bin; trash tipped out of a can; garbage falling into a bin
"""

_PLEE = """
plee/snore | snoring | a person snoring; someone snoring while asleep; loud snoring
weather/rain | rain | rain falling; the sound of rainfall; rain pattering down
effect/earthquake | earthquake | an earthquake rumbling; a deep rumble of the ground shaking; rocks rumbling
splash | splash | a splash in water; something splashing into water; a big splash
"""

SOURCES += (
    Source("qabcs-data", "GPL-3+", ("usr/share/qabcs/abcs/all/noises",), include=r"\.ogg$",
           notes="children's ABC: one sound per pictured word", rules=_table(_QABCS)),
    Source("scratch", "CC-BY-SA-3.0 (Media)", ("usr/share/scratch/Media/Sounds",), include=r"\.(wav|mp3)$",
           notes="Scratch 1.4 sound library; electronic effects, music loops and vocals left out",
           rules=_table(_SCRATCH)),
    Source("gnome-shell-pomodoro-data", "GPL-3+", ("usr/share/gnome-pomodoro/sounds",), include=r"\.ogg$",
           rules=_table(_POMODORO)),
    Source("micropolis-data", "GPL-3+", ("usr/share/games/micropolis/res/sounds",), include=r"\.wav$",
           notes="city-building game sounds; 8 kHz duplicates (-hi) and interface blips left out",
           rules=_table(_MICROPOLIS)),
    Source("minetest-mod-homedecor", "CC-BY-SA-4.0", ("usr/share/games/minetest/mods/homedecor",), include=r"\.ogg$",
           notes="household sounds; fake_fire/fire_small.ogg is the ESC-50 fire recording and is never kept",
           rules=_table(_HOMEDECOR)),
    Source("plee-the-bear-data", "CC-BY-SA-3.0", ("usr/share/games/plee-the-bear/sound",), include=r"\.ogg$",
           rules=_table(_PLEE)),
)

# Fourth pass: more packages found through the Contents index, keeping real-world recordings only.
_SAR = """
helicopter_engine_(outside\\d?|start|shutdown) | helicopter | a helicopter flying overhead; the thudding rotor blades of a helicopter; a helicopter engine and rotor
(hh60|hh65)/engine_(start|shutdown) | helicopter | a helicopter starting up; a helicopter's turbine and rotor spinning; the whine of a helicopter engine
jet_engine_(outside|start2?|shutdown\\d?) | jet engine | a jet engine roaring; a jet aircraft engine running; the whine and roar of a jet turbine
thunder_(loud|moderate|faint) | thunder | thunder rumbling; a thunderclap; thunder during a storm
splash_human | splash | someone splashing into water; a body falling into water; a big splash
door_(open|close) | car door | an aircraft door opening or closing; a hatch door; a door latch clicking
land_wheel_skid\\d? | tyres screeching | tyres screeching on landing; wheels skidding on a runway; rubber squealing on tarmac
"""

_BTANKS = """
ambient/city | city traffic | city traffic ambience; cars passing in a busy street; urban street noise
ambient/country | countryside | countryside ambience with birds; a quiet rural soundscape; birds and insects in the country
ambient/forest | forest | forest ambience with birds singing; birds calling in a wood; a woodland soundscape
ambient/swamp | swamp | frogs and insects in a swamp; a marsh at night; swamp ambience with croaking frogs
cow | cow | a cow mooing; cattle lowing; a cow calling in a field
fire | fire | a fire crackling; flames burning; a crackling fire
helicopter | helicopter | a helicopter flying overhead; the thudding rotor blades of a helicopter; a chopper hovering
train | train | a train passing; a train rumbling along the tracks; a railway train
laugh0\\d | laughing | a man laughing; someone laughing out loud; laughter
man-steps | footsteps | footsteps; someone walking; the sound of footsteps
engine-start | engine starting | an engine starting; a motor cranking and starting; a vehicle engine turning over
klaxon | horn | a klaxon horn sounding; an old car horn; a honking horn
building-explosion\\d | explosion | a building exploding; a loud blast; debris falling after an explosion
"""

_ETW = """
crowd/crowd\\d+ | crowd cheering | a football crowd cheering; a stadium crowd chanting; spectators shouting in a stadium
snd/crowd | crowd cheering | a football crowd cheering; a stadium crowd chanting; spectators shouting in a stadium
snd/fischiolungo | whistle | a referee's whistle; a long blast on a whistle; someone blowing a whistle
"""

_FLARE = """
empyrean_campaign/soundfx/environment/rain | rain | rain falling; the sound of rainfall; rain pattering down
empyrean_campaign/soundfx/environment/minecart | minecart | a mine cart rolling on rails; a metal cart rumbling along a track; a trolley on rails
empyrean_campaign/soundfx/environment/falling_rocks | rocks falling | rocks falling; stones tumbling down; a small rockslide
fantasycore/music/wind_ambient | wind | wind howling; a strong wind blowing; gusts of wind
fantasycore/soundfx/environment/forest_owl_loop | owl | an owl hooting in a forest at night; the hoot of an owl; an owl calling in the woods
fantasycore/soundfx/environment/river_loop | river | a river flowing; water rushing in a stream; a babbling brook
fantasycore/soundfx/environment/bird_twitter_loop | birds | birds chirping; songbirds singing; birds tweeting outdoors
fantasycore/soundfx/environment/open_fire(_loop)? | fire | a fire crackling; an open fire burning; flames crackling
fantasycore/soundfx/environment/anvil_loop | anvil | a blacksmith hammering on an anvil; metal being forged; hammer blows on an anvil
fantasycore/soundfx/environment/wind_loop | wind | wind blowing; a gusty wind; wind whistling
fantasycore/soundfx/environment/cave_droplets_loop | dripping | water dripping in a cave; drops falling into a pool; dripping water echoing
fantasycore/soundfx/environment/raven_loop | crow | a raven cawing; crows cawing; the croak of a raven
fantasycore/soundfx/environment/cave_wind_loop | wind | wind moaning through a cave; a low howling wind; hollow wind
fantasycore/soundfx/heartbeat | heartbeat | a heart beating; a heartbeat; the thump of a heartbeat
fantasycore/soundfx/steps/step_metal\\d | footsteps on metal | footsteps on metal; someone walking on a metal floor; boots clanking on metal
fantasycore/soundfx/steps/step_echo\\d | footsteps | footsteps echoing in a hall; someone walking on stone; echoing steps
fantasycore/soundfx/inventory/inventory_coins | coins | coins jingling; a handful of coins clinking; coins dropped into a purse
fantasycore/soundfx/inventory/inventory_page | page turning | a page being turned; paper rustling; someone turning the pages of a book
fantasycore/soundfx/door_open | door opening | a door opening; a door creaking open; someone opening a door
"""

_XEMACS = """
bark | dog | a dog barking; a barking dog; a dog woofing
catmeow | cat | a cat meowing; a meowing cat; the meow of a cat
cuckoo | cuckoo clock | a cuckoo clock calling; the cuckoo of a cuckoo clock; a cuckoo calling
drip | water drop | a water drop falling; a drip of water; a single droplet
hammer | hammer | a hammer hitting; someone hammering; a hammer blow
snore | snoring | a person snoring; someone snoring while asleep; loud snoring
shotgun | shotgun | a shotgun firing; a shotgun blast; a loud gunshot from a shotgun
whip | whip | a whip cracking; the crack of a whip; a whip lashing
"""

_LIBREOFFICE = """
applause | applause | an audience applauding; a crowd clapping; applause
cow | cow | a cow mooing; cattle lowing; a cow calling in a field
horse | horse | a horse neighing; a horse whinnying; a neighing horse
train | train | a train passing; a train rumbling along the tracks; a railway train
gong | gong | a gong being struck; the long ring of a gong; a gong
glasses | glasses clinking | glasses clinking; people toasting with glasses; the clink of glasses
explos | explosion | an explosion; a loud blast; something exploding with a boom
kongas | conga drums | conga drums playing; hand drums beating; a conga rhythm
"""

_7KAA = """
FIRE | fire | a fire crackling; flames burning; a crackling fire
QUAKE | earthquake | an earthquake rumbling; the ground shaking and rumbling; a deep rumble
RAIN | rain | rain falling; the sound of rainfall; rain pattering down
THUNDER | thunder | thunder rumbling; a thunderclap; thunder during a storm
WIND | wind | wind howling; a strong wind blowing; gusts of wind
"""

SOURCES += (
    Source("searchandrescue-data", "GPL-2+", ("usr/share/games/searchandrescue/sounds",), include=r"\.wav$",
           max_per_label=6, rules=_table(_SAR)),
    Source("btanks-data", "GPL-2 with the Battle Tanks exception", ("usr/share/games/btanks/data/sounds",),
           include=r"\.ogg$", rules=_table(_BTANKS)),
    Source("etw-data", "GPL-2+", ("usr/share/games/etw",), include=r"\.wav$", max_per_label=8,
           notes="Eat The Whistle, a football game: stadium crowds and the referee's whistle", rules=_table(_ETW)),
    Source("flare-game", "CC-BY-SA-3.0+", ("usr/share/games/flare/mods",), include=r"\.ogg$", max_per_label=6,
           rules=_table(_FLARE)),
    Source("xemacs21-basesupport", "GPL-2+", ("usr/share/xemacs21/xemacs-packages/etc/sounds",),
           include=r"\.wav$", rules=_table(_XEMACS)),
    Source("libreoffice-common", "MPL-2.0", ("usr/lib/libreoffice/share/gallery/sounds",), include=r"\.wav$",
           notes="the Gallery's sound clips", rules=_table(_LIBREOFFICE)),
    Source("7kaa-data", "GPL-2+", ("usr/share/games/7kaa/SOUND",), include=r"\.WAV$", rules=_table(_7KAA)),
)

BY_NAME: dict[str, Source] = {s.package: s for s in SOURCES}


def get(package: str) -> Source:
    """Return the Source entry for a package name; raises KeyError listing the known names."""
    try:
        return BY_NAME[package]
    except KeyError:
        raise KeyError(f"unknown package {package!r}; known: {', '.join(BY_NAME)}") from None
