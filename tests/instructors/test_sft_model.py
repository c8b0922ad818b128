"""SFT with the real embedded model on a few rows of the bundled example: chat-template loss
masks, packing isolation, learning, and resume after a Ctrl-C."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.backends.embedded import resolve_model_path
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.frame import frame_dataset
from alignment_studio.framers.parse import read_document
from alignment_studio.instructors.sft import (
    ADAPTER_DIR,
    build_trainer,
    load_tokenizer,
    read_train_log,
    train_sft,
)
from alignment_studio.types import Split
from alignment_studio.workspace.config import FrameSettings, TrainSettings

pytestmark = pytest.mark.slow
END_OF_TURN = "<|im_end|>\n"  # SmolLM2's ChatML: the answer is followed by this, and it is learned


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return load_tokenizer(resolve_model_path("embedded"))


@pytest.fixture(scope="module")
def rows(example_policy: Path, tmp_path_factory: pytest.TempPathFactory,
         tokenizer: Any) -> list[dict[str, Any]]:
    """The shortest training rows of the bundled example (framed without a teacher)."""
    document = read_document(example_policy)
    journal = tmp_path_factory.mktemp("frame") / "teacher.jsonl"
    framed = frame_dataset([document], [], None, FrameSettings(), "Meridian Harbor", Prompts(),
                           journal, "none")
    train = framed.bundle.to_trl(Split.train)

    def length(row: dict[str, Any]) -> int:
        text = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return sorted(train, key=length)[:8]


def tiny(**changes: Any) -> TrainSettings:
    base: dict[str, Any] = dict(max_steps=4, batch_size=2, grad_accum=1, max_length=128, lora_r=4,
                                lora_alpha=8, learning_rate=2e-3, validation_fraction=0.0,
                                gradient_checkpointing=False, save_steps=1)
    return TrainSettings(**{**base, **changes})


def labelled_spans(labels: list[int]) -> list[list[int]]:
    spans: list[list[int]] = []
    previous = -100
    for token in labels:
        if token != -100:
            if previous == -100:
                spans.append([])
            spans[-1].append(token)
        previous = token
    return spans


def test_chat_template_formats_rows_and_only_answers_carry_loss(
        rows: list[dict[str, Any]], tokenizer: Any, tmp_path: Path) -> None:
    trainer = build_trainer(rows[:3], [], resolve_model_path("embedded"), tokenizer,
                            tiny(packing=False), tmp_path)
    for row, example in zip(rows[:3], trainer.train_dataset, strict=True):
        formatted = tokenizer.apply_chat_template(row["prompt"] + row["completion"],
                                                  tokenize=False)
        assert tokenizer.decode(example["input_ids"]) == formatted
        spans = labelled_spans(example["labels"])
        assert len(spans) == 1  # one contiguous span: the answer, nothing of the prompt
        assert tokenizer.decode(spans[0]) == row["completion"][0]["content"] + END_OF_TURN


def test_packed_rows_keep_the_same_answer_masks(rows: list[dict[str, Any]], tokenizer: Any,
                                                tmp_path: Path) -> None:
    trainer = build_trainer(rows, [], resolve_model_path("embedded"), tokenizer,
                            tiny(max_length=256), tmp_path)
    packed = list(trainer.train_dataset)
    assert len(packed) < len(rows) and max(len(p["seq_lengths"]) for p in packed) >= 2
    answers = Counter(tokenizer.decode(span)
                      for p in packed for span in labelled_spans(p["labels"]))
    assert answers == Counter(r["completion"][0]["content"] + END_OF_TURN for r in rows)


def test_packed_examples_do_not_attend_to_each_other(rows: list[dict[str, Any]],
                                                     tokenizer: Any) -> None:
    """Padding-free packing flattens a batch into one sequence whose position ids restart at each
    example; transformers must turn that into a block-diagonal mask (SDPA on this CPU)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(resolve_model_path("embedded"),
                                                 local_files_only=True, dtype=torch.float32)
    ids = [tokenizer.apply_chat_template(r["prompt"] + r["completion"], tokenize=False)
           for r in rows[:2]]
    first, second = (tokenizer(t, add_special_tokens=False)["input_ids"] for t in ids)
    flat = torch.tensor([first + second])
    restart = torch.tensor([list(range(len(first))) + list(range(len(second)))])
    with torch.no_grad():
        alone = model(input_ids=torch.tensor([second]), use_cache=False).logits[0]
        packed = model(input_ids=flat, position_ids=restart, use_cache=False).logits[0]
        leaky = model(input_ids=flat, use_cache=False).logits[0]  # one long causal sequence
    assert torch.allclose(packed[len(first):], alone, atol=1e-4)
    assert not torch.allclose(leaky[len(first):], alone, atol=1e-2)  # the check can fail


