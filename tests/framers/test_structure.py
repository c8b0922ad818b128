"""Statement splitting, lead-ins, the actor/conditions/exceptions/refs/terms fields, stable IDs."""

from __future__ import annotations

from pathlib import Path

from parsed import by_text, parse

from alignment_studio.framers.clauses import classify_modality, split_clauses
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Modality


def test_compound_sentences_become_separate_statements() -> None:
    assert split_clauses("You must lock your screen and you must not share your password.") == [
        "You must lock your screen", "you must not share your password."]
    assert split_clauses("Employees must wear badges; contractors must sign in.") == [
        "Employees must wear badges", "contractors must sign in."]
    # one modal over two verbs, and a series of imperatives, stay one statement
    one = "It is critical that you notify IT within 1 hour and provide all information."
    assert split_clauses(one) == [one]
    series = "Use a password manager, use unique passwords, and use stronger passwords."
    assert split_clauses(series) == [series]


def test_split_statements_share_paragraph_and_get_their_own_modality(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Screens\n\nRead this first.\n\n"
                          "You must lock your screen and you must not share your password. "
                          "You may use a privacy filter.\n")
    policies = doc.section("policy/screens").policies
    assert [p.paragraph for p in policies] == [1, 2, 2, 2]
    assert [p.modality for p in policies[1:]] == [Modality.obligation, Modality.prohibition,
                                                  Modality.permission]
    assert all(p.text in (tmp_path / "policy.md").read_text() for p in policies)


def test_list_items_carry_the_lead_in_modality_actor_and_condition(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Secrets\n\nYou must never:\n\n- share your password\n"
                          "- Write it on a sticky note.\n\nEmployees must:\n\n- lock screens\n"
                          "- You may keep a spare key.\n\n"
                          "If you receive a suspicious email, follow these steps:\n\n"
                          "1. Do not click any links.\n2. Report it to IT.\n")
    share = by_text(doc, "share your password")
    assert share.text == "share your password"  # the lead-in is not copied into the text
    assert (share.modality, share.actor) == (Modality.prohibition, "you")
    assert by_text(doc, "Write it on").modality == Modality.prohibition
    lock = by_text(doc, "lock screens")
    assert (lock.modality, lock.actor) == (Modality.obligation, "employees")
    assert by_text(doc, "You may keep").modality == Modality.permission  # its own modal wins
    click, report = by_text(doc, "Do not click"), by_text(doc, "Report it")
    assert click.modality == Modality.prohibition and report.modality == Modality.obligation
    assert click.conditions == report.conditions == ["If you receive a suspicious email"]
    assert by_text(doc, "You must never:").modality == Modality.informational


def test_actor_conditions_exceptions(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Rules\n\n"
                          "18F staff must not share data unless Legal approves it.\n\n"
                          "If you travel abroad, supervisors must approve the trip.\n\n"
                          "Contractors may work remotely, except when on client premises.\n\n"
                          "In case of fire, leave the building.\n\n"
                          "You will need approval before working extra hours.\n")
    share = by_text(doc, "18F staff")
    assert (share.actor, share.modality) == ("18f staff", Modality.prohibition)
    assert share.exceptions == ["unless Legal approves it"]
    trip = by_text(doc, "If you travel")
    assert (trip.actor, trip.conditions) == ("supervisors", ["If you travel abroad"])
    remote = by_text(doc, "Contractors")
    assert remote.actor == "contractors" and remote.exceptions == ["except when on client premises"]
    assert by_text(doc, "In case of fire").conditions == ["In case of fire"]
    extra = by_text(doc, "You will need")
    assert extra.modality == Modality.obligation
    assert extra.conditions == ["before working extra hours"]


