"""Values, contexts and priority-aware conflict data (no model; FakeBackend for inference)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from alignment_studio.backends.base import GenerationConfig
from alignment_studio.backends.fake import FakeBackend
from alignment_studio.core.errors import StudioError
from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.conflicts import ConflictPair, conflict_example, find_conflicts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.values import (
    ask_in_context,
    conflict_preferences,
    declared_contexts,
    effective_priorities,
    precedence,
    scoped,
    value_of,
    weights,
    with_context,
)
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import DatasetBundle, Kind, Message, Modality, Policy, Split
from alignment_studio.workspace.config import (
    StudioConfig,
    ValuesSettings,
    load_config,
    render_config,
)

FACTORY = ExampleFactory(Prompts(None), "Acme")
BAN = Policy(id="social/posting/p-1", text="You must not post client names on social media.",
             modality=Modality.prohibition, section_id="social/posting")
DUTY = Policy(id="marketing/stories/p-2", modality=Modality.obligation,
              text="You must post client success stories on social media every month.",
              section_id="marketing/stories")
PAIR = ConflictPair(first=BAN, second=DUTY, overlap=["client", "social"], score=0.3)

VALUES: dict[str, Any] = {
    "values": [{"name": "safety", "policies": ["social/posting/p-1"], "weight": 0.5},
               {"name": "privacy", "policies": ["social"], "weight": 2.0},
               {"name": "openness", "policies": ["marketing/"], "weight": 1.0}],
    "contexts": [{"name": "marketing-team", "when": {"team": "marketing"},
                  "precedence": ["openness"], "multipliers": {"openness": 3.0}},
                 {"name": "public", "when": {"channel": "public"},
                  "multipliers": {"privacy": 1.5, "openness": 0.5}}],
    "default_context": {"channel": "internal"}}


def settings() -> ValuesSettings:
    return ValuesSettings.model_validate(VALUES)


def test_precedence_and_weights_follow_the_matching_contexts() -> None:
    values = settings()
    assert precedence(values) == ["safety", "privacy", "openness"]
    assert precedence(values, {"team": "marketing"}) == ["openness", "safety", "privacy"]
    assert weights(values) == {"privacy": 2.0, "openness": 1.0, "safety": 0.5}
    # both contexts match: multipliers multiply (3.0 x 0.5 for openness)
    both = {"team": "marketing", "channel": "public"}
    assert weights(values, both) == {"privacy": 3.0, "openness": 1.5, "safety": 0.5}
    # the input's own channel overrides the default one, so 'public' no longer matches
    assert weights(values, {"team": "marketing", "channel": "internal"})["privacy"] == 2.0


def test_value_of_takes_the_longest_prefix_and_whole_id_segments() -> None:
    values = settings()
    assert value_of("social/posting/p-1", values) == "safety"
    assert value_of("social/posting/p-9", values) == "privacy"
    assert value_of("marketing/stories/p-2", values) == "openness"
    assert value_of("socialist/x/p-1", values) is None  # a prefix covers whole segments only


def test_values_become_the_priority_list_above_frame_priorities() -> None:
    values = settings()
    assert effective_priorities(values, ["hr", "marketing"]) == [
        "social/posting/p-1", "social", "marketing", "hr"]
    assert effective_priorities(ValuesSettings(), ["hr/", "legal"]) == ["hr", "legal"]


def test_a_context_that_reorders_values_flips_the_preferred_answer() -> None:
    values = settings()
    items = conflict_preferences([PAIR], values, None, FACTORY)
    by_context = {m.content.splitlines()[-1]: e for e in items
                  for m in e.messages[:1]}
    assert set(by_context) == {"Context: channel=internal", "Context: channel=public",
                               "Context: channel=internal; team=marketing"}
    default = by_context["Context: channel=internal"]
    team = by_context["Context: channel=internal; team=marketing"]
    for item in items:
        assert item.kind == Kind.preference and item.chosen and item.rejected
        assert item.chosen != item.rejected
    # safety (the ban) outranks openness by default; the marketing team puts openness first
    assert default.chosen is not None and team.chosen is not None
    assert default.chosen.startswith(f"Both policies apply. [{BAN.id}] takes precedence over "
                                     f"[{DUTY.id}]")
    assert team.chosen.startswith(f"Both policies apply. [{DUTY.id}] takes precedence over "
                                  f"[{BAN.id}]")
    assert team.rejected is not None and team.rejected.startswith(
        f"Both policies apply. [{BAN.id}] takes precedence")
    assert "'openness' ranks above 'safety'" in team.chosen
    assert team.policy_ids == [DUTY.id, BAN.id] and default.policy_ids == [BAN.id, DUTY.id]
    assert len({e.id for e in items}) == 3


def test_preferences_from_real_conflict_examples_keep_their_split(policies_18f: list[Path]
                                                                  ) -> None:
    doc = read_document(next(p for p in policies_18f if p.name == "overtime.md"))
    policies = {p.id: p for p in doc.policies()}
    pairs = [p for p in find_conflicts(list(policies.values()), limit=6)
             if p.first.section_id != p.second.section_id]  # two values, one per section
    assert pairs
    examples = [conflict_example(p, FACTORY, []).model_copy(update={"split": Split.test})
                for p in pairs]
    first, second = pairs[0].first, pairs[0].second
    values = ValuesSettings.model_validate({
        "values": [{"name": "a", "policies": [first.section_id]},
                   {"name": "b", "policies": [second.section_id]}],
        "contexts": [{"name": "flip", "when": {"role": "manager"}, "precedence": ["b"]}]})
    values = scoped(values, [doc])  # section prefixes name the policies under them
    items = conflict_preferences(examples[:1], values, [{}, {"role": "manager"}], FACTORY,
                                 policies=policies)
    assert [e.split for e in items] == [Split.test, Split.test]
    assert items[0].policy_ids == [first.id, second.id]
    assert items[1].policy_ids == [second.id, first.id]
    assert first.text in items[0].messages[1].content


def test_context_line_is_identical_in_training_rows_and_at_inference() -> None:
    values = settings()
    item = conflict_preferences([PAIR], values, [{"team": "marketing"}], FACTORY)[0]
    row = DatasetBundle(name="t", version="1", examples=[item]).to_trl(preference=True)[0]
    raw = FACTORY.conflict([BAN, DUTY], "x", "", item.provenance).messages
    raw = [raw[0], item.messages[1]]  # the same user turn, the system prompt without context
    fake = FakeBackend(outputs=["ok"])
    ask_in_context(fake, [raw], [{"team": "marketing"}], values,
                   GenerationConfig(max_new_tokens=8))
    asked = [m.model_dump() for m in fake.history[0]]
    assert asked == row["prompt"]
    assert asked[0]["content"].endswith("\nContext: channel=internal; team=marketing")
    assert "team=marketing" not in raw[0].content


def test_with_context_without_a_system_prompt_adds_one_and_empty_changes_nothing() -> None:
    user = [Message(role="user", content="hi")]
    assert with_context(user, {}) == user
    out = with_context(user, {"role": "manager", "channel": "public"})
    assert out[0] == Message(role="system", content="Context: channel=public; role=manager")
    assert out[1:] == user


def test_declared_contexts_lay_each_context_over_the_default() -> None:
    assert declared_contexts(settings()) == [
        {"channel": "internal"}, {"channel": "internal", "team": "marketing"},
        {"channel": "public"}]


def write_values(tmp_path: Path, example_policy: Path, values: dict[str, Any]) -> Path:
    init_workspace(tmp_path, [example_policy], [])
    path = tmp_path / "studio.yaml"
    data = yaml.safe_load(path.read_text())
    data["values"] = values
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def line_of(path: Path, pattern: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1)
                if re.search(pattern, t))


def test_values_load_from_studio_yaml_and_render_with_comments(tmp_path: Path,
                                                               example_policy: Path) -> None:
    write_values(tmp_path, example_policy, VALUES)
    config = load_config(tmp_path)
    assert precedence(config.values, {"team": "marketing"})[0] == "openness"
    text = render_config(StudioConfig())
    assert "# values in precedence order, highest first" in text
    assert "  default_context: {}" in text
    declared = render_config(config)  # lists of values and contexts render as plain YAML
    assert StudioConfig.model_validate(yaml.safe_load(declared)) == config


@pytest.mark.parametrize(("change", "message", "where"), [
    (lambda v: v["contexts"][0]["precedence"].append("honesty"),
     r"values\.contexts: Value error, context 'marketing-team' names an unknown value: "
     r"'honesty' \(declared: openness, privacy, safety\)$", r"^  contexts:"),
    (lambda v: v["contexts"][1]["multipliers"].update(speed=2.0),
     r"values\.contexts: Value error, context 'public' names an unknown value: 'speed'",
     r"^  contexts:"),
    (lambda v: v["values"].append({"name": "privacy", "policies": ["hr"]}),
     r"values\.values: Value error, value declared twice: privacy$", r"^  values:"),
    (lambda v: v["contexts"].append({"name": "public", "when": {"a": "b"}}),
     r"values\.contexts: Value error, context declared twice: public$", r"^  contexts:"),
    (lambda v: v["values"][1]["policies"].append("  "),
     r"values\.values\.1\.policies: Value error, empty policy ID prefix$", r"^    policies:"),
])
def test_bad_values_are_one_line_errors(tmp_path: Path, example_policy: Path, change: Any,
                                        message: str, where: str) -> None:
    values = yaml.safe_load(yaml.safe_dump(VALUES))
    change(values)
    path = write_values(tmp_path, example_policy, values)
    with pytest.raises(StudioError) as info:
        load_config(tmp_path)
    text = str(info.value)
    assert "\n" not in text and re.search(message, text), text
    line = int(text.split(":")[1])
    assert re.search(where, path.read_text().splitlines()[line - 1]), line
