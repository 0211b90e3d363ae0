"""`clapsearch data`: build training manifests (Debian packages, shared labelled sets)."""
from __future__ import annotations

import csv
import json
import logging
import os
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from clapsearch.cli.common import user_errors
from clapsearch.data import debian, sources
from clapsearch.data.captions import WORDS_ENV
from clapsearch.data.manifest import Clip, merge_parts, write_jsonl
from clapsearch.errors import DataError

app = typer.Typer(help="Build audio-caption training manifests (JSONL) from openly licensed sources.",
                  no_args_is_help=True)
console = Console(emoji=False)
log = logging.getLogger(__name__)


@app.command("debian")
def debian_cmd(
    out: Path = typer.Option(..., "--out", help="Corpus folder: manifest.jsonl, datacard.json, audio/<package>/."),
    packages: Optional[str] = typer.Option(None, "--packages", help="Comma-separated subset (default: all known)."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Folder for downloaded .debs (default <out>/debs)."),
    force: bool = typer.Option(False, "--force", help="Rebuild packages that are already finished."),
    keep_extracted: bool = typer.Option(True, "--keep-extracted/--drop-extracted",
                                        help="Keep <out>/extract/<package> after building."),
) -> None:
    """Download, extract and caption Debian packages into a training corpus (reruns skip finished packages)."""
    with user_errors():
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        out = out.resolve()
        cache = (cache or out / "debs").resolve()
        names = ([p.strip() for p in packages.split(",") if p.strip()] if packages
                 else [s.package for s in sources.SOURCES])
        try:
            chosen = [sources.get(n) for n in names]
        except KeyError as exc:
            console.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(2) from None
        try:  # captions keep only real words: the recipe reads them from Debian's wamerican, like the sounds
            os.environ.setdefault(WORDS_ENV, str(debian.fetch_word_list(cache, out / "extract")))
        except debian.DebianError as exc:
            console.print(f"[yellow]word list unavailable ({exc}); captions use a looser word check[/yellow]")
        parts = out / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        failed: list[str] = []
        for src in chosen:
            part = parts / f"{src.package}.jsonl"
            if part.is_file() and (parts / f"{src.package}.json").is_file() and not force:
                console.print(f"[dim]{src.package}: already built, skipped (use --force to rebuild)[/dim]")
                continue
            console.print(f"[bold]{src.package}[/bold]: downloading + building ...")
            t0 = time.time()
            try:
                clips, stats = debian.build_package(src, out, cache)
            except debian.DebianError as exc:
                console.print(f"[red]{src.package} failed:[/red] {exc}")
                failed.append(src.package)
                continue
            stats.wall_seconds = time.time() - t0
            write_jsonl(part, clips)
            (parts / f"{src.package}.json").write_text(json.dumps(stats.to_dict(), indent=2) + "\n")
            if not keep_extracted:
                import shutil

                shutil.rmtree(out / "extract" / src.package, ignore_errors=True)
            console.print(f"  {stats.clips} clips, {stats.seconds / 3600:.2f} h, {len(stats.concepts)} labels, "
                          f"skipped {stats.skipped}, {stats.wall_seconds:.0f} s")
        n, card = merge_parts(out)
        table = Table(title=f"{out / 'manifest.jsonl'}: {n} clips, {card['hours']:.2f} h, {card['concepts']} labels")
        for col in ("source", "licence", "clips", "hours", "labels", "wall s"):
            table.add_column(col)
        for name, d in sorted(card["sources"].items()):
            table.add_row(name, d["licence"][:40], str(d["clips"]), f"{d['hours']:.2f}", str(d["n_concepts"]),
                          f"{d['wall_seconds']:.0f}")
        console.print(table)
        if failed:
            console.print(f"[red]failed: {', '.join(failed)}[/red] (rerun to retry; finished packages are skipped)")
            raise typer.Exit(1)


@app.command("soundfont")
def soundfont_cmd(
    out: Path = typer.Option(..., "--out", help="Corpus folder: manifest.jsonl, datacard.json, audio/<package>/."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Folder for downloaded .debs (default <out>/debs)."),
    instruments: bool = typer.Option(False, "--instruments", help="Render every General MIDI program and drum kit "
                                     "(notes, chords, melodies, beats) instead of the sound-effect presets."),
    takes: int = typer.Option(2, "--takes", min=1, help="--instruments: renders of each phrase, other notes each."),
    seed: int = typer.Option(0, "--seed", help="--instruments: seed of the notes played."),
) -> None:
    """Render the General MIDI / GS sound-effect presets (or, with --instruments, every GM instrument and drum kit)
    of Debian's SoundFont packages into a training corpus."""
    with user_errors():
        from clapsearch.data import instruments as gm
        from clapsearch.data import soundfont

        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        out = out.resolve()
        cache = (cache or out / "debs").resolve()
        parts = out / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        failed: list[str] = []
        fonts = [f for f in soundfont.FONTS if not instruments or f.package in gm.INSTRUMENT_FONTS]
        for font in fonts:
            console.print(f"[bold]{font.package}[/bold]: downloading + rendering ...")
            try:
                tree = debian.extract(debian.download(font.package, cache), out / "extract" / font.package)
                if instruments:
                    clips, stats = gm.build_instruments(font, tree / font.path, out, gm.synth_factory(), seed, takes)
                else:
                    clips, stats = soundfont.build_font(font, tree / font.path, out)
            except (debian.DebianError, RuntimeError, OSError) as exc:
                console.print(f"[red]{font.package} failed:[/red] {exc}")
                failed.append(font.package)
                continue
            write_jsonl(parts / f"{font.package}.jsonl", clips)
            (parts / f"{font.package}.json").write_text(json.dumps(stats.to_dict(), indent=2) + "\n")
            console.print(f"  {stats.clips} clips, {stats.seconds / 60:.1f} min, {len(stats.concepts)} labels, "
                          f"skipped {stats.skipped}, {stats.wall_seconds:.0f} s")
        n, card = merge_parts(out)
        console.print(f"{out / 'manifest.jsonl'}: {n} clips, {card['hours']:.2f} h, {card['concepts']} labels")
        if failed:
            console.print(f"[red]failed: {', '.join(failed)}[/red] (rerun to retry)")
            raise typer.Exit(1)


@app.command("speech")
def speech_cmd(
    out: Path = typer.Option(..., "--out", help="Corpus folder: manifest.jsonl, datacard.json, audio/speech/."),
    engines: Optional[str] = typer.Option(None, "--engines",
                                          help="Comma-separated subset of espeak-ng,flite,festival (default: all)."),
    words: Optional[str] = typer.Option(None, "--words", help="Comma-separated words to render instead of the "
                                        "catalogue's texts (no digit strings, sentences or overlaps)."),
    per_digit: int = typer.Option(100, "--per-digit", min=1, help="Voices that speak every digit word."),
    per_word: int = typer.Option(6, "--per-word", min=1, help="Voices per common word (and per --words word)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every voice, pitch, speed, level and text draw."),
    workers: int = typer.Option(2, "--workers", min=1, help="Synthesis processes at once."),
) -> None:
    """Render words, digits, names, sentences and overlapping voices with Debian's free text-to-speech voices."""
    with user_errors():
        from dataclasses import replace

        from clapsearch.data import speech

        out = out.resolve()
        plan = speech.with_engines(speech.Plan(per_digit=per_digit, per_word=per_word, seed=seed), engines)
        if words:
            plan = replace(plan, words=tuple(w.strip() for w in words.split(",") if w.strip()))
        t0 = time.time()
        parts = out / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        for stats, clips in speech.build(out, plan, workers=workers):
            name = stats.source.replace("debian:", "speech-").replace("+", "_")
            write_jsonl(parts / f"{name}.jsonl", clips)
            (parts / f"{name}.json").write_text(json.dumps(stats.to_dict(), indent=2) + "\n")
            console.print(f"  {stats.source}: {stats.clips} clips, {stats.seconds / 60:.1f} min, "
                          f"{len(stats.concepts)} labels, skipped {stats.skipped}")
        n, card = merge_parts(out)
        console.print(f"{out / 'manifest.jsonl'}: {n} clips, {card['hours']:.2f} h, {card['concepts']} labels, "
                      f"{time.time() - t0:.0f} s")


def shared_rows(root: Path, out_file: Path) -> list[Clip]:
    """Return manifest clips for every ``<set>/manifest.csv`` under root, audio paths made absolute."""
    clips: list[Clip] = []
    for csv_path in sorted(Path(root).glob("*/manifest.csv")):
        set_dir = csv_path.parent.resolve()
        with csv_path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                missing = {"audio", "caption", "label"} - set(row)
                if missing:
                    raise DataError(f"{csv_path} lacks columns {sorted(missing)}: give it the header "
                                    "audio,caption,label,source,licence")
                audio = set_dir / row["audio"]
                if not audio.is_file():
                    log.warning("%s: missing audio %s; row skipped", csv_path, audio)
                    continue
                clips.append(Clip(str(audio), [row["caption"]], row["label"],
                                  row.get("source") or f"shared:{set_dir.name}", row.get("licence") or ""))
    return clips


@app.command("shared")
def shared_cmd(
    root: Path = typer.Option(..., "--root", help="Folder of labelled sets, each with a manifest.csv."),
    out: Path = typer.Option(..., "--out", help="Output JSONL manifest (audio paths absolute)."),
) -> None:
    """Convert the shared labelled training sets (manifest.csv per set) into one JSONL manifest."""
    with user_errors():
        if not root.is_dir():
            console.print(f"[red]{root} is not a folder[/red]; point --root at e.g. ../shared/data/train")
            raise typer.Exit(2)
        clips = shared_rows(root, out)
        if not clips:
            console.print(f"[red]no */manifest.csv rows under {root}[/red]")
            raise typer.Exit(1)
        write_jsonl(out, clips)
        table = Table(title=f"{out}: {len(clips)} clips")
        table.add_column("set")
        table.add_column("clips")
        counts: dict[str, int] = {}
        for c in clips:
            key = Path(c.audio).parent.parent.name
            counts[key] = counts.get(key, 0) + 1
        for k, v in sorted(counts.items()):
            table.add_row(k, str(v))
        console.print(table)


@app.command("check")
def check_cmd(
    manifests: list[Path] = typer.Argument(..., help="JSONL training manifests to check."),
    against: list[Path] = typer.Option(..., "--against", help="Evaluation folders (every audio file below)."),
    threshold: float = typer.Option(0.97, "--threshold", help="Cosine at or above which a clip is a leak."),
) -> None:
    """Drop training clips that nearly duplicate an evaluation clip; write <manifest>.clean.jsonl + a report."""
    with user_errors():
        from clapsearch.audio.decode import AUDIO_EXTENSIONS
        from clapsearch.data.contamination import WAVE_FLOOR, WAVE_THRESHOLD, TowerEmbedder, find_leaks
        from clapsearch.data.manifest import read_jsonl
        from clapsearch.model import create_model

        model = create_model("default")
        cfg = model.config.audio
        evaluation = sorted(p for root in against for p in Path(root).rglob("*")
                            if p.suffix.lower() in AUDIO_EXTENSIONS)
        if not evaluation:
            console.print(f"[red]no audio files under {', '.join(map(str, against))}[/red]")
            raise typer.Exit(1)
        for manifest in manifests:
            clips = list(read_jsonl(manifest))
            base = manifest.resolve().parent
            paths = [(base / c.audio).resolve() for c in clips]
            embed = TowerEmbedder(model.audio_tower, cfg.sample_rate, cfg.clip_seconds, cfg.hop_seconds,
                                  cache=base / ".tower-cache")
            leaks, best, unreadable = find_leaks(paths, evaluation, embed, threshold)
            drop = {leak.train for leak in leaks} | set(unreadable)
            kept = [c for c, p in zip(clips, paths) if str(p) not in drop]
            clean = manifest.with_name(manifest.stem + ".clean.jsonl")
            write_jsonl(clean, kept)
            report = manifest.with_name(manifest.stem + ".leaks.json")
            report.write_text(json.dumps({"threshold": threshold, "waveform_from_cosine": WAVE_FLOOR,
                                          "waveform_threshold": WAVE_THRESHOLD, "evaluation": [str(a) for a in against],
                                          "leaks": [leak.to_dict() for leak in leaks], "unreadable": unreadable,
                                          "checked": len(best),
                                          "closest": [{"train": p, "cosine": round(c, 4)} for p, c in
                                                      sorted(best.items(), key=lambda kv: -kv[1])[:20]]},
                                         indent=2) + "\n")
            if best:
                console.print(f"closest training clip to an evaluation clip: cosine {max(best.values()):.3f}")
            console.print(f"{manifest}: {len(clips)} clips, {len(leaks)} near-duplicates of evaluation clips and "
                          f"{len(unreadable)} unreadable dropped -> {clean} ({len(kept)} clips); report {report}")
            for leak in leaks:
                wave = "" if leak.waveform is None else f", waveform correlation {leak.waveform:.3f}"
                console.print(f"  [yellow]dropped[/] {leak.train} ~ {leak.eval} (cos {leak.cosine:.3f}{wave})")


if __name__ == "__main__":
    app()
