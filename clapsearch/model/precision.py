"""Inference precision of the audio network: fp32, bf16 (autocast through oneDNN / AMX, or CUDA) or int8.

Only the audio network (the CNN or transformer after the log-mel front end) changes precision: the front end,
the projection heads and the text tower stay float32, so every vector is still L2-normalised float32 and a
text query embeds the same whatever the precision. Within one precision the vectors are deterministic: the
same window gives the same vector in any batch (tests/model/test_precision.py).

`auto` picks, per model and device kind, the fastest precision that kept ESC-50 dev zero-shot accuracy within
0.005 of fp32 (AUTO below, measured by bench/precision.py; the table and figures are in bench/README.md). A
model that was not measured, and a CPU without bf16 instructions, get fp32.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from clapsearch.errors import OptionError

if TYPE_CHECKING:  # torch is imported where a precision is applied, so that checking an option needs none
    import torch
    from torch import nn

    from clapsearch.model.clap import ClapModel
    from clapsearch.model.towers.audio import AudioTower

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16", "int8")
CHOICES = ("auto", *PRECISIONS)

# Measured by bench/precision.py (see bench/README.md): the fastest mode within 0.005 of fp32 accuracy, or
# (for models whose real weights are not reachable here, so no accuracy) whose audio embeddings kept a
# minimum cosine >= 0.999 to fp32 on real clips. CUDA: the accuracy figures are the CPU's (bf16 is the same
# number format); the speed was not measured here (no GPU was lent).
_MEASURED = {"default": "bf16", "msclap-2022": "bf16", "msclap-2023": "bf16", "laion-630k-audioset": "bf16"}
AUTO: dict[str, dict[str, str]] = {"cpu": dict(_MEASURED), "cuda": dict(_MEASURED)}


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when this CPU runs bf16 natively (AVX-512 BF16 or AMX), as oneDNN sees it."""
    import torch

    try:
        if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return True
    except (AttributeError, RuntimeError):
        pass
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def check_precision(precision: str) -> str:
    if precision not in CHOICES:
        raise OptionError(f"unknown precision {precision!r}: use --precision {', '.join(CHOICES)}")
    return precision


def auto_precision(model_name: str, device: str) -> str:
    """The precision `auto` gives this model on this device (fp32 unless measured to pass)."""
    import torch

    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    choice = AUTO[kind].get(model_name, "fp32")
    if choice == "bf16" and kind == "cpu" and not cpu_has_bf16():
        return "fp32"
    if choice == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
        return "fp32"
    if choice == "int8" and kind == "cuda":
        return "fp32"
    return choice


def resolve_precision(precision: str, model_name: str, device: str, recorded: str | None = None) -> str:
    """Return the concrete precision for --precision on this device; `recorded` is an existing index's.

    auto with an existing index keeps the index's precision (its vectors must not be mixed).
    """
    import torch

    check_precision(precision)
    if precision == "auto":
        return recorded or auto_precision(model_name, device)
    cuda = str(device).startswith("cuda")
    if precision == "bf16" and not cuda and not cpu_has_bf16():
        raise OptionError("--precision bf16: this CPU has no bf16 instructions (AVX-512 BF16 or AMX), so bf16 "
                          "would be slower than fp32: use --precision fp32 or auto")
    if precision == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        raise OptionError("--precision bf16: this GPU does not support bf16: use --precision fp32 or auto")
    if precision == "int8" and cuda:
        raise OptionError("--precision int8 runs on the CPU only: use --device cpu, or --precision bf16 on a GPU")
    return precision


def _autocast(inner: nn.Module, device_type: str) -> nn.Module:
    """Wrap a network so that it runs under bf16 autocast and returns float32."""
    import torch
    from torch import nn

    class Autocast(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = inner
            self.width = getattr(inner, "width", None)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            with torch.autocast(device_type, dtype=torch.bfloat16):
                return self.inner(x).float()

    return Autocast()


def apply_precision(model: ClapModel, precision: str, calibration: torch.Tensor | None = None) -> ClapModel:
    """Put a ClapModel's audio network into `precision` (fp32, bf16 or int8), in place; return the model.

    int8 needs `calibration`: waveforms (batch, clip samples) at the model's rate, real sound (the encoder
    passes the package's own sample clips). Call after the model is on its device and its identity (weights
    hash) is taken: an int8 network's weights are no longer the float ones.
    """
    if precision not in PRECISIONS:
        raise OptionError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    current = getattr(model, "precision", "fp32")
    if current != "fp32":
        raise ValueError(f"the model is already in {current}")
    tower: AudioTower = model.audio_tower
    if precision == "bf16":
        tower.net = _autocast(tower.net, next(tower.net.parameters()).device.type)
    elif precision == "int8":
        if calibration is None:
            raise ValueError("int8 needs calibration waveforms")
        tower.net = _quantize_int8(tower, calibration)
    setattr(model, "precision", precision)  # noqa: B010 (an attribute of this model object, not of the class)
    return model


def _quantize_int8(tower: AudioTower, calibration: torch.Tensor) -> nn.Module:
    """Static int8 quantisation of the audio network (convolutions with their batch norms folded, and linear
    layers), activation ranges calibrated on real clips. The scales are fixed, so a window's vector does not
    depend on its batch (dynamic quantisation's per-batch scales would)."""
    import warnings

    import torch
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    from clapsearch.signal.padding import fit_clip

    net = tower.net
    if next(net.parameters()).device.type != "cpu":
        raise OptionError("--precision int8 runs on the CPU only: use --device cpu, or --precision bf16")
    with torch.no_grad():
        feats = tower.features(fit_clip(calibration.float(), tower.cfg.clip_samples, "zero"))
    torch.backends.quantized.engine = "x86" if "x86" in torch.backends.quantized.supported_engines else "qnnpack"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notices (torchao is not a dependency)
        try:
            prepared = prepare_fx(net.eval(), get_default_qconfig_mapping(torch.backends.quantized.engine),
                                  example_inputs=(feats[:1],))
        except Exception as e:  # a network torch.fx cannot trace (data-dependent control flow)
            raise OptionError(f"--precision int8 is not available for this model's audio network "
                              f"({type(net).__name__}: {type(e).__name__}): use --precision bf16 or fp32") from None
        with torch.no_grad():
            for chunk in feats.split(8):
                prepared(chunk)
        quantized = convert_fx(prepared)
    setattr(quantized, "width", getattr(net, "width", None))  # noqa: B010
    return quantized


def precision_for_model(precision: str, model: str | Path, device: str = "auto") -> str:
    """resolve_precision for a model given by name or folder, before it is loaded (its config is read)."""
    import torch

    from clapsearch.model.config import load_config
    from clapsearch.model.factory import resolve_model_dir

    check_precision(precision)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    folder = resolve_model_dir(model)
    name = load_config(folder if folder else model).name
    return resolve_precision(precision, name, device)
