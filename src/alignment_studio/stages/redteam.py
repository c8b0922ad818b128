"""Red teaming a workspace's models outside an audit, and closing the loop: a confirmed failure
becomes a seed (``DIR/seeds/redteam.yaml``, listed in studio.yaml) and a regression item
(``DIR/regression.jsonl``) that every later audit re-runs.

A promotion holds the workspace database's write lock from the first check to the last write,
so two promotions never interleave, and the record is marked promoted only after both files are
in place.
"""

from __future__ import annotations

from collections.abc import Callable

from alignment_studio.auditors.audit import sample
from alignment_studio.auditors.redteam import STRATEGIES, Attack, generate_attacks, run_attacks
from alignment_studio.auditors.redteam.promote import (
    REGRESSION_FILE,
    SEED_FILE,
    Promotion,
    load_regression,
    policy_of,
    promotable,
    read_seed_file,
    redteam_seed,
    regression_example,
    with_seed,
    write_atomic,
    write_seeds,
)
from alignment_studio.auditors.redteam.run import regression_attack
from alignment_studio.backends import GenerationConfig
from alignment_studio.core.errors import StudioError
from alignment_studio.stages import detect, frame, models, parse
from alignment_studio.types import AttackOutcome, DatasetBundle, Example, PolicyDocument
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.paths import output_file


def strategies(ws: Workspace, chosen: list[str] | None = None) -> list[str] | None:
    """The configured strategy names (None = all), unknown ones a one-line error."""
    where = "--strategy" if chosen else "audit.redteam.strategies"
    chosen = chosen or ws.config.audit.redteam.strategies
    unknown = [s for s in chosen if s not in STRATEGIES]
    if unknown:
        raise StudioError(f"{where}: unknown strategy {unknown[0]!r} "
                          f"(known: {', '.join(sorted(STRATEGIES))})", ws.config_path)
    return chosen or None


def regression(ws: Workspace) -> list[Example]:
    """The promoted failures every audit re-runs."""
    return load_regression(ws.root / REGRESSION_FILE)


def attacks(ws: Workspace, bundle: DatasetBundle, docs: list[PolicyDocument],
            chosen: list[str] | None = None, per_policy: int | None = None,
            limit: int | None = -1) -> list[Attack]:
    """Generated attacks on every policy (a seeded sample that keeps every strategy), then the
    promoted regression items; the arguments override audit.redteam settings (``limit`` -1 =
    the configured cap, None = no cap)."""
    settings = ws.config.audit.redteam
    policies = [p for d in docs for p in d.policies()]
    generated = generate_attacks(bundle.examples, policies, strategies(ws, chosen),
                                 per_policy or settings.per_policy, ws.config.frame.split_seed,
                                 organization=ws.config.organization)
    picked = sample(generated, settings.max_attacks if limit == -1 else limit)
    return picked + [regression_attack(e) for e in regression(ws)]


def run(ws: Workspace, model: str, chosen: list[str] | None = None,
        per_policy: int | None = None, limit: int | None = -1,
        progress: Callable[[int], None] | None = None) -> list[AttackOutcome]:
    """Attack one model of the workspace ('base', 'aligned' or 'aggregated'), judged as the
    audit judges (the rules, and the output detector when it is on)."""
    dataset = frame.dataset(ws)
    found = attacks(ws, frame.bundle(ws, dataset), parse.documents_of(ws, dataset), chosen,
                    per_policy, limit)
    judge = detect.attack_judge(ws, detect.detectors(ws)) if (
        ws.config.audit.detector.enabled) else None
    backend, _ = models.backend(ws, model)
    try:
        return run_attacks(backend, found, judge, GenerationConfig(
            max_new_tokens=ws.config.audit.redteam.max_new_tokens), progress=progress)
    finally:
        backend.close()


def promote(ws: Workspace, record_id: int) -> Promotion:
    """Turn the confirmed failure ``record_id`` into a seed and a regression item.

    Errors (one line): unknown ID, a record not graded ``fail``, one already promoted, a policy
    ID the workspace's documents do not have, an existing seed or regression file that is
    broken."""
    seed_path = output_file(ws.root, ws.root / SEED_FILE)  # never through a link out
    regression_path = output_file(ws.root, ws.root / REGRESSION_FILE)
    with ws.db.transaction():
        record = promotable(ws.db, record_id)
        documents = [d for _, d in parse.documents(ws)]
        policy = policy_of(record, documents)
        seed = redteam_seed(record, policy)
        seeds = with_seed(read_seed_file(seed_path), seed)
        items = [e for e in regression(ws) if e.id != seed.id]
        items.append(regression_example(record, seed.id))
        write_seeds(seed_path, seeds, documents)
        write_atomic(regression_path, "".join(e.model_dump_json() + "\n" for e in items))
        updated = ws.list_seed_file(SEED_FILE)
        promoted = ws.db.mark_promoted(record_id, seed.id)
    return Promotion(record=promoted, seed_id=seed.id, policy_id=policy.id, seed_file=seed_path,
                     regression_file=regression_path, config_updated=updated)
