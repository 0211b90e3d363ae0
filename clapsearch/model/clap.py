"""ClapModel: two towers, two projection heads into one joint space, and a learnable temperature."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from clapsearch.model.config import ModelConfig
from clapsearch.model.heads import ProjectionHead
from clapsearch.model.towers.adapter import FrameAdapter
from clapsearch.model.towers.audio import adapter_rank

if TYPE_CHECKING:
    from clapsearch.model.towers.audio import AudioTower
    from clapsearch.model.towers.mlp_head import MlpHead
    from clapsearch.model.towers.text import TextTower


class ClapModel(nn.Module):
    audio_centre: torch.Tensor  # a buffer, registered by set_audio_centre_weight when the weight is above 0
    source: str  # set by create_model: the folder or the name the model was created from
    parts: tuple[str, ...] = ("audio", "text")  # the towers built (create_model's parts): ("audio",) has no text

    def __init__(self, config: ModelConfig, audio_tower: AudioTower, text_tower: TextTower) -> None:
        super().__init__()
        self.config = config
        self.audio_tower = audio_tower
        self.text_tower = text_tower
        self.audio_head: ProjectionHead | MlpHead = ProjectionHead(audio_tower.width, config.embed_dim, config.dropout)
        self.text_head: ProjectionHead | MlpHead = ProjectionHead(text_tower.width, config.embed_dim, config.dropout)
        rank = adapter_rank(config.audio)
        self.audio_adapter: FrameAdapter | None = FrameAdapter(audio_tower.width, rank) if rank else None
        # CLAP learns log(1/tau), tau initialised to 0.007, the scale clipped at 100. The clip is applied to
        # the parameter itself (at init and after each step, as CLIP does), not only to exp(.) in forward:
        # 1/0.007 = 143 > 100, and a clipped exp passes no gradient, so the temperature would never move.
        init = min(math.log(1.0 / config.init_temperature), math.log(config.max_logit_scale))
        self.logit_scale = nn.Parameter(torch.tensor(init), requires_grad=config.learnable_temperature)
        self.freeze_towers(audio=config.freeze_audio, text=config.freeze_text)
        self.set_audio_centre_weight(config.audio_centre)
        self.train()  # frozen towers in eval mode from the start: their batch norms never see a training batch

    def set_audio_centre_weight(self, weight: float) -> None:
        """Have inference remove `weight` of the audio centre (0 to 1), adding the buffer where it is missing.

        Every audio embedding shares one mean direction, so each text's dot product with it acts as a prior
        over texts that the heads learnt from the training captions: the corpus's common concepts attract
        queries whatever the sound (hubs). The trainer sets the centre to the mean embedding of its training
        clips (fit_audio_centre); inference subtracts `weight` of it and renormalises. Training does not, so
        the loss is the paper's.
        """
        self.config = replace(self.config, audio_centre=weight)  # validates the weight
        if weight > 0 and "audio_centre" not in self._buffers:
            self.register_buffer("audio_centre", torch.zeros(self.config.embed_dim, device=self.logit_scale.device))
        elif weight == 0:
            self._buffers.pop("audio_centre", None)  # saved state matches what a model of this config loads

    @torch.no_grad()
    def fit_audio_centre(self, features: torch.Tensor, batch_size: int = 4096) -> None:
        """Set the audio centre to the mean embedding, before centring, of audio-tower outputs (N, ...)."""
        if self.config.audio_centre <= 0:
            raise ValueError("this model removes no audio centre (config audio_centre is 0)")
        if len(features) == 0:
            raise ValueError("the audio centre needs at least one clip")
        was_training = self.training
        self.eval()  # no dropout
        total = torch.zeros(self.config.embed_dim, device=self.device)
        for chunk in features.split(batch_size):
            total += F.normalize(self.audio_head(self.pool_audio(chunk.to(self.device).float())), dim=-1).sum(0)
        self.audio_centre.copy_(total / len(features))
        self.train(was_training)

    def pool_audio(self, tower_out: torch.Tensor) -> torch.Tensor:
        """The audio tower's output as (B, width) features: through the trained adapter where the model has one."""
        return tower_out if self.audio_adapter is None else self.audio_adapter(tower_out)

    def freeze_towers(self, audio: bool, text: bool) -> None:
        for tower, frozen in ((self.audio_tower, audio), (self.text_tower, text)):
            for p in tower.parameters():
                p.requires_grad_(not frozen)

    def train(self, mode: bool = True) -> ClapModel:
        super().train(mode)
        # Frozen towers keep their batch-norm statistics and no dropout, even while the heads train.
        if self.config.freeze_audio:
            self.audio_tower.eval()
        if self.config.freeze_text:
            self.text_tower.eval()
        return self

    @property
    def device(self) -> torch.device:
        return self.logit_scale.device

    def scale(self) -> torch.Tensor:
        # The parameter is kept within the clip by clip_logit_scale_() (init, load, each step), so that at
        # the clip itself the gradient still flows; a clamp here would stop it.
        return self.logit_scale.exp()

    @torch.no_grad()
    def clip_logit_scale_(self) -> None:
        """Keep the learnable scale within [1, max_logit_scale] (call after each optimiser step)."""
        self.logit_scale.clamp_(min=0.0, max=math.log(self.config.max_logit_scale))

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device) for k, v in self.text_tower.tokenize(list(texts)).items()}

    def forward(self, audio: torch.Tensor | None = None, text: dict[str, torch.Tensor] | None = None,
                audio_features: torch.Tensor | None = None,
                text_features: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Return {"audio": (B, D), "text": (B, D), "logit_scale": ()}, embeddings L2-normalised.

        audio: waveforms (B, samples) at the model's rate; text: tokens from tokenize().
        audio_features / text_features: tower outputs computed earlier (frozen towers, cached); with an
        audio adapter the audio tower's output is its (B, width, frames) map, which the adapter pools.
        In eval mode the audio embeddings are centred (set_audio_centre_weight), in train mode not.
        """
        out: dict[str, torch.Tensor] = {"logit_scale": self.scale()}
        if audio is not None:
            audio_features = self.audio_tower(audio)
        if audio_features is not None:
            emb = F.normalize(self.audio_head(self.pool_audio(audio_features)), dim=-1)
            if self.config.audio_centre > 0 and not self.training:
                emb = F.normalize(emb - self.config.audio_centre * self.audio_centre.to(emb.dtype), dim=-1)
            out["audio"] = emb
        if text is not None:
            text_features = self.text_tower(text)
        if text_features is not None:
            out["text"] = F.normalize(self.text_head(text_features), dim=-1)
        return out

    @torch.no_grad()
    def encode_audio(self, wave: np.ndarray | torch.Tensor) -> np.ndarray:
        """Return L2-normalised float32 embeddings: (samples,) -> (D,), (B, samples) -> (B, D)."""
        x = torch.as_tensor(np.asarray(wave, dtype=np.float32) if not torch.is_tensor(wave) else wave)
        single = x.dim() == 1
        was_training = self.training
        self.eval()
        emb = self(audio=x.reshape(-1, x.shape[-1]).to(self.device))["audio"].float().cpu().numpy()
        self.train(was_training)
        return emb[0] if single else emb

    @torch.no_grad()
    def encode_text(self, texts: str | Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return L2-normalised float32 embeddings: one string -> (D,), a list -> (N, D), in the given order."""
        single = isinstance(texts, str)
        items: list[str] = [texts] if isinstance(texts, str) else list(texts)
        if not items:
            return np.zeros((0, self.config.embed_dim), dtype=np.float32)
        was_training = self.training
        self.eval()
        order = sorted(range(len(items)), key=lambda i: len(items[i]))  # batch similar lengths together
        out = np.zeros((len(items), self.config.embed_dim), dtype=np.float32)
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            emb = self(text=self.tokenize([items[i] for i in idx]))["text"]
            out[idx] = emb.float().cpu().numpy()
        self.train(was_training)
        return out[0] if single else out
