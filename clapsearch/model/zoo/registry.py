"""The published CLAP checkpoints clapsearch can run: where they come from, their licence, what their papers report.

Pure data (no torch): the factory reads it to find converted models in the cache and to explain how to
get weights; `clapsearch models` prints it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from clapsearch.errors import ConfigError

HF = "https://huggingface.co"


@dataclass(frozen=True)
class PublishedModel:
    name: str  # the clapsearch config (clapsearch/configs/<name>.json)
    file: str  # the publisher's file name
    url: str
    format: str  # "msclap" ({"model": state}) or "laion" ({"state_dict": {"module.*": ...}, ...})
    licence: str
    paper: str
    zero_shot: dict[str, float] = field(default_factory=dict)  # accuracy (%) the paper reports
    tokenizer_repo: str = ""  # where the text tower's tokenizer files are published
    tokenizer_files: tuple[str, ...] = ()
    notes: str = ""


_BERT = ("bert-base-uncased", ("vocab.txt", "tokenizer_config.json"))
_GPT2 = ("gpt2", ("vocab.json", "merges.txt", "tokenizer_config.json"))
_ROBERTA = ("FacebookAI/roberta-base", ("vocab.json", "merges.txt", "tokenizer_config.json"))
_LAION = f"{HF}/lukewys/laion_clap/resolve/main"
_MSCLAP = f"{HF}/microsoft/msclap/resolve/main"
_LAION_PAPER = "Wu et al., Large-scale contrastive language-audio pretraining (ICASSP 2023)"

PUBLISHED: dict[str, PublishedModel] = {m.name: m for m in (
    PublishedModel(
        "msclap-2022", "CLAP_weights_2022.pth", f"{_MSCLAP}/CLAP_weights_2022.pth", "msclap", "MS-PL",
        "Elizalde et al., CLAP: learning audio concepts from natural language supervision (ICASSP 2023)",
        {"ESC-50": 82.6}, *_BERT),
    PublishedModel(
        "msclap-2023", "CLAP_weights_2023.pth", f"{_MSCLAP}/CLAP_weights_2023.pth", "msclap", "MS-PL",
        "Elizalde et al., Natural language supervision for general-purpose audio representations (ICASSP 2024)",
        {"ESC-50": 93.9}, *_GPT2),
    PublishedModel(
        "laion-630k-audioset", "630k-audioset-best.pt", f"{_LAION}/630k-audioset-best.pt", "laion", "CC0-1.0",
        _LAION_PAPER, {"ESC-50": 91.0}, *_ROBERTA,
        notes="HTSAT-tiny + RoBERTa, trained on LAION-Audio-630K + AudioSet"),
    PublishedModel(
        "laion-630k-audioset-fusion", "630k-audioset-fusion-best.pt", f"{_LAION}/630k-audioset-fusion-best.pt",
        "laion", "CC0-1.0", _LAION_PAPER, {}, *_ROBERTA,
        notes="HTSAT-tiny with feature fusion for clips over 10 s; the paper gives no separate ESC-50 figure"),
    PublishedModel(
        "laion-music-speech-audioset", "music_speech_audioset_epoch_15_esc_89.98.pt",
        f"{_LAION}/music_speech_audioset_epoch_15_esc_89.98.pt", "laion", "CC0-1.0 (as published with laion_clap)",
        "LAION-CLAP model card (checkpoint name records its ESC-50 accuracy)", {"ESC-50": 89.98}, *_ROBERTA,
        notes="HTSAT-base + RoBERTa, trained on music, speech, AudioSet and LAION-Audio-630K"),
)}



@dataclass(frozen=True)
class HfPublishedModel:
    """A CLAP model published for transformers (`--model hf:ORG/NAME`, run by clapsearch.model.zoo.hf)."""

    name: str  # hf:ORG/NAME
    licence: str
    notes: str
    # zero-shot accuracy (%) as published, only where the model card or a paper states it; blank otherwise
    zero_shot: dict[str, float] = field(default_factory=dict)


# Licences as the model cards give them. The cards publish no benchmark figures; a figure is listed where a public
# benchmark reports one, named with it: MTEB's audio zero-shot classification gives larger_clap_general 0.905 on
# ESC-50.
HF_PUBLISHED: dict[str, HfPublishedModel] = {m.name: m for m in (
    HfPublishedModel("hf:laion/clap-htsat-unfused", "Apache-2.0", "HTSAT-tiny + RoBERTa, LAION-Audio-630K"),
    HfPublishedModel("hf:laion/clap-htsat-fused", "Apache-2.0",
                     "HTSAT-tiny + RoBERTa with feature fusion, LAION-Audio-630K"),
    HfPublishedModel("hf:laion/larger_clap_general", "Apache-2.0", "HTSAT-base: general audio, music and speech",
                     {"ESC-50 (MTEB)": 90.5}),
    HfPublishedModel("hf:laion/larger_clap_music_and_speech", "Apache-2.0", "HTSAT-base: music and speech"),
    HfPublishedModel("hf:laion/larger_clap_music", "Apache-2.0", "HTSAT-base: music"),
)}

def user_cache_dir() -> Path:
    """Return clapsearch's cache folder: $CLAPSEARCH_CACHE, else $XDG_CACHE_HOME/clapsearch, else ~/.cache/clapsearch.

    Everything clapsearch writes for itself (converted models, feature caches, benchmark indexes, the error
    log) goes below it, never beside the user's data.
    """
    if os.environ.get("CLAPSEARCH_CACHE"):
        return Path(os.environ["CLAPSEARCH_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "clapsearch"


def models_cache_dir() -> Path:
    """Return where converted and downloaded published models live (<user_cache_dir>/models)."""
    return user_cache_dir() / "models"


def published_model(name: str) -> PublishedModel:
    if name not in PUBLISHED:
        raise ConfigError(f"unknown published model {name!r}: use one of {', '.join(PUBLISHED)} "
                          "(see 'clapsearch models')")
    return PUBLISHED[name]


def guess_model(file_name: str) -> str | None:
    """Return the published model whose official file has this name, if any."""
    for m in PUBLISHED.values():
        if m.file == Path(file_name).name:
            return m.name
    return None
