"""Quality filters on hand-built Examples of the bundled example's real policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.quality import (
    QualitySettings,
    balance,
    check_labels,
    drop_exact_duplicates,
    drop_near_duplicates,
    filter_grounding,
    jaccard,
    minhash,
    reason_category,
    run_quality,
    shingle,
)
from alignment_studio.types import Label, Modality, Policy, Provenance

TEACHER = Provenance(source="teacher", generator="test")
SEED = Provenance(source="seed")
CASH = ("Dana, a sales manager at the Lisbon office, accepted a prepaid card worth 50 euros "
        "from a merchant after a long negotiation about card fees last spring.")


@pytest.fixture(scope="module")
def policies(example_policy: Path) -> dict[str, Policy]:
    return {p.id: p for p in read_document(example_policy).policies()}


@pytest.fixture(scope="module")
def factory() -> ExampleFactory:
    return ExampleFactory(Prompts(None), "Acme")


def find(policies: dict[str, Policy], phrase: str) -> Policy:
    return next(p for p in policies.values() if phrase in p.text)


def test_near_duplicates_with_small_edits_are_dropped_and_different_items_kept(
        policies: dict[str, Policy], factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    first = factory.scenario(cash, CASH, Label.violating, "Cash equivalent.", TEACHER)
    edited = factory.scenario(cash, CASH.replace("long", "tense").replace("spring", "summer"),
                              Label.violating, "Cash equivalent.", TEACHER)
    other = factory.scenario(cash, "Omar, an engineer, was handed an envelope of banknotes by a "
                             "supplier at a trade fair and kept it.", Label.violating, "Cash.",
                             TEACHER)
    result = drop_near_duplicates([first, edited, other])
    assert [x.id for x in result.kept] == [first.id, other.id]
    assert [(d.stage, reason_category(d.reason)) for d in result.dropped] == \
        [("dedup", "near duplicate")]
    assert result.dropped[0].example == edited and first.id in result.dropped[0].reason


def test_items_with_the_same_question_on_different_policies_are_not_duplicates(
        policies: dict[str, Policy], factory: ExampleFactory) -> None:
    question = "What am I not allowed to do regarding gifts and entertainment?"
    items = [factory.qa(find(policies, phrase), question, find(policies, phrase).text, SEED)
             for phrase in ("give or accept cash", "open request for proposal")]
    assert len(drop_near_duplicates(items).kept) == 2


def test_pair_halves_stay_together(policies: dict[str, Policy],
                                   factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    story = "Mei, a recruiter, was offered a gift card by a candidate's agency and {}."
    twins = [factory.scenario(cash, story.format(verb), label, "Why.", TEACHER, pair_id="pair-1")
             for verb, label in (("declined it", Label.compliant),
                                 ("accepted it", Label.violating))]
    assert len(drop_near_duplicates(twins).kept) == 2
    # one half repeats an earlier seed item: the whole pair goes, not one half
    seed = factory.scenario(cash, story.format("accepted it"), Label.violating, "Seed.", SEED)
    result = drop_near_duplicates([seed, *twins])
    assert [x.id for x in result.kept] == [seed.id]
    assert sorted(reason_category(d.reason) for d in result.dropped) == \
        ["near duplicate", "twin dropped"]


def test_exact_duplicates_ignore_case_and_spacing(policies: dict[str, Policy],
                                                  factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    a = factory.scenario(cash, CASH, Label.violating, "Cash equivalent.", TEACHER)
    b = a.model_copy(update={"target": "  " + (a.target or "").upper()})
    result = drop_exact_duplicates([a, b, a])
    assert result.kept == [a] and len(result.dropped) == 2
    assert all(reason_category(d.reason) == "exact duplicate" for d in result.dropped)


def test_grounding_drops_unsupported_and_miscited_answers(policies: dict[str, Policy],
                                                          factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    other = find(policies, "report a lost or stolen device")
    question = "Can I accept a small gift card from a merchant?"
    good = factory.qa(cash, question, "No. You must never accept cash equivalents such as a "
                      "gift card, in any amount.", TEACHER)
    invented = factory.qa(cash, question, "Sure, bring your dog to the office on Fridays and "
                          "enjoy the free snacks in the lounge.", TEACHER)
    miscited = good.model_copy(update={"target": (good.target or "").replace(cash.id, other.id)})
    uncited = good.model_copy(update={"target": "No. You must never accept cash equivalents."})
    result = filter_grounding([good, invented, miscited, uncited], policies)
    assert result.kept == [good]
    reasons = [reason_category(d.reason) for d in result.dropped]
    assert reasons == ["answer not supported by the policy", "cites a different policy",
                       "cites no policy"]
    assert all(d.stage == "grounding" for d in result.dropped)


def test_label_checks_catch_mislabelled_restated_and_inconsistent_scenarios(
        policies: dict[str, Policy], factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    right = factory.scenario(cash, CASH, Label.violating, "Cash equivalent.", TEACHER)
    mislabelled = factory.scenario(cash, "Ana accepted cash from a merchant at a dinner.",
                                   Label.violating, "Cash.", TEACHER).model_copy(
        update={"label": Label.compliant})
    restated = factory.scenario(cash, cash.text, Label.violating, "It says so.", TEACHER)
    same_pair = [factory.scenario(cash, f"Ivo took {what} from a vendor.", Label.violating,
                                  "Cash.", TEACHER, pair_id="p-same")
                 for what in ("banknotes", "a voucher")]
    story = ("Lena, a finance analyst, received a bottle of wine worth 30 euros from a "
             "merchant and kept it on her desk.")
    conflicting = [factory.scenario(cash, story, label, "Teacher says so.", TEACHER)
                   for label in (Label.compliant, Label.violating)]
    items = [right, mislabelled, restated, *same_pair, *conflicting]
    result = check_labels(items, policies)
    assert result.kept == [right]
    reasons = {d.example.id: reason_category(d.reason) for d in result.dropped if d.example}
    assert reasons[mislabelled.id] == "verdict differs from label"
    assert reasons[restated.id] == "situation restates the policy"
    assert {reasons[x.id] for x in same_pair} == {"contrastive pair with the same label"}
    assert {reasons[x.id] for x in conflicting} == {"inconsistent labels"}


def test_balance_caps_cells_dropping_teacher_before_seed(policies: dict[str, Policy],
                                                         factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    items = [factory.scenario(cash, f"Story number {i} about a voucher from a merchant.",
                              Label.violating, "Cash.", SEED if i < 2 else TEACHER)
             for i in range(4)]
    result = balance(items, QualitySettings(max_per_cell=2, max_label_ratio=None))
    assert [x.provenance.source for x in result.kept] == ["seed", "seed"]
    assert {reason_category(d.reason) for d in result.dropped} == {"balance"}
    # 6 violating to 1 compliant with a ratio limit of 3: three violating go
    items.append(factory.scenario(cash, "Rosa declined a voucher.", Label.compliant, "Ok.", SEED))
    items += [factory.scenario(cash, f"Another story {i} with cash.", Label.violating, "Cash.",
                               TEACHER) for i in range(2)]
    ratio = balance(items, QualitySettings(max_label_ratio=3.0))
    labels = [x.label for x in ratio.kept]
    assert labels.count(Label.violating) == 3 and labels.count(Label.compliant) == 1
    assert all(x.provenance.source == "teacher" for x in
               (d.example for d in ratio.dropped) if x is not None)


def test_run_quality_reports_every_drop(policies: dict[str, Policy],
                                        factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    a = factory.scenario(cash, CASH, Label.violating, "Cash equivalent.", SEED)
    near = factory.scenario(cash, CASH.replace("long", "short"), Label.violating, "C.", TEACHER)
    bad = factory.qa(cash, "Can I?", "Bring your dog on Fridays and enjoy free snacks.", TEACHER)
    report = run_quality([a, a, near, bad], policies)
    assert report.kept == [a]
    assert report.counts == {"dedup: exact duplicate": 1, "dedup: near duplicate": 1,
                             "grounding: answer not supported by the policy": 1}
    assert len(report.kept) + len(report.dropped) == 4


def test_minhash_agreement_estimates_jaccard() -> None:
    texts = ["the quick brown fox jumps over the lazy dog near the river bank today",
             "the quick brown fox jumps over the lazy cat near the river bank today",
             "an entirely different sentence about procurement rules and gift cards"]
    sh = shingle(texts, 1)
    sig = minhash(sh, num_perm=256)
    for i, j in ((0, 1), (0, 2)):
        estimate = float((sig[i] == sig[j]).mean())
        assert abs(estimate - jaccard(sh.of(i), sh.of(j))) < 0.12


def test_policies_of_the_example_have_the_modalities_the_tests_rely_on(
        policies: dict[str, Policy]) -> None:
    assert find(policies, "give or accept cash").modality == Modality.prohibition


def test_cue_variants_are_not_near_duplicates_of_their_original(
        policies: dict[str, Policy], factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    original = factory.scenario(cash, CASH, Label.violating, "Cash equivalent.", TEACHER)
    variant = factory.scenario(cash, CASH.replace("prepaid card", "voucher"), Label.violating,
                               "Cash equivalent.", TEACHER)
    assert len(drop_near_duplicates([original, variant]).kept) == 1
    cued = variant.model_copy(update={"terms": ["prepaid card", "voucher"]})
    assert len(drop_near_duplicates([original, cued]).kept) == 2


def test_a_pair_half_dropped_by_a_check_takes_its_twin_along(
        policies: dict[str, Policy], factory: ExampleFactory) -> None:
    cash = find(policies, "give or accept cash")
    twins = [factory.scenario(cash, f"Ivo {verb} a voucher from a vendor.", label, "Why.",
                              TEACHER, pair_id="p-1")
             for verb, label in (("refused", Label.compliant), ("took", Label.violating))]
    twins[1] = twins[1].model_copy(update={"label": Label.needs_info})  # target says violating
    result = check_labels(twins, policies)
    assert result.kept == []
    assert [reason_category(d.reason) for d in result.dropped] == \
        ["twin dropped", "verdict differs from label"]
