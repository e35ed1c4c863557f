"""The CUDA path: bf16 autocast in the trainer, losses still computed in fp32. Skipped cleanly
where there is no CUDA device (CI never has one)."""
import math

import pytest
import torch

from playground.config import RunConfig
from playground.experiment import build_experiment, summarize
from playground.losses import LOSSES, LossParams

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def test_losses_are_fp32_under_bf16_autocast():
    logits = torch.randn(4, 7, 11, device="cuda")
    target = torch.randint(11, (4, 7), device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        h = torch.nn.Linear(11, 11).cuda()(logits)  # bf16 under autocast
        assert h.dtype == torch.bfloat16
        for name in ("nll", "cross_entropy", "focal"):
            per = LOSSES[name].fn(h, target, LossParams())
            assert per.dtype == torch.float32


@pytest.mark.parametrize("paradigm,task,dataset,loss", [
    ("autoregressive", "next_token", "digits", "nll"),
    ("autoencoding", "masked_reconstruction", "digits", "mse"),
])
def test_a_short_run_on_cuda_completes_with_finite_losses(paradigm, task, dataset, loss):
    cfg = RunConfig(paradigm=paradigm, task=task, dataset=dataset, loss=loss, steps=30, eval_every=15, device="cuda")
    exp = build_experiment(cfg)
    assert exp.trainer.run() == "completed"
    summary = summarize(exp)
    assert summary["device"].startswith("cuda")
    assert math.isfinite(summary["val_loss"])
