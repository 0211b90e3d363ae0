"""Parameter counts of the built-in architectures, without building them (torch-free, for `clapsearch models`).

PARAMETERS holds each built-in config's fingerprint and count, checked against a model built on the meta device
by tests/model/test_sizes.py. A config whose fingerprint differs (edited) is counted by building it on the meta
device once; the count is cached under the user cache, keyed by the fingerprint.
"""
from __future__ import annotations

import json

from clapsearch.model.config import ModelConfig
from clapsearch.model.folders import write_atomic
from clapsearch.model.zoo.registry import user_cache_dir

# name -> (config fingerprint, parameters)
PARAMETERS: dict[str, tuple[str, int]] = {
    "default": ("d529746944d089b3", 28384449),
    "laion-630k-audioset": ("9aeaf1c506bfa9d3", 153492889),
    "laion-630k-audioset-fusion": ("9278e31fb954b173", 153507529),
    "laion-music-speech-audioset": ("eed100ca5c49446c", 193913881),
    "msclap-2022": ("a12bcdb843e053c7", 193550273),
    "msclap-2023": ("5c8029233f967d09", 155648409),
    "paper": ("0718446ad1589539", 193550273),
    "tiny": ("4f8cf11657719977", 207657),
}


def count_built(config: ModelConfig) -> int | None:
    """Build a config with its parameters on the meta device (no memory, no weights) and count them; None when
    a tower needs a package this install lacks."""
    import torch

    from clapsearch.model.factory import build_model

    for device in ("meta", "cpu"):  # some front ends compute their constants eagerly: build those for real
        try:
            with torch.device(device):
                model = build_model(config, pretrained=False)
            return sum(p.numel() for p in model.parameters())
        except Exception:  # noqa: BLE001 - size unknown, still listed
            continue
    return None


def parameter_count(config: ModelConfig) -> int | None:
    """A config's parameter count: from PARAMETERS, the user cache, or (once) a meta-device build."""
    fingerprint = config.fingerprint()
    known = PARAMETERS.get(config.name)
    if known is not None and known[0] == fingerprint:
        return known[1]
    cache = user_cache_dir() / "parameters.json"
    try:
        cached = json.loads(cache.read_text())
    except (OSError, ValueError):
        cached = {}
    if not isinstance(cached, dict):
        cached = {}
    if isinstance(cached.get(fingerprint), int):
        return int(cached[fingerprint])
    count = count_built(config)
    if count is not None:
        try:
            write_atomic(cache, json.dumps({**cached, fingerprint: count}, indent=1) + "\n")
        except OSError:
            pass  # counted again next time
    return count
