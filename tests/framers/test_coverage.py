"""Coverage counts, gaps and the data card on a small set whose answer is known by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.coverage import Gap, coverage, gaps
from alignment_studio.framers.datacard import DataCard, build_datacard, render_datacard
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.quality import run_quality
from alignment_studio.types import DatasetBundle, Example, Label, Modality, Policy, Provenance

SEED = Provenance(source="seed")
TEACHER = Provenance(source="teacher")


@pytest.fixture(scope="module")
def three(example_policy: Path) -> list[Policy]:
    """A prohibition, a permission and an obligation of the bundled example."""
    policies = read_document(example_policy).policies()
    pick = [next(p for p in policies if phrase in p.text) for phrase in
            ("give or accept cash", "unsolicited gift worth 100", "report a lost or stolen")]
    assert [p.modality for p in pick] == [Modality.prohibition, Modality.permission,
                                          Modality.obligation]
    return pick


@pytest.fixture(scope="module")
def items(three: list[Policy]) -> list[Example]:
    cash, gift, _device = three
    f = ExampleFactory(Prompts(None), "Acme")
    return [f.qa(cash, "Can I accept a voucher?", cash.text, SEED),
            f.scenario(cash, "Dana refused a voucher.", Label.compliant, "Refused.", SEED),
            f.scenario(cash, "Dana took a voucher.", Label.violating, "Took it.", SEED),
            f.scenario(cash, "Dana took a voucher from a supplier.", Label.violating, "Took.",
                       TEACHER),
            f.scenario(cash, "Dana was offered something; we do not know what.",
                       Label.needs_info, "Unknown.", SEED),
            f.scenario(gift, "Omar accepted a 40 dollar book from a partner.", Label.compliant,
                       "Under the limit.", SEED)]


def test_coverage_counts_by_policy_and_term(three: list[Policy], items: list[Example]) -> None:
    cash, gift, device = three
    cov = coverage(items, three, {"cash equivalent": [cash.id], "device": [device.id]})
    rows = {r.policy_id: r.counts for r in cov.policies}
    assert rows[cash.id].by_kind == {"instruction": 1, "scenario": 4}
    assert rows[cash.id].scenario_labels == {"compliant": 1, "needs_info": 1, "violating": 2}
    assert rows[gift.id].total == 1 and rows[device.id].total == 0
    terms = {t.term: t for t in cov.terms}
    assert terms["cash equivalent"].counts.total == 5 and terms["device"].counts.total == 0


def test_gaps_name_missing_kinds_labels_and_terms(three: list[Policy],
                                                 items: list[Example]) -> None:
    cash, gift, device = three
    cov = coverage(items, three, {"cash equivalent": [cash.id], "device": [device.id]})
    assert gaps(cov) == [
        Gap(subject="policy", id=gift.id, missing=["instruction"]),
        Gap(subject="policy", id=device.id, missing=["instruction", "scenario:compliant",
                                                     "scenario:violating",
                                                     "scenario:needs_info"]),
        Gap(subject="term", id="device", missing=["items"]),
    ]
    strict = {g.id: g.missing for g in gaps(cov, min_items_per_label=2)}
    assert strict[cash.id] == ["scenario:compliant", "scenario:needs_info"]


def test_datacard_shows_the_numbers(three: list[Policy], items: list[Example]) -> None:
    cash = three[0]
    noisy = [*items, items[2], items[3].model_copy(update={"label": Label.compliant})]
    report = run_quality(noisy, {p.id: p for p in three})
    bundle = DatasetBundle(name="demo", version="v1", examples=report.kept)
    cov = coverage(report.kept, three, {"cash equivalent": [cash.id]})
    text = render_datacard(bundle, cov, report.dropped)
    assert f"{len(report.kept)} items kept, {len(report.dropped)} dropped." in text
    assert "| dedup | exact duplicate | 1 |" in text
    assert "| consistency | verdict differs from label | 1 |" in text
    assert "policies covered: 1 of 3" in text and "terms covered: 1 of 1" in text
    assert f"policy {three[2].id}: missing instruction" in text
    card = build_datacard(bundle, cov, report.dropped)
    assert DataCard.model_validate_json(card.model_dump_json()) == card
    assert card.by_source == {"seed": 5, "teacher": 1}
    assert card.label_share["violating"] == round(2 / 5, 3)