def test_refs_resolve_to_sections_of_the_same_document(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Security Incidents\n\nReport incidents to IT.\n\n"
                          "## Laptops\n\nLock your laptop (see the Security Incidents policy).\n\n"
                          "Refer to OPM's Overtime Fact Sheet for more detail.\n\n"
                          "You can phone the team, as described in Section 3.1.1 of the IT "
                          "Guide.\n")
    assert by_text(doc, "Lock your laptop").refs == ["policy/security-incidents"]
    assert by_text(doc, "Refer to").refs == ["OPM's Overtime Fact Sheet"]
    assert by_text(doc, "You can phone").refs == ["Section 3.1.1 of the IT Guide"]


def test_definitions_and_terms(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Terms\n\n"
                          "An “incident” or “security incident” is a violation of policy.\n\n"
                          "Overtime is when you are paid for extra hours you are required to "
                          "work.\n\n**What is a gift?** Anything of value you receive.\n\n"
                          "## Glossary\n\n### Integrity\n\nThe soundness of our systems.\n")
    incident = by_text(doc, "An “incident”")
    assert incident.modality == Modality.definition
    assert incident.terms == ["incident", "security incident"]
    overtime = by_text(doc, "Overtime is when")
    assert (overtime.modality, overtime.terms) == (Modality.definition, ["Overtime"])
    gift = by_text(doc, "Anything of value")
    assert (gift.modality, gift.terms) == (Modality.definition, ["gift"])
    integrity = by_text(doc, "The soundness")
    assert (integrity.modality, integrity.terms) == (Modality.definition, ["Integrity"])


def test_modality_rules_added_for_the_labelled_documents() -> None:
    assert classify_modality("You are not required to stay late") == Modality.permission
    assert classify_modality("First: it's always OK to err on the side of reporting!") == \
        Modality.permission
    assert classify_modality("You'll still need to memorize a few passwords.") == \
        Modality.obligation
    assert classify_modality("Please include Security Incident in the subject line.") == \
        Modality.obligation
    assert classify_modality("If email is unavailable, contact them another way.") == \
        Modality.obligation
    assert classify_modality("Or try thinking of a line from a song.") == Modality.recommendation
    assert classify_modality("You'll never get in trouble for pinging them.") == \
        Modality.informational
    assert classify_modality("How quickly can the secrets be rotated?") == Modality.informational
    assert classify_modality("Never accept cash.") == Modality.prohibition


def test_editing_one_paragraph_of_a_real_document_changes_only_its_ids(
        policies_18f: list[Path], tmp_path: Path) -> None:
    source = next(p for p in policies_18f if p.name == "overtime.md")
    text = source.read_text(encoding="utf-8")
    old_sentence = "You should use your accrued comp time before using Annual Leave."
    assert text.count(old_sentence) == 1
    edited_path = tmp_path / "overtime.md"
    edited_path.write_text(text.replace(old_sentence, "You should use your accrued comp time "
                                        "before using any Annual Leave."), encoding="utf-8")
    before, after = read_document(source), read_document(edited_path, doc_id=None)
    assert before.id == after.id and [p.id for p in read_document(source).policies()] == \
        [p.id for p in before.policies()]
    old = {p.id: p for p in before.policies()}
    new = {p.id: p for p in after.policies()}
    gone, added = set(old) - set(new), set(new) - set(old)
    assert len(gone) == len(added) == 1
    (gone_id,), (added_id,) = gone, added
    assert old[gone_id].text == old_sentence
    edited = (old[gone_id].section_id, old[gone_id].paragraph)
    assert (new[added_id].section_id, new[added_id].paragraph) == edited
    # the other statement of the edited paragraph keeps its ID, so do all other paragraphs
    neighbours = [p for p in before.policies()
                  if (p.section_id, p.paragraph) == edited and p.id != gone_id]
    assert neighbours and all(p.id in new for p in neighbours)
    assert len(before.policies()) == len(after.policies())


