"""Autoregressive tasks: next-token prediction (text, synthetic sequences, images read as
pixel sequences) and prompt/answer (the loss covers the answer only, through a mask).

The shift: the model reads x[:, :-1] and is scored on x[:, 1:], so position t of the
per-timestep NLL is the cost of predicting token t+1 from tokens 0..t. Images get a BOS token
in front so that every pixel, the first included, has a prediction: the per-timestep vector
is then exactly a per-pixel map and bits/dim is defined.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ..data import dequantize, quantize
from ..losses import LossParams, get_loss
from ..models import ModelSpec, build_model
from .base import SHOW_EXAMPLES, StepOut, TaskRunner, exact_mean, masked_mean

TEXT_SAMPLE_CHARS = 160  # length of a generated text sample


class NextTokenRunner(TaskRunner):
    answer_only = False  # prompt/answer overrides this

    def __init__(self, cfg, data, device):
        super().__init__(cfg, data, device)
        self.image_hw = None
        if data.kind == "image":
            _, H, W = data.image_shape
            self.image_hw, self.vocab, bos = (H, W), cfg.levels + 1, cfg.levels
            seqs = [torch.cat([torch.full((x.shape[0], 1), bos), quantize(x, cfg.levels)], 1)
                    for x in (data.x_train, data.x_val)]  # (N, 1 + H*W)
            floor, mask = None, None
        else:
            seqs, self.vocab = [data.x_train, data.x_val], data.vocab_size
            floor, mask = data.entropy_floor, self._mask(data)
        self.train_tensors = tuple(seqs[0:1])
        self.val_tensors = tuple(seqs[1:2])
        self.T = seqs[0].shape[1] - 1  # predicted positions
        self.mask = None if mask is None else mask.to(device)  # (T,) bool
        self.floor_per_timestep = None if floor is None else floor.tolist()
        if floor is not None:
            m = torch.ones_like(floor, dtype=torch.bool) if mask is None else mask
            self.floor = float(floor[m].mean())
        self.nll = get_loss("nll").fn

    def _mask(self, data):
        return None  # next_token trains on every position

    def build_model(self) -> nn.Module:
        spec = ModelSpec(seq_len=self.T, vocab_size=self.vocab)
        return build_model(self.cfg.model, spec, causal=True)

    def step(self, model, batch, gen=None) -> StepOut:
        (x,) = batch
        logits = model(x[:, :-1])  # (B, T, V)
        per = self.per_elem(logits, x[:, 1:])  # (B, T)
        mask = None if self.mask is None else self.mask.expand_as(per)
        return StepOut(masked_mean(per, mask), per, mask)

    def reference_lines(self):
        lines = {"uniform guess (ln V)": math.log(self.vocab - (1 if self.image_hw else 0))}
        if self.floor is not None:
            lines["entropy floor"] = self.floor
        return lines

    @torch.no_grad()
    def evaluate(self, model, final: bool = False) -> dict:
        nll_sum = torch.zeros(self.T, dtype=torch.float64)
        loss_sum, n = 0.0, 0
        mask = self.mask if self.mask is not None else torch.ones(self.T, dtype=torch.bool, device=self.device)
        first_nll = None
        for (x,) in self.val_batches():
            logits = model(x[:, :-1])
            nll = self.nll(logits, x[:, 1:], LossParams()).double()  # (B, T) nats
            per = self.per_elem(logits, x[:, 1:]).double()
            nll_sum += nll.sum(0).cpu()
            loss_sum += float((per * mask).sum())
            n += x.shape[0]
            first_nll = nll[0].tolist() if first_nll is None else first_nll
        per_t = nll_sum / n  # (T,) mean NLL per position
        m = mask.cpu()
        val_nll = float(per_t[m].mean())
        out = {
            "val_loss": exact_mean(loss_sum, n * int(m.sum())),
            "val_nll": val_nll,
            "nll_per_timestep": per_t.tolist(),
            "loss_mask": m.tolist(),
            "perplexity": math.exp(min(val_nll, 700.0)),
            "bits": val_nll / math.log(2),
        }
        if self.image_hw:
            H, W = self.image_hw
            out["image_nll"] = per_t.view(H, W).tolist()
        out.update(self._samples(model, first_nll, final))
        return out

    def _samples(self, model, first_nll, final: bool) -> dict:
        gen = torch.Generator(device=self.device).manual_seed(self.cfg.seed)  # same samples each eval
        if self.image_hw:
            H, W = self.image_hw
            if H * W > 256 and not final:
                return {}  # 784 sequential passes per MNIST image: only at the end
            start = torch.full((SHOW_EXAMPLES, 1), self.cfg.levels, device=self.device)
            toks = model.generate(start, H * W, generator=gen)[:, 1:]
            imgs = dequantize(toks.cpu().clamp(max=self.cfg.levels - 1), self.cfg.levels, (1, H, W))
            return {"samples": imgs[:, 0].tolist()}
        decode = self.data.decode
        x0 = self.val_tensors[0][0]
        out = {"text_sample": decode(x0[1:].tolist()), "text_sample_nll": first_nll}
        if self.data.sep is not None:
            out.update(self._answers(model))
        else:
            start = self.val_tensors[0][:4, :1].to(self.device)
            n_new = TEXT_SAMPLE_CHARS if self.data.name == "text" else self.T
            toks = model.generate(start, n_new, generator=gen)
            out["samples"] = [decode(t.tolist()) for t in toks.cpu()]
        return out

    def _answers(self, model) -> dict:
        """Copy / reverse: give the prompt up to SEP, let the model answer greedily."""
        x = self.val_tensors[0][:64].to(self.device)
        sep_at = int((x[0] == self.data.sep).nonzero()[0])
        prompt = x[:, : sep_at + 1]
        full = model.generate(prompt, x.shape[1] - prompt.shape[1], greedy=True)
        scored = torch.zeros(x.shape[1], dtype=torch.bool, device=x.device)
        scored[sep_at + 1 :] = True
        if self.data.loss_mask is not None:  # skip padding the loss never scores
            scored[1:] &= self.data.loss_mask.to(x.device)
        acc = float((full == x)[:, scored].float().mean())
        decode = self.data.decode
        shown = [f"{decode(p.tolist())} → {decode(a.tolist())}"
                 for p, a in zip(prompt[:4].cpu(), full[:4, sep_at + 1 :].cpu())]
        return {"samples": shown, "answer_accuracy": acc}


class PromptAnswerRunner(NextTokenRunner):
    """Loss on the answer only (the data's loss_mask), unless cfg.loss_on_prompt."""

    def _mask(self, data):
        if self.cfg.loss_on_prompt or data.loss_mask is None:
            return None
        return data.loss_mask.bool()

