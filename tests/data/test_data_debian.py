"""Package recipe on small generated package trees (no downloads)."""
from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clapsearch.data import captions as C
from clapsearch.data import debian
from clapsearch.data.sources import Rule, Source, get, is_excluded

SR = 8000


@pytest.fixture(autouse=True)
def fixed_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    words = frozenset("cattle goat horse gravel door wood cow rooster colorful metal stone fire flint steel snare hard "
                      "closed hat pepperoni".split())
    monkeypatch.setattr(C, "dictionary", lambda: words)


def wav_bytes(seconds: float, freq: float = 440.0, fmt: str = "WAV") -> bytes:
    t = np.arange(int(seconds * SR)) / SR
    buf = io.BytesIO()
    sf.write(buf, (0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32), SR, format=fmt)
    return buf.getvalue()


def put(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_zip_archive_audio_with_rules_and_path_captions(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    arch = tree / "usr/share/games/x/public.zip"
    arch.parent.mkdir(parents=True)
    with zipfile.ZipFile(arch, "w") as zf:
        zf.writestr("audio/actor/fauna/animal/cattle_01.ogg", wav_bytes(0.5, 300, "OGG"))
        zf.writestr("audio/actor/fauna/animal/cattle_02.ogg", wav_bytes(0.5, 310, "OGG"))
        zf.writestr("audio/actor/fauna/death/goat_11.wav", wav_bytes(0.4, 500))
        zf.writestr("audio/interface/select/sel_01.wav", wav_bytes(0.4))
        zf.writestr("audio/music/theme.wav", wav_bytes(61.0, 200))  # long: cut to 30 s FLAC
        zf.writestr("audio/ambient/door_01.wav", wav_bytes(0.05))  # too short
        zf.writestr("audio/ambient/door_02.wav", b"not audio at all" * 10)  # unreadable
        zf.writestr("art/readme.txt", "no audio")
    src = Source("fake-data", "CC0-1.0", ("**/public.zip!audio/",),
                 rules=(Rule(r"^interface/"), Rule(r"^music/", "music", ("instrumental music",))))
    clips, stats = debian.build_package(src, tmp_path / "out", tmp_path / "debs", tree=tree)
    rows = {c.audio: c for c in clips}
    assert set(rows) == {"audio/fake-data/actor/fauna/animal/cattle_01.ogg",
                         "audio/fake-data/actor/fauna/animal/cattle_02.ogg",
                         "audio/fake-data/actor/fauna/death/goat_11.wav", "audio/fake-data/music/theme.flac"}
    assert "cattle lowing" in rows["audio/fake-data/actor/fauna/animal/cattle_01.ogg"].captions
    assert rows["audio/fake-data/actor/fauna/death/goat_11.wav"].label == "goat dying"
    assert rows["audio/fake-data/music/theme.flac"].captions == ["instrumental music"]
    assert sf.info(str(tmp_path / "out/audio/fake-data/music/theme.flac")).duration == pytest.approx(30.0)
    assert all(c.source == "debian:fake-data" and c.licence == "CC0-1.0" for c in clips)
    assert stats.skipped == {"no_caption": 1, "too_short": 1, "unreadable": 1}
    assert stats.clips == 4 and stats.concepts == ["cattle", "goat dying", "music"]


def test_esc50_exclusions_never_reach_the_manifest(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    snd = tree / "usr/share/games/minetest/games/g/mods/fire/sounds"
    for name in ("fire_small.ogg", "fire_fire.1.ogg", "fire_large.ogg", "fire_flint_and_steel.ogg"):
        put(snd / name, wav_bytes(0.3, 200 + len(name), "OGG"))
    clips, stats = debian.build_package(get("minetest-data"), tmp_path / "out", tmp_path / "debs", tree=tree)
    assert [Path(c.audio).name for c in clips] == ["fire_flint_and_steel.ogg"]
    assert stats.skipped["excluded_esc50"] == 3
    assert is_excluded("widelands-data", "atlanteans/saw/sawing_01.ogg")
    assert not is_excluded("widelands-data", "atlanteans/saw/benchsaw_01.ogg")
    assert is_excluded("openclonk-data", "Fire/Fire.ogg")  # ESC-50 1-4211-A-12, found by `data check`
    assert not is_excluded("openclonk-data", "Fire/Inflame.ogg")
    assert is_excluded("qabcs-data", "clock.ogg")  # ESC-50 4-188033-A-38, found by its waveform
    assert is_excluded("minetest-mod-homedecor", "fake_fire/sounds/fire_small.ogg")
    assert not is_excluded("qabcs-data", "watch.ogg")


def test_description_captions_skip_spoken_descriptions(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    d = tree / "usr/share/tuxpaint/stamps/animals"
    put(d / "cow.ogg", wav_bytes(0.5, 300, "OGG"))
    put(d / "cow.txt", "A cow.\nfr.utf8=Une vache.\n")
    put(d / "cow_desc.ogg", wav_bytes(0.5, 310, "OGG"))
    put(d / "cow_desc_fr.ogg", wav_bytes(0.5, 320, "OGG"))
    put(d / "rooster.wav", wav_bytes(0.5, 330))
    put(d / "rooster.txt", "A colorful rooster.\n")
    clips, _ = debian.build_package(get("tuxpaint-stamps-default"), tmp_path / "o", tmp_path / "d", tree=tree)
    caps = {Path(c.audio).name: c.captions for c in clips}
    assert set(caps) == {"cow.ogg", "rooster.wav"}
    assert "a cow mooing" in caps["cow.ogg"] and "a colorful rooster crowing" in caps["rooster.wav"]


def test_drumkit_xml_instrument_names(tmp_path: Path) -> None:
    kit = tmp_path / "tree/usr/share/hydrogen/data/drumkits/MyKit"
    put(kit / "kick_01.wav", wav_bytes(0.3, 60))
    put(kit / "hh.flac", wav_bytes(0.3, 5000, "FLAC"))
    put(kit / "orphan.wav", wav_bytes(0.3, 900))
    put(kit / "drumkit.xml", """<?xml version="1.0"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit"><name>MyKit</name>
<license>This work is licensed under the Creative Commons 0 License.</license><instrumentList>
<instrument><id>0</id><name>Kick</name><layer><filename>kick_01.wav</filename></layer></instrument>
<instrument><id>1</id><name>f#3 - Hat Closed</name><layer><filename>hh.flac</filename></layer></instrument>
</instrumentList></drumkit_info>""")
    clips, _ = debian.build_package(get("hydrogen-drumkits"), tmp_path / "o", tmp_path / "d", tree=tmp_path / "tree")
    rows = {Path(c.audio).name: c for c in clips}
    assert set(rows) == {"kick_01.wav", "hh.flac"}
    assert rows["kick_01.wav"].captions[0] == "a kick drum hit"
    assert rows["hh.flac"].captions[0] == "a closed hi-hat hit"
    assert rows["kick_01.wav"].licence == "CC0-1.0"


def test_speech_from_transcripts_and_sample_names(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    snd = tree / "usr/share/asterisk/sounds/en_US_f_Allison"
    put(snd / "agent-pass.wav", wav_bytes(0.6))
    put(snd / "digits/5.wav", wav_bytes(0.4))
    put(snd / "silence/1.wav", wav_bytes(1.0))
    put(tree / "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz",
        gzip.compress(b"; header\nagent-pass: Please enter your password.\ndigits/5: five\nsilence/1: [silence]\n"))
    clips, _ = debian.build_package(get("asterisk-core-sounds-en-wav"), tmp_path / "o", tmp_path / "d", tree=tree)
    caps = {Path(c.audio).name: c.captions[0] for c in clips}
    assert caps == {"agent-pass.wav": "a woman saying: please enter your password", "5.wav": "a woman saying: five"}

    spi = tmp_path / "spi/usr/share/sonic-pi/samples"
    put(spi / "drum_snare_hard.flac", wav_bytes(0.3, 200, "FLAC"))
    put(spi / "tabla_ghe3.flac", wav_bytes(0.3, 210, "FLAC"))
    clips, _ = debian.build_package(get("sonic-pi-samples"), tmp_path / "o2", tmp_path / "d", tree=tmp_path / "spi")
    caps = {Path(c.audio).name: c.captions for c in clips}
    assert caps["drum_snare_hard.flac"][0] == "a hard snare drum hit"
    assert caps["tabla_ghe3.flac"][0] == "a tabla drum stroke"


def test_download_reuses_cache_and_reports_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = put(tmp_path / "debs/pkg_1.0_all.deb", b"x")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("must not call apt-get"))
    assert debian.download("pkg", tmp_path / "debs") == cached
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 100, "", "E: no such pkg"))
    with pytest.raises(debian.DebianError, match="apt-get update"):
        debian.download("nopkg", tmp_path / "debs")


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_extract_real_deb_once(tmp_path: Path) -> None:
    root = tmp_path / "pkgroot"
    put(root / "DEBIAN/control", "Package: fake\nVersion: 1\nArchitecture: all\nMaintainer: x <x@y>\nDescription: t\n")
    put(root / "usr/share/fake/a.wav", wav_bytes(0.2))
    deb = tmp_path / "fake_1_all.deb"
    subprocess.run(["dpkg-deb", "-b", "--root-owner-group", str(root), str(deb)], check=True, capture_output=True)
    dest = debian.extract(deb, tmp_path / "x")
    assert (dest / "usr/share/fake/a.wav").is_file()
    (dest / "usr/share/fake/a.wav").unlink()
    debian.extract(deb, tmp_path / "x")  # marker present: not extracted again
    assert not (dest / "usr/share/fake/a.wav").exists()


def cat_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """Build an OpenTTD .cat archive: (offset|0x80000000?, size) table, then <len><name\\0><wav> per entry."""
    import struct

    bodies = [bytes([len(n.encode()) + 1]) + n.encode() + b"\0" + w for n, w in entries]
    table, off = b"", 8 * len(entries)
    for b in bodies:
        table += struct.pack("<II", off | (0x80000000 if not table else 0), len(b))
        off += len(b)
    return table + b"".join(bodies)


def test_openttd_cat_archive_titles_and_per_entry_licences(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    entries = [
        ('"Helicopter". Original "heli.wav" by "x". Edited by "Wuzzy". '
         'License: Creative Commons Attribution-ShareAlike 3.0 Unported.', wav_bytes(0.5, 300)),
        ('"Cow". Original "Cow - Moan 2.wav" by "y". License: Creative Commons Zero 1.0.', wav_bytes(0.5, 350)),
        ('"Toyland: Jet take off". By Janis Lukss. License: Creative Commons Attribution 3.0 Unported.',
         wav_bytes(0.5, 400)),
        ('"Unused/Nothing". Trivial empty sound file. License: Creative Commons Zero 1.0.', b""),
    ]
    put(tree / "usr/share/games/openttd/baseset/opensfx/opensfx.cat", cat_bytes(entries))
    assert [debian.cat_entry_name(i, d)[0] for i, (d, _) in enumerate(entries)] == [
        "00_Helicopter.wav", "01_Cow.wav", "02_Toyland - Jet take off.wav", "03_Unused Nothing.wav"]
    clips, stats = debian.build_package(get("openttd-opensfx"), tmp_path / "out", tmp_path / "debs", tree=tree)
    rows = {Path(c.audio).name: c for c in clips}
    assert set(rows) == {"00_Helicopter.wav", "01_Cow.wav"}
    assert rows["00_Helicopter.wav"].captions[0] == "a helicopter flying overhead"
    assert rows["00_Helicopter.wav"].licence == "CC-BY-SA-3.0" and rows["01_Cow.wav"].licence == "CC0-1.0"
    assert rows["01_Cow.wav"].label == "cow"
    assert stats.skipped == {"no_caption": 2}  # Toyland and the empty entry are dropped by rule
    with pytest.raises(ValueError):
        debian.read_cat(b"\x01\x00")


def test_licence_by_path_and_rule_only_sources(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    root = tree / "usr/share/games/scorched3d/data/globalmods"
    put(root / "apoc/data/wav/misc/helicopter.wav", wav_bytes(0.4, 300))
    put(root / "none/data/wav/misc/rain.wav", wav_bytes(0.4, 320))
    put(root / "none/data/wav/misc/teleport.wav", wav_bytes(0.4, 340))  # no everyday meaning: dropped
    clips, stats = debian.build_package(get("scorched3d-data"), tmp_path / "out", tmp_path / "debs", tree=tree)
    got = {c.label: c.licence for c in clips}
    assert got == {"helicopter": "CC-BY-SA-3.0", "rain": "GPL-2+"}
    assert stats.skipped == {"no_caption": 1}
    src = Source("x", "GPL-2+", ("r",), licence_by_path=((r"^a/", "CC0-1.0"),))
    assert src.licence_for("a/b.wav") == "CC0-1.0" and src.licence_for("b/a.wav") == "GPL-2+"


def c4group_bytes(files: dict, packed: bool = True) -> bytes:
    """Build an OpenClonk c4group: scrambled 204-byte header, 316-byte entries, data; nested dicts are child groups."""
    import struct

    names, bodies, children = list(files), [], []
    for name in names:
        body = files[name]
        children.append(isinstance(body, dict))
        bodies.append(c4group_bytes(body, packed=False) if isinstance(body, dict) else body)
    header = bytearray(204)
    header[:24] = b"RedWolf Design GrpFolder"
    struct.pack_into("<iii", header, 28, 1, 2, len(names))
    entries, off = b"", 0
    for name, body, child in zip(names, bodies, children):
        entry = bytearray(316)
        entry[:len(name)] = name.encode()
        struct.pack_into("<iiiii", entry, 260, 1, int(child), len(body), 0, off)
        entries += bytes(entry)
        off += len(body)
    raw = debian.c4_scramble(bytes(header)) + entries + b"".join(bodies)
    return debian.C4_MAGIC + gzip.compress(raw)[2:] if packed else raw


def test_c4group_archive_nested_groups_and_per_file_licences(tmp_path: Path) -> None:
    assert debian.c4_scramble(debian.c4_scramble(b"RedWolf Design")) == b"RedWolf Design"
    sound = {"Animals.ocg": {"MosquitoBuzz.ogg": wav_bytes(0.5, 300, "OGG"),
                             "Mooq.ocg": {"Snort1.wav": wav_bytes(0.4, 320)}},  # fantasy creature: dropped
             "Structures.ocg": {"DoorOpen1.wav": wav_bytes(0.4, 340),
                                "Chest.ocg": {"Open.ogg": wav_bytes(0.4, 360, "OGG")}},
             "UI.ocg": {"Click.wav": wav_bytes(0.3, 380)},
             "authors.txt": b"If not stated otherwise ..."}
    data = c4group_bytes(sound)
    assert data[:2] == b"\x1e\x8c"
    assert [n for n, _ in debian.read_c4group(data)] == [
        "Animals/MosquitoBuzz.ogg", "Animals/Mooq/Snort1.wav", "Structures/DoorOpen1.wav", "Structures/Chest/Open.ogg",
        "UI/Click.wav", "authors.txt"]
    put(tmp_path / "tree/usr/share/games/openclonk/Sound.ocg", data)
    clips, stats = debian.build_package(get("openclonk-data"), tmp_path / "out", tmp_path / "debs",
                                        tree=tmp_path / "tree")
    got = {c.audio: (c.label, c.licence) for c in clips}
    assert got == {"audio/openclonk-data/Animals/MosquitoBuzz.ogg": ("mosquito", "CC0-1.0"),
                   "audio/openclonk-data/Structures/DoorOpen1.wav": ("door opening", "CC-BY-3.0"),
                   "audio/openclonk-data/Structures/Chest/Open.ogg": ("chest opening", "CC-BY-3.0")}
    assert stats.skipped == {"no_caption": 2}
    for bad in (b"\x1e\x8cnot gzip at all", b"plain bytes" * 30):
        with pytest.raises(ValueError):
            debian.read_c4group(bad)


@pytest.mark.parametrize("package, rel, label", [
    ("bucklespring-data", "01-0.wav", "keyboard key press"),
    ("bucklespring-data", "01-1.wav", "keyboard key release"),
    ("frozen-bubble-data", "snore.ogg", "snoring"),
    ("frozen-bubble-data", "menu_selected.ogg", None),
    ("openarena-data", "world/waterfall.wav", "waterfall"),
    ("openarena-data", "items/quaddamage.wav", None),
    ("lmms-common", "misc/breath01.ogg", "breathing"),
    ("lmms-common", "shapes/moog.wav", None),
    ("simutrans-pak64", "comet-jet.wav", "jet flying"),
    ("simutrans-pak64", "dock.wav", None),
    ("flightgear-data-base", "usr/share/games/flightgear/Sounds/helicopter.wav", "helicopter"),
    ("flightgear-data-base", "usr/share/games/flightgear/Aircraft/c172p/Sounds/tires-rolling-gravel.wav",
     "tyres rolling"),
    ("flightgear-data-base", "usr/share/games/flightgear/Sounds/mk-viii/pull-up.wav", None),
    ("torcs-data", "lamborghinidiablo.wav", "car engine"),
    ("torcs-data", "locked.wav", None),
    ("trigger-rally-data", "codriver/ab/Chicane.wav", None),
    ("supertuxkart-data", "sfx/clock.ogg", "clock ticking"),
    ("supertuxkart-data", "music/Lava.ogg", None),
    ("redeclipse-data", "ambience/nightcrickets.ogg", "crickets"),
    ("redeclipse-data", "announcer/firstblood.ogg", None),
    ("nexuiz-data", "player/marine/player/gasp.ogg", "gasping"),
    ("nexuiz-data", "player/reptilian/player/death1.ogg", None),
    ("freedroidrpg-data", "Glass_Break.ogg", "glass breaking"),
    ("openclonk-data", "Clonk/Action/Munch2.wav", "eating"),
    ("openclonk-data", "Animals/Puka/Hiss1.wav", None),
    ("qabcs-data", "pig.ogg", "pig"),
    ("qabcs-data", "watch.ogg", "watch"),
    ("micropolis-data", "siren.wav", "siren"),
    ("micropolis-data", "honkhonk-hi.wav", None),  # the 8 kHz duplicate of honkhonk-high
    ("minetest-mod-homedecor", "homedecor_bathroom/sounds/homedecor_toilet_flush.ogg", "toilet flush"),
    ("plee-the-bear-data", "plee/snore.ogg", "snoring"),
    ("searchandrescue-data", "helicopter_engine_outside2.wav", "helicopter"),
    ("searchandrescue-data", "flir_on.wav", None),
    ("btanks-data", "ambient/swamp.ogg", "swamp"),
    ("btanks-data", "ambient/horror.ogg", None),
    ("etw-data", "crowd/crowd12.wav", "crowd cheering"),
    ("etw-data", "music/back3.wav", None),
    ("flare-game", "fantasycore/soundfx/environment/open_fire_loop.ogg", "fire"),
    ("flare-game", "fantasycore/soundfx/powers/fireball.ogg", None),
    ("xemacs21-basesupport", "catmeow.wav", "cat"),
    ("libreoffice-common", "glasses.wav", "glasses clinking"),
    ("libreoffice-common", "romans.wav", None),
    ("7kaa-data", "RAIN.WAV", "rain"),
    ("qabcs-data", "eagle-owl.ogg", "owl"),
    ("qabcs-data", "austrian_flag.ogg", None),  # an anthem, not a flag
    ("qabcs-data", "piggy_bank.ogg", None),  # a name's prefix is not the name
    ("scratch", "Human/Sneeze-female.wav", "sneezing"),
    ("scratch", "Human/Laugh-male3.mp3", "laughing"),
    ("scratch", "Animal/Dog2.wav", "dog"),
    ("scratch", "Animal/HorseGallop.wav", "horse galloping"),
    ("scratch", "Electronic/Laser1.wav", None),
    ("gnome-shell-pomodoro-data", "timer.ogg", "kitchen timer"),
    ("gnome-shell-pomodoro-data", "bell.ogg", None),
    ("hydrogen-drumkits-effects", "belofilms_GuitarStrums/Amajor_UP_02.flac", "acoustic guitar"),
    ("hydrogen-drumkits-effects", "belofilms_GuitarStrums/Csharp minor_02.flac", "acoustic guitar"),
    ("hydrogen-drumkits-effects", "GMRockKit/Kick-Soft.flac", None),
    ("warmux-data", "weapons/dynamite_fuze.ogg", "fuse burning"),
    ("warmux-data", "weapons/explosion7.ogg", "explosion"),
    ("warmux-data", "weapons/cluzooka_hit.ogg", None),
    ("warmux-data", "voices/death4.ogg", None),
    ("ktuberling-data", "en/pizzeria_pepperoni.ogg", "the word pepperoni"),
    ("ktuberling-data", "en/hat.ogg", "the word hat"),
    ("ktuberling-data", "en/pizzeria_broccolli.ogg", None),  # misspelt
    ("ktuberling-data", "fr/chapeau.ogg", "French speech"),
    ("ktuberling-data", "nds/nees.wav", "Low German speech"),
    ("ktuberling-data", "sr@latin/uvo.ogg", None),  # a copy of sr/uvo.ogg
])
def test_everyday_sound_rules(package: str, rel: str, label: str | None) -> None:
    res = debian.caption_member(get(package), debian.Member(rel, rel, lambda: b""), {})
    assert (res[0] if res else None) == label
    if res:
        assert all(c and not any(ch.isdigit() for ch in c) for c in res[1])