def test_a_negated_item_under_a_duty_heading_is_a_negated_duty(tmp_path: Path) -> None:
    """"Required" over "The source does not include compiled files.": a duty that something
    not be so; an item without a "not" stays a plain duty."""
    doc = parse(tmp_path, "# Review\n\n## Required\n\n- The source does not include compiled "
                          "files.\n- Runtime requirements are not pinned too strictly.\n"
                          "- The license file is included.\n")
    for text in ("The source does not include compiled files.",
                 "Runtime requirements are not pinned too strictly."):
        item = by_text(doc, text)
        assert (item.modality, item.negated) == (Modality.obligation, True), text
    plain = by_text(doc, "The license file is included.")
    assert (plain.modality, plain.negated) == (Modality.obligation, False)


def test_examples_of_a_norms_object_leave_the_norm_with_its_lead_in(tmp_path: Path) -> None:
    """"X MUST be built using boundary controls, such as:" keeps its duty, and its items are
    examples; a prohibition's "such as:" items are the banned acts themselves."""
    doc = parse(tmp_path, "# Network\n\nSegmentation MUST be built using boundary controls, "
                          "such as:\n\n- firewalls\n- network switches\n\nWe will not accept "
                          "harassment or other exclusionary behaviours, such as:\n\n- The use "
                          "of sexualized language\n")
    lead_in = by_text(doc, "Segmentation MUST be built")
    assert lead_in.modality == Modality.obligation
    assert by_text(doc, "firewalls").modality == Modality.informational
    assert by_text(doc, "The use of sexualized").modality == Modality.prohibition


def test_a_glossary_entry_that_ends_in_a_list_still_defines_its_term(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Standard\n\n## Definitions\n\nRoot CA System: A system used "
                          "to:\n\n- generate a key pair for a root CA;\n- create digital "
                          "signatures with a root key.\n\nWorkstation: A "
                          "device used by staff.\n")
    assert by_text(doc, "Root CA System: A system used to:").modality == Modality.definition
    assert by_text(doc, "Workstation: A device").modality == Modality.definition


def test_a_heading_that_states_a_rule_is_also_a_statement(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Plugin guidelines\n\n"
                "## 8. Plugins may not send executable code via third-party systems.\n\n"
                "Externally loading code from documented services is permitted.\n\n"
                "## 4. Keep code (mostly) human readable.\n\nObscure code is hard to review.\n\n"
                "## Developers are responsible for the files they upload\n\nSee the FAQ.\n\n"
                "## What the directory must do\n\nIt lists plugins.\n\n"
                "## Requesting that a plugin be approved\n\nWrite to us.\n\n"
                "## Can I sell my plugin?\n\nYes.\n")
    rule = by_text(doc, "8. Plugins may not send")
    assert (rule.modality, rule.negated) == (Modality.prohibition, True)
    assert rule.section_id == doc.policies()[0].section_id  # first in its own section
    assert by_text(doc, "4. Keep code").modality == Modality.obligation
    assert by_text(doc, "Developers are responsible").modality == Modality.obligation
    texts = [p.text for p in doc.policies()]
    for topic in ("What the directory", "Requesting that", "Can I sell"):
        assert not any(t.startswith(topic) for t in texts), topic


def test_may_not_contain_sets_a_limit_but_may_contain_is_a_possibility(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Rules\n\nPublic pages on WordPress.org may not contain sponsored "
                "links. Passwords cannot contain spaces. The documentation may contain content "
                "created by its authors.\n")
    assert by_text(doc, "Public pages").modality == Modality.prohibition
    assert by_text(doc, "Passwords cannot").modality == Modality.prohibition
    assert by_text(doc, "The documentation").modality == Modality.informational


def test_examples_after_a_prohibition_are_the_banned_acts(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Guidelines\n\n"
                "## 9. Developers must not do anything dishonest.\n\n"
                "The intent is to protect users.\n\n"
                "This includes (but is not restricted to) the following examples:\n\n"
                "- Offering to drive more traffic to sites that use the plugin\n"
                "- Creating accounts to generate fake reviews\n\n"
                "## Disruptive Behaviour\n\nDisruption of talks will not be tolerated.\n\n"
                "This includes:\n\n- Talking over speakers\n")
    for start in ("Offering to drive", "Creating accounts"):
        item = by_text(doc, start)
        assert (item.modality, item.negated, item.actor) == \
            (Modality.prohibition, True, "developers"), start
    # a plain "This includes:" in a paragraph of its own defines the banned conduct
    assert by_text(doc, "Talking over").modality == Modality.definition


