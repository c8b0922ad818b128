"""Context-based aggregation: hand-computed weights, selection, and (slow) real value adapters
merged with PEFT add_weighted_adapter on the embedded model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.parse import read_document
from alignment_studio.instructors.aggregate import (
    ContextualAggregator,
    rows_for_value,
    select_response,
)
from alignment_studio.types import (
    DatasetBundle,
    Message,
    Modality,
    Policy,
    Provenance,
    Split,
)
from alignment_studio.workspace.config import TrainSettings, ValuesSettings

FACTORY = ExampleFactory(Prompts(None), "Acme")
PROV = Provenance(source="structure", task="qa")
SECRET = Policy(id="d/a/p-1", text="Never share passwords with anyone.",
                modality=Modality.prohibition, section_id="d/a")
BLOG = Policy(id="d/b/p-2", text="Post photos on the public blog weekly.",
              modality=Modality.obligation, section_id="d/b")
VALUES = ValuesSettings.model_validate({
    "values": [{"name": "security", "policies": ["d/a"], "weight": 2.0},
               {"name": "outreach", "policies": ["d/b"], "weight": 1.0}],
    "contexts": [{"name": "public", "when": {"channel": "public"},
                  "multipliers": {"security": 0.5}}]})


def ask(text: str) -> list[Message]:
    return [Message(role="system", content="You answer by Acme's policies."),
            Message(role="user", content=text)]


def test_weights_are_declared_times_context_times_relevance_normalised() -> None:
    agg = ContextualAggregator(VALUES, {p.id: p for p in (SECRET, BLOG)})
    assert agg.vocabulary == {"security": {"share", "password", "anyone"},
                              "outreach": {"post", "photo", "public", "blog", "weekly"}}
    messages = ask("Can I post my password photos on the blog?")
    # hits: security 1 (password), outreach 3 (post, photo, blog); alpha 1, two values:
    # relevance 2/6 and 4/6; default: 2 x 1/3 = 2/3 against 1 x 2/3 -> one half each
    assert agg.weights(messages, None) == pytest.approx({"security": 0.5, "outreach": 0.5})
    # public halves security: 1/3 against 2/3
    assert agg.weights(messages, {"channel": "public"}) == pytest.approx(
        {"security": 1 / 3, "outreach": 2 / 3})
    # nothing relevant: the declared weights alone (2 : 1)
    assert agg.weights(ask("What is for lunch?"), None) == pytest.approx(
        {"security": 2 / 3, "outreach": 1 / 3})
    # naming a policy prefix counts as a hit for its value: 1 + 1 against 0 + 1
    assert agg.weights(ask("What does d/a say?"), None) == pytest.approx(
        {"security": 2 * 2 / (2 * 2 + 1), "outreach": 1 / (2 * 2 + 1)})
    assert agg.key(agg.weights(messages, {"channel": "public"})) == (0.33, 0.67)


def test_selection_weighs_the_scorer_by_the_context_weights() -> None:
    candidates = {"security": "Do not share it.", "outreach": "Post it!"}

    def scorer(messages: list[Message], response: str) -> float:
        return 2.0 if "share" in response else -1.0

    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert 0.3 * sig(2.0) > 0.7 * sig(-1.0)
    assert select_response(candidates, {"security": 0.3, "outreach": 0.7}, ask("x"),
                           scorer) == "Do not share it."
    assert 0.1 * sig(2.0) < 0.9 * sig(-1.0)
    assert select_response(candidates, {"security": 0.1, "outreach": 0.9}, ask("x"),
                           scorer) == "Post it!"


def test_rows_for_value_take_the_examples_citing_its_policies() -> None:
    a = FACTORY.qa(SECRET, "May I share my password?", "No.", PROV)
    b = FACTORY.qa(BLOG, "How often do we blog?", "Weekly.", PROV)
    both = FACTORY.conflict([SECRET, BLOG], "A post shows a password.", "Security wins.", PROV)
    held = b.model_copy(update={"split": Split.test, "id": "held"})
    bundle = DatasetBundle(name="t", version="1", examples=[a, b, both, held])
    security = rows_for_value(bundle, "security", VALUES)
    outreach = rows_for_value(bundle, "outreach", VALUES)
    assert [r["completion"][0]["content"] for r in security] == [a.target, both.target]
    assert [r["completion"][0]["content"] for r in outreach] == [b.target, both.target]


@pytest.mark.slow
def test_value_adapters_merge_by_context_weights(tmp_path: Path,
                                                 policies_18f: list[Path]) -> None:
    import torch
    from safetensors.torch import load_file

    from alignment_studio.instructors.aggregate import (
        AdapterMixer,
        generate_aggregated,
        generate_selected,
        train_value_adapters,
    )

    docs = [read_document(p) for p in policies_18f if p.name in ("overtime.md",
                                                                "password-requirements.md")]
    policies = {p.id: p for d in docs for p in d.policies()}
    values = ValuesSettings.model_validate({
        "values": [{"name": "overtime", "policies": ["overtime"]},
                   {"name": "passwords", "policies": ["password-requirements"]}],
        "contexts": [{"name": "it", "when": {"team": "it"},
                      "multipliers": {"passwords": 4.0}}]})
    picked = [p for d in docs for p in list(d.policies())[:2]]
    examples = [FACTORY.qa(p, "What does this policy ask of me?", p.text[:120], PROV)
                for p in picked]
    bundle = DatasetBundle(name="t", version="1", examples=examples)
    settings = TrainSettings.model_validate({
        "max_steps": 2, "lora_r": 4, "lora_alpha": 8, "batch_size": 1, "grad_accum": 1,
        "learning_rate": 0.02,
        "max_length": 96, "gradient_checkpointing": False, "save_steps": 50})
    adapters = train_value_adapters(bundle, values, "embedded", settings, tmp_path)
    assert set(adapters) == {"overtime", "passwords"}

    aggregator = ContextualAggregator(values, policies)
    messages = ask("Do I get comp time for overtime, and how long must my password be?")
    plain = aggregator.weights(messages, {})
    it = aggregator.weights(messages, {"team": "it"})
    assert it["passwords"] > plain["passwords"]

    mixer = AdapterMixer("embedded", adapters, "linear")
    files = {v: load_file(str(p / "adapter_model.safetensors")) for v, p in adapters.items()}
    scaling = {v: json.loads((p / "adapter_config.json").read_text())["lora_alpha"] / 4
               for v, p in adapters.items()}
    module = "model.layers.0.self_attn.q_proj"
    for weights in (plain, it):
        name = mixer.activate(weights)
        layer = mixer.model.get_submodule(f"base_model.model.{module}")
        for part in ("A", "B"):
            merged = getattr(layer, f"lora_{part}")[name].weight.detach()
            expected = sum(math.sqrt(round(weights[v], 2) * scaling[v])
                           * files[v][f"base_model.model.{module}.lora_{part}.weight"]
                           for v in adapters)
            assert float(expected.abs().max()) > 1e-4  # trained, not the zero init of B
            assert torch.allclose(merged, expected, rtol=1e-5, atol=1e-8)
    assert len(mixer.cached) == 2

    # cat keeps the weighted sum of the updates exactly: B_cat A_cat = sum w s B A
    name = mixer.activate(it, "cat")
    layer = mixer.model.get_submodule(f"base_model.model.{module}")
    delta = layer.lora_B[name].weight @ layer.lora_A[name].weight * layer.scaling[name]
    expected_delta = sum(round(it[v], 2) * scaling[v]
                         * files[v][f"base_model.model.{module}.lora_B.weight"]
                         @ files[v][f"base_model.model.{module}.lora_A.weight"]
                         for v in adapters)
    assert float(expected_delta.abs().max()) > 1e-6
    assert torch.allclose(delta.detach(), expected_delta, rtol=1e-4, atol=1e-9)

    answers = generate_aggregated(mixer, adapters, aggregator, [messages, messages],
                                  [{}, {"team": "it"}], combination="linear", max_new_tokens=6)
    assert len(answers) == 2 and all(isinstance(a, str) and a for a in answers)

    # option (b): one candidate per value adapter, the scorer (here: answer length) decides
    candidates = []
    for value in adapters:
        mixer.use_value(value)
        candidates.append(mixer.generate([ask("Hello")], 4)[0])
    picked = generate_selected(mixer, aggregator, [ask("Hello")], [{}],
                               scorer=lambda m, r: float(len(r)), max_new_tokens=4)
    assert picked[0] in candidates
