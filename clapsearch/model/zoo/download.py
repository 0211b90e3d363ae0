"""Optional: fetch a published checkpoint and its tokenizer from the publisher's hub, then convert it.

Runs only when a user asks (`clapsearch models --download NAME`), never in tests; plain urllib, so it
needs no extra package. Files land in the cache (see registry.user_cache_dir).
"""
from __future__ import annotations

import logging
import urllib.request
from pathlib import Path

from clapsearch.errors import UserError
from clapsearch.model.zoo.registry import HF, models_cache_dir, published_model

log = logging.getLogger(__name__)


class DownloadError(UserError, RuntimeError):
    """A published file that could not be fetched (no network, a moved URL); a local copy can be converted."""


def fetch(url: str, dest: Path) -> Path:
    """Download url to dest (through a .part file, so an interrupted download is never mistaken for a file)."""
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, part.open("wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise DownloadError(f"cannot download {url}: {e} (no network? convert a local copy with "
                            f"'clapsearch convert FILE')") from e
    part.replace(dest)
    return dest


def download(name: str) -> Path:
    """Fetch the official file and tokenizer of a published model, convert them; return the model folder."""
    from clapsearch.model.zoo.convert import convert_checkpoint

    if name.startswith("hf:"):  # transformers' own CLAP models: fetched from the hub as they are
        from clapsearch.model.zoo.hf import download as download_hf

        return download_hf(name)
    model = published_model(name)
    downloads = models_cache_dir().parent / "downloads"
    checkpoint = fetch(model.url, downloads / model.file)
    tokenizer = downloads / f"{name}-tokenizer"
    for file in model.tokenizer_files:
        fetch(f"{HF}/{model.tokenizer_repo}/resolve/main/{file}", tokenizer / file)
    folder, _report = convert_checkpoint(checkpoint, model=name, tokenizer=tokenizer)
    return folder