def test_a_paragraphs_run_in_title_is_no_statement_of_its_own(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Agreement\n\n## Requirements\n\n"
                "Free to Attend. We ask that you show proof of venue registration.\n\n"
                "Listen. Moderators read the whole thread first.\n\n"
                "Use Restrictions. You agree not to resell the data.\n")
    assert by_text(doc, "Free to Attend.").modality == Modality.informational  # not "free to"
    assert by_text(doc, "We ask that you").modality == Modality.obligation
    assert by_text(doc, "Listen.").modality == Modality.obligation  # an order, not a title
    assert by_text(doc, "Use Restrictions.").modality == Modality.informational  # a title


def test_an_order_before_sub_headings_hands_its_force_to_their_items(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Verification\n\n## Checks to make\n\n"
                "Please check for the following types of errors:\n\n"
                "### Minor errors\n\n- Spellcheck errors\n- Paragraph breaks missing\n\n"
                "### Major errors\n\n- Missing pages\n"
                "- Being careful includes reading the whole text.\n\n"
                "### Strongly Recommended (not counted toward the rating)\n\n"
                "- Keep line lengths reasonable\n\n"
                "## Background\n\nThe following sections explain the levels:\n\n"
                "### Levels\n\n- Level 1 errors\n")
    for start in ("Spellcheck errors", "Missing pages"):
        item = by_text(doc, start)
        assert (item.modality, item.actor) == (Modality.obligation, "you"), start
    assert by_text(doc, "Please check").modality == Modality.informational  # announces
    # a definition in its own words keeps it; a lead-in that orders nothing hands nothing
    assert by_text(doc, "Being careful").modality == Modality.definition
    assert by_text(doc, "Level 1 errors").modality == Modality.informational
    # a force heading below takes over, its aside dropped
    assert by_text(doc, "Keep line lengths").modality == Modality.recommendation


def test_a_lead_in_whose_items_say_what_its_object_holds_keeps_its_norm(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Payments\n\n## Reports\n\n"
                "A Scholar must submit a Payment Request Form containing the following:\n\n"
                "- A statement of the costs;\n- A certification of good standing.\n\n"
                "Scholars must:\n\n- submit a report\n")
    lead_in = by_text(doc, "A Scholar must submit")
    assert (lead_in.modality, lead_in.actor) == (Modality.obligation, "scholar")
    assert by_text(doc, "A statement of the costs").modality == Modality.obligation
    # a lead-in that only announces its items hands its norm on
    assert by_text(doc, "Scholars must:").modality == Modality.informational


def test_expense_lists_say_what_is_paid_and_what_is_not(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Travel costs\n\nThe Society will pay the following costs:\n\n"
                "## Trains\n\n- Second-class fares.\n- Book the cheapest fare you can find.\n"
                "- Seat reservations are permitted.\n\n"
                "Extra Reimbursable Rail Costs:\n\n- Platform tickets.\n\n"
                "Non-Claimable Rail Costs:\n\n- First-class supplements.\n\n"
                "# Ineligible costs\n\nThe following are examples of costs not covered:\n\n"
                "- Minibar charges.\n\n"
                "# Brand use\n\nAcceptable wording examples:\n\n- Works with the Society\n")
    fare = by_text(doc, "Second-class fares")
    assert (fare.modality, fare.actor) == (Modality.obligation, "society")  # the far lead-in's
    # a sentence of its own names its own actor, not the far lead-in's party
    assert by_text(doc, "Book the cheapest").actor == "you"
    assert by_text(doc, "Seat reservations").actor != "society"
    assert by_text(doc, "Platform tickets").modality == Modality.permission
    for start in ("First-class supplements", "Minibar charges"):
        item = by_text(doc, start)
        assert (item.modality, item.negated) == (Modality.prohibition, True), start
    assert by_text(doc, "Works with the Society").modality == Modality.informational  # example


