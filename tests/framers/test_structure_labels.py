"""Extraction accuracy on the hand-labelled documents (the nine 18F pages and rounds 1-7, 9-27 and
29 of four to six documents of other styles: 130 documents, 9,181 labels when this was written, 224
documents and 15,191 labels since rounds 46-49 joined; the held-out rounds 8
and 28 are left to the bench) stays above floors a bit under what bench/bench_structure.py
measured (in total precision 0.83, recall 0.80, modality 0.77, negated rules 0.74, actor 0.80).
Rounds 20 and 21, measured unseen at recall 0.57 and 0.58 and developed on from the sixth
2026-12-04 session, lowered the floors of recall, modality and negated rules by a point each;
round 22 (measured unseen at recall 0.61, developed on from 2026-12-05), round 23 (0.68,
developed on from the next session), round 24 (0.45, developed on from the third 2026-12-05
session) and round 25 (0.70, developed on from the fourth) moved none; round 26 (0.40, developed
on from that fourth session, modality 0.66 after it) lowered the modality floor by a point;
rounds 27 (0.60) and 29 (0.55), developed on from the fifth, moved none; rounds 32 (0.70) and 33
(0.62), developed on from the fourth 2026-12-06 session (rules alone after it: recall 0.76 and
0.70), lowered the recall floor by a point (in total 0.798 with them). The floors are the
rules' alone: the learned second reading (framers/second_reading.py) is trained on these
documents, so its figures here are in-sample and are checked only for what it adds; round 30 is
held out with rounds 8 and 28; round 34, measured unseen once at the end of the fourth 2026-12-06
session and not developed on yet, is left out until it is."""

from __future__ import annotations

from types import ModuleType

import pytest
from parsed import load_bench

from alignment_studio.framers.parse import read_document
from alignment_studio.framers.statements import Settings
from alignment_studio.types import Modality, Policy, PolicyDocument, Section


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("bench_structure")


# Headings the labels of rounds 46-49 name that the parser does not read, each left for a
# reason: the terms page's labels take its run-in clause titles ("1.1.  License.  Subject to
# ...") for headings, which round 38's labels of the same layout ("2.3.1. General Information.
# Forward waiver ...") do not; a Word line of sixteen bold words is longer than a title the
# reader takes; a PDF's bold "i." title is read as a list item. Round 54's HTML page takes its
# bold questions ("What is SecureDrop?") and a bold thirteen-word order for headings, which the
# labels of earlier rounds keep under the heading above (html._bold_title).
_HEADINGS_NOT_READ = {
    "fda-precisionfda-terms-of-service.html": 22,
    "freedom-of-the-press-foundation-securedrop-landing-page.html": 5,
    "mysociety-whatdotheyknow-privacy-policy.docx": 1,
    "supabase-terms-of-service.pdf": 1,
}


def test_every_label_names_a_real_section_and_quote(bench: ModuleType) -> None:
    """On the documents rules were developed on, the parser finds every labelled section (on
    the held-out round a section it misses is measured by the bench as missed statements),
    but for the few headings listed above."""
    for path in bench.label_files():
        name, labels = bench.load_labels(path)
        assert len(labels) >= 10, name
        if bench.group_of(name) in (*bench.HELD_OUT_GROUPS, *bench.NOT_YET_DEVELOPED):
            continue
        doc = read_document(bench.document_path(name))
        titles = {bench.title_key(s.title) for s in doc.all_sections()}
        missing = {label.section for label in labels
                   if bench.title_key(label.section) not in titles
                   and bench.title_key(label.section) != bench.title_key(doc.title)}
        assert len(missing) <= _HEADINGS_NOT_READ.get(name, 0), (name, sorted(missing))
    assert len(bench.label_files()) >= 38


def _developed_total(bench: ModuleType, per_doc: dict) -> object:
    return sum((s for name, s in per_doc.items() if bench.group_of(name)
                not in (*bench.HELD_OUT_GROUPS, *bench.NOT_YET_DEVELOPED)), bench.Scores())


@pytest.fixture(scope="module")
def rules_only(bench: ModuleType) -> dict:
    """Scores per document of the rules alone (the learned second reading off)."""
    return bench.score_all(Settings(second_reading=False))