class Snapshot:
    """Records every LoRA B matrix when training begins (PEFT has just initialised them)."""

    def __init__(self) -> None:
        self.initial: dict[str, Any] = {}

    def callback(self) -> Any:
        from transformers import TrainerCallback

        snapshot = self

        class _Begin(TrainerCallback):
            def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                               **kwargs: Any) -> None:
                snapshot.initial = {name: p.detach().clone() for name, p
                                    in model.named_parameters() if "lora_B" in name}

        return _Begin()


class InterruptAtStep:
    """Raises KeyboardInterrupt as step ``step + 1`` begins, like a user pressing Ctrl-C after
    checkpoint ``step`` was written."""

    def __init__(self, step: int) -> None:
        self.step = step

    def callback(self) -> Any:
        from transformers import TrainerCallback

        stop_at = self.step

        class _Interrupt(TrainerCallback):
            def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                if state.global_step == stop_at:
                    raise KeyboardInterrupt

        return _Interrupt()


@pytest.fixture(scope="module")
def uninterrupted(rows: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, Snapshot]:
    """4 steps over the 4 shortest rows (two epochs), never interrupted."""
    snapshot = Snapshot()
    out = tmp_path_factory.mktemp("run_a")
    train_sft(rows[:4], "embedded", tiny(), out / "work", out / "out",
              callbacks=[snapshot.callback()])
    return out / "out", snapshot


def lora_tensors(out: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(out / ADAPTER_DIR / "adapter_model.safetensors"))


def test_training_lowers_the_loss_and_moves_every_lora_b(
        uninterrupted: tuple[Path, Snapshot]) -> None:
    import torch

    out, snapshot = uninterrupted
    log = read_train_log(out)
    assert log.steps == 4 and len(log.losses) == 4 and log.packing
    # steps 1-2 and 3-4 each see all four rows once: the second pass must cost less
    assert sum(log.losses[2:]) < sum(log.losses[:2]), log.losses
    saved = lora_tensors(out)
    assert snapshot.initial and len(snapshot.initial) == sum("lora_B" in k for k in saved)
    for name, initial in snapshot.initial.items():
        final = saved[name.replace(".lora_B.default.", ".lora_B.")]
        assert not torch.equal(final, initial.to(final.dtype)), name


def test_resume_after_ctrl_c_matches_an_uninterrupted_run(
        rows: list[dict[str, Any]], uninterrupted: tuple[Path, Snapshot], tmp_path: Path) -> None:
    """Run B is interrupted as step 3 starts and resumed from checkpoint-2. The Trainer restores
    the optimizer, scheduler, RNG states (LoRA dropout) and skips the batches already seen, so
    on one CPU with the same thread count the adapters agree to float rounding."""
    import torch

    with pytest.raises(KeyboardInterrupt):
        train_sft(rows[:4], "embedded", tiny(), tmp_path / "work", tmp_path / "out",
                  callbacks=[InterruptAtStep(2).callback()])
    assert (tmp_path / "work" / "checkpoint-2").is_dir()
    assert not (tmp_path / "out" / ADAPTER_DIR).exists()
    resumed = train_sft(rows[:4], "embedded", tiny(), tmp_path / "work", tmp_path / "out")
    assert resumed.resumed_from == "checkpoint-2" and resumed.steps == 4
    expected, got = lora_tensors(uninterrupted[0]), lora_tensors(tmp_path / "out")
    assert expected.keys() == got.keys()
    for name, tensor in expected.items():
        assert torch.allclose(got[name], tensor, atol=1e-4), name
    assert read_train_log(tmp_path / "out").losses[-2:] == pytest.approx(
        read_train_log(uninterrupted[0]).losses[-2:], abs=1e-4)