def test_a_lead_in_ending_in_its_modal_names_its_subject(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Our commitments\n\nThe Archive will not:\n\n"
                "- Check the accuracy of deposited data;\n- Edit deposits without consent.\n")
    item = by_text(doc, "Check the accuracy")
    assert (item.modality, item.negated, item.actor) == (Modality.prohibition, True, "archive")


def test_examples_of_what_someone_may_do_illustrate(tmp_path: Path) -> None:
    """"Examples of when a club may want to hire a coach:" describes the examples with its
    "may"; the items are no permissions (a plain "A club may:" lists them)."""
    doc = parse(tmp_path, "# Clubs\n\nExamples of when a club may want to hire a coach:\n\n"
                          "- Youth training on weekday evenings.\n- Preparing for a national "
                          "final.\n\nA club may:\n\n- Charge a fee for guests.\n")
    for start in ("Youth training", "Preparing for"):
        assert by_text(doc, start).modality == Modality.informational, start
    assert by_text(doc, "Charge a fee").modality == Modality.permission


def test_a_control_catalogue_states_duties_in_the_present_tense(tmp_path: Path) -> None:
    """A record line ("Control: ISM-0252; Revision: 8; ...") marks the next paragraph as a
    control: its present tense is a duty ("is undertaken annually"), its "do not have" a ban,
    and the items of its "covers:" are duties too; the record itself says nothing. Other
    records ("Note: ...; ...") and paragraphs without one keep their own reading."""
    doc = parse(tmp_path, "# Training\n\n***Control: ISM-0252; Revision: 8; Updated: Mar-25; "
                "Applicable: NC, OS, P, S, TS; Essential 8: N/A***\n\n*Cybersecurity awareness "
                "training is undertaken annually by all personnel and covers:*\n\n"
                "- *the purpose of the training*\n- *security contacts.*\n\n"
                "Control: ISM-0409; Revision: 8; Updated: Jun-22; Applicable: S, TS; "
                "Essential 8: N/A Foreign nationals do not have access to systems that process "
                "AUSTEO data.\n\nTraining is undertaken annually by our staff.\n")
    assert not any("ISM-" in p.text for p in doc.policies())
    assert by_text(doc, "the purpose of the training").modality == Modality.obligation
    ban = by_text(doc, "Foreign nationals do not have access")
    assert (ban.modality, ban.negated) == (Modality.prohibition, True)
    assert by_text(doc, "Training is undertaken annually").modality != Modality.obligation


def test_duties_and_privileges_not_limited_to_a_list(tmp_path: Path) -> None:
    """"TSC responsibilities include, but are not limited to:" hands its items a duty, "Their
    privileges include, but are not limited to:" a permission, as the plain "include:" does;
    the body its acronym names holds the duties."""
    doc = parse(tmp_path, "# Committers\n\nTheir privileges include, but are not limited to:\n\n"
                "* Moderator status on all communication channels\n\n# TSC\n\n"
                "TSC responsibilities include, but are not limited to:\n\n"
                "* Coordinating technical direction of the Project\n")
    assert by_text(doc, "Moderator status").modality == Modality.permission
    duty = by_text(doc, "Coordinating technical")
    assert (duty.modality, duty.actor) == (Modality.obligation, "tsc")  # the body named


def test_a_key_in_code_marks_glosses_its_term(tmp_path: Path) -> None:
    """reStructuredText kept as text shows "`cmd`: A compilation command template": a
    glossary entry whose key is in code marks, as "cmd: ..." would be."""
    path = tmp_path / "tests.txt"
    path.write_text("Testing\n=======\n\nPossible keys are:\n\n- `cmd`: A compilation command "
                    "template\n- ``output``: The expected output of the test\n")
    doc = read_document(path)
    assert {p.text: p.modality for p in doc.policies() if "`" in p.text} == {
        "`cmd`: A compilation command template": Modality.definition,
        "``output``: The expected output of the test": Modality.definition}
