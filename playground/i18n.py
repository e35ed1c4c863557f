"""Every user-facing string of the app's pages (navigation, Train, Compare, Loss Explorer,
Lessons) and of the registries' descriptions (paradigms, tasks, datasets, models, losses), in
English and Chinese, and `t(key, lang)` to look one up.

Both languages hold exactly the same keys (a test checks it, and that no value is empty and
the `{placeholders}` match), so a page never mixes languages. Loss names such as MSE or NLL stay
as the acronyms both languages use; ids a user types or links (nll, next_token) are not
translated. No Streamlit here: ui.lang keeps the choice in st.session_state["lang"] and the URL
parameter `lang`; `pick_lang` decides between them.
"""
from __future__ import annotations

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_NAMES = {"en": "English", "zh": "中文"}  # each language by its own name, as switches show them


def pick_lang(url_value, session_value=None) -> str:
    """The language to show: a valid `lang` URL parameter (a shared link) wins, then the
    session's choice; anything else is English."""
    if url_value is not None:
        value = str(url_value).strip().lower()
        return value if value in LANGS else DEFAULT_LANG
    return session_value if session_value in LANGS else DEFAULT_LANG


def has(key: str) -> bool:
    """Whether `key` is a known string (both languages hold the same keys)."""
    return key in STRINGS[DEFAULT_LANG]


def t(key: str, lang: str, **fmt) -> str:
    """The string `key` in `lang` (an unknown language reads as English), formatted with fmt."""
    table = STRINGS[lang if lang in STRINGS else DEFAULT_LANG]
    if key not in table:
        raise KeyError(f"no string {key!r}; known keys start with: "
                       f"{', '.join(sorted({k.split('.')[0] for k in table}))}")
    return table[key].format(**fmt) if fmt else table[key]