def test_validation_loss_is_logged_and_the_best_adapter_is_kept(rows: list[dict[str, Any]],
                                                                tmp_path: Path) -> None:
    """A learning rate far too high makes the validation loss rise after the first steps; early
    stopping (patience 1) ends the run and the adapter of the best evaluation is the one saved."""
    settings = tiny(validation_fraction=0.25, eval_steps=1, early_stopping_patience=1,
                    learning_rate=0.3, max_steps=6)
    log = train_sft(rows, "embedded", settings, tmp_path / "work", tmp_path / "out")
    assert log.validation_examples == 2 and log.examples == 6
    assert [p.step for p in log.eval_losses] == list(range(1, log.steps + 1))
    best = min(log.eval_losses, key=lambda p: p.loss)
    assert log.best_step == best.step and log.best_eval_loss == pytest.approx(best.loss)
    assert log.stopped_early and log.steps < 6 and log.best_step < log.steps
    assert log.final_eval_loss == pytest.approx(best.loss, abs=1e-4)  # best restored, not last
    assert read_train_log(tmp_path / "out") == log


@pytest.mark.parametrize(("packing", "precision"),
                         [(True, "fp32"), (False, "fp32"), (True, "bf16")])
def test_answer_only_logits_give_trl_s_own_loss(rows: list[dict[str, Any]], tokenizer: Any,
                                                tmp_path: Path, packing: bool,
                                                precision: str) -> None:
    """Our trainer applies the LM head only where there is loss; the loss must be TRL's, in
    the same precision. In bf16 it must really run in bf16: our loss calls the inner modules,
    which bypass the forward that accelerate wraps in autocast."""
    import torch
    from trl import SFTTrainer

    trainer = build_trainer(rows, [], resolve_model_path("embedded"), tokenizer,
                            tiny(max_length=256, packing=packing, precision=precision), tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    trainer.model.train()
    ours = trainer.compute_loss(trainer.model, dict(batch))
    with trainer.accelerator.autocast():  # off in fp32
        theirs = SFTTrainer.compute_loss(trainer, trainer.model, dict(batch))
    assert torch.allclose(ours, theirs, atol=1e-5 if precision == "fp32" else 2e-2), \
        (ours, theirs)
    if precision == "bf16":
        full = SFTTrainer.compute_loss(trainer, trainer.model, dict(batch))  # no autocast
        assert abs(float(ours) - float(full)) > 1e-4, (ours, full)


def test_full_finetune_trains_every_layer_and_loads_like_an_adapter(
        rows: list[dict[str, Any]], tmp_path: Path) -> None:
    """train.full_finetune: every decoder layer's weights move (not a low-rank delta), the
    embeddings do not, and the saved folder loads through the same adapter path as LoRA."""
    import torch

    from alignment_studio.backends.hf import load_model

    train_sft(rows[:4], "embedded", tiny(full_finetune=True, max_steps=2, learning_rate=1e-4),
              tmp_path / "work", tmp_path / "out")
    base, _ = load_model("embedded")
    tuned, _ = load_model("embedded", [str(tmp_path / "out" / ADAPTER_DIR)])
    before, after = dict(base.named_parameters()), dict(tuned.named_parameters())
    layers = base.config.num_hidden_layers
    for i in range(layers):
        for part in ("self_attn.q_proj", "self_attn.o_proj", "mlp.down_proj"):
            name = f"model.layers.{i}.{part}.weight"
            assert not torch.equal(before[name], after[name]), name
    embeddings = "model.embed_tokens.weight"
    assert torch.equal(before[embeddings], after[embeddings])
    assert not any("lora" in name for name in after)  # merged into plain weights on load
