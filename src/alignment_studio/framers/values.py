"""Values with a precedence order, contexts that reorder or reweigh them, and the data that
teaches a model to resolve a conflict differently when the context changes.

A value is a named group of policies (ID prefixes). ``values.values`` lists them highest first;
a context (``role=manager``, ``channel=public``, ...) can move some values to the top and scale
their weights. The same conflict can therefore have different winners in different contexts, so
the context must be visible to the model: ``with_context`` writes it into the system prompt, in
training rows and at inference alike.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence

from alignment_studio.backends.base import GenerationConfig, ModelBackend
from alignment_studio.core.prompts import Prompts
from alignment_studio.core.text import text_hash
from alignment_studio.framers.conflicts import (
    ConflictPair,
    content_words,
    resolution_text,
    ruling,
    situation_text,
)
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import extract_action
from alignment_studio.types import (
    Example,
    Kind,
    Message,
    Policy,
    PolicyDocument,
    Provenance,
    Split,
    expand_scopes,
)
from alignment_studio.workspace.config import ContextSpec, ValueSpec, ValuesSettings

Context = Mapping[str, str]
PREFERENCE_TASK = "conflict-preference"


def resolve_context(values: ValuesSettings, context: Context | None) -> dict[str, str]:
    """The input's context over the workspace's default context (the input's keys win)."""
    return {**values.default_context, **(context or {})}


def matching_contexts(values: ValuesSettings, context: Context | None) -> list[ContextSpec]:
    """Declared contexts whose conditions all hold, in declaration order."""
    actual = resolve_context(values, context)
    return [spec for spec in values.contexts
            if all(actual.get(key) == want for key, want in spec.when.items())]


def precedence(values: ValuesSettings, context: Context | None = None) -> list[str]:
    """Value names, highest first: the declared order, then each matching context's override
    moves its values to the top (so a later matching context has the last word)."""
    order = [v.name for v in values.values]
    for spec in matching_contexts(values, context):
        if spec.precedence:
            order = [*spec.precedence, *(n for n in order if n not in spec.precedence)]
    return order


def weights(values: ValuesSettings, context: Context | None = None) -> dict[str, float]:
    """Declared weight of every value times the multipliers of every matching context."""
    result = {v.name: v.weight for v in values.values}
    for spec in matching_contexts(values, context):
        for name, factor in spec.multipliers.items():
            result[name] *= factor
    return result


def scoped(values: ValuesSettings, documents: list[PolicyDocument]) -> ValuesSettings:
    """The values with each document or section prefix followed by the IDs of the policies
    under it (policy IDs do not contain their section)."""
    specs = [v.model_copy(update={"policies": expand_scopes(v.policies, documents)})
             for v in values.values]
    return values.model_copy(update={"values": specs})


def _covers(prefix: str, policy_id: str) -> bool:
    return policy_id == prefix or policy_id.startswith(prefix + "/")


def value_of(policy_id: str, values: ValuesSettings) -> str | None:
    """The value a policy belongs to: the longest matching prefix (ties: declared first)."""
    best: tuple[int, str] | None = None
    for value in values.values:
        for prefix in value.policies:
            if _covers(prefix, policy_id) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), value.name)
    return best[1] if best else None


def spec_of(name: str, values: ValuesSettings) -> ValueSpec:
    return next(v for v in values.values if v.name == name)


def effective_priorities(values: ValuesSettings, frame_priorities: Sequence[str] = (),
                         context: Context | None = None) -> list[str]:
    """The conflict priority list: the values' prefixes in precedence order, then the
    ``frame.priorities`` entries no value lists (so an existing priority list keeps working
    below the values, and alone when no values are declared)."""
    ranked = [p for name in precedence(values, context) for p in spec_of(name, values).policies]
    return [*ranked, *(p.rstrip("/") for p in frame_priorities if p.rstrip("/") not in ranked)]


def context_label(context: Context) -> str:
    """``channel=public; role=manager``: keys sorted, so equal contexts read the same."""
    return "; ".join(f"{k}={v}" for k, v in sorted(context.items()))


_CONTEXT_LINE = re.compile(r"^Context: (.+)$", re.M)


def parse_context_label(label: str) -> dict[str, str]:
    """The inverse of ``context_label`` (``a=b; c=d`` -> {a: b, c: d}); pieces without '=' are
    ignored."""
    pairs = (piece.split("=", 1) for piece in label.split(";") if "=" in piece)
    return {key.strip(): value.strip() for key, value in pairs if key.strip()}


def context_in(messages: Sequence[Message]) -> dict[str, str] | None:
    """The context a conversation carries in its system prompt (the last ``Context:`` line that
    ``with_context`` wrote), or None when it carries none."""
    system = next((m.content for m in messages if m.role == "system"), "")
    found = _CONTEXT_LINE.findall(system)
    return parse_context_label(found[-1]) if found else None


def with_context(messages: Sequence[Message], context: Context,
                 prompts: Prompts | None = None) -> list[Message]:
    """The conversation with a ``Context: ...`` line (template ``context.j2``) at the end of the
    system prompt; no context, no change. Training rows and inference prompts both go through
    here, so the model sees exactly the line it was trained on."""
    out = [m.model_copy() for m in messages]
    if not context:
        return out
    line = (prompts or Prompts(None)).render("context", context=sorted(context.items()))
    if out and out[0].role == "system":
        out[0] = Message(role="system", content=f"{out[0].content}\n{line}")
    else:
        out.insert(0, Message(role="system", content=line))
    return out


