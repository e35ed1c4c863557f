"""The networks: a decoder-only causal Transformer, a bidirectional Transformer encoder
(tokens or ViT patches in; per-position and CLS heads out), and the source article's two
baselines (a row-by-row LSTM classifier and a convolutional autoencoder).

Models only map inputs to outputs (logits or pixel values); which loss is applied, and where,
is the business of `playground.tasks`.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# Named size presets, minGPT style: small models are first-class citizens here.
PRESETS: dict[str, dict[str, int]] = {
    "nano": dict(n_layer=1, n_head=2, d_model=32),
    "tiny": dict(n_layer=2, n_head=4, d_model=64),
    "small": dict(n_layer=4, n_head=4, d_model=128),
}
BASELINES = ("lstm", "conv_ae")
MODEL_DESCRIPTIONS = {
    "nano": "Transformer, 1 layer, d=32 (fastest)",
    "tiny": "Transformer, 2 layers, d=64 (default)",
    "small": "Transformer, 4 layers, d=128",
    "lstm": "the article's LSTM: reads an image row by row, log-softmax head",
    "conv_ae": "the article's convolutional autoencoder (nn.Unflatten does the reshape)",
}


@dataclass
class ModelSpec:
    """What a task needs from a network; the task fills it in from the data."""
    seq_len: int                            # positions: tokens, or patches for images
    vocab_size: int | None = None           # token input ids (incl. specials); None = patch input
    patch_dim: int | None = None            # C*p*p pixels per patch for image input
    out_dim: int | None = None              # per-position output width (vocab, tags or patch_dim)
    num_classes: int | None = None          # adds a CLS token and a classification head
    image_shape: tuple | None = None        # (C, H, W) for the baselines


class Block(nn.Module):
    """Pre-norm Transformer block (GPT-2 / ViT style): x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, d_model: int, n_head: int, causal: bool):
        super().__init__()
        self.n_head, self.causal = n_head, causal
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)  # (B, nh, T, hs)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class CausalTransformer(nn.Module):
    """Decoder-only LM: token + learned position embeddings, causal blocks, untied head.

    Untied because the vocabularies here are tiny (pixel levels, a few symbols), so tying saves
    nothing and would couple the input and output geometry for no reason."""

    def __init__(self, spec: ModelSpec, n_layer: int, n_head: int, d_model: int):
        super().__init__()
        self.block_size = spec.seq_len
        self.tok = nn.Embedding(spec.vocab_size, d_model)
        self.pos = nn.Embedding(spec.seq_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_head, causal=True) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, spec.out_dim or spec.vocab_size)

    def forward(self, idx):  # idx (B, T) -> logits (B, T, V)
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def generate(self, idx, n_new: int, generator=None, temperature: float = 1.0, greedy: bool = False):
        """Sample n_new tokens after idx (B, T0), one at a time (nanoGPT's loop, no KV cache:
        the sequences here are short)."""
        for _ in range(n_new):
            logits = self(idx[:, -self.block_size:])[:, -1, :].float() / temperature  # (B, V)
            if greedy:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                nxt = torch.multinomial(F.softmax(logits, -1), 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


class TransformerEncoder(nn.Module):
    """Bidirectional encoder. Input: token ids (B, T) or patches (B, T, patch_dim). Positions
    flagged in `mask` (B, T) are replaced by a learned mask embedding (BERT's [MASK], and
    SimMIM's variant of MAE: simpler than MAE's drop-then-decode and the loss is the same).
    Output: dict with 'tokens' (B, T, out_dim) and, with a CLS token, 'cls' (B, num_classes)."""

    def __init__(self, spec: ModelSpec, n_layer: int, n_head: int, d_model: int):
        super().__init__()
        self.embed = nn.Embedding(spec.vocab_size, d_model) if spec.vocab_size else nn.Linear(spec.patch_dim, d_model)
        self.mask_emb = nn.Parameter(torch.zeros(d_model))
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model)) if spec.num_classes else None
        self.pos = nn.Parameter(torch.randn(1, spec.seq_len + 1, d_model) * 0.02)
        self.blocks = nn.ModuleList(Block(d_model, n_head, causal=False) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.token_head = nn.Linear(d_model, spec.out_dim) if spec.out_dim else None
        self.cls_head = nn.Linear(d_model, spec.num_classes) if spec.num_classes else None

    def forward(self, x, mask=None):
        h = self.embed(x)  # (B, T, C)
        if mask is not None:
            h = torch.where(mask.unsqueeze(-1), self.mask_emb.to(h.dtype), h)
        B, T, _ = h.shape
        if self.cls is not None:
            h = torch.cat([self.cls.expand(B, -1, -1), h], dim=1)  # (B, 1+T, C)
            h = h + self.pos[:, : T + 1]
        else:
            h = h + self.pos[:, 1 : T + 1]
        for block in self.blocks:
            h = block(h)
        h = self.ln_f(h)
        out = {}
        if self.cls is not None:
            out["cls"], h = self.cls_head(h[:, 0]), h[:, 1:]
        if self.token_head is not None:
            out["tokens"] = self.token_head(h)
        return out


class RowLSTM(nn.Module):
    """The article's sequence classifier: each image row is one time step (8 rows of 8 pixels
    for digits, 28 of 28 for MNIST); the last hidden state goes through a log-softmax head, so
    NLL on its output is the article's loss (and log_softmax is idempotent, so any
    classification loss that takes logits also works on it)."""

    def __init__(self, spec: ModelSpec, hidden: int = 64):
        super().__init__()
        C, H, W = spec.image_shape
        self.lstm = nn.LSTM(C * W, hidden, batch_first=True)
        self.head = nn.Linear(hidden, spec.num_classes)

    def forward(self, x):  # x (B, C, H, W) -> {'cls': log-probs (B, classes)}
        rows = x.permute(0, 2, 1, 3).flatten(2)  # (B, H, C*W)
        out, _ = self.lstm(rows)
        return {"cls": F.log_softmax(self.head(out[:, -1]), dim=-1)}


class ConvAutoencoder(nn.Module):
    """The article's convolutional autoencoder, made to run: image -> latent -> image. The
    article's reshape layer does not exist in PyTorch; nn.Unflatten is the layer that does it.
    Output is raw (a logit for BCE, a pixel value for MSE/L1/Huber)."""

    def __init__(self, spec: ModelSpec, latent: int = 32):
        super().__init__()
        C, H, W = spec.image_shape
        h, w = -(-H // 4), -(-W // 4)  # two stride-2 convolutions
        self.encoder = nn.Sequential(
            nn.Conv2d(C, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * h * w, latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 32 * h * w), nn.ReLU(), nn.Unflatten(1, (32, h, w)),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, C, 3, stride=2, padding=1, output_padding=1),
        )
        self.out_hw = (H, W)

    def forward(self, x):  # x (B, C, H, W) -> {'image': (B, C, H, W)}
        y = self.decoder(self.encoder(x))
        return {"image": y[..., : self.out_hw[0], : self.out_hw[1]]}


def build_model(name: str, spec: ModelSpec, causal: bool) -> nn.Module:
    """A preset name builds a Transformer (causal or encoder); a baseline name builds it."""
    if name in PRESETS:
        cls = CausalTransformer if causal else TransformerEncoder
        return cls(spec, **PRESETS[name])
    if name == "lstm":
        return RowLSTM(spec)
    if name == "conv_ae":
        return ConvAutoencoder(spec)
    raise KeyError(f"model: unknown {name!r}; choose one of: {', '.join([*PRESETS, *BASELINES])}")


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def patchify(images, p: int):  # (B, C, H, W) -> (B, L, C*p*p), raster order of patches
    return F.unfold(images, kernel_size=p, stride=p).transpose(1, 2)


def unpatchify(patches, p: int, hw: tuple[int, int]):  # (B, L, C*p*p) -> (B, C, H, W)
    return F.fold(patches.transpose(1, 2), output_size=hw, kernel_size=p, stride=p)
