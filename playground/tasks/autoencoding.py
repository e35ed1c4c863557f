"""Autoencoding tasks: a bidirectional encoder (ViT patches for images, tokens for sequences).

Images: reconstruction, masked reconstruction (MAE: loss on masked patches only), denoising,
classification from a CLS token, and reconstruction + classification weighted by lam.
Sequences: masked-token modelling (BERT: loss on masked positions only) and sequence labelling.

Reconstruction losses see the network's raw output: a logit for BCE, a pixel value for
MSE / L1 / Huber; what is *shown* is sigmoid(logit) or the value clamped to [0, 1].
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ..losses import LossParams, get_loss, weighted_sum
from ..models import ModelSpec, build_model, patchify, unpatchify
from .base import SHOW_EXAMPLES, StepOut, TaskRunner, exact_mean, masked_mean

OUTLIER_VALUE = 4.0  # an outlier target pixel, far outside [0, 1]


def random_mask(shape, ratio: float, gen: torch.Generator | None, device) -> torch.Tensor:
    """(B, L) bool with exactly round(ratio * L) True per row, at random places."""
    B, L = shape
    k = max(1, min(L - 1, round(ratio * L)))
    scores = torch.rand(B, L, generator=gen).to(device)
    return scores.argsort(1).argsort(1) < k


class ImageRunner(TaskRunner):
    """Image tasks; the flags say which corruption and which heads this task uses."""
    corruption = "none"      # none | mask | noise
    reconstructs = True
    classifies = False

    def __init__(self, cfg, data, device):
        super().__init__(cfg, data, device)
        C, H, W = data.image_shape
        self.shape, self.patch = (C, H, W), (2 if H <= 16 else 4)
        y_train = data.y_train
        if self.classifies and cfg.label_noise > 0:
            y_train = self._noisy_labels(y_train, data.num_classes)
        self.train_tensors = (data.x_train, y_train)
        self.val_tensors = (data.x_val, data.y_val)
        self.mean_image = data.x_train.mean(0)
        self.cls_loss = get_loss("cross_entropy").fn
        self.nll = get_loss("nll").fn

    def _noisy_labels(self, y, num_classes):
        """Replace a fixed, seeded fraction of training labels by uniformly random classes."""
        g = torch.Generator().manual_seed(self.cfg.seed + 1)
        flip = torch.rand(y.shape, generator=g) < self.cfg.label_noise
        return torch.where(flip, torch.randint(num_classes, y.shape, generator=g), y)

    def build_model(self) -> nn.Module:
        C, H, W = self.shape
        if self.cfg.model in ("lstm", "conv_ae"):
            return build_model(self.cfg.model, ModelSpec(seq_len=H, num_classes=self.data.num_classes,
                                                         image_shape=self.shape), causal=False)
        pd = C * self.patch**2
        spec = ModelSpec(seq_len=(H // self.patch) * (W // self.patch), patch_dim=pd,
                         out_dim=pd if self.reconstructs else None,
                         num_classes=self.data.num_classes if self.classifies else None)
        return build_model(self.cfg.model, spec, causal=False)

    def corrupt(self, x, gen):
        """-> (model input, patch mask (B, L) or None, pixel mask (B, C, H, W) or None)."""
        if self.corruption == "noise":
            noise = torch.randn(x.shape, generator=gen).to(x.device)
            return x + self.cfg.noise_std * noise, None, None
        if self.corruption == "mask":
            L = (self.shape[1] // self.patch) * (self.shape[2] // self.patch)
            pmask = random_mask((x.shape[0], L), self.cfg.mask_ratio, gen, x.device)
            pd = self.shape[0] * self.patch**2
            pixels = unpatchify(pmask.unsqueeze(-1).expand(-1, -1, pd).float(), self.patch, self.shape[1:]) > 0
            return x, pmask, pixels
        return x, None, None

    def forward(self, model, x_in, pmask):
        if self.cfg.model == "conv_ae":
            return {"image": model(x_in)["image"]}
        if self.cfg.model == "lstm":
            return model(x_in)
        out = model(patchify(x_in, self.patch), mask=pmask)
        if "tokens" in out:
            out["image"] = unpatchify(out["tokens"], self.patch, self.shape[1:])
        return out

    def step(self, model, batch, gen=None) -> StepOut:
        x, y = batch
        x_in, pmask, pixels = self.corrupt(x, gen)
        out = self.forward(model, x_in, pmask)
        target = self._with_outliers(x, gen) if model.training else x
        return self.loss(out, target, y, pixels)

    def loss(self, out, target, y, pixels) -> StepOut:
        """The task loss of one forward pass: reconstruction (on the masked pixels for MAE),
        classification, or lam * reconstruction + (1 - lam) * classification."""
        recon = cls = per = None
        if self.reconstructs:
            per = self.per_elem(out["image"], target)
            recon = masked_mean(per, pixels)
        if self.classifies:
            # with a reconstruction term, cfg.loss is the reconstruction loss and the
            # classification term is plain cross-entropy
            cls_per = self.cls_loss(out["cls"], y, LossParams()) if self.reconstructs else self.per_elem(out["cls"], y)
            cls, per = cls_per.mean(), (cls_per if per is None else per)
        if recon is not None and cls is not None:
            return StepOut(weighted_sum([recon, cls], [self.cfg.lam, 1 - self.cfg.lam]), per, pixels)
        return StepOut(recon if recon is not None else cls, per, pixels)

    def _with_outliers(self, x, gen):
        if self.cfg.outlier_frac <= 0:
            return x
        hit = torch.rand(x.shape, generator=gen).to(x.device) < self.cfg.outlier_frac
        return torch.where(hit, torch.full_like(x, OUTLIER_VALUE), x)

    def shown(self, raw):
        return torch.sigmoid(raw) if self.cfg.loss == "bce" else raw.clamp(0, 1)

    def reference_lines(self):
        lines = {}
        if self.reconstructs and self.cfg.loss == "mse":
            lines["predict the mean image (MSE)"] = float(((self.val_tensors[0] - self.mean_image) ** 2).mean())
        if not self.reconstructs and self.cfg.loss in ("nll", "cross_entropy"):
            lines["uniform guess (ln C)"] = math.log(self.data.num_classes)
        return lines

    @torch.no_grad()
    def evaluate(self, model, final: bool = False) -> dict:
        gen = torch.Generator().manual_seed(self.cfg.seed + 7)  # same masks / noise every eval
        sums = dict(loss=0.0, count=0.0, mse=0.0, mse_count=0.0, correct=0.0, nll=0.0, n=0)
        shown = None
        for x, y in self.val_batches():
            x_in, pmask, pixels = self.corrupt(x, gen)
            out = self.forward(model, x_in, pmask)
            # every example has the same number of scored elements, so batch means weighted
            # by batch size give the exact mean
            sums["loss"] += float(self.loss(out, x, y, pixels).loss) * x.shape[0]
            sums["count"] += x.shape[0]
            sums["n"] += x.shape[0]
            if "image" in out:
                err = (self.shown(out["image"]) - x) ** 2
                w = pixels.float() if pixels is not None else torch.ones_like(err)
                sums["mse"] += float((err * w).sum())
                sums["mse_count"] += float(w.sum())
                if shown is None:
                    shown = self._grid(x, x_in, pixels, out["image"])
            if "cls" in out:
                sums["correct"] += float((out["cls"].argmax(-1) == y).sum())
                sums["nll"] += float(self.nll(out["cls"], y, LossParams()).sum())
        result = {"val_loss": exact_mean(sums["loss"], sums["count"])}
        if sums["mse_count"]:
            result["val_mse"] = exact_mean(sums["mse"], sums["mse_count"])
            result["recon"] = shown
        if self.classifies:
            result["accuracy"] = sums["correct"] / sums["n"]
            result["val_nll"] = sums["nll"] / sums["n"]
        return result

    def _grid(self, x, x_in, pixels, raw):
        k = min(SHOW_EXAMPLES, x.shape[0])
        corrupted = None
        if self.corruption == "noise":
            corrupted = x_in[:k].clamp(0, 1)
        elif self.corruption == "mask":
            corrupted = torch.where(pixels[:k], torch.full_like(x[:k], 0.5), x[:k])
        as_list = lambda t: t[:k, 0].cpu().tolist()  # (k, H, W) of the first channel
        return {"inputs": as_list(x), "corrupted": None if corrupted is None else as_list(corrupted),
                "outputs": as_list(self.shown(raw))}


class ReconstructionRunner(ImageRunner):
    pass


class MaskedReconstructionRunner(ImageRunner):
    corruption = "mask"


class DenoisingRunner(ImageRunner):
    corruption = "noise"


class ClassificationRunner(ImageRunner):
    reconstructs, classifies = False, True


class ReconClassificationRunner(ImageRunner):
    classifies = True


class TokenRunner(TaskRunner):
    """Sequence tasks on a token encoder: masked tokens (BERT) or a tag per token."""

    def __init__(self, cfg, data, device):
        super().__init__(cfg, data, device)
        if data.y_train is not None:  # sequence labelling
            self.train_tensors, self.val_tensors = (data.x_train, data.y_train), (data.x_val, data.y_val)
            self.out_dim = data.num_classes
            self.floor = 0.0  # tags are a deterministic function of the tokens
        else:
            self.train_tensors, self.val_tensors = (data.x_train,), (data.x_val,)
            self.out_dim = data.vocab_size
        self.nll = get_loss("nll").fn

    def build_model(self):
        spec = ModelSpec(seq_len=self.train_tensors[0].shape[1], vocab_size=self.data.vocab_size, out_dim=self.out_dim)
        return build_model(self.cfg.model, spec, causal=False)

    def inputs(self, batch, gen):
        """-> (tokens, mask of positions to hide or None, targets, mask of scored positions)."""
        if len(batch) == 2:
            x, y = batch
            return x, None, y, None
        (x,) = batch
        m = random_mask(x.shape, self.cfg.mask_ratio, gen, x.device)
        return x, m, x, m

    def step(self, model, batch, gen=None) -> StepOut:
        x, hide, target, scored = self.inputs(batch, gen)
        logits = model(x, mask=hide)["tokens"]  # (B, T, V)
        per = self.per_elem(logits, target)
        return StepOut(masked_mean(per, scored), per, scored)

    @torch.no_grad()
    def evaluate(self, model, final: bool = False) -> dict:
        gen = torch.Generator().manual_seed(self.cfg.seed + 7)
        loss_sum = nll_sum = correct = count = 0.0
        example = None
        for batch in self.val_batches():
            x, hide, target, scored = self.inputs(batch, gen)
            logits = model(x, mask=hide)["tokens"]
            w = scored.float() if scored is not None else torch.ones(target.shape, device=x.device)
            loss_sum += float((self.per_elem(logits, target) * w).sum())
            nll_sum += float((self.nll(logits, target, LossParams()) * w).sum())
            correct += float(((logits.argmax(-1) == target).float() * w).sum())
            count += float(w.sum())
            example = example or self._example(x, hide, target, logits.argmax(-1))
        val_nll = exact_mean(nll_sum, count)
        return {"val_loss": exact_mean(loss_sum, count), "val_nll": val_nll,
                "accuracy": exact_mean(correct, count), "recon": example}

    def _example(self, x, hide, target, pred):
        """A few rows as text: what went in, what was expected, what came out."""
        decode, k = self.data.decode, min(4, x.shape[0])
        tok = lambda t: decode([int(t)])
        rows = {"inputs": [], "corrupted": None if hide is None else [], "outputs": []}
        for i in range(k):
            rows["inputs"].append(decode(x[i].tolist()))
            if hide is not None:
                rows["corrupted"].append("".join("_" if h else tok(t) for t, h in zip(x[i], hide[i])))
                rows["outputs"].append("".join(tok(p) if h else tok(t) for t, p, h in zip(x[i], pred[i], hide[i])))
            else:
                rows["outputs"].append(" ".join(f"{int(p)}" for p in pred[i]))
                rows["inputs"][-1] += "  tags: " + " ".join(f"{int(t)}" for t in target[i])
        return rows


class MaskedTokensRunner(TokenRunner):
    pass


class SequenceLabellingRunner(TokenRunner):
    pass
