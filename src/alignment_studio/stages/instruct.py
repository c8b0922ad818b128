"""The instruct stage: the student trained on the reviewed data set by the chain of training
methods that config turns on (SFT, then DPO or ORPO, then GRPO), as one model artifact.

Each link of the chain is cached on its own (an ``adapter`` artifact keyed by the data, its
method's settings and the links before it), so turning on DPO after an SFT run trains DPO only,
and an interrupted chain resumes at the link it was in. A model artifact holds ``model_ref.json``
(the base model, the methods that ran and their links), the last method's adapter in
``adapter/`` with its log, each earlier method's result in its own folder (``sft/``,
``preference/``), and the SFT log at the top (``train_log.json``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console

from alignment_studio.backends import backend_kind
from alignment_studio.core.errors import StudioError, WorkerDone
from alignment_studio.core.launch import rank
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.frame import closed_twins
from alignment_studio.framers.split import sample_in_order
from alignment_studio.instructors.methods import METHODS, TrainingJob, TrainingMethod, chain
from alignment_studio.instructors.sft import ADAPTER_DIR, TRAIN_LOG, CallbackHook, read_train_log
from alignment_studio.stages import frame, parse, review
from alignment_studio.stages import reward as reward_stage
from alignment_studio.types import DatasetBundle, Example, Kind, ModelRef, Split
from alignment_studio.types.models import TrainResult
from alignment_studio.workspace import Artifact, Workspace

VERSION = "sft-v2"
MODEL_REF = "model_ref.json"
LINK_KIND = "adapter"  # one link of the training chain
console = Console(stderr=True)


FINAL = "fit:every-policy"  # an input that marks the final fit (its own cache keys)
# settings that do not change the weights a fit ends with, left out of its cache keys
NOT_WEIGHTS = {"save_steps", "gradient_checkpointing", "final_fit"}


def model(ws: Workspace) -> Artifact:
    """The workspace's aligned model (the audited fit: trained without the held-out policies),
    trained now or reused when nothing changed."""
    return ws.once("model", lambda: _instruct(ws))


def final_model(ws: Workspace) -> Artifact:
    """The final fit (``train.final_fit``): the same recipe on every policy, the held-out
    ones' items (with their closed-book twins) joining the training split. The audit cannot
    score it (nothing is held out), so the report scores the audited fit and says so."""
    return ws.once("final-model", lambda: _instruct(ws, final=True))


def deployed(ws: Workspace) -> Artifact:
    """The model a user serves and exports: the final fit when ``train.final_fit`` is on."""
    return final_model(ws) if ws.config.train.final_fit else model(ws)


def every_policy(bundle: DatasetBundle, twins: Callable[[list[Example]], list[Example]]
                 ) -> DatasetBundle:
    """The data set with its test split trained too, and closed-book twins for those items."""
    test = [e.model_copy(update={"split": Split.train}) for e in bundle.split(Split.test)]
    kept = [e for e in bundle.examples if e.split != Split.test]
    return bundle.model_copy(update={"examples": [*kept, *test, *twins(test)]})


def check_student(ws: Workspace) -> None:
    """Training needs a local model (its weights on this machine)."""
    student = ws.config.student
    if not backend_kind(student.backend).local:
        raise StudioError(f"training needs a local model (student.backend: hf), not "
                          f"{student.backend!r}", ws.config_path)


def cache_config(ws: Workspace) -> dict[str, Any]:
    """What the model depends on besides its inputs: each method's settings (what does not
    change the weights, such as checkpoint spacing, left out), the student, the version."""
    config = ws.config
    out: dict[str, Any] = {
        "train": config.train.model_dump(exclude=NOT_WEIGHTS),
        "preference": config.preference.model_dump(exclude=NOT_WEIGHTS)
        if config.preference.enabled else None,
        "student": config.student.model, "version": VERSION}
    if config.rl.enabled:  # only then, so existing models keep their keys
        out["rl"] = config.rl.model_dump(exclude={"save_steps"})
    return out


def _instruct(ws: Workspace, final: bool = False) -> Artifact:
    dataset = frame.dataset(ws)
    check_student(ws)
    methods = chain(ws.config)
    config = cache_config(ws)
    rewards = reward_stage.for_rl(ws)
    reviews = review.reviews_of(ws, dataset)
    # a new review retrains, an old one is reused
    inputs = [dataset.id, *sorted(reviews), *([rewards.id] if rewards else []),
              *([FINAL] if final else [])]
    key, found = ws.cached("model", inputs, config)
    if found:
        return found
    bundle = review.reviewed(ws, dataset, reviews)
    if final:
        bundle = every_policy(bundle, partial(_twins, ws))
    base = ws.model_name(ws.config.student.model)
    job = partial(TrainingJob, bundle=bundle, base=base, train=ws.config.train,
                  cache_dir=ws.cache_dir, hooks=measure_hooks(ws, bundle),
                  rewards=reward_stage.ensemble(ws, rewards) if rewards else None,
                  say=console.print)
    if rank() != 0:  # every GPU trains its share; only rank 0 writes artifacts
        with tempfile.TemporaryDirectory() as scratch:
            train_chain(ws, methods, job, Path(scratch), inputs)
        raise WorkerDone()
    with ws.store.build("model", key) as tmp:
        links = train_chain(ws, methods, job, tmp, inputs)
        ref = {"base": base, "methods": [m.name for m in methods], "links": links}
        (tmp / MODEL_REF).write_text(json.dumps(ref), "utf-8")
        return ws.store.commit(tmp, "model", key, inputs, config)


def _twins(ws: Workspace, examples: list[Example]) -> list[Example]:
    docs = [doc for _, doc in parse.documents(ws)]
    factory = ExampleFactory(ws.prompts, ws.config.organization)
    return closed_twins(examples, parse.policies(docs), factory)


def link_config(ws: Workspace, method: TrainingMethod, before: str | None) -> dict[str, Any]:
    """What one link's adapter depends on besides the data: its method's settings (those that
    change the weights), the shared training settings (a fresh adapter's shape), the student,
    and the key of the link it continues."""
    return {"method": method.name, "after": before, "student": ws.config.student.model,
            "settings": method.settings_of(ws.config).model_dump(exclude=NOT_WEIGHTS),
            "train": ws.config.train.model_dump(exclude=NOT_WEIGHTS), "version": VERSION}


def train_chain(ws: Workspace, methods: list[TrainingMethod], job: Callable[..., TrainingJob],
                out: Path, inputs: list[str]) -> list[str]:
    """Each method continues the adapter of the one before it; a link already trained with the
    same data and settings is taken from its artifact instead. The last link's result lands in
    ``out`` itself, the earlier ones' in their folders, and the SFT log is copied to the top.
    Returns the links' artifact IDs (none under a multi-GPU worker, which writes nothing)."""
    adapter: Path | None = None
    before: str | None = None
    links: list[str] = []
    for i, method in enumerate(methods):
        target = out if i == len(methods) - 1 else out / method.folder
        target.mkdir(exist_ok=True)
        config = link_config(ws, method, before)
        before, found = ws.cached(LINK_KIND, inputs, config)
        work = ws.store.work_dir(LINK_KIND, before)
        if found is None and rank() != 0:
            method.train(job(adapter=adapter, work=work, out=target),
                         method.settings_of(ws.config))
        else:
            if found is None:
                with ws.store.build(LINK_KIND, before) as tmp:
                    method.train(job(adapter=adapter, work=work, out=tmp),
                                 method.settings_of(ws.config))
                    found = ws.store.commit(tmp, LINK_KIND, before, inputs, config)
            shutil.copytree(ws.store.path_of(found), target, dirs_exist_ok=True)
            links.append(found.id)
        adapter = target / ADAPTER_DIR
    first = out / methods[0].folder
    if len(methods) > 1 and (first / TRAIN_LOG).is_file():
        shutil.copyfile(first / TRAIN_LOG, out / TRAIN_LOG)
    return links


def measure_hooks(ws: Workspace, bundle: DatasetBundle) -> list[CallbackHook]:
    """With train.audit_steps, the audit's measurement during training: held-out scenario
    items answered every that many steps (measured only, never used to pick a model)."""
    from alignment_studio.auditors.callback import make_audit_callback

    settings = ws.config.train
    held = [e for e in bundle.split(Split.test) if e.kind == Kind.scenario]
    items = sample_in_order(held, settings.audit_items, settings.seed)
    if not settings.audit_steps or not items:
        return []
    every = settings.audit_steps
    return [lambda tokenizer: make_audit_callback(items, tokenizer, every)]


def model_ref(ws: Workspace, artifact: Artifact) -> ModelRef:
    """The base model and the trained adapter of a model artifact."""
    folder = ws.store.path_of(artifact)
    base = json.loads((folder / MODEL_REF).read_text("utf-8"))["base"]
    return ModelRef(base=base, adapters=[str(folder / ADAPTER_DIR)], revision=artifact.id,
                    backend="hf")


def methods_of(ws: Workspace, artifact: Artifact) -> list[TrainingMethod]:
    """The chain that made a model artifact, as recorded in it."""
    names = json.loads((ws.store.path_of(artifact) / MODEL_REF).read_text("utf-8")).get(
        "methods", ["sft"])
    return [METHODS[n] for n in names if n in METHODS]


def train_log(ws: Workspace, artifact: Artifact) -> TrainResult:
    """The SFT log of a model artifact."""
    return read_train_log(ws.store.path_of(artifact))


def summaries(ws: Workspace, artifact: Artifact) -> list[str]:
    """One line per method of the chain, from its log, in order."""
    folder = ws.store.path_of(artifact)
    methods = methods_of(ws, artifact)
    return [m.summary(folder if i == len(methods) - 1 else folder / m.folder)
            for i, m in enumerate(methods)]