def test_extraction_figures_stay_above_their_floors(bench: ModuleType, rules_only: dict) -> None:
    """The rules alone, on the documents they were developed on."""
    total = _developed_total(bench, rules_only)
    assert total.labels >= 2000
    assert total.found / total.labels >= 0.95  # segmentation: a statement for every label
    # recall 0.785 and actor 0.774 since rounds 46-49 joined the pool (the rules alone read
    # them at recall 0.69 and actor 0.68 after developing on them); on the 204 documents before
    # them the rules read recall 0.793 and actor 0.782 (0.781 at the eighth 2026-12-06
    # session's start); recall 0.778 and actor 0.769 since round 54 joined (the rules alone
    # read it at 0.62 and 0.66 after developing on it), the 242 documents before it still at
    # 0.781 and 0.771
    assert total.recall >= 0.775
    assert total.precision >= 0.78
    # modality 0.755 and negated 0.739 since rounds 42-45 joined the pool (their negated rules
    # read 116 of 174); on the rounds before them the rules still read 0.76 and 0.747 (1,192 of
    # 1,596; 1,185 at the seventh 2026-12-06 session's start); modality 0.749 and negated 0.731
    # since rounds 50-51 joined (the rules alone read them at 0.66 and 0.64 after developing on
    # them), the 224 documents before them still at 0.752 and 0.732; negated 0.730 since rounds
    # 55-56 joined (the rules alone read round 56's at 22 of 35 after developing on it), the 247
    # documents before them still at 0.732 (1,466 of 2,004)
    assert total.modality_accuracy >= 0.74
    assert total.negated_accuracy >= 0.725
    assert total.actor_accuracy >= 0.765
    for name, scores in rules_only.items():  # the documents the rules were developed on
        if bench.group_of(name) in (bench.DEVELOPED, bench.ROUND_1):
            assert scores.recall >= 0.55 and scores.modality_accuracy >= 0.5, name


def test_the_second_reading_adds_norms_and_changes_no_statement(bench: ModuleType,
                                                                rules_only: dict) -> None:
    """With the shipped model (trained on these documents, so the lift here is in-sample; the
    cross-validated one is in bench/results/second-reading-cross-validation.txt) recall and
    modality rise; the statements are the same (a label may match another of them, since the
    matching prefers a norm)."""
    rules = _developed_total(bench, rules_only)
    both = _developed_total(bench, bench.score_all())
    assert both.labels == rules.labels and abs(both.found - rules.found) <= 0.005 * rules.labels
    assert both.recall >= rules.recall + 0.05
    assert both.modality_accuracy >= rules.modality_accuracy + 0.05
    assert both.precision >= 0.80


def test_scorer_counts_misses_wrong_modalities_and_extras(bench: ModuleType) -> None:
    doc = PolicyDocument(id="d", title="D", version="v", source="s", sha256="x", sections=[])
    section = Section(id="d/s", title="S", level=1, policies=[
        Policy(id="d/s/p-1", text="You must lock your screen.", modality=Modality.obligation,
               section_id="d/s"),
        Policy(id="d/s/p-2", text="You may use a filter.", modality=Modality.obligation,
               section_id="d/s"),
        Policy(id="d/s/p-3", text="Badges are blue.", modality=Modality.recommendation,
               section_id="d/s")])
    doc.sections.append(section)
    labels = [bench.Label("S", Modality.obligation, "lock your screen"),
              bench.Label("S", Modality.permission, "You may use a filter."),
              bench.Label("S", Modality.prohibition, "Never share passwords."),
              bench.Label("Other", Modality.obligation, "Badges are blue.")]
    scores = bench.score(doc, labels)
    assert (scores.found, scores.recalled, scores.precise, scores.policies) == (2, 2, 2, 3)
    assert scores.modality_ok == 1 and len(scores.missed) == 2 and len(scores.spurious) == 1
    assert (scores.elsewhere, scores.elsewhere_norms) == (1, 1)  # read under "S", not "Other"
    assert scores.confusion[("permission", "obligation")] == 1


def test_scorer_counts_modality_of_norms_inversions_and_equivalent_negations(
        bench: ModuleType) -> None:
    """A label found as an informational statement lowers the strict modality figure only; a
    prohibition read as a permission is an inversion; "is not required" read as a negated
    permission is right up to where the negation sits, not strictly."""
    doc = PolicyDocument(id="d", title="D", version="v", source="s", sha256="x", sections=[])
    doc.sections.append(Section(id="d/s", title="S", level=1, policies=[
        Policy(id="d/s/p-1", text="Never share passwords.", modality=Modality.permission,
               section_id="d/s"),
        Policy(id="d/s/p-2", text="You are not required to attend.",
               modality=Modality.permission, negated=True, section_id="d/s"),
        Policy(id="d/s/p-3", text="Badges are blue.", modality=Modality.informational,
               section_id="d/s")]))
    labels = [bench.Label("S", Modality.prohibition, "Never share passwords.", negated=True),
              bench.Label("S", Modality.obligation, "not required to attend", negated=True),
              bench.Label("S", Modality.definition, "Badges are blue.")]
    scores = bench.score(doc, labels)
    assert (scores.found, scores.recalled, scores.modality_ok, scores.norm_modality_ok) == \
        (3, 2, 0, 0)
    assert scores.inverted == 1
    assert (scores.negated_ok, scores.negated_equivalent, scores.negated_total) == (0, 1, 2)


def test_a_section_title_is_keyed_without_its_rule_or_article_number(bench: ModuleType) -> None:
    """"Rule 5. Regular Meetings" has the title "Regular Meetings", as "Section 4" and
    "§ 2635.302" titles drop their numbers; "Rule of thumb" keeps its words."""
    assert bench.title_key("Rule 5. Regular Meetings") == bench.title_key("Regular Meetings")
    assert bench.title_key("Article IV. Officers") == bench.title_key("Officers")
    assert bench.title_key("Rule of thumb") == "rule of thumb"