_EN = {
    # ---- shared
    "app.language": "Language",
    "loss.nll": "NLL",
    "loss.cross_entropy": "cross-entropy",
    "loss.focal": "focal",
    "loss.mse": "MSE",
    "loss.l1": "L1",
    "loss.huber": "Huber",
    "loss.bce": "BCE",

    # ---- navigation titles (app.py)
    "nav.train": "Train",
    "nav.compare": "Compare",
    "nav.explorer": "Loss Explorer",
    "nav.lessons": "Lessons",

    # ---- Train page (views/train.py), its controls (ui/controls.py) and run panels (ui/panels.py)
    "train.title": "Transformer Loss Playground",
    "train.caption": "See what the final loss function of a Transformer does: train, watch, compare.",
    "train.paradigm": "Paradigm",
    "train.task": "Task",
    "train.dataset": "Dataset",
    "train.model": "Model",
    "train.loss": "Loss",
    "train.loss_settings": "Loss and task settings",
    "train.training": "Training",
    "train.device": "Device",
    "train.start": "Start",
    "train.stop": "Stop",
    "train.share": "Share and save",
    "train.share_caption": "The address bar always holds this configuration. Copy the link below (the icon at its "
                           "right) to share it; with `autostart=1` the run starts when the link opens.",
    "train.save_config": "Save config (JSON)",
    "train.load_config": "Load config (JSON)",
    "train.config_file_error": "config file: {error}",
    "train.link_warning": "Link: {warning}",
    "train.not_found": "run {run}: not found on this server (it may have been deleted).",
    "train.welcome": "**How to use it.** Choose a paradigm, a task, a dataset and a loss on the left, then press "
                     "**Start**. The run trains in the background; the loss curves, the per-timestep NLL heatmap and "
                     "the reconstructions update here about once a second, and you can keep changing settings or "
                     "start another run meanwhile. The defaults train a tiny causal Transformer on 8x8 digits read "
                     "pixel by pixel: about 20 seconds on a laptop CPU.",
    "train.upload": "Your own text (UTF-8, optional)",
    "train.upload_too_big": "text file: {size} bytes is over the {limit}-byte limit; using the built-in corpus",
    "train.on_class_labels": "On class labels: {note}",
    "train.tab.loss": "Loss curves",
    "train.tab.nll": "Per-timestep NLL",
    "train.tab.recon": "Reconstructions",
    "train.tab.samples": "Samples",
    "train.status.queued": "Waiting for a free trainer",
    "train.status.running": "Training",
    "train.status.completed": "Finished",
    "train.status.stopped": "Stopped",
    "train.status.diverged": "Diverged",
    "train.status.failed": "Failed",
    "train.status.interrupted": "Interrupted",
    "train.progress.queued": "{words}: place {place} in the queue.",
    "train.progress.running": "{words}: step {step} / {steps} · {speed} steps/s",
    "train.progress.eta": " · about {eta} s left",
    "train.progress.completed": "{words}: {steps} steps in {seconds} s.",
    "train.progress.other": "{words}. {explain}",
    "train.progress.reason": "Reason: {reason}",
    "train.explain.diverged": "The loss stopped being a finite number, so training was halted. Usually the steps "
                              "were too large: lower the learning rate, or set gradient clipping above 0.",
    "train.explain.failed": "Something went wrong before or during training; the message below says what.",
    "train.explain.interrupted": "The server stopped while this run was training; what was saved up to then is shown.",
    "train.nll.wait": "The per-timestep NLL appears at the first eval.",
    "train.nll.caption": "Each row is one eval; each column a position. Darker = more nats to predict that token. "
                         "Positions learnt first turn light first.",
    "train.nll.pixels": "Per-pixel NLL at the last eval: where in the image the model is still unsure.",
    "train.nll.text": "A held-out snippet coloured by each character's NLL (fixed scale, 0 to {vmax} nats).",
    "train.recon.wait": "Reconstructions appear at the first eval.",
    "train.samples.wait": "Samples appear at the first eval (for 28x28 images, at the end of the run).",
    "train.samples.caption": "Sampled from the model at step {step}.",
    "train.samples.title": "drawn pixel by pixel",

    # the controls: a knob's label (`field.*`) and its tooltip (`help.*`)
    "field.steps": "steps",
    "field.batch_size": "batch size",
    "field.lr": "lr",
    "field.seed": "seed",
    "field.grad_clip": "grad clip",
    "field.eval_every": "eval every",
    "field.threads": "threads",
    "field.label_smoothing": "label smoothing",
    "field.focal_gamma": "focal gamma",
    "field.huber_delta": "huber delta",
    "field.z_loss": "z loss",
    "field.lam": "lam",
    "field.mask_ratio": "mask ratio",
    "field.noise_std": "noise std",
    "field.loss_on_prompt": "loss on prompt too",
    "field.label_noise": "label noise",
    "field.outlier_frac": "outlier frac",
    "field.levels": "levels",
    "field.seq_len": "seq len",
    "field.vocab_size": "vocab size",
    "help.steps": "optimizer steps",
    "help.batch_size": "examples per step",
    "help.lr": "peak learning rate (AdamW, warm-up then cosine)",
    "help.seed": "same seed, same run",
    "help.grad_clip": "max gradient norm; 0 turns clipping off",
    "help.label_smoothing": "mass spread evenly over all classes",
    "help.focal_gamma": "0 gives plain NLL",
    "help.huber_delta": "where the loss turns from quadratic to linear",
    "help.z_loss": "penalty on logsumexp(logits)^2 (PaLM)",
    "help.lam": "weight of the reconstruction loss; 1 - lam goes to classification",
    "help.mask_ratio": "fraction of patches / tokens hidden",
    "help.noise_std": "Gaussian noise added to pixels in [0, 1]",
    "help.loss_on_prompt": "also train on the prompt tokens (the mask lesson)",
    "help.label_noise": "fraction of training labels made random",
    "help.outlier_frac": "fraction of training target pixels set to an outlier value",
    "help.levels": "grey levels per pixel when images are read as token sequences",
    "help.seq_len": "tokens per sequence",
    "help.vocab_size": "symbols of the synthetic data",
    "help.threads": "torch CPU threads for this run",

    # the registries' descriptions (playground.tasks, .data, .models, .losses): the English text
    # is the registry's own, word for word (a test compares them)
    "paradigm.autoregressive.name": "Autoregressive",
    "paradigm.autoencoding.name": "Autoencoding",
    "paradigm.autoregressive": "A decoder sees only the past and predicts the next token; trained with NLL, the cost "
                               "in nats of each true next token.",
    "paradigm.autoencoding": "An encoder sees the whole (possibly corrupted) input and rebuilds it or labels it; "
                             "trained with MSE / L1 / BCE on pixels or cross-entropy on tokens.",
    "task.next_token": "predict each token from the ones before it (text, synthetic, images as pixel sequences)",
    "task.prompt_answer": "answer after a separator; the loss covers the answer only unless loss_on_prompt",
    "task.reconstruction": "image -> latent -> image",
    "task.masked_reconstruction": "MAE: hide a fraction of patches, score only the hidden ones",
    "task.denoising": "add Gaussian noise to the input, reconstruct the clean image",
    "task.masked_tokens": "BERT: hide a fraction of tokens, score only the hidden ones",
    "task.classification": "one label per image from a CLS token (or the article's LSTM)",
    "task.sequence_labelling": "one tag per token",
    "task.recon_classification": "lam * reconstruction + (1 - lam) * cross-entropy: balance two losses",
    "dataset.digits": "8x8 handwritten digits from scikit-learn (1797, offline)",
    "dataset.mnist": "28x28 handwritten digits (70k; downloaded once or data_dir)",
    "dataset.fashion_mnist": "28x28 clothing images, 10 classes (70k; like mnist)",
    "dataset.text": "characters of Python's pydoc topics, or your own UTF-8 file",
    "dataset.copy": "random prefix, SEP, the prefix again; the copy has floor 0",
    "dataset.markov": "first-order Markov chain; the floor is its entropy rate",
    "dataset.reverse": "prompt, SEP, the prompt reversed; loss on the answer only",
    "dataset.tagging": "label each token with (x[t] + x[t-1]) mod K",
    "model.nano": "Transformer, 1 layer, d=32 (fastest)",
    "model.tiny": "Transformer, 2 layers, d=64 (default)",
    "model.small": "Transformer, 4 layers, d=128",
    "model.lstm": "the article's LSTM: reads an image row by row, log-softmax head",
    "model.conv_ae": "the article's convolutional autoencoder (nn.Unflatten does the reshape)",
    "loss.nll.desc": "Negative log-likelihood of the target under the softmax.",
    "loss.cross_entropy.desc": "Cross-entropy with label smoothing (Szegedy et al. 2016).",
    "loss.focal.desc": "Focal loss: down-weights examples already predicted well (Lin et al. 2017).",
    "loss.mse.desc": "Squared error.",
    "loss.l1.desc": "Absolute error: the median instead of the mean, robust to outliers.",
    "loss.huber.desc": "Quadratic near zero, linear for large errors (Huber 1964).",
    "loss.bce.desc": "Binary cross-entropy on logits; regression targets must lie in [0, 1].",
    "loss.nll.note": "Soft targets q give -sum_c q_c log p_c. Ignores label smoothing.",
    "loss.cross_entropy.note": "Equals F.cross_entropy(label_smoothing=eps); eps = 0 gives nll.",
    "loss.focal.note": "gamma = 0 gives nll.",
    "loss.mse.note": "On logits + class ids: softmax probabilities vs the one-hot target, summed over classes (the "
                     "instructive 'MSE on probabilities' choice: bounded, so it never punishes a confident mistake as "
                     "hard as NLL). A float target always means regression.",
    "loss.l1.note": "On logits + class ids: softmax probabilities vs the one-hot target, summed over classes (the "
                    "instructive 'MSE on probabilities' choice: bounded, so it never punishes a confident mistake as "
                    "hard as NLL). A float target always means regression.",
    "loss.huber.note": "On logits + class ids: softmax probabilities vs the one-hot target, summed over classes (the "
                       "instructive 'MSE on probabilities' choice: bounded, so it never punishes a confident mistake "
                       "as hard as NLL). A float target always means regression.",
    "loss.bce.note": "On logits + class ids: one sigmoid per class vs the one-hot target, summed over classes "
                     "(one-vs-rest, no softmax). A float target always means regression.",

    # ---- metrics and charts (Train and Compare pages)
    "metric.status": "status",
    "metric.train_loss": "train loss",
    "metric.val_loss": "val loss",
    "metric.val_nll": "val NLL (nats)",
    "metric.perplexity": "perplexity",
    "metric.bits": "bits per token / dim",
    "metric.bits_token": "bits/token",
    "metric.bits_dim": "bits/dim",
    "metric.accuracy": "accuracy",
    "metric.answer_accuracy": "answer accuracy",
    "metric.val_mse": "val MSE",
    "metric.entropy_floor": "entropy floor (nats)",
    "metric.params": "parameters",
    "metric.steps": "steps done",
    "metric.seconds": "seconds",
    "metric.grad_norm": "grad norm",
    "metric.lr": "learning rate",
    "chart.smoothing": "smoothing",
    "chart.log_y": "log y",
    "chart.x_axis": "x axis",
    "chart.x.step": "step",
    "chart.x.time": "time",
    "chart.x_title.step": "step",
    "chart.x_title.time": "time (s)",
    "chart.eval_step": "eval step",
    "chart.loss": "loss",
    "chart.loss_nats": "loss (nats)",
    "chart.grad_norm": "gradient norm (before clipping)",
    "chart.lr": "learning rate",
    "chart.clip": "clip threshold",
    "chart.show_grad_lr": "gradient norm and learning rate curves",
    "chart.ref.uniform_v": "uniform guess (ln V)",
    "chart.ref.uniform_c": "uniform guess (ln C)",
    "chart.ref.entropy_floor": "entropy floor",
    "chart.ref.mean_image": "predict the mean image (MSE)",
    "recon.input": "input",
    "recon.masked": "masked",
    "recon.noisy": "masked / noisy input",
    "recon.output": "output",

    # ---- Compare page
    "compare.title": "Compare runs",
    "compare.caption": "Overlay runs' curves, see which settings differ, and put their heatmaps and "
                       "reconstructions side by side.",
    "compare.empty": "No runs yet. Train a model on the **Train** page (menu on the left), come back, and its "
                     "curves will appear here next to your other runs.",
    "compare.no_match": "No run matches these filters.",
    "compare.choose": "Choose one or more runs above to compare them.",
    "compare.status": "Status",
    "compare.any": "any",
    "compare.mine": "only my runs",
    "compare.mine_help": "runs started in this browser session",
    "compare.runs": "Runs to compare",
    "compare.choose_runs": "choose runs",
    "compare.curves": "Curves",
    "compare.curve": "curve",
    "compare.units_differ": "These runs train with different losses (or loss settings), so their loss values are "
                            "not in the same units. For a like-for-like comparison pick a curve every run measures "
                            "the same way: **val NLL** for next-token models, **accuracy** for labels.",
    "compare.table": "Final metrics and settings",
    "compare.best_caption": "Bold green: the best value where the runs are measured alike (val NLL, perplexity, "
                            "bits, accuracy; train and val loss only when every run uses the same loss).",
    "compare.only_diff": "only the settings that differ",
    "compare.second_run": "Choose a second run to see what differs.",
    "compare.side_by_side": "Side by side at one step",
    "compare.no_evals": "Heatmaps and reconstructions appear once a chosen run has had its first eval.",
    "compare.step_help": "steps at which every chosen run was evaluated (if none is shared: each run's nearest eval)",
    "compare.scale_caption": "One colour scale for every NLL heatmap here, 0 to {zmax:.2f} nats: the darker, the "
                             "harder that position was to predict.",
    "compare.at_step": "step {step}",
    "compare.nearest": " (nearest eval to step {step})",
    "compare.nll_position": "NLL per position",
    "compare.recon_title": "reconstructions",
    "compare.export": "Take a run home",
    "compare.export_caption": "Every chart above downloads as a PNG from the camera icon in its toolbar (top right "
                              "of the chart, on hover).",
    "compare.run": "run",
    "compare.csv": "Metrics (CSV)",
    "compare.json": "Config (JSON)",
    "compare.script": "Script to reproduce (.py)",
    "compare.script_help": "`python {script}` with the playground installed: the same curve for the same seed on "
                           "the same device",
    "compare.weights": "Weights (.pt)",
    "compare.weights_help": "a torch state dict: model.load_state_dict(torch.load(path))",
    "compare.no_config": "No config or script: {error}",
    "compare.no_weights": "No weights file: {why}.",
    "compare.weights_later": "they are saved when the run ends",
    "compare.weights_none": "none was saved for this run",
    "compare.manage": "Manage your runs",
    "compare.manage_empty": "Runs started in this browser session can be renamed, tagged and deleted here. "
                            "Everyone's runs can be compared, but only their own session can change them.",
    "compare.your_run": "your run",
    "compare.name": "name",
    "compare.tags": "tags, comma separated",
    "compare.save": "Save name and tags",
    "compare.sure": "yes, delete this run and its files",
    "compare.delete": "Delete run",
    "compare.delete_help": "stop it on the Train page first",
    "compare.saved": "Saved.",
    "compare.deleted": "Deleted.",
    # a run's status where it reads as a value (the run picker, the status filter)
    "run_state.queued": "queued",
    "run_state.running": "running",
    "run_state.completed": "completed",
    "run_state.stopped": "stopped",
    "run_state.diverged": "diverged",
    "run_state.failed": "failed",
    "run_state.interrupted": "interrupted",
    # ---- Loss Explorer
    "explorer.title": "Loss Explorer",
    "explorer.intro": "Move the sliders: every loss's value and gradient update at once. The values come from "
                      "the same loss functions the runs train with, the gradients from torch autograd.",
    "explorer.settings": "Loss settings",
    "explorer.label_smoothing": "label smoothing ε",
    "explorer.focal_gamma": "focal γ",
    "explorer.huber_delta": "Huber δ",
    "explorer.tab.classification": "Classification (logits)",
    "explorer.tab.regression": "Regression (one number)",
    "explorer.classes": "classes C",
    "explorer.target_class": "true class y",
    "explorer.logit": "logit z{c}",
    "explorer.probs": "softmax probabilities: {probs}",
    "explorer.col.loss": "loss",
    "explorer.col.value": "value",
    "explorer.col.grad": "∂loss/∂z{c}",
    "explorer.col.grad_pred": "∂loss/∂x",
    "explorer.values_title": "loss values",
    "explorer.grad_true_title": "gradient on the true logit, ∂loss/∂z_y",
    "explorer.cls.note": "MSE, L1 and Huber act on the softmax probabilities against the one-hot target; "
                         "BCE on one sigmoid per class.",
    "explorer.pred": "prediction x",
    "explorer.target": "target y",
    "explorer.reg.note": "BCE reads the prediction as a logit and needs a target in [0, 1]; "
                         "outside that range it is left out.",
    "explorer.curves": "Loss shapes",
    "explorer.curves.cls_loss": "loss against p_y",
    "explorer.curves.cls_grad": "gradient ∂loss/∂z_y against p_y",
    "explorer.curves.x_p": "p_y, probability of the true class",
    "explorer.curves.reg_loss": "loss against the error",
    "explorer.curves.reg_grad": "gradient ∂loss/∂x against the error",
    "explorer.curves.x_error": "error e = x − y",
    "explorer.curves.y_loss": "loss",
    "explorer.curves.y_grad": "gradient",
    "explorer.curves.cls_caption": "The dotted line marks your prediction (p_y = {p:.3f}). Three classic "
                                   "lessons. **Saturation:** near p_y = 0, a confident mistake, the gradient of MSE "
                                   "on the probabilities goes to 0 while cross-entropy's stays near −1, so only "
                                   "cross-entropy keeps correcting the mistake. **Label smoothing:** with "
                                   "ε = {eps:g} the gradient of the smoothed cross-entropy reaches 0 at "
                                   "p_y = {p_opt:.3f} (logit gap {gap}), so the logit stops growing there, while "
                                   "plain NLL's gradient stays below 0 all the way to p_y = 1. **Focal loss:** with "
                                   "γ = {gamma:g} an example already at p_y = 0.9 keeps {keep:.1%} of its NLL, so "
                                   "easy examples count for little.",
    "explorer.curves.reg_caption": "The dotted line marks your error (e = {e:.2f}). MSE's gradient grows with the "
                                   "error, so the farthest point pulls hardest; L1's is ±1 whatever the error; "
                                   "Huber's equals MSE's half-gradient up to δ = {delta:g} and stays at ±δ beyond.",
    "explorer.claim_label": "What the demo shows (checked by a test)",
    "explorer.saturation": "MSE through a softmax saturates",
    "explorer.saturation.body": "One example, three classes, the model confidently wrong: a wrong class has logit 8, "
                                "so the true class gets p_y ≈ 0.0003. Each curve takes plain gradient-descent steps "
                                "(step size 1) on the logits with one loss and tracks p_y. Plain gradient descent on "
                                "purpose: the step is the gradient itself, so a vanishing gradient shows as a flat "
                                "curve. AdamW, which the runs use, rescales small gradients (lesson 3 measures what "
                                "that changes).",
    "explorer.saturation.claim": "With cross-entropy the true class passes p_y = 0.9 within 20 steps; with MSE on the "
                                 "probabilities p_y is still below 0.01 after 200 steps.",
    "explorer.saturation.x": "gradient-descent step",
    "explorer.saturation.y": "p_y",
    "explorer.smoothing.claim": "With ε > 0 the smoothed cross-entropy is lowest at the finite logit gap "
                                "ln((1 − ε + ε/C) / (ε/C)), where p_y = 1 − ε + ε/C; plain NLL keeps falling as the "
                                "gap grows. With γ = 2, focal loss keeps 1% of the NLL of an example at p_y = 0.9 and "
                                "81% at p_y = 0.1.",
    "explorer.outliers": "Outliers: fit a line with MSE, L1 and Huber",
    "explorer.outliers.body": "Thirty points on y = 2x + 1 with a little noise. The slider pushes the points with the "
                              "largest x up by 4. Each loss fits a line (full-batch Adam on the same loss functions); "
                              "the dashed lines are the fits without outliers. *Moved by* is the largest distance "
                              "between a line and its dashed twin over x in [0, 1].",
    "explorer.outliers.count": "outliers",
    "explorer.outliers.points": "points",
    "explorer.outliers.outlier_points": "outliers",
    "explorer.outliers.fit": "{loss} fit",
    "explorer.outliers.col.slope": "slope",
    "explorer.outliers.col.intercept": "intercept",
    "explorer.outliers.col.shift": "moved by",
    "explorer.outliers.claim": "With Huber δ = 1 and 1 to 6 outliers, Huber's line moves less than MSE's and L1's "
                               "moves least. With 8, bunched at one end, even L1's line gives way: it moves by more "
                               "than 1.",
    "explorer.errors": "Your run's errors on these curves",
    "explorer.errors.body": "Pick a run: the histogram shows the errors of its last evaluation, so you can see where "
                            "its own examples sit on the curves above. It follows a running run live.",
    "explorer.errors.pick": "run",
    "explorer.errors.none": "No runs yet. Start one on the Train page or from a lesson, then come back.",
    "explorer.errors.no_evals": "This run has no evaluation yet.",
    "explorer.errors.empty": "This run's evaluation has no per-element errors to show (classification and token "
                             "reconstruction report accuracy only).",
    "explorer.errors.title_nll": "NLL per token at step {step}",
    "explorer.errors.x_nll": "NLL (nats)",
    "explorer.errors.title_pixel": "pixel error (output − input) at step {step}",
    "explorer.errors.x_pixel": "error e",
    "explorer.errors.caption_nll": "An NLL of x nats means the model gave the true token probability e^−x: read it "
                                   "as p_y on the classification curves. The median here is {median:.3f} nats "
                                   "(p_y ≈ {p:.3f}); {share:.0%} of the tokens have p_y below 0.1, where MSE would "
                                   "have sent them almost no gradient.",
    "explorer.errors.caption_pixel": "Each value is an error e on the regression curves. {share:.1%} of these "
                                     "pixels have |e| > δ = {delta:g}, where Huber turns linear; the largest |e| "
                                     "is {max:.3f}.",

    # ---- Lessons page
    "lessons.title": "Lessons",
    "lessons.intro": "A guided tour of the losses at the end of a Transformer. Each step has a short text and "
                     "buttons that open the Train page in a new tab with the run filled in and started. Every "
                     "outcome a step claims is checked by an automated test that trains that very preset on a CPU.",
    "lessons.pick": "Lesson",
    "lessons.bad_lesson": "The link asks for lesson “{value}”, which does not exist (there are lessons 1 to {n}); "
                          "showing lesson 1.",
    "lessons.step": "Step {i}: {title}",
    "lessons.claim": "What the run shows (checked by a test)",
    "lessons.open": "▶ {label}",
    "lessons.open_help": "Opens the Train page in a new tab with this run filled in, and starts it.",
    "lessons.settings": "Preset settings",
    "lessons.share": "Share this lesson",
    "lessons.share_caption": "Students who open this link see this lesson on its own, in the chosen language, "
                             "without the advanced controls.",
    "lessons.classroom": "Classroom view: lesson {n} of {total}.",

    "preset.copy": "Copy task, next token",
    "preset.markov": "Markov chain, next token",
    "preset.reverse_ce": "Reverse, cross-entropy (ε = 0)",
    "preset.reverse_ls": "Reverse, label smoothing ε = 0.2",
    "preset.recon_mse": "Reconstruction, MSE",
    "preset.recon_l1": "Reconstruction, L1",
    "preset.recon_bce": "Reconstruction, BCE",
    "preset.mae": "Masked reconstruction, half hidden",
    "preset.classify_ce": "Digits, cross-entropy",
    "preset.classify_mse": "Digits, MSE",
    "preset.lm_text": "Language model on text",
    "preset.answer_only": "Loss on the answer only",
    "preset.with_prompt": "Loss on prompt and answer",
    "preset.tagging": "Sequence labelling (tags)",
    "preset.pixels": "Image generation, pixel by pixel",
    "preset.lam_low": "λ = 0.1",
    "preset.lam_high": "λ = 0.9",
    "preset.lr_ok": "lr 0.003, clip at 1",
    "preset.lr_high": "lr 1.0, no clipping",
    "preset.lr_high_clip": "lr 1.0, clip at 1",
    "preset.out_mse": "5% outliers, MSE",
    "preset.out_huber": "5% outliers, Huber",
    "preset.out_l1": "5% outliers, L1",
    "preset.noise_clean": "Clean labels",
    "preset.noise_ce": "30% noisy labels, cross-entropy",
    "preset.noise_ls": "30% noisy labels, smoothing 0.2",

    # lesson 1
    "lesson1.title": "1 · Autoregressive models and NLL",
    "lesson1.intro": "A decoder-only Transformer reads a sequence from left to right and, at every position, "
                     "predicts a distribution over the next token. Its loss is the negative log-likelihood (NLL): "
                     "the cost, in nats, of the token that actually came next.",
    "l1.shift.title": "Next-token prediction and the shift",
    "l1.shift.body": "The model reads x[0..T−2] and is scored on x[1..T−1]: output position t predicts token t+1 "
                     "from tokens 0..t, and the causal mask keeps it from peeking ahead. The per-timestep heatmap "
                     "(Train page, tab *Per-timestep NLL*) has one row per evaluation and one column per position; "
                     "dark means many nats. On the *copy* task a random prompt is followed by a separator and the "
                     "same prompt again: the prompt can never be predicted better than a uniform guess, the copy "
                     "perfectly, once the model has learned to look back.",
    "l1.shift.claim": "After 300 steps every position's validation NLL is within 0.1 nats of its entropy floor: "
                      "about ln 8 ≈ 2.08 nats at the four predicted prompt symbols, about 0 everywhere after the "
                      "prompt (the separator, the copy and the padding).",
    "l1.floor.title": "Perplexity, bits and the entropy floor",
    "l1.floor.body": "Three ways to say one number: the NLL in nats per token; bits per token = NLL / ln 2; "
                     "perplexity = e^NLL, the number of equally likely choices the model is in effect torn "
                     "between. On average no model beats the entropy of the source. For a Markov chain that floor "
                     "is its entropy rate, H = Σ_i π_i H(P_i); the Train page draws it as a dashed line. A model "
                     "at the floor has learned all there is to learn: the rest is irreducible randomness.",
    "l1.floor.claim": "After 300 steps the validation NLL is within 0.05 nats of the chain's entropy rate (the "
                      "floor, about 1.07 nats), far below the uniform guess ln 8 ≈ 2.08 nats. The perplexity, "
                      "e^NLL, is about 2.9 and the bits per token, NLL / ln 2, about 1.55.",
    "l1.smoothing.title": "When the floor is zero: label smoothing",
    "l1.smoothing.body": "The reversed answer is fully determined by the prompt, so its floor is 0 nats and plain "
                         "cross-entropy keeps pushing the correct logit up. Label smoothing with ε mixes the one-hot "
                         "target with the uniform distribution, so the best the model can do is put 1 − ε + ε/C on "
                         "the correct symbol: the optimal logit gap becomes finite (see the Loss Explorer) and the "
                         "NLL cannot reach 0. Smoothing trades a little likelihood for calibration; it is not free.",
    "l1.smoothing.claim": "With plain cross-entropy (ε = 0) the validation NLL on the answer falls below 0.05 nats. "
                          "With label smoothing ε = 0.2 it settles within 0.02 nats of −ln(1 − ε + ε/C) ≈ 0.196 nats "
                          "(C = 9 symbols), the lowest NLL that smoothing allows.",

    # lesson 2
    "lesson2.title": "2 · Autoencoding models",
    "lesson2.intro": "An encoder sees the whole input at once (no causal mask) and either rebuilds it, perhaps from "
                     "a corrupted copy, or labels it. Rebuilding pixels is regression (MSE, L1, BCE); labelling is "
                     "classification (cross-entropy).",
    "l2.recon.title": "Reconstruction with MSE, L1 and BCE",
    "l2.recon.body": "MSE penalises the square of each pixel's error and is the maximum-likelihood loss under "
                     "Gaussian noise; L1 penalises its absolute value (Laplace noise) and aims at the median; BCE "
                     "reads each pixel intensity in [0, 1] as a probability and scores the network's logit. A "
                     "yardstick: predicting the mean training image everywhere gives the MSE a model has to beat "
                     "to have learned anything about the individual digit.",
    "l2.recon.claim": "After 100 steps all three losses reconstruct held-out digits with a pixel MSE below a tenth "
                      "of the predict-the-mean-image baseline (about 0.072).",
    "l2.masked.title": "Masked reconstruction (MAE)",
    "l2.masked.body": "Hide a fraction of the patches, ask the encoder to fill them in, and count the loss on the "
                      "hidden patches only: the visible ones could simply be copied. This is the masked autoencoder "
                      "(He et al. 2022); BERT does the same with tokens (task *masked_tokens*). It is a much harder "
                      "problem than plain reconstruction, and that is why it teaches the model about the data.",
    "l2.masked.claim": "With half of the 2×2 patches hidden, after 200 steps the error on the hidden pixels is still "
                       "within 10% of the mean-image baseline, and more than 10 times the error of plain "
                       "reconstruction after 100 steps.",
    "l2.classify.title": "Classification with cross-entropy",
    "l2.classify.body": "For one label per input the encoder adds a CLS token and a linear head with one logit per "
                        "class; the loss is the cross-entropy −log p_y of the softmax. (The source article's LSTM "
                        "baseline is on the Train page as model *lstm*.)",
    "l2.classify.claim": "After 300 steps the held-out accuracy is above 80% (chance is 10%).",

    # lesson 3
    "lesson3.title": "3 · Which loss for which task",
    "lesson3.intro": "In practice the loss follows from what the output is: a distribution over tokens, a label, "
                     "or numbers. Here is the map, and three places where the source article gets it wrong.",
    "l3.map.title": "The map",
    "l3.map.body": "| Task | What is predicted | Loss |\n"
                   "|---|---|---|\n"
                   "| Language modelling | the next token | NLL on every position |\n"
                   "| Text classification | one label per text (CLS token) | cross-entropy |\n"
                   "| Translation, prompt → answer | the answer's tokens | NLL on the answer only; prompt and "
                   "padding masked |\n"
                   "| Question answering | extractive: start and end positions; generative: the answer's tokens | "
                   "cross-entropy over positions; NLL on the answer |\n"
                   "| Summarisation | the summary's tokens | NLL on the summary only |\n"
                   "| Sequence labelling | one tag per token | cross-entropy per token, padding masked |\n"
                   "| Image generation | pixels | autoregressive: NLL per pixel (bits/dim); VAEs and diffusion: "
                   "MSE; GANs: an adversarial loss |\n\n"
                   "**GANs are not autoregressive models**, whatever the source article says: a GAN's generator "
                   "turns noise into a whole image in one pass and is trained against a discriminator, with no "
                   "likelihood and no token-by-token factorisation. The buttons open a run of each kind this "
                   "playground has: digits stand in for text classification, the reverse task for prompt → "
                   "answer, tagging for sequence labelling, digits drawn pixel by pixel for image generation.",
    "l3.mse.title": "MSE for text classification? Use cross-entropy",
    "l3.mse.body": "The source article offers MSE for text classification. There is no text-classification set "
                   "here, so 8×8 digits stand in, with the same CLS head; run both buttons and compare them on "
                   "the Compare page. Measured honestly, the picture is subtler than “MSE fails”: with AdamW, "
                   "which rescales every parameter's step, MSE on the softmax probabilities still learns to "
                   "separate the classes. What it does worse is the job a classifier's probabilities are for, "
                   "and its gradient vanishes when the model is confidently wrong: the Loss Explorer's saturation "
                   "demo shows plain gradient descent stuck where cross-entropy recovers at once. Cross-entropy "
                   "is the right default.",
    "l3.mse.claim": "Same digits run and budget (300 steps), seeds 0, 1 and 2: cross-entropy ends with a lower "
                    "held-out NLL than MSE every time, and the two accuracies stay within 10 points of each other.",
    "l3.masking.title": "Different lengths: masking, not equal lengths",
    "l3.masking.body": "The source article asks for sequences of equal length. They need not be: a batch pads the "
                       "shorter sequences and a mask removes the padding, and for prompt → answer tasks such as "
                       "translation or instruction tuning also the prompt, from the loss. Here the reverse task "
                       "asks for the prompt reversed after a separator. One run scores the answer only; the other "
                       "also scores the prompt, which is random and cannot be learned.",
    "l3.masking.claim": "Both runs answer at least 95% of the held-out prompts correctly. The run that also trains "
                        "on the prompt reports a validation NLL within 0.03 nats of its entropy floor (about 0.76 "
                        "nats: the random prompt symbols no model can predict), the answer-only run one below 0.05 "
                        "nats. The answer-only mask also leaves out the padding slot after the answer.",

    # lesson 4
    "lesson4.title": "4 · Open challenges, as experiments",
    "lesson4.intro": "The source article ends with open problems. Each one becomes an experiment here.",
    "l4.balance.title": "Balancing two losses",
    "l4.balance.body": "One model, two heads: rebuild the digit and classify it, with the loss "
                       "λ · reconstruction + (1 − λ) · cross-entropy. The two terms have different scales and pull "
                       "the shared encoder in different directions, so λ is a real trade-off, not a formality.",
    "l4.balance.claim": "Moving λ from 0.1 to 0.9 (200 steps each) lowers the reconstruction error more than "
                        "fivefold and costs more than 10 points of accuracy.",
    "l4.gradients.title": "Vanishing and exploding gradients",
    "l4.gradients.body": "The gradient-norm curve (Train page, under the loss) is the first thing to check when "
                         "training misbehaves. Gradient clipping rescales the gradient to a maximum norm before each "
                         "step; AdamW already normalises each parameter's step, so clipping mainly guards against "
                         "single spikes. A learning rate that is simply too high needs lowering. (Vanishing "
                         "gradients inside the loss itself: see MSE through a softmax in the Loss Explorer.)",
    "l4.gradients.claim": "At lr 1.0 the classifier stays near chance (accuracy below 20%) with or without clipping "
                          "the gradient norm at 1, while the run at lr 0.003 passes 60% in the same 150 steps. "
                          "Without clipping, the high-lr run's gradient norm peaks at more than twice the healthy "
                          "run's peak. The curve plots the norm before clipping, so the clipped run's curve also "
                          "rises above 1.",
    "l4.outliers.title": "Outliers: MSE, Huber, L1",
    "l4.outliers.body": "A squared error grows without limit, so a few wild targets dominate the mean and drag every "
                        "prediction toward them. Huber is quadratic near zero and linear beyond δ; L1 is linear "
                        "everywhere and aims at the median, which outliers hardly move. Here a fraction of the "
                        "training pixels is set to 4.0, and the error is measured on clean held-out images. The "
                        "Loss Explorer shows the same with a line fit.",
    "l4.outliers.claim": "With 5% of the training pixels replaced by an outlier value (4.0, far outside [0, 1]), "
                         "after 100 steps the MSE-trained model's error on clean held-out images is more than 5 "
                         "times the Huber-trained model's, and the L1-trained model's is the lowest of the three.",
    "l4.noise.title": "Noisy labels",
    "l4.noise.body": "Some training labels are wrong. A model whose training loss goes below the entropy of the "
                     "noise itself must have memorised wrong labels. Label smoothing is often recommended against "
                     "label noise; here it is measured rather than assumed, at a short budget.",
    "l4.noise.claim": "With 30% of the training labels replaced at random, after 300 steps the training loss stays "
                      "above 1.18 nats, the entropy of a noisy label given the true one, and the held-out accuracy "
                      "is within 6 points of the clean run's. Label smoothing 0.2 moves that accuracy by less than "
                      "3 points.",
    # words drawn inside charts (playground.figures.WORDS)
    "chart.word.train": "train",
    "chart.word.raw": "raw",
    "chart.word.smoothed": "smoothed",
    "chart.word.validation": "validation",
    "chart.word.val": "val",
    "chart.word.position": "position",
    "chart.word.eval_step": "eval step",
    "chart.word.grey_not_in_loss": "grey: not in the loss",
    "chart.word.in_loss": "in the loss",
    "chart.word.not_in_loss": "not in the loss",
    "chart.word.entropy_floor": "entropy floor",
    "chart.word.nll_at_step": "NLL at step {step}",
    "chart.word.nll_per_pixel": "NLL per pixel",
}

