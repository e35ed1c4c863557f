"""Tests for playground.losses against torch references and hand-computed numbers."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.losses import (
    IGNORE_INDEX,
    LOSSES,
    LossParams,
    bce,
    cross_entropy,
    focal,
    get_loss,
    huber,
    l1,
    losses_for,
    masked_mean,
    mse,
    nll,
    weighted_sum,
)

torch.set_num_threads(1)

P0 = LossParams()
CLASS_LOSSES = ["nll", "cross_entropy", "focal", "mse", "l1", "huber", "bce"]
LN = math.log
# logits [0, ln 3] -> p = [1/4, 3/4], logsumexp = ln 4; the class-1 target is used throughout
HAND_LOGITS = torch.tensor([[0.0, LN(3.0)]])
HAND_TARGET = torch.tensor([1])
FAST = settings(max_examples=50, deadline=None)


@st.composite
def class_batches(draw):
    """(logits (..., C), class ids (...), ignored (...)) from a seeded torch generator."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    C = draw(st.integers(2, 6))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0]))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    logits = torch.randn(*shape, C, generator=g) * scale
    target = torch.randint(0, C, shape, generator=g)
    ignored = torch.rand(shape, generator=g) < 0.3
    return logits, target, ignored


@st.composite
def regression_batches(draw):
    """(pred, target in [0, 1]) of one random shape."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    return torch.randn(shape, generator=g) * 3, torch.rand(shape, generator=g)


def _with_ignored(target, ignored):
    return torch.where(ignored, IGNORE_INDEX, target)


def _classwise_reference(name, logits, target, p):
    """Torch reference for the 'both' losses on class ids, one value per position."""
    one_hot = F.one_hot(target, logits.shape[-1]).float()
    probs = logits.softmax(-1)
    ref = {
        "mse": lambda: F.mse_loss(probs, one_hot, reduction="none"),
        "l1": lambda: F.l1_loss(probs, one_hot, reduction="none"),
        "huber": lambda: F.huber_loss(probs, one_hot, reduction="none", delta=p.huber_delta),
        "bce": lambda: F.binary_cross_entropy_with_logits(logits, one_hot, reduction="none"),
    }[name]
    return ref().sum(-1)


# --------------------------------------------------------------------------- torch references


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5])
def test_cross_entropy_matches_torch_with_label_smoothing_and_ignore_index(eps):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 7, generator=g) * 4
    target = torch.randint(0, 7, (3, 5), generator=g)
    target[0, :2] = IGNORE_INDEX
    got = cross_entropy(logits, target, LossParams(label_smoothing=eps))
    ref = F.cross_entropy(
        logits.transpose(1, 2), target, label_smoothing=eps, reduction="none"
    )  # torch wants classes in dim 1
    torch.testing.assert_close(got, ref)
    assert torch.equal(got[0, :2], torch.zeros(2))


@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_cross_entropy_soft_targets_match_torch(eps):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(6, 4, generator=g)
    q = torch.randn(6, 4, generator=g).softmax(-1)
    got = cross_entropy(logits, q, LossParams(label_smoothing=eps))
    ref = F.cross_entropy(logits, q, label_smoothing=eps, reduction="none")
    torch.testing.assert_close(got, ref)


def test_nll_matches_nll_loss_of_log_softmax_with_ignore_index():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(8, 5, generator=g) * 3
    target = torch.randint(0, 5, (8,), generator=g)
    target[3] = IGNORE_INDEX
    ref = F.nll_loss(F.log_softmax(logits, -1), target, reduction="none")
    torch.testing.assert_close(nll(logits, target, P0), ref)


def test_nll_ignores_label_smoothing_and_takes_soft_targets():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(5, 3, generator=g)
    q = torch.randn(5, 3, generator=g).softmax(-1)
    got = nll(logits, q, LossParams(label_smoothing=0.3))
    torch.testing.assert_close(got, F.cross_entropy(logits, q, reduction="none"))


@pytest.mark.parametrize("fn,ref", [(mse, F.mse_loss), (l1, F.l1_loss)])
def test_mse_and_l1_regression_match_torch(fn, ref):
    g = torch.Generator().manual_seed(4)
    pred, target = torch.randn(2, 3, 4, generator=g), torch.randn(2, 3, 4, generator=g)
    torch.testing.assert_close(fn(pred, target, P0), ref(pred, target, reduction="none"))


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_regression_matches_torch(delta):
    g = torch.Generator().manual_seed(5)
    pred, target = torch.randn(4, 6, generator=g) * 3, torch.randn(4, 6, generator=g)
    got = huber(pred, target, LossParams(huber_delta=delta))
    torch.testing.assert_close(got, F.huber_loss(pred, target, reduction="none", delta=delta))


def test_bce_regression_matches_bce_with_logits():
    g = torch.Generator().manual_seed(6)
    pred, target = torch.randn(3, 8, generator=g) * 5, torch.rand(3, 8, generator=g)
    ref = F.binary_cross_entropy_with_logits(pred, target, reduction="none")
    torch.testing.assert_close(bce(pred, target, P0), ref)


@pytest.mark.parametrize("name", ["mse", "l1", "huber", "bce"])
def test_losses_on_class_ids_match_torch_on_probabilities_vs_one_hot(name):
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(2, 5, 4, generator=g) * 2
    target = torch.randint(0, 4, (2, 5), generator=g)
    p = LossParams(huber_delta=0.3)
    got = get_loss(name).fn(logits, target, p)
    torch.testing.assert_close(got, _classwise_reference(name, logits, target, p))


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
def test_focal_matches_hand_formula(gamma):
    g = torch.Generator().manual_seed(8)
    logits = torch.randn(10, 5, generator=g, dtype=torch.float64) * 3
    target = torch.randint(0, 5, (10,), generator=g)
    p_y = logits.softmax(-1)[torch.arange(10), target]
    ref = -((1 - p_y) ** gamma) * torch.log(p_y)
    got = focal(logits.float(), target, LossParams(focal_gamma=gamma))
    torch.testing.assert_close(got, ref.float())


def test_focal_soft_targets_match_hand_formula():
    g = torch.Generator().manual_seed(9)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64)
    q = torch.randn(6, 4, generator=g, dtype=torch.float64).softmax(-1)
    probs = logits.softmax(-1)
    ref = -(q * (1 - probs) ** 2 * probs.log()).sum(-1)
    torch.testing.assert_close(focal(logits.float(), q.float(), P0), ref.float())


def test_focal_with_gamma_zero_equals_nll():
    g = torch.Generator().manual_seed(10)
    logits = torch.randn(4, 6, 5, generator=g) * 3
    target = torch.randint(0, 5, (4, 6), generator=g)
    target[1, 1] = IGNORE_INDEX
    ref = F.nll_loss(F.log_softmax(logits, -1).transpose(1, 2), target, reduction="none")
    torch.testing.assert_close(focal(logits, target, LossParams(focal_gamma=0.0)), ref)


# --------------------------------------------------------------------------- hand values


def test_nll_of_logits_0_ln3_target_1_is_ln_4_over_3():
    torch.testing.assert_close(nll(HAND_LOGITS, HAND_TARGET, P0), torch.tensor([LN(4 / 3)]))


def test_cross_entropy_label_smoothing_hand_value():
    # (1 - eps) * ln(4/3) + eps * mean(ln 4, ln 4/3)
    want = 0.9 * LN(4 / 3) + 0.1 * (LN(4) + LN(4 / 3)) / 2
    got = cross_entropy(HAND_LOGITS, HAND_TARGET, LossParams(label_smoothing=0.1))
    torch.testing.assert_close(got, torch.tensor([want]))


def test_focal_hand_value():
    # p_y = 3/4: (1/4)^2 * ln(4/3)
    got = focal(HAND_LOGITS, HAND_TARGET, LossParams(focal_gamma=2.0))
    torch.testing.assert_close(got, torch.tensor([LN(4 / 3) / 16]))


def test_probability_losses_on_two_classes_by_hand():
    # p = [1/4, 3/4] vs one-hot [0, 1]: both errors are 1/4
    want = {"mse": 2 / 16, "l1": 2 / 4, "huber": 2 * 0.5 / 16, "bce": LN(2) + LN(4 / 3)}
    for name, value in want.items():
        got = get_loss(name).fn(HAND_LOGITS, HAND_TARGET, P0)
        torch.testing.assert_close(got, torch.tensor([value]), msg=name)


def test_huber_by_hand_inside_and_outside_delta():
    pred, target = torch.tensor([0.5, 3.0, -3.0]), torch.zeros(3)
    # |e| < delta: e^2 / 2; else delta * (|e| - delta / 2)
    got1 = huber(pred, target, LossParams(huber_delta=1.0))
    got2 = huber(pred, target, LossParams(huber_delta=2.0))
    torch.testing.assert_close(got1, torch.tensor([0.125, 2.5, 2.5]))
    torch.testing.assert_close(got2, torch.tensor([0.125, 4.0, 4.0]))


def test_regression_mse_l1_bce_by_hand():
    pred, target = torch.tensor([1.0, 2.0]), torch.tensor([0.5, 4.0])
    torch.testing.assert_close(mse(pred, target, P0), torch.tensor([0.25, 4.0]))
    torch.testing.assert_close(l1(pred, target, P0), torch.tensor([0.5, 2.0]))
    got = bce(torch.tensor([0.0, LN(3)]), torch.tensor([0.3, 1.0]), P0)
    torch.testing.assert_close(got, torch.tensor([LN(2), LN(4 / 3)]))


# --------------------------------------------------------------------------- properties


@FAST
@given(class_batches(), st.sampled_from([0.0, 0.1]))
def test_mean_of_per_element_equals_torch_mean_reduction_for_class_ids(batch, eps):
    logits, target, _ = batch
    C = logits.shape[-1]
    flat_logits, flat_target = logits.reshape(-1, C), target.reshape(-1)
    p = LossParams(label_smoothing=eps)
    ce_ref = F.cross_entropy(flat_logits, flat_target, label_smoothing=eps)
    torch.testing.assert_close(cross_entropy(logits, target, p).mean(), ce_ref)
    nll_ref = F.nll_loss(F.log_softmax(flat_logits, -1), flat_target)
    torch.testing.assert_close(nll(logits, target, p).mean(), nll_ref)
    one_hot = F.one_hot(target, C).float()
    probs = logits.softmax(-1)
    # torch means over (..., C); ours sums over C then means over (...): a factor of C
    torch.testing.assert_close(mse(logits, target, p).mean(), C * F.mse_loss(probs, one_hot))
    torch.testing.assert_close(l1(logits, target, p).mean(), C * F.l1_loss(probs, one_hot))
    torch.testing.assert_close(huber(logits, target, p).mean(), C * F.huber_loss(probs, one_hot))
    bce_ref = C * F.binary_cross_entropy_with_logits(logits, one_hot)
    torch.testing.assert_close(bce(logits, target, p).mean(), bce_ref)


@FAST
@given(regression_batches())
def test_mean_of_per_element_equals_torch_mean_reduction_for_regression(batch):
    pred, target = batch
    torch.testing.assert_close(mse(pred, target, P0).mean(), F.mse_loss(pred, target))
    torch.testing.assert_close(l1(pred, target, P0).mean(), F.l1_loss(pred, target))
    torch.testing.assert_close(huber(pred, target, P0).mean(), F.huber_loss(pred, target))
    bce_ref = F.binary_cross_entropy_with_logits(pred, target)
    torch.testing.assert_close(bce(pred, target, P0).mean(), bce_ref)


@FAST
@given(regression_batches(), st.integers(0, 2**31 - 1))
def test_masked_mean_equals_mean_over_selected_elements(batch, seed):
    values, _ = batch
    mask = torch.rand(values.shape, generator=torch.Generator().manual_seed(seed)) < 0.5
    want = values[mask].mean() if mask.any() else torch.tensor(0.0)
    torch.testing.assert_close(masked_mean(values, mask), want)


@FAST
@given(class_batches(), st.sampled_from(CLASS_LOSSES))
def test_ignored_positions_give_zero_and_do_not_change_masked_mean(batch, name):
    logits, target, ignored = batch
    p = LossParams(label_smoothing=0.1, z_loss=1e-3)
    per = get_loss(name).fn(logits, _with_ignored(target, ignored), p)
    assert torch.equal(per[ignored], torch.zeros(int(ignored.sum())))
    kept = ~ignored
    # reference: the same loss on the kept positions only, ignored ones never seen
    want = get_loss(name).fn(logits[kept], target[kept], p).mean() if kept.any() else 0.0
    torch.testing.assert_close(masked_mean(per, kept), torch.as_tensor(want))


@FAST
@given(class_batches(), st.sampled_from([0.0, 0.2]))
def test_cross_entropy_masked_mean_equals_torch_mean_with_ignore_index(batch, eps):
    logits, target, ignored = batch
    kept = ~ignored
    if not kept.any():  # torch's mean over zero targets is NaN; ours is covered elsewhere
        return
    target = _with_ignored(target, ignored)
    C = logits.shape[-1]
    ref = F.cross_entropy(logits.reshape(-1, C), target.reshape(-1), label_smoothing=eps)
    got = masked_mean(cross_entropy(logits, target, LossParams(label_smoothing=eps)), kept)
    torch.testing.assert_close(got, ref)


@FAST
@given(class_batches(), st.sampled_from(CLASS_LOSSES))
def test_gradient_wrt_logits_at_ignored_positions_is_exactly_zero(batch, name):
    logits, target, ignored = batch
    logits.requires_grad_(True)
    p = LossParams(label_smoothing=0.1, focal_gamma=0.5, z_loss=1e-3)
    per = get_loss(name).fn(logits, _with_ignored(target, ignored), p)
    upstream = torch.rand(per.shape, generator=torch.Generator().manual_seed(0)) + 0.5
    (per * upstream).sum().backward()
    assert torch.equal(logits.grad[ignored], torch.zeros_like(logits.grad[ignored]))
    assert torch.isfinite(logits.grad).all()


# --------------------------------------------------------------------------- stability, z-loss


@pytest.mark.parametrize("name", CLASS_LOSSES)
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_logits_of_1e4_give_finite_loss_and_grad(name, gamma):
    # confident and wrong; confident and right (p_y rounds to exactly 1); a tie at 1e4
    logits = torch.tensor([[1e4, -1e4, 0.0], [1e4, 0.0, -1e4], [-1e4, 1e4, 1e4]])
    logits.requires_grad_(True)
    target = torch.tensor([1, 0, 2])
    p = LossParams(label_smoothing=0.1, focal_gamma=gamma, z_loss=1e-4)
    per = get_loss(name).fn(logits, target, p)
    per.sum().backward()
    assert torch.isfinite(per).all() and torch.isfinite(logits.grad).all()


def test_nll_of_confident_mistake_at_1e4_is_2e4():
    logits = torch.tensor([[1e4, -1e4, 0.0]])
    # -log p_1 = logsumexp - z_1 = 1e4 + 1e4 (the other terms vanish in fp32)
    torch.testing.assert_close(nll(logits, torch.tensor([1]), P0), torch.tensor([2e4]))


def test_soft_targets_with_logits_of_1e4_are_finite():
    logits = torch.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    q = torch.tensor([[0.2, 0.5, 0.3]])
    p = LossParams(focal_gamma=0.5)
    total = sum(get_loss(n).fn(logits, q, p).sum() for n in ["nll", "cross_entropy", "focal"])
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("name", CLASS_LOSSES)
def test_z_loss_adds_exactly_z_times_logsumexp_squared(name):
    fn, z = get_loss(name).fn, 1e-2
    # hand value: logsumexp([0, ln 3]) = ln 4
    added = fn(HAND_LOGITS, HAND_TARGET, LossParams(z_loss=z)) - fn(HAND_LOGITS, HAND_TARGET, P0)
    torch.testing.assert_close(added, torch.tensor([z * LN(4) ** 2]))
    g = torch.Generator().manual_seed(11)
    logits = torch.randn(3, 4, 5, generator=g) * 5
    target = torch.randint(0, 5, (3, 4), generator=g)
    target[0, 0] = IGNORE_INDEX
    added = fn(logits, target, LossParams(z_loss=z)) - fn(logits, target, P0)
    want = z * torch.logsumexp(logits, -1).square()
    want[0, 0] = 0.0
    torch.testing.assert_close(added, want)


def test_bf16_inputs_are_computed_in_fp32():
    g = torch.Generator().manual_seed(12)
    logits = (torch.randn(4, 6, generator=g) * 3).bfloat16()
    target = torch.randint(0, 6, (4,), generator=g)
    got = cross_entropy(logits, target, P0)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, F.cross_entropy(logits.float(), target, reduction="none"))


@pytest.mark.parametrize("name", CLASS_LOSSES)
def test_int32_class_ids_match_int64(name):
    g = torch.Generator().manual_seed(13)
    logits = torch.randn(5, 4, generator=g)
    target = torch.tensor([0, 3, IGNORE_INDEX, 1, 2])
    fn = get_loss(name).fn
    torch.testing.assert_close(fn(logits, target.int(), P0), fn(logits, target, P0))


# --------------------------------------------------------------------------- errors, registry


def test_get_loss_unknown_name_raises_key_error_listing_valid_names():
    with pytest.raises(KeyError, match="nll") as info:
        get_loss("nope")
    assert "cross_entropy" in str(info.value) and "'nope'" in str(info.value)


def test_regression_target_to_nll_raises_value_error_naming_fitting_losses():
    images = torch.rand(2, 1, 4, 4)  # float, same shape, but rows do not sum to 1
    with pytest.raises(ValueError, match="mse, l1, huber, bce"):
        nll(torch.randn(2, 1, 4, 4), images, P0)
    with pytest.raises(ValueError, match="mse"):
        focal(torch.randn(3, 4), torch.rand(3), P0)


def test_class_id_out_of_range_raises_value_error():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        cross_entropy(torch.randn(2, 3), torch.tensor([0, 3]), P0)
    with pytest.raises(ValueError, match="class ids"):
        mse(torch.randn(2, 3), torch.tensor([0, -1]), P0)


def test_regression_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="same shape"):
        mse(torch.randn(4, 3), torch.randn(4, 1), P0)


def test_invalid_loss_params_raise_value_error():
    with pytest.raises(ValueError, match="label_smoothing"):
        LossParams(label_smoothing=1.5)
    with pytest.raises(ValueError, match="huber_delta"):
        LossParams(huber_delta=0.0)


def test_losses_for_kind_lists_applicable_names():
    assert losses_for("classification") == CLASS_LOSSES
    assert losses_for("regression") == ["mse", "l1", "huber", "bce"]
    with pytest.raises(ValueError):
        losses_for("ranking")


def test_registry_entries_are_named_by_their_key_and_carry_ui_metadata():
    for key, spec in LOSSES.items():
        assert spec.name == key and spec.formula and spec.description
        assert spec.kind in ("classification", "regression", "both")
        assert spec.kind != "both" or spec.note  # cross-kind meaning must be labelled


def test_masked_mean_edge_cases():
    values = torch.tensor([1.0, float("nan"), 3.0])
    assert masked_mean(values, torch.zeros(3, dtype=torch.bool)).item() == 0.0
    assert masked_mean(values, torch.tensor([True, False, True])).item() == 2.0
    assert masked_mean(torch.tensor([1.0, 2.0]), None).item() == 1.5


def test_weighted_sum_by_hand_and_length_mismatch():
    got = weighted_sum([torch.tensor(2.0), torch.tensor(3.0)], [0.5, 2.0])
    assert got.item() == 7.0
    with pytest.raises(ValueError, match="2 terms but 1 weights"):
        weighted_sum([torch.tensor(1.0), torch.tensor(2.0)], [1.0])