def in_context(example: Example, context: Context, prompts: Prompts | None = None) -> Example:
    """Any factory-made example, asked in a context (its ID changes with the context)."""
    if not context:
        return example
    suffix = text_hash(context_label(context), 6)
    return example.model_copy(update={"id": f"{example.id}-{suffix}",
                                      "messages": with_context(example.messages, context,
                                                               prompts)})


def declared_contexts(values: ValuesSettings) -> list[dict[str, str]]:
    """The default context and every declared context (over the default), without repeats."""
    found: list[dict[str, str]] = []
    for ctx in [resolve_context(values, None),
                *(resolve_context(values, s.when) for s in values.contexts)]:
        if ctx not in found:
            found.append(ctx)
    return found


def pair_of(example: Example, policies: Mapping[str, Policy]) -> ConflictPair:
    """The ConflictPair behind a conflict example (its two policies, in the example's order)."""
    first, second = (policies[pid] for pid in example.policy_ids[:2])
    words = [content_words(extract_action(p) or p.text) for p in (first, second)]
    union = words[0] | words[1]
    shared = words[0] & words[1]
    return ConflictPair(first=first, second=second, overlap=sorted(shared),
                        score=round(len(shared) / len(union), 4) if union else 0.0)


def contextual_ruling(pair: ConflictPair, values: ValuesSettings, context: Context,
                      frame_priorities: Sequence[str] = ()) -> tuple[Policy, Policy, str]:
    """(winner, loser, why) in this context: two policies of different values follow the
    values' order (each policy counted under its most specific value); otherwise the ruling
    over ``effective_priorities`` (a valued policy above an unvalued one, then
    ``frame.priorities``, then the default modality order)."""
    order = precedence(values, context)
    first, second = value_of(pair.first.id, values), value_of(pair.second.id, values)
    where = f"in the context {context_label(context)}" if context else "by default"
    if first and second and first != second:
        a_wins = order.index(first) < order.index(second)
        winner, loser = (pair.first, pair.second) if a_wins else (pair.second, pair.first)
        high, low = (first, second) if a_wins else (second, first)
        return winner, loser, f"the value '{high}' ranks above '{low}' {where}"
    winner, loser, why = ruling(pair, effective_priorities(values, frame_priorities, context))
    valued = value_of(winner.id, values)
    if valued and not value_of(loser.id, values) and "explicit priority" in why:
        why = f"the value '{valued}' ranks above rules no value covers"
    return winner, loser, why


def conflict_preferences(conflicts: Sequence[ConflictPair | Example], values: ValuesSettings,
                         contexts: Sequence[Context] | None, factory: ExampleFactory,
                         policies: Mapping[str, Policy] | None = None,
                         frame_priorities: Sequence[str] = ()) -> list[Example]:
    """For every conflict and context, a preference item: the prompt carries the context, the
    chosen answer follows the policy that wins *in that context*, the rejected one the loser.

    ``conflicts`` are ConflictPairs or Kind.conflict examples (then ``policies`` maps their IDs,
    and each item keeps the example's split). ``contexts=None`` means the default and every
    declared context. The chosen answer is also the item's ``target``, so supervised training
    learns the contextual ruling too.
    """
    out: list[Example] = []
    for item in conflicts:
        if isinstance(item, Example):
            if policies is None:
                raise ValueError("conflict examples need the policies they cite")
            pair, split = pair_of(item, policies), item.split
        else:
            pair, split = item, Split.train
        for ctx in (declared_contexts(values) if contexts is None else
                    [resolve_context(values, c) for c in contexts]):
            out.append(_preference(pair, values, ctx, factory, frame_priorities, split))
    return out


def _preference(pair: ConflictPair, values: ValuesSettings, ctx: dict[str, str],
                factory: ExampleFactory, frame_priorities: Sequence[str],
                split: Split) -> Example:
    winner, loser, why = contextual_ruling(pair, values, ctx, frame_priorities)
    low = value_of(loser.id, values)
    wrong_why = f"the value '{low}' matters more here" if low else "it applies more directly"
    prov = Provenance(source="structure", generator="values-v1", task=PREFERENCE_TASK)
    base = factory.conflict([pair.first, pair.second], situation_text(pair), "", prov)
    render = factory.prompts.render
    chosen = render("conflict_target", policies=[winner, loser],
                    resolution=resolution_text(winner, loser, why))
    rejected = render("conflict_target", policies=[loser, winner],
                      resolution=resolution_text(loser, winner, wrong_why))
    key = f"{pair.first.id}|{pair.second.id}|{context_label(ctx)}"
    return Example(id=f"cpref-{text_hash(key, 10)}", kind=Kind.preference,
                   messages=with_context(base.messages, ctx, factory.prompts), target=chosen,
                   chosen=chosen, rejected=rejected, policy_ids=[winner.id, loser.id],
                   provenance=prov, split=split)


def ask_in_context(backend: ModelBackend, messages_batch: Sequence[Sequence[Message]],
                   contexts: Sequence[Context | None], values: ValuesSettings,
                   config: GenerationConfig, prompts: Prompts | None = None) -> list[str]:
    """Inference with the same context line as training: each conversation gets its context
    (over the default one) through ``with_context``, then any backend answers."""
    if len(messages_batch) != len(contexts):
        raise ValueError("one context per conversation")
    asked = [with_context(m, resolve_context(values, c), prompts)
             for m, c in zip(messages_batch, contexts, strict=True)]
    return [o.text for o in asyncio.run(backend.generate_batch(asked, config))]
