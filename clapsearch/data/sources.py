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

BY_NAME: dict[str, Source] = {s.package: s for s in SOURCES}


def get(package: str) -> Source:
    """Return the Source entry for a package name; raises KeyError listing the known names."""
    try:
        return BY_NAME[package]
    except KeyError:
        raise KeyError(f"unknown package {package!r}; known: {', '.join(BY_NAME)}") from None
