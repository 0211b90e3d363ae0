"""Names and folders of transformers' published CLAP models (`hf:ORG/NAME`), without torch or transformers:
what `clapsearch models` lists and create_model / the encoder check before anything is built
(clapsearch.model.zoo.hf runs the models)."""
from __future__ import annotations

import json
from pathlib import Path

from clapsearch.errors import ConfigError
from clapsearch.model.zoo.registry import models_cache_dir
from clapsearch.paths import display_path

PREFIX = "hf:"


def is_hf_name(name: str | Path) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def is_hf_folder(path: str | Path) -> bool:
    """True for a folder whose config.json is a transformers CLAP config (model_type "clap")."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    try:
        return json.loads(config.read_text(encoding="utf-8")).get("model_type") == "clap"
    except (OSError, ValueError, AttributeError):
        return False  # not ours to judge: clapsearch's own loader reports a damaged config.json


def repo_id(name: str) -> str:
    """Return ORG/NAME of an `hf:ORG/NAME` model name, rejecting one that is not of that form."""
    repo = name[len(PREFIX):]
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts):
        raise ConfigError(f"model {name!r} is not of the form hf:ORG/NAME (e.g. hf:laion/clap-htsat-unfused)")
    return repo


def cache_folder(name: str) -> Path:
    """Return where `clapsearch models --download` puts an `hf:` model."""
    return models_cache_dir() / "hf" / repo_id(name)


def local_source(name: str) -> Path | None:
    """Return the folder holding a downloaded `hf:` model: clapsearch's cache, else transformers' hub cache
    (its snapshot folder); None when it is in neither."""
    folder = cache_folder(name)
    if is_hf_folder(folder):
        return folder
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - transformers depends on it
        return None
    found = try_to_load_from_cache(repo_id(name), "config.json")
    return Path(found).parent if isinstance(found, str) else None


def listing() -> list[dict[str, str]]:
    """Return a row per published `hf:` model for `clapsearch models`, read from the downloaded files' JSON
    (no model is built): name, licence, rate, clip, dim, zero-shot, weights, description."""
    from clapsearch.model.zoo.registry import HF_PUBLISHED

    rows = []
    for m in HF_PUBLISHED.values():
        folder = local_source(m.name)
        row = {"name": m.name, "licence": m.licence, "description": m.notes,
               "zero-shot (published)": ", ".join(f"{k} {v:g}%" for k, v in m.zero_shot.items()) or "-",
               "weights": display_path(str(folder)) if folder else f"not yet: clapsearch models --download {m.name}"}
        if folder is not None:
            try:
                config = json.loads((folder / "config.json").read_text())
                extractor = json.loads((folder / "preprocessor_config.json").read_text())
                row.update({"rate": f"{extractor.get('sampling_rate', 48000)} Hz",
                            "clip": f"{extractor.get('max_length_s', 10):g} s",
                            "dim": str(config.get("projection_dim", 512))})
            except (OSError, ValueError, AttributeError):
                row["weights"] += " (incomplete: download it again)"
        rows.append(row)
    return rows