_ZH = {
    # ---- shared
    "app.language": "语言",
    "loss.nll": "NLL",
    "loss.cross_entropy": "交叉熵",
    "loss.focal": "Focal 损失",
    "loss.mse": "MSE",
    "loss.l1": "L1",
    "loss.huber": "Huber",
    "loss.bce": "BCE",

    # ---- navigation titles (app.py)
    "nav.train": "训练",
    "nav.compare": "比较",
    "nav.explorer": "损失函数探索器",
    "nav.lessons": "课程",

    # ---- Train page, its controls and run panels
    "train.title": "Transformer 损失函数实验场",
    "train.caption": "看清 Transformer 最后的损失函数在做什么：训练、观察、比较。",
    "train.paradigm": "范式",
    "train.task": "任务",
    "train.dataset": "数据集",
    "train.model": "模型",
    "train.loss": "损失函数",
    "train.loss_settings": "损失与任务设置",
    "train.training": "训练设置",
    "train.device": "设备",
    "train.start": "开始",
    "train.stop": "停止",
    "train.share": "分享与保存",
    "train.share_caption": "地址栏始终保存着当前配置。复制下面的链接（点右侧的图标）即可分享；带 `autostart=1` 时，"
                           "打开链接就会开始训练。",
    "train.save_config": "保存配置（JSON）",
    "train.load_config": "载入配置（JSON）",
    "train.config_file_error": "配置文件：{error}",
    "train.link_warning": "链接：{warning}",
    "train.not_found": "训练 {run}：在这台服务器上找不到（可能已被删除）。",
    "train.welcome": "**使用方法。** 在左侧选择范式、任务、数据集和损失函数，然后点 **开始**。训练在后台进行；损失曲线、"
                     "逐时间步 NLL 热力图和重建结果大约每秒在这里刷新一次，其间你可以继续修改设置，或者再启动一次训练。"
                     "默认配置会在逐像素读取的 8x8 手写数字上训练一个很小的因果 Transformer：在笔记本电脑的 CPU 上"
                     "大约需要 20 秒。",
    "train.upload": "你自己的文本（UTF-8，可选）",
    "train.upload_too_big": "文本文件：{size} 字节，超过了 {limit} 字节的上限；改用内置语料",
    "train.on_class_labels": "用于类别标签时：{note}",
    "train.tab.loss": "损失曲线",
    "train.tab.nll": "逐时间步 NLL",
    "train.tab.recon": "重建结果",
    "train.tab.samples": "采样",
    "train.status.queued": "等待空闲的训练器",
    "train.status.running": "训练中",
    "train.status.completed": "已完成",
    "train.status.stopped": "已停止",
    "train.status.diverged": "已发散",
    "train.status.failed": "失败",
    "train.status.interrupted": "被中断",
    "train.progress.queued": "{words}：排在队列第 {place} 位。",
    "train.progress.running": "{words}：第 {step} / {steps} 步 · 每秒 {speed} 步",
    "train.progress.eta": " · 约剩 {eta} 秒",
    "train.progress.completed": "{words}：共 {steps} 步，用时 {seconds} 秒。",
    "train.progress.other": "{words}。{explain}",
    "train.progress.reason": "原因：{reason}",
    "train.explain.diverged": "损失不再是有限数值，训练已被中止。通常是步长太大：调低学习率，或把梯度裁剪设为大于 0。",
    "train.explain.failed": "训练开始前或训练过程中出了问题；下面的信息说明了原因。",
    "train.explain.interrupted": "这次训练进行时服务器停止了；下面显示的是截至那时保存下来的内容。",
    "train.nll.wait": "第一次评估之后会显示逐时间步 NLL。",
    "train.nll.caption": "每一行是一次评估，每一列是一个位置。颜色越深，预测该 token 所需的 nats 越多。先学会的位置先变浅。",
    "train.nll.pixels": "最近一次评估的逐像素 NLL：模型在图像的哪些地方还没有把握。",
    "train.nll.text": "一段留出文本，每个字符按其 NLL 着色（固定色标，0 到 {vmax} nats）。",
    "train.recon.wait": "第一次评估之后会显示重建结果。",
    "train.samples.wait": "第一次评估之后会显示采样结果（28x28 图像在训练结束时显示）。",
    "train.samples.caption": "第 {step} 步时从模型中采样得到。",
    "train.samples.title": "逐像素生成",

    "field.steps": "训练步数",
    "field.batch_size": "批大小",
    "field.lr": "学习率",
    "field.seed": "随机种子",
    "field.grad_clip": "梯度裁剪阈值",
    "field.eval_every": "评估间隔（步）",
    "field.threads": "线程数",
    "field.label_smoothing": "标签平滑 ε",
    "field.focal_gamma": "Focal γ",
    "field.huber_delta": "Huber δ",
    "field.z_loss": "z-loss 权重",
    "field.lam": "重建损失权重 λ",
    "field.mask_ratio": "掩码比例",
    "field.noise_std": "噪声标准差",
    "field.loss_on_prompt": "提示部分也计算损失",
    "field.label_noise": "标签噪声比例",
    "field.outlier_frac": "离群点比例",
    "field.levels": "灰度级数",
    "field.seq_len": "序列长度",
    "field.vocab_size": "词表大小",
    "help.steps": "优化器更新的步数",
    "help.batch_size": "每步的样本数",
    "help.lr": "峰值学习率（AdamW，先预热再余弦衰减）",
    "help.seed": "种子相同，训练结果就相同",
    "help.grad_clip": "梯度范数的上限；0 表示不裁剪",
    "help.label_smoothing": "均匀分摊到所有类别上的概率质量",
    "help.focal_gamma": "取 0 时就是普通的 NLL",
    "help.huber_delta": "损失从二次变为线性的分界点",
    "help.z_loss": "对 logsumexp(logits)^2 的惩罚（PaLM）",
    "help.lam": "重建损失的权重；分类损失的权重为 1 - lam",
    "help.mask_ratio": "被遮住的图块 / token 所占的比例",
    "help.noise_std": "加在 [0, 1] 范围像素上的高斯噪声",
    "help.loss_on_prompt": "在提示 token 上也训练（掩码那一课）",
    "help.label_noise": "被随机替换的训练标签所占的比例",
    "help.outlier_frac": "被设为离群值的训练目标像素所占的比例",
    "help.levels": "把图像当作 token 序列读取时，每个像素的灰度级数",
    "help.seq_len": "每个序列的 token 数",
    "help.vocab_size": "合成数据的符号个数",
    "help.threads": "这次训练使用的 torch CPU 线程数",

    "paradigm.autoregressive.name": "自回归",
    "paradigm.autoencoding.name": "自编码",
    "paradigm.autoregressive": "解码器只能看到过去，预测下一个 token；用 NLL 训练，即每个真实的下一个 token 以 nats "
                               "计的代价。",
    "paradigm.autoencoding": "编码器看到完整的（可能被破坏过的）输入，重建它或给它打标签；在像素上用 MSE / L1 / BCE "
                             "训练，在 token 上用交叉熵训练。",
    "task.next_token": "根据前面的 token 预测每一个 token（文本、合成数据，或当作像素序列的图像）",
    "task.prompt_answer": "在分隔符之后给出答案；除非开启 loss_on_prompt，损失只计算答案部分",
    "task.reconstruction": "图像 -> 潜在表示 -> 图像",
    "task.masked_reconstruction": "MAE：遮住一部分图块，只在被遮住的图块上计算损失",
    "task.denoising": "给输入加上高斯噪声，重建干净的图像",
    "task.masked_tokens": "BERT：遮住一部分 token，只在被遮住的 token 上计算损失",
    "task.classification": "由 CLS token（或原文的 LSTM）为每张图像给出一个标签",
    "task.sequence_labelling": "为每个 token 打一个标签",
    "task.recon_classification": "lam * 重建损失 + (1 - lam) * 交叉熵：平衡两个损失",
    "dataset.digits": "scikit-learn 自带的 8x8 手写数字（1797 张，无需联网）",
    "dataset.mnist": "28x28 手写数字（7 万张；首次使用时下载一次，或从 data_dir 读取）",
    "dataset.fashion_mnist": "28x28 服装图像，10 个类别（7 万张；获取方式同 mnist）",
    "dataset.text": "Python pydoc 主题文档中的字符，或你自己的 UTF-8 文件",
    "dataset.copy": "随机前缀、SEP，再重复一遍前缀；复制部分的熵下限为 0",
    "dataset.markov": "一阶马尔可夫链；下限就是它的熵率",
    "dataset.reverse": "提示、SEP，再把提示倒过来写；只在答案上计算损失",
    "dataset.tagging": "给每个 token 打上标签 (x[t] + x[t-1]) mod K",
    "model.nano": "Transformer，1 层，d=32（最快）",
    "model.tiny": "Transformer，2 层，d=64（默认）",
    "model.small": "Transformer，4 层，d=128",
    "model.lstm": "原文中的 LSTM：逐行读取图像，log-softmax 输出头",
    "model.conv_ae": "原文中的卷积自编码器（用 nn.Unflatten 完成形状变换）",
    "loss.nll.desc": "目标在 softmax 分布下的负对数似然。",
    "loss.cross_entropy.desc": "带标签平滑的交叉熵（Szegedy 等，2016）。",
    "loss.focal.desc": "Focal 损失：降低已经预测得很好的样本的权重（Lin 等，2017）。",
    "loss.mse.desc": "平方误差。",
    "loss.l1.desc": "绝对误差：目标是中位数而不是均值，对离群点稳健。",
    "loss.huber.desc": "在零附近是二次的，误差大时是线性的（Huber，1964）。",
    "loss.bce.desc": "作用在 logits 上的二元交叉熵；回归目标必须在 [0, 1] 内。",
    "loss.nll.note": "软目标 q 对应 -sum_c q_c log p_c。不使用标签平滑。",
    "loss.cross_entropy.note": "等于 F.cross_entropy(label_smoothing=eps)；eps = 0 时就是 nll。",
    "loss.focal.note": "gamma = 0 时就是 nll。",
    "loss.mse.note": "输入为 logits 和类别编号时：比较 softmax 概率与 one-hot 目标，并对所有类别求和（这是很有教学意义的"
                     "“在概率上算 MSE”：它有上界，所以对自信的错误的惩罚永远没有 NLL 那么重）。浮点数目标总是表示回归。",
    "loss.l1.note": "输入为 logits 和类别编号时：比较 softmax 概率与 one-hot 目标，并对所有类别求和（这是很有教学意义的"
                    "“在概率上算 MSE”：它有上界，所以对自信的错误的惩罚永远没有 NLL 那么重）。浮点数目标总是表示回归。",
    "loss.huber.note": "输入为 logits 和类别编号时：比较 softmax 概率与 one-hot 目标，并对所有类别求和（这是很有教学意义"
                       "的“在概率上算 MSE”：它有上界，所以对自信的错误的惩罚永远没有 NLL 那么重）。浮点数目标总是表示回归。",
    "loss.bce.note": "输入为 logits 和类别编号时：每个类别一个 sigmoid，与 one-hot 目标比较，并对所有类别求和（一对多，"
                     "不经过 softmax）。浮点数目标总是表示回归。",

    # ---- metrics and charts
    "metric.status": "状态",
    "metric.train_loss": "训练损失",
    "metric.val_loss": "验证损失",
    "metric.val_nll": "验证 NLL（nats）",
    "metric.perplexity": "困惑度",
    "metric.bits": "每 token / 每维比特数",
    "metric.bits_token": "比特 / token",
    "metric.bits_dim": "比特 / 维",
    "metric.accuracy": "准确率",
    "metric.answer_accuracy": "答案准确率",
    "metric.val_mse": "验证 MSE",
    "metric.entropy_floor": "熵下限（nats）",
    "metric.params": "参数量",
    "metric.steps": "已完成步数",
    "metric.seconds": "用时（秒）",
    "metric.grad_norm": "梯度范数",
    "metric.lr": "学习率",
    "chart.smoothing": "平滑",
    "chart.log_y": "对数纵轴",
    "chart.x_axis": "横轴",
    "chart.x.step": "步数",
    "chart.x.time": "时间",
    "chart.x_title.step": "步数",
    "chart.x_title.time": "时间（秒）",
    "chart.eval_step": "评估步",
    "chart.loss": "损失",
    "chart.loss_nats": "损失（nats）",
    "chart.grad_norm": "梯度范数（裁剪前）",
    "chart.lr": "学习率",
    "chart.clip": "裁剪阈值",
    "chart.show_grad_lr": "梯度范数与学习率曲线",
    "chart.ref.uniform_v": "均匀猜测（ln V）",
    "chart.ref.uniform_c": "均匀猜测（ln C）",
    "chart.ref.entropy_floor": "熵下限",
    "chart.ref.mean_image": "预测平均图像（MSE）",
    "recon.input": "输入",
    "recon.masked": "被遮住的输入",
    "recon.noisy": "遮挡 / 加噪后的输入",
    "recon.output": "输出",

    # ---- Compare page
    "compare.title": "比较训练",
    "compare.caption": "叠加多次训练的曲线，查看哪些设置不同，并把它们的热力图和重建结果并排对比。",
    "compare.empty": "还没有训练记录。先在 **训练** 页（左侧菜单）训练一个模型，再回到这里，它的曲线就会和你的其他训练"
                     "一起显示在这里。",
    "compare.no_match": "没有符合这些筛选条件的训练。",
    "compare.choose": "在上面选择一次或多次训练来比较。",
    "compare.status": "状态",
    "compare.any": "全部",
    "compare.mine": "只看我的训练",
    "compare.mine_help": "在这个浏览器会话中启动的训练",
    "compare.runs": "要比较的训练",
    "compare.choose_runs": "选择训练",
    "compare.curves": "曲线",
    "compare.curve": "曲线",
    "compare.units_differ": "这些训练使用了不同的损失函数（或不同的损失设置），它们的损失值单位不同。要做同类比较，请选"
                            "一条每次训练都以同样方式度量的曲线：预测下一个 token 的模型看 **验证 NLL**，标签任务看 "
                            "**准确率**。",
    "compare.table": "最终指标与设置",
    "compare.best_caption": "绿色粗体：在度量方式相同的指标中最好的值（验证 NLL、困惑度、比特数、准确率；只有所有训练都"
                            "使用同一个损失函数时，才比较训练损失和验证损失）。",
    "compare.only_diff": "只显示不同的设置",
    "compare.second_run": "再选一次训练，就能看到哪些设置不同。",
    "compare.side_by_side": "同一步的并排对比",
    "compare.no_evals": "所选训练完成第一次评估之后，这里会显示热力图和重建结果。",
    "compare.step_help": "所有所选训练都做过评估的步数（如果没有共同的步数：取每次训练最近的一次评估）",
    "compare.scale_caption": "这里所有的 NLL 热力图共用一个色标，0 到 {zmax:.2f} nats：颜色越深，该位置越难预测。",
    "compare.at_step": "第 {step} 步",
    "compare.nearest": "（离第 {step} 步最近的评估）",
    "compare.nll_position": "逐位置 NLL",
    "compare.recon_title": "重建结果",
    "compare.export": "导出训练",
    "compare.export_caption": "上面的每张图都可以点工具栏里的相机图标下载为 PNG（鼠标悬停时出现在图的右上角）。",
    "compare.run": "训练",
    "compare.csv": "指标（CSV）",
    "compare.json": "配置（JSON）",
    "compare.script": "复现脚本（.py）",
    "compare.script_help": "安装 playground 后运行 `python {script}`：同样的种子、同样的设备，得到同样的曲线",
    "compare.weights": "权重（.pt）",
    "compare.weights_help": "一个 torch state dict：model.load_state_dict(torch.load(path))",
    "compare.no_config": "没有配置或脚本：{error}",
    "compare.no_weights": "没有权重文件：{why}。",
    "compare.weights_later": "权重在训练结束时保存",
    "compare.weights_none": "这次训练没有保存权重",
    "compare.manage": "管理你的训练",
    "compare.manage_empty": "在这个浏览器会话中启动的训练可以在这里重命名、加标签和删除。所有人的训练都可以比较，但只有"
                            "启动它的会话才能修改。",
    "compare.your_run": "你的训练",
    "compare.name": "名称",
    "compare.tags": "标签，用逗号分隔",
    "compare.save": "保存名称和标签",
    "compare.sure": "确定删除这次训练及其文件",
    "compare.delete": "删除训练",
    "compare.delete_help": "请先在训练页停止它",
    "compare.saved": "已保存。",
    "compare.deleted": "已删除。",
    "run_state.queued": "排队中",
    "run_state.running": "训练中",
    "run_state.completed": "已完成",
    "run_state.stopped": "已停止",
    "run_state.diverged": "已发散",
    "run_state.failed": "失败",
    "run_state.interrupted": "被中断",
    # ---- Loss Explorer
    "explorer.title": "损失函数探索器",
    "explorer.intro": "拖动滑块，每个损失函数的值和梯度都会立即更新。数值来自训练时所用的同一套损失函数，"
                      "梯度由 torch 自动求导得到。",
    "explorer.settings": "损失函数设置",
    "explorer.label_smoothing": "标签平滑 ε",
    "explorer.focal_gamma": "Focal γ",
    "explorer.huber_delta": "Huber δ",
    "explorer.tab.classification": "分类（logits）",
    "explorer.tab.regression": "回归（一个数）",
    "explorer.classes": "类别数 C",
    "explorer.target_class": "真实类别 y",
    "explorer.logit": "logit z{c}",
    "explorer.probs": "softmax 概率：{probs}",
    "explorer.col.loss": "损失函数",
    "explorer.col.value": "值",
    "explorer.col.grad": "∂损失/∂z{c}",
    "explorer.col.grad_pred": "∂损失/∂x",
    "explorer.values_title": "损失值",
    "explorer.grad_true_title": "真实类别 logit 上的梯度 ∂损失/∂z_y",
    "explorer.cls.note": "MSE、L1 和 Huber 作用在 softmax 概率与 one-hot 目标之间；BCE 对每个类别各用一个 sigmoid。",
    "explorer.pred": "预测值 x",
    "explorer.target": "目标值 y",
    "explorer.reg.note": "BCE 把预测值当作 logit，目标值须在 [0, 1] 内；超出这个范围时不显示 BCE。",
    "explorer.curves": "损失函数的形状",
    "explorer.curves.cls_loss": "损失随 p_y 的变化",
    "explorer.curves.cls_grad": "梯度 ∂损失/∂z_y 随 p_y 的变化",
    "explorer.curves.x_p": "p_y：真实类别的概率",
    "explorer.curves.reg_loss": "损失随误差的变化",
    "explorer.curves.reg_grad": "梯度 ∂损失/∂x 随误差的变化",
    "explorer.curves.x_error": "误差 e = x − y",
    "explorer.curves.y_loss": "损失",
    "explorer.curves.y_grad": "梯度",
    "explorer.curves.cls_caption": "虚线标出你当前的预测（p_y = {p:.3f}）。三个经典结论。**饱和：** 在 p_y 接近 0 "
                                   "处（自信地犯错），概率上的 MSE 的梯度趋于 0，而交叉熵的梯度保持在 −1 附近，所以只有"
                                   "交叉熵会继续纠正这个错误。**标签平滑：** ε = {eps:g} 时，平滑交叉熵的梯度在 "
                                   "p_y = {p_opt:.3f}（logit 差 {gap}）处降为 0，logit 到这里就不再增长；而普通 NLL "
                                   "的梯度一直小于 0，直到 p_y = 1。**Focal 损失：** γ = {gamma:g} 时，一个已经达到 "
                                   "p_y = 0.9 的样本只保留其 NLL 的 {keep:.1%}，容易的样本几乎不再起作用。",
    "explorer.curves.reg_caption": "虚线标出你当前的误差（e = {e:.2f}）。MSE 的梯度随误差增大，所以离得最远的点拉力"
                                   "最大；L1 的梯度无论误差多大都是 ±1；Huber 在 δ = {delta:g} 以内等于 MSE 梯度的"
                                   "一半，超出后保持为 ±δ。",
    "explorer.claim_label": "演示的结果（已由测试验证）",
    "explorer.saturation": "经过 softmax 的 MSE 会饱和",
    "explorer.saturation.body": "一个样本、三个类别，模型自信地犯了错：某个错误类别的 logit 为 8，真实类别只得到 "
                                "p_y ≈ 0.0003。每条曲线用一种损失函数对 logits 做普通梯度下降（步长 1），并记录 p_y。"
                                "特意用普通梯度下降：每一步就是梯度本身，梯度消失就表现为一条平线。训练时用的 AdamW "
                                "会把小梯度放大（第 3 课测量了这带来的差别）。",
    "explorer.saturation.claim": "用交叉熵时，真实类别在 20 步之内超过 p_y = 0.9；用概率上的 MSE 时，200 步之后 "
                                 "p_y 仍低于 0.01。",
    "explorer.saturation.x": "梯度下降步数",
    "explorer.saturation.y": "p_y",
    "explorer.smoothing.claim": "ε > 0 时，平滑交叉熵在有限的 logit 差 ln((1 − ε + ε/C) / (ε/C)) 处最小，此时 "
                                "p_y = 1 − ε + ε/C；普通 NLL 则随 logit 差增大而一直下降。γ = 2 时，Focal 损失对 "
                                "p_y = 0.9 的样本只保留 NLL 的 1%，对 p_y = 0.1 的样本保留 81%。",
    "explorer.outliers": "离群点：用 MSE、L1 和 Huber 拟合直线",
    "explorer.outliers.body": "三十个点分布在 y = 2x + 1 附近，带少量噪声。滑块把 x 最大的那些点向上推高 4。每种损失"
                              "函数各拟合一条直线（用同一套损失函数做全批量 Adam）；虚线是没有离群点时的拟合结果。"
                              "“偏移”是在 x ∈ [0, 1] 上直线与对应虚线之间的最大距离。",
    "explorer.outliers.count": "离群点个数",
    "explorer.outliers.points": "数据点",
    "explorer.outliers.outlier_points": "离群点",
    "explorer.outliers.fit": "{loss} 拟合",
    "explorer.outliers.col.slope": "斜率",
    "explorer.outliers.col.intercept": "截距",
    "explorer.outliers.col.shift": "偏移",
    "explorer.outliers.claim": "Huber δ = 1、有 1 到 6 个离群点时，Huber 的直线偏移小于 MSE 的，L1 的偏移最小。有 8 个并且都挤在"
                               "一端时，连 L1 的直线也守不住：偏移超过 1。",
    "explorer.errors": "你的训练在这些曲线上的位置",
    "explorer.errors.body": "选择一次训练：直方图显示它最近一次评估的误差，让你看到它自己的样本落在上面曲线的哪里。"
                            "训练进行中时会实时更新。",
    "explorer.errors.pick": "训练",
    "explorer.errors.none": "还没有训练记录。先在训练页或某一课中启动一次训练，再回到这里。",
    "explorer.errors.no_evals": "这次训练还没有评估结果。",
    "explorer.errors.empty": "这次训练的评估没有逐元素的误差可显示（分类和 token 重建只报告准确率）。",
    "explorer.errors.title_nll": "第 {step} 步时每个 token 的 NLL",
    "explorer.errors.x_nll": "NLL（nats）",
    "explorer.errors.title_pixel": "第 {step} 步时的像素误差（输出 − 输入）",
    "explorer.errors.x_pixel": "误差 e",
    "explorer.errors.caption_nll": "NLL 为 x nats，表示模型给真实 token 的概率是 e^−x：在分类曲线上把它读作 p_y。"
                                   "这里的中位数是 {median:.3f} nats（p_y ≈ {p:.3f}）；{share:.0%} 的 token 的 p_y "
                                   "低于 0.1，在这一区域 MSE 几乎给不出梯度。",
    "explorer.errors.caption_pixel": "每个值都是回归曲线上的一个误差 e。其中 {share:.1%} 的像素满足 |e| > δ = "
                                     "{delta:g}，Huber 在这里变为线性；最大的 |e| 为 {max:.3f}。",

    # ---- Lessons page
    "lessons.title": "课程",
    "lessons.intro": "带你逐步了解 Transformer 末端的损失函数。每一步有一段简短说明，以及若干按钮：点击后会在新标签页"
                     "打开训练页，填好配置并开始训练。每一步所声称的结果，都由自动化测试在 CPU 上用完全相同的预设训练"
                     "验证过。",
    "lessons.pick": "课程",
    "lessons.bad_lesson": "链接请求的课程“{value}”不存在（共有第 1 到第 {n} 课）；现在显示第 1 课。",
    "lessons.step": "第 {i} 步：{title}",
    "lessons.claim": "训练的结果（已由测试验证）",
    "lessons.open": "▶ {label}",
    "lessons.open_help": "在新标签页打开训练页，填好这次训练的配置并开始训练。",
    "lessons.settings": "预设配置",
    "lessons.share": "分享这一课",
    "lessons.share_caption": "学生打开这个链接后，只会看到这一课，使用所选语言，并且不显示高级控件。",
    "lessons.classroom": "课堂模式：第 {n} 课，共 {total} 课。",

    "preset.copy": "复制任务，预测下一个 token",
    "preset.markov": "马尔可夫链，预测下一个 token",
    "preset.reverse_ce": "倒序任务，交叉熵（ε = 0）",
    "preset.reverse_ls": "倒序任务，标签平滑 ε = 0.2",
    "preset.recon_mse": "重建，MSE",
    "preset.recon_l1": "重建，L1",
    "preset.recon_bce": "重建，BCE",
    "preset.mae": "掩码重建，遮住一半",
    "preset.classify_ce": "手写数字，交叉熵",
    "preset.classify_mse": "手写数字，MSE",
    "preset.lm_text": "文本上的语言模型",
    "preset.answer_only": "只在答案上计算损失",
    "preset.with_prompt": "在提示和答案上都计算损失",
    "preset.tagging": "序列标注（标签）",
    "preset.pixels": "图像生成，逐像素",
    "preset.lam_low": "λ = 0.1",
    "preset.lam_high": "λ = 0.9",
    "preset.lr_ok": "学习率 0.003，裁剪到 1",
    "preset.lr_high": "学习率 1.0，不裁剪",
    "preset.lr_high_clip": "学习率 1.0，裁剪到 1",
    "preset.out_mse": "5% 离群点，MSE",
    "preset.out_huber": "5% 离群点，Huber",
    "preset.out_l1": "5% 离群点，L1",
    "preset.noise_clean": "干净标签",
    "preset.noise_ce": "30% 噪声标签，交叉熵",
    "preset.noise_ls": "30% 噪声标签，平滑 0.2",

    # lesson 1
    "lesson1.title": "1 · 自回归模型与 NLL",
    "lesson1.intro": "仅解码器的 Transformer 从左到右读一个序列，并在每个位置预测下一个 token 的概率分布。它的损失是"
                     "负对数似然（NLL）：实际出现的下一个 token 的代价，单位是 nats。",
    "l1.shift.title": "预测下一个 token 与错位",
    "l1.shift.body": "模型读入 x[0..T−2]，在 x[1..T−1] 上计分：输出位置 t 根据第 0..t 个 token 预测第 t+1 个，因果"
                     "掩码保证它看不到后面的内容。逐时间步热力图（训练页的“逐时间步 NLL”标签页）每一行是一次评估，"
                     "每一列是一个位置；颜色越深，nats 越多。在*复制*任务中，一段随机提示之后是分隔符，然后把同一段"
                     "提示再写一遍：提示部分永远无法比均匀猜测更好，而一旦模型学会回头看，复制部分就能完美预测。",
    "l1.shift.claim": "训练 300 步后，每个位置的验证 NLL 与其熵下限相差都不超过 0.1 nats：在需要预测的四个提示符号上"
                      "约为 ln 8 ≈ 2.08 nats，在提示之后的所有位置（分隔符、复制部分和填充）上约为 0。",
    "l1.floor.title": "困惑度、比特与熵下限",
    "l1.floor.body": "同一个数的三种说法：以每 token nats 计的 NLL；每 token 比特数 = NLL / ln 2；困惑度 = e^NLL，"
                     "即模型实际上在多少个等可能的选项之间犹豫。平均而言，没有模型能低于数据源的熵。对马尔可夫链，这个"
                     "下限就是它的熵率 H = Σ_i π_i H(P_i)；训练页把它画成一条虚线。到达下限的模型已经学会了能学的一切，"
                     "剩下的是不可约的随机性。",
    "l1.floor.claim": "训练 300 步后，验证 NLL 与马尔可夫链的熵率（下限，约 1.07 nats）相差不超过 0.05 nats，远低于"
                      "均匀猜测的 ln 8 ≈ 2.08 nats。困惑度 e^NLL 约为 2.9，每 token 比特数 NLL / ln 2 约为 1.55。",
    "l1.smoothing.title": "下限为零时：标签平滑",
    "l1.smoothing.body": "倒序后的答案完全由提示决定，所以下限是 0 nats，普通交叉熵会一直把正确的 logit 往上推。"
                         "参数为 ε 的标签平滑把 one-hot 目标与均匀分布混合，于是模型最好也只能给正确符号 1 − ε + ε/C "
                         "的概率：最优 logit 差变为有限值（见损失函数探索器），NLL 无法降到 0。平滑用一点似然换取"
                         "校准，并非没有代价。",
    "l1.smoothing.claim": "用普通交叉熵（ε = 0）时，答案上的验证 NLL 降到 0.05 nats 以下。用 ε = 0.2 的标签平滑时，"
                          "它停在 −ln(1 − ε + ε/C) ≈ 0.196 nats（C = 9 个符号）附近 0.02 nats 以内，这是平滑所允许"
                          "的最低 NLL。",

    # lesson 2
    "lesson2.title": "2 · 自编码模型",
    "lesson2.intro": "编码器一次看到整个输入（没有因果掩码），然后重建它（输入可能被破坏过），或者给它打标签。重建像素"
                     "是回归（MSE、L1、BCE）；打标签是分类（交叉熵）。",
    "l2.recon.title": "用 MSE、L1 和 BCE 重建",
    "l2.recon.body": "MSE 惩罚每个像素误差的平方，是高斯噪声假设下的最大似然损失；L1 惩罚误差的绝对值（拉普拉斯噪声），"
                     "目标是中位数；BCE 把 [0, 1] 内的像素强度当作概率，为网络输出的 logit 打分。一个参照：处处预测"
                     "训练集的平均图像，得到的 MSE 就是模型必须超越的基准，否则它对具体的数字一无所知。",
    "l2.recon.claim": "训练 100 步后，三种损失函数在验证集数字上的像素 MSE 都低于“预测平均图像”基准（约 0.072）的十分"
                      "之一。",
    "l2.masked.title": "掩码重建（MAE）",
    "l2.masked.body": "遮住一部分图块，让编码器把它们补出来，并且只在被遮住的图块上计算损失：可见的部分直接复制就行了。"
                      "这就是掩码自编码器（He 等，2022）；BERT 对 token 做同样的事（任务 *masked_tokens*）。这比普通"
                      "重建难得多，也正因如此，它能让模型学到数据的规律。",
    "l2.masked.claim": "遮住一半 2×2 图块时，训练 200 步后，被遮住像素上的误差仍与平均图像基准相差不到 10%，并且是普通"
                       "重建训练 100 步后误差的 10 倍以上。",
    "l2.classify.title": "用交叉熵做分类",
    "l2.classify.body": "每个输入一个标签时，编码器加上一个 CLS token 和一个线性头，每个类别一个 logit；损失是 softmax "
                        "的交叉熵 −log p_y。（原文的 LSTM 基线在训练页中，模型名为 *lstm*。）",
    "l2.classify.claim": "训练 300 步后，验证集准确率高于 80%（随机猜测为 10%）。",

    # lesson 3
    "lesson3.title": "3 · 什么任务用什么损失",
    "lesson3.intro": "实践中，损失函数由输出是什么决定：token 上的分布、一个标签，还是一组数值。下面是对照表，以及原文"
                     "说错的三个地方。",
    "l3.map.title": "对照表",
    "l3.map.body": "| 任务 | 预测什么 | 损失 |\n"
                   "|---|---|---|\n"
                   "| 语言建模 | 下一个 token | 每个位置上的 NLL |\n"
                   "| 文本分类 | 每段文本一个标签（CLS token） | 交叉熵 |\n"
                   "| 翻译、提示 → 答案 | 答案的 token | 只在答案上计算 NLL；提示和填充被掩码 |\n"
                   "| 问答 | 抽取式：起止位置；生成式：答案的 token | 位置上的交叉熵；答案上的 NLL |\n"
                   "| 摘要 | 摘要的 token | 只在摘要上计算 NLL |\n"
                   "| 序列标注 | 每个 token 一个标签 | 逐 token 交叉熵，填充被掩码 |\n"
                   "| 图像生成 | 像素 | 自回归：逐像素 NLL（bits/dim）；VAE 和扩散模型：MSE；GAN：对抗损失 |\n\n"
                   "**GAN 不是自回归模型**，不管原文怎么说：GAN 的生成器一次就把噪声变成整张图像，并与判别器对抗"
                   "训练，既没有似然，也没有逐 token 的分解。按钮会打开本实验场中每类任务的一次训练：手写数字代替"
                   "文本分类，倒序任务代替提示 → 答案，tagging 数据集代替序列标注，逐像素生成数字代替图像生成。",
    "l3.mse.title": "文本分类用 MSE？请用交叉熵",
    "l3.mse.body": "原文建议文本分类可以用 MSE。这里没有文本分类数据集，所以用 8×8 手写数字代替，分类头同样是 CLS；"
                   "两个按钮都运行一遍，再到比较页对比。老实说，实测结果比“MSE 不行”更微妙：AdamW 会按参数缩放每一步，"
                   "因此 softmax 概率上的 MSE 仍然能学会区分类别。它做得更差的是分类器概率本该承担的工作；而且在模型"
                   "自信地犯错时，它的梯度会消失：损失函数探索器中的饱和演示显示，普通梯度下降在这里停滞不前，而交叉熵"
                   "立刻就能纠正。交叉熵才是正确的默认选择。",
    "l3.mse.claim": "同样的手写数字训练、同样的预算（300 步），种子 0、1、2：交叉熵每次的验证 NLL 都低于 MSE，而两者"
                    "的准确率相差都在 10 个百分点以内。",
    "l3.masking.title": "长度不同：靠掩码，而不是等长",
    "l3.masking.body": "原文要求序列长度相同。其实不必：一个批次会把较短的序列填充补齐，再用掩码把填充部分从损失中去掉；"
                       "对翻译或指令微调这类提示 → 答案任务，提示部分也一并去掉。这里的倒序任务要求在分隔符之后把提示"
                       "倒过来写。一次训练只在答案上计分；另一次也在提示上计分，而提示是随机的，无法学会。",
    "l3.masking.claim": "两次训练都能正确回答至少 95% 的验证集提示。也在提示上训练的那次，验证 NLL 与其熵下限（约 0.76 "
                        "nats：任何模型都无法预测的随机提示符号）相差不超过 0.03 nats；只在答案上训练的那次低于 0.05 "
                        "nats。只看答案的掩码同时也排除了答案之后的填充位置。",

    # lesson 4
    "lesson4.title": "4 · 开放问题，变成实验",
    "lesson4.intro": "原文最后列出了若干开放问题。在这里，每一个都变成一个实验。",
    "l4.balance.title": "平衡两个损失",
    "l4.balance.body": "一个模型，两个输出头：重建数字并给它分类，损失为 λ · 重建损失 + (1 − λ) · 交叉熵。两项的量级"
                       "不同，又把共享的编码器往不同方向拉，所以 λ 是真正的取舍，而不是走个形式。",
    "l4.balance.claim": "把 λ 从 0.1 调到 0.9（各训练 200 步），重建误差降低到五分之一以下，准确率下降超过 10 个百分点。",
    "l4.gradients.title": "梯度消失与梯度爆炸",
    "l4.gradients.body": "训练出问题时，首先看梯度范数曲线（训练页，损失曲线下方）。梯度裁剪在每一步之前把梯度缩放到不超过"
                         "某个范数；AdamW 本来就会归一化每个参数的步长，所以裁剪主要防范个别的尖峰。学习率本身太高时，"
                         "需要的是把它调低。（损失函数内部的梯度消失：见损失函数探索器中经过 softmax 的 MSE。）",
    "l4.gradients.claim": "学习率为 1.0 时，无论是否把梯度范数裁剪到 1，分类器都停留在随机水平附近（准确率低于 20%），"
                          "而学习率 0.003 的训练在同样的 150 步内超过 60%。不裁剪时，高学习率训练的梯度范数峰值是正常"
                          "训练峰值的两倍以上。曲线画的是裁剪之前的范数，所以裁剪过的训练曲线同样会超过 1。",
    "l4.outliers.title": "离群点：MSE、Huber、L1",
    "l4.outliers.body": "平方误差会无限增长，所以少数离谱的目标值就能主导均值，把所有预测都拉过去。Huber 在零附近是二次"
                        "的，超过 δ 后是线性的；L1 处处是线性的，目标是中位数，而离群点几乎移动不了中位数。这里把一部分"
                        "训练像素设为 4.0，并在干净的验证图像上测量误差。损失函数探索器用直线拟合展示了同样的现象。",
    "l4.outliers.claim": "把 5% 的训练像素换成离群值（4.0，远在 [0, 1] 之外）后，训练 100 步，用 MSE 训练的模型在干净"
                         "验证图像上的误差是用 Huber 训练的模型的 5 倍以上，而用 L1 训练的模型误差是三者中最低的。",
    "l4.noise.title": "噪声标签",
    "l4.noise.body": "有些训练标签是错的。训练损失低于噪声本身的熵的模型，一定记住了错误的标签。常有人建议用标签平滑"
                     "对付标签噪声；这里在较短的训练预算下实际测量，而不是想当然。",
    "l4.noise.claim": "把 30% 的训练标签随机替换后，训练 300 步，训练损失保持在 1.18 nats（给定真实标签时噪声标签的熵）"
                      "以上，验证准确率与干净标签训练相差不到 6 个百分点。标签平滑 0.2 对这个准确率的影响小于 3 个百分点。",
    # 图表内的文字（playground.figures.WORDS）
    "chart.word.train": "训练",
    "chart.word.raw": "原始",
    "chart.word.smoothed": "平滑",
    "chart.word.validation": "验证",
    "chart.word.val": "验证",
    "chart.word.position": "位置",
    "chart.word.eval_step": "评估步",
    "chart.word.grey_not_in_loss": "灰色：不计入损失",
    "chart.word.in_loss": "计入损失",
    "chart.word.not_in_loss": "不计入损失",
    "chart.word.entropy_floor": "熵下限",
    "chart.word.nll_at_step": "第 {step} 步的 NLL",
    "chart.word.nll_per_pixel": "逐像素 NLL",
}

STRINGS: dict[str, dict[str, str]] = {"en": _EN, "zh": _ZH}
