"""Clause understanding from the dependency parse: negation forms, imperatives, passive actors,
conditions and exceptions, the action; force from lead-ins, headings, entries and table cells;
tables in Markdown, HTML and Word; text headings; Word headings by formatting; content-anchored
IDs; a hostile sentence in bounded time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from parsed import by_text, parse

from alignment_studio.framers.clauses import analyse
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.statements import split_sentences
from alignment_studio.types import Form, Modality

P, OB, F, R, D, INFO = (Modality.permission, Modality.obligation, Modality.prohibition,
                       Modality.recommendation, Modality.definition, Modality.informational)


def first(text: str, addressee: str | None = "you") -> tuple[Modality, bool, str | None]:
    clause = analyse([text], addressee)[0][0]
    return clause.modality, clause.negated, clause.actor


@pytest.mark.parametrize(("text", "expected"), [
    ("You can't work full time for another company.", (F, True, "you")),
    ("You can’t work full time for another company.", (F, True, "you")),  # curly apostrophe
    ("You cannot work full time for another company.", (F, True, "you")),
    ("No employee may override these controls.", (F, True, "employee")),
    ("Never share your password.", (F, True, "you")),
    ("Don't post secrets in Slack.", (F, True, "you")),
    ("Do not click links in unexpected email.", (F, True, "you")),
    ("You are not allowed to share credentials.", (F, True, "you")),
    ("Contractors are not permitted to use personal devices.", (F, True, "contractors")),
    ("Employees must never accept cash.", (F, True, "employees")),
    ("Staff shall not disclose client data.", (F, True, "staff")),
    ("Except as provided in this subpart, an employee may not, directly or indirectly, accept "
     "a gift.", (F, True, "employee")),
    ("You do not need approval to work overtime on weekends.", (P, True, "you")),
    ("You are not required to stay late.", (P, True, "you")),
    ("You don't have to answer the survey.", (P, True, "you")),
    ("You needn't ask us for permission to refer to the project.", (P, True, "you")),
    ("Employees need not attend the review.", (P, True, "employees")),
    ("Nobody should share a login.", (R, True, None)),
    ("You should not leave laptops in cars.", (R, True, "you")),
    ("Overtime is prohibited without prior approval.", (F, False, "you")),
    ("The prohibitions in this section do not apply to gifts under $10.", (P, True, "you")),
])
def test_negation_forms(text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Report suspicious emails to security.", (OB, False, "you")),
    ("Please include the ticket number in the subject line.", (OB, False, "you")),
    ("If email is unavailable, contact them another way.", (OB, False, "you")),
    ("Install Caulking.", (OB, False, "you")),  # a capitalised verb the tagger takes for a noun
    # bearing someone's standing in mind is an order (a fact about "it" is only noted)
    ("When talking to beginners, remember that you were a beginner once too.",
     (OB, False, "you")),
    ("Abide by the Code of Conduct.", (OB, False, "you")),
    # a series of duties sharing the first one's subject, rooted by the parser at the last verb
    ("The Club shall not endorse any candidate, will not make donations to political parties "
     "or campaign for any party.", (F, True, "club")),
    # a verb that is a noun too, before a plural object, no finite verb after it
    ("Separate sections (chapters) of a report by a page break.", (OB, False, "you")),
    ("Board members.", (INFO, False, None)),
    ("Avoid using personal email for work.", (F, False, "you")),
    ("Try thinking of a line from a song.", (R, False, "you")),
    ("Consider a password manager.", (R, False, "you")),
])
def test_imperatives(text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "addressee", "actor"), [
    ("The report must be submitted by the manager within 24 hours.", "you", "manager"),
    ("Reports must be reviewed and signed by the manager.", "you", "manager"),  # shared "by"
    ("Should the owner become unavailable, the successor must take over.", "you", "successor"),
    ("Meeting scribes may use AI tools.", "you", "meeting scribes"),
    ("Reports must be reviewed, and they are then filed by the clerk.", "you", "you"),
    ("Repositories should be transferred to the archive organization.", "you", "you"),
    ("Repositories should be transferred to the archive organization.", None, None),
    ("Incidents need to be reported within one hour.", "you", "you"),
    ("We encourage teams to document their workflow.", "you", "teams"),
    ("We expect everyone on the team to exhibit these behaviors.", "you", "everyone"),
    ("GSA allows flexible schedules.", "you", "you"),  # the one allowed, not the one allowing
    ("Tweets from an official account are fine.", "you", "you"),
    ("Managers are responsible for approving timesheets.", "you", "managers"),
    ("Each employee has a responsibility to place loyalty above private gain.", None,
     "employee"),
    # a thing as subject: the reader acts on it; a person or a group stays the actor
    ("Blog posts should offer something to the reader.", "you", "you"),
    ("Your total pay cannot exceed the maximum salary.", "you", "you"),
    ("The approver must sign the form within a week.", "you", "approver"),
    ("The verifier should check every book.", "you", "verifier"),  # verify -> verifier
    ("It is each person's responsibility to follow the data policy.", "you", "person"),
    ("Scholars who withdraw from graduate study must repay all funds.", "you", "scholars"),
    ("The applicant must sign the form.", "you", "applicant"),
    ("It is the Editor's duty to keep the standard current.", "you", "editor"),
    ("Teammates do not need permission to start a project.", "you", "teammates"),
    ("Vehicle drivers are prohibited from parking on the lawn.", None, "vehicle drivers"),
    # a hyphenated subject the tagger splits into pieces; a permission to be somewhere
    ("Non-members have to follow the guidelines.", "you", "non-members"),
    ("Non-members are only allowed in the space with a member.", "you", "non-members"),
    ("Food is not allowed in the lab.", "you", "you"),
])
def test_actors_of_passives_and_frames(text: str, addressee: str | None,
                                       actor: str | None) -> None:
    assert first(text, addressee)[2] == actor


def test_conditions_exceptions_and_the_action() -> None:
    clause = analyse(["If you lose your laptop, you must report it to IT immediately unless "
                      "it was encrypted."])[0][0]
    assert clause.modality == OB and clause.conditions == ["If you lose your laptop"]
    assert clause.exceptions == ["unless it was encrypted"]
    assert clause.action is not None and clause.action.verb == "report"
    share = analyse(["Never share your password."])[0][0]
    assert share.action is not None and share.action.phrase == "share your password"
    passive = analyse(["The report must be submitted by Friday."])[0][0]
    assert passive.action is not None and (passive.action.verb, passive.action.object) == (
        "submit", "The report")
    fire = analyse(["In the event that data is pushed to a public repository, revoke the "
                    "credentials."])[0][0]
    assert fire.modality == OB and fire.conditions[0].startswith("In the event that data")


@pytest.mark.parametrize(("text", "expected"), [
    ("It is a good idea to lock your screen.", (R, False, "you")),
    ("A good rule is to check with your project lead before sharing information.",
     (R, False, "you")),
    ("Constructive feedback is best delivered face to face.", (R, False, "you")),
    ("Since the team works across time zones, set expectations for response times.",
     (OB, False, "you")),
    ("I set the alarm yesterday.", (INFO, False, "i")),
])
def test_advice_nouns_and_imperatives_after_a_clause(text: str,
                                                     expected: tuple[Modality, bool, str | None]
                                                     ) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("It is not okay to insult, demean or belittle others.", (F, True, "you")),
    ("Attacking someone for their opinions is not acceptable.", (F, True, "you")),
    # the guideline follows the words: "do not" forbids, even where it encourages
    ("Don't forget to remove redundant information from a tool.", (F, True, "you")),
    ("Likewise, never look down on someone else if they ask you for help.", (F, True, "you")),
    ("**Don't be snarky.**", (F, True, "you")),
    ("No shaming.", (F, True, "you")),
    ("We do not tolerate discrimination or harassment.", (F, True, "you")),
    ("False reporting will not be accepted or tolerated.", (F, True, "you")),
    ("CISA will provide regular reports to federal agencies.", (OB, False, "cisa")),
    ("We will acknowledge receipt of your report within 3 business days.", (OB, False, "we")),
    ("Data protection legislation makes you responsible for personal information.",
     (OB, False, "you")),
    ("It's best to install the app on the device you carry.", (R, False, "you")),
    ("To reduce alerts, it may be prudent to configure your SIEM.", (R, False, "you")),
    ("It is safe for you to use the app on your own phone.", (P, False, "you")),
    ("Zoom is approved for OFFICIAL information.", (P, False, "you")),
    ("Alcoholic beverages are not reimbursed.", (F, True, "you")),
    ("Reasonable tips will be reimbursed.", (OB, False, "you")),
    ("The Contractor shall -", (OB, False, "contractor")),
    ("The Contractor's internal control system shall -", (OB, False, "contractor")),
    ("Be sensible when using messaging tools for work.", (OB, False, "you")),
    ("Help new perspectives be heard and listen actively.", (OB, False, "you")),
    # a judgement handed to its predicate: "considered acceptable" allows, as "is acceptable"
    ("For hash literals two styles are considered acceptable.", (P, False, "you")),
    ("Following these rules is considered imperative to the project.", (OB, False, "you")),
    ("A person is considered a resident if they live here.", (D, False, None)),
    # a disclaimer waives a duty (the guideline's "is not responsible for"): a permission,
    # negated; a modal "shall not be liable" stays a ban, a passive "is not guaranteed" a state
    ("We do not guarantee that the Service will always be available.", (P, True, "we")),
    ("Open States makes no warranty that the Services will be error free.",
     (P, True, "open states")),
    ("We are not liable for any loss that may come from using the Service.", (P, True, "we")),
    ("We will not be liable for any acts or omissions.", (P, True, "we")),
    ("You will be liable to us for any breach of that warranty.", (OB, False, "you")),
    ("Gratipay shall not be liable for any loss.", (F, True, "gratipay")),
    ("We do not share your data with advertisers.", (F, True, "we")),
])
def test_negated_copulas_commitments_and_frames_read_from_the_parse(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_facts_possibilities_and_descriptions_are_not_norms() -> None:
    for text in ["Remember that it is impossible to delete information once it is public.",
                 "Note: The app may not work on some older devices.",
                 "Context is important.", "You will receive holiday pay.", "The server is safe.",
                 "HR can help."]:
        assert first(text)[0] == INFO, text
    assert first("This includes routine business operations and services.")[0] == D
    assert first("A work account is your normal account that you use every day.")[0] == D
    assert first("By 'internet-accessible', we mean any system reachable from the internet.")[
        0] == D


def test_pointers_help_lines_and_possibilities_are_not_norms() -> None:
    for text in ["Refer to OPM's Overtime Fact Sheet for more detail.",
                 "Please contact HR if you have questions.",
                 "Pay period dates can be found on the payroll calendar page.",
                 "Valuable evidence may be lost.", "These can indicate deeper incidents.",
                 "You'll never get in trouble for pinging them.",
                 "How quickly can the secrets be rotated?",
                 "For example, you may work from a library."]:
        assert first(text)[0] == INFO, text


def test_two_norms_in_one_sentence_split_verbatim() -> None:
    sentence = "Employees must lock their screens; contractors must sign the NDA."
    texts = [c.text for c in analyse([sentence])[0]]
    assert texts == ["Employees must lock their screens", "contractors must sign the NDA."]
    shared = analyse(["When you leave, you must return your badge, and you may not keep your "
                      "laptop."])[0]
    assert [c.modality for c in shared] == [OB, F]
    assert shared[1].conditions == ["When you leave"]  # the leading condition is shared
    one = analyse(["You must notify IT and provide all information."])[0]
    assert len(one) == 1  # one modal over two verbs
    rationale = analyse(["This is important, so you must lock your screen."])[0]
    assert [c.modality for c in rationale] == [OB]  # the clause without a norm stays attached


def test_a_modal_under_a_conjunct_and_a_closing_relative_clause_are_norms_of_their_own() -> None:
    nested = analyse(["Employees shall protect and conserve Federal property and shall not use "
                      "it for other than authorized activities."])[0]
    assert [(c.modality, c.negated) for c in nested] == [(OB, False), (F, True)]
    assert nested[1].text == "shall not use it for other than authorized activities."
    relative = analyse(["Livestock may be impounded at a point designated by the District "
                        "Commander, who may assess a reasonable impoundment fee."])[0]
    assert [c.text for c in relative][1] == "who may assess a reasonable impoundment fee."
    assert (relative[1].modality, relative[1].actor) == (Modality.permission, "district commander")
    # a lead-in stays whole: its items need its party; without a modal a relative clause
    # describes ("..., which is rare") and stays attached
    for text in ["The program is overseen by Bellevue ITD, who will appoint a manager to lead:",
                 "Managers must approve the request, which is rare."]:
        assert len(analyse([text])[0]) == 1, text


def test_sentences_run_together_are_split() -> None:
    assert split_sentences("Keep each item short.Size Limit: 10 MB per file. See e.g. the "
                           "guide.") == ["Keep each item short.", "Size Limit: 10 MB per file.",
                                         "See e.g. the guide."]
    # a sentence may open with a name in camel case; "e.g." is still no sentence end
    assert split_sentences("Each work is judged on its content. arXiv may decline it. See e.g. "
                           "iOS apps.") == ["Each work is judged on its content.",
                                            "arXiv may decline it.", "See e.g. iOS apps."]


def test_sentences_of_a_parenthesis_that_opens_a_sentence_are_split() -> None:
    assert split_sentences("Set a strong password. (It must be 8 characters long. Do not use "
                           "names.)") == ["Set a strong password.",
                                          "(It must be 8 characters long.", "Do not use names.)"]
    # a parenthesis inside a sentence keeps it whole
    assert split_sentences("Report it (see section 4. It explains how) at once. Then wait.") == [
        "Report it (see section 4. It explains how) at once.", "Then wait."]


def test_lead_ins_and_force_headings_pass_their_force(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# P\n\n## Devices\n\nEmployees must do the following:\n\n"
                          "- Lock the screen when away.\n- Keep the software updated.\n\n"
                          "## Not OK\n\n- Sharing passwords with colleagues.\n"
                          "- You may ask a colleague to watch your laptop.\n\n"
                          "## Allowed\n\n- Personal calls during breaks.\n\n"
                          "## Don't\n\n- Post client names in public channels.\n\n"
                          "## Requirements\n\n- A badge visible at all times.\n\n"
                          "## Responsibilities and privileges\n\n"
                          "- Responsive to issues assigned to them\n")
    lock = by_text(doc, "Lock the screen")
    assert (lock.modality, lock.actor) == (OB, "employees")  # ends with a period: still inherits
    assert by_text(doc, "Employees must do").modality == INFO  # its norm moved to the items
    sharing = by_text(doc, "Sharing passwords")
    assert (sharing.modality, sharing.negated) == (F, True)
    assert by_text(doc, "You may ask").modality == P  # the item's own words win
    assert by_text(doc, "Personal calls").modality == P
    assert by_text(doc, "Post client names").modality == F
    assert by_text(doc, "A badge visible").modality == OB
    assert by_text(doc, "Responsive to issues").modality == OB  # "Responsibilities ..." heading


def test_a_suggested_plan_or_tips_heading_advises_its_orders(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Team\n\n## Your First 30 Days: A Suggested Plan\n\n"
                          "- Introduce yourself in the channel.\n\n## Tips\n\n"
                          "- Keep posts short.\n\n## Suggested reading\n\n- Read the style "
                          "guide.\n")
    assert by_text(doc, "Introduce yourself").modality == R
    assert by_text(doc, "Keep posts short").modality == R
    assert by_text(doc, "Read the style guide").modality == OB  # reading lists give no force


def test_a_question_under_a_lead_in_takes_no_force(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Access\n\nYou must do the following:\n\n"
                          "- Give copies to the employee.\n- May I charge for the copies?\n")
    assert by_text(doc, "Give copies").modality == OB
    assert by_text(doc, "May I charge").modality == INFO  # it asks; its answer rules


def test_lead_ins_ending_in_a_dash_or_the_following_and_relative_force(tmp_path: Path) -> None:
    doc = parse(tmp_path, "Conduct on Property\n\n§ 1 Preservation of property.\n\n"
                          "All persons entering the property are prohibited from—\n\n"
                          "(a) Stealing property;\n\n(b) Creating any hazard; or\n\n"
                          "(c) Throwing articles at a building.\n\n§ 2 Vehicles.\n\n"
                          "All vehicle drivers entering the property—\n\n"
                          "(a) Must drive in a careful and safe manner;\n\n"
                          "(b) Are prohibited from blocking entrances.\n", name="cfr.txt")
    stealing = by_text(doc, "Stealing property")
    assert (stealing.modality, stealing.actor) == (F, "persons")
    assert by_text(doc, "Throwing articles").modality == F
    assert by_text(doc, "Must drive").actor == "vehicle drivers"  # a lead-in with no modal
    doc = parse(tmp_path, "# Posting\n\nYou post to a public site.\n\n"
                          "Information which has been deemed public and may be posted includes "
                          "the following.\n\n- Source code\n- Use cases\n\nSensitive "
                          "information, which should not be posted, includes the following."
                          "\n\n- Protected health information\n- Names of individuals\n")
    assert by_text(doc, "Source code").modality == P
    health = by_text(doc, "Protected health information")
    assert (health.modality, health.negated, health.actor) == (R, True, "you")


def test_run_in_lettered_headings_of_a_contract_clause(tmp_path: Path) -> None:
    doc = parse(tmp_path, "Business Ethics Clause\n\n(a) Definitions.\n\nAgent means any "
                          "individual authorized to act for the organization.\n\n"
                          "(b) Code of business ethics and conduct.\n\n(1) The Contractor "
                          "shall have a written code.\n\n(2) The Contractor shall train each "
                          "employee.\n\n(c) Stealing property.\n\n(d) Creating any hazard.\n",
                name="clause.txt")
    assert [s.title for s in doc.all_sections()] == [
        "Definitions", "Code of business ethics and conduct"]
    assert by_text(doc, "The Contractor shall have").section_id == \
        "clause/code-of-business-ethics-and-conduct"
    assert by_text(doc, "Stealing property").section_id == \
        "clause/code-of-business-ethics-and-conduct"  # followed by its sibling: an item


def test_nested_lead_ins_regulation_numbering_and_anaphoric_actors(tmp_path: Path) -> None:
    doc = parse(tmp_path, "Ethics Clause\n\n(a) Internal control.\n\n(1) The Contractor's "
                          "system shall provide for the following:\n\n(A) Assignment of "
                          "responsibility at a high level.\n\n(B) Periodic reviews of practices, "
                          "including -\n\n(1) Monitoring and auditing;\n\n(2) Periodic "
                          "evaluation of the program.\n\n(C) Disciplinary action for improper "
                          "conduct.\n", name="ethics.txt")
    for quote in ("Assignment of responsibility", "Monitoring and auditing",
                  "Disciplinary action"):  # the sibling after a nested list keeps the force
        found = by_text(doc, quote)
        assert (found.modality, found.actor) == (OB, "contractor"), quote
    assert by_text(doc, "Periodic reviews").modality == OB  # an item's own lead-in keeps it
    doc = parse(tmp_path, "# Permitted activities\n\nLess restricted federal employees may "
                          "take part in campaigns. Such employees, for example, may:\n\n"
                          "- Register and vote as they choose\n- Solicit, accept or receive "
                          "donations\n")
    register = by_text(doc, "Register and vote")
    assert (register.modality, register.actor) == (P, "less restricted federal employees")
    assert by_text(doc, "Solicit, accept").actor == "less restricted federal employees"


def test_judged_lead_ins_commands_in_cells_and_contact_entries(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Unacceptable behaviour\n\nExamples of unacceptable behaviour "
                          "include:\n\n- insults or put downs\n- excessive swearing\n\n"
                          "# Requirements\n\n| # | Description |\n|---|---|\n| 5.1.1 | "
                          "Verify that the application validates all input. |\n\n"
                          "# Contact\n\nTo reach the team:\n\n- Email: privacy@example.org\n"
                          "- Slack: #security-team\n")
    assert by_text(doc, "insults or put downs").modality == F
    assert by_text(doc, "5.1.1 | Verify").modality == OB
    assert by_text(doc, "Email: privacy").modality == INFO


def test_lead_in_that_ends_in_unless_keeps_its_norm(tmp_path: Path) -> None:
    doc = parse(tmp_path, "§ 1 Gifts.\n\n(a) An employee may not accept a gift unless:\n\n"
                          "(1) The gift is worth less than $10; and\n\n"
                          "(2) The giver is a personal friend.\n", name="rule.txt")
    rule = by_text(doc, "An employee may not accept")
    assert (rule.modality, rule.negated, rule.actor) == (F, True, "employee")
    assert rule.exceptions == ["The gift is worth less than $10; and",
                               "The giver is a personal friend"]
    assert by_text(doc, "The gift is worth").modality == INFO


def test_key_value_lines_glossary_and_answer_cells(tmp_path: Path) -> None:
    doc = parse(tmp_path, "Travel Policy\n\nGlossary\n\nPer diem: A daily allowance for meals "
                          "and incidental expenses.\nLodging: The hotel or other place you stay "
                          "in.\n\nAllowance\n\nSize Limit: One carry-on bag per trip.\n"
                          "Optional: Book travel insurance through the agency.\n\n"
                          "Benefits\n\nCredit hours: No - not available with this schedule.\n"
                          "Overtime: Yes - can be approved for more than 8 hours a day.\n",
                name="travel.txt")
    titles = [s.title for s in doc.all_sections()]
    assert titles == ["Glossary", "Allowance", "Benefits"]
    per_diem = by_text(doc, "Per diem:")
    assert (per_diem.modality, per_diem.terms) == (D, ["Per diem"])
    assert by_text(doc, "Lodging:").modality == D  # one entry per line, not one paragraph
    assert by_text(doc, "Size Limit:").modality == P  # the "Allowance" heading's force
    assert by_text(doc, "Optional:").modality == P
    credit = by_text(doc, "Credit hours:")
    assert (credit.modality, credit.negated) == (F, True)
    assert by_text(doc, "Overtime:").modality == P


def test_text_headings_title_case_section_and_paragraph_sign(tmp_path: Path) -> None:
    doc = parse(tmp_path, "Acme Conduct Rules\n\nThese rules apply to all staff.\n\n"
                          "Working Hours and Overtime\n\nYou must record your hours daily.\n\n"
                          "Section 4\n\nYou may work remotely on Fridays.\n\n"
                          "§ 2635.302 General standards.\n\nAn employee may not solicit a "
                          "contribution.\n\n2.1 Scope of Review\n\nManagers must review "
                          "timesheets.\n\nshort lower-case line\n\nThis stays a paragraph.\n",
                name="rules.txt")
    assert doc.title == "Acme Conduct Rules"
    assert [s.title for s in doc.all_sections()] == [
        "Preamble", "Working Hours and Overtime", "Section 4", "General standards",
        "Scope of Review"]
    assert by_text(doc, "You must record").section_id == "rules/working-hours-and-overtime"
    assert by_text(doc, "An employee may not").section_id == "rules/general-standards"


def test_markdown_table_rows_are_statements_with_their_headers(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Use of equipment\n\n| Activity | Allowed? | Notes |\n"
                          "|---|---|---|\n| Personal email on work laptops | No | Use your "
                          "phone |\n| Short personal calls | Yes | During breaks |\n"
                          "| Installing software | Only with IT approval | You must open a "
                          "ticket first |\n")
    rows = [p for p in doc.policies() if p.form == Form.table_row]
    assert [p.text for p in rows] == [
        "Personal email on work laptops | No | Use your phone",
        "Short personal calls | Yes | During breaks",
        "Installing software | Only with IT approval | You must open a ticket first"]
    assert all(p.headers == ["Activity", "Allowed?", "Notes"] for p in rows)
    assert [(p.modality, p.negated) for p in rows] == [(F, True), (P, False), (OB, False)]


def test_html_and_word_tables(tmp_path: Path) -> None:
    html = parse(tmp_path, "<html><body><h1>Rules</h1><table><tr><th>Item</th>"
                           "<th>Status</th></tr><tr><td>Cash gifts</td><td>Prohibited</td></tr>"
                           "<tr><td><p>Meals under $20</p></td><td>Allowed</td></tr></table>"
                           "</body></html>", name="rules.html")
    rows = [(p.text, p.modality, p.headers) for p in html.policies() if p.form == Form.table_row]
    assert rows == [("Cash gifts | Prohibited", F, ["Item", "Status"]),
                    ("Meals under $20 | Allowed", P, ["Item", "Status"])]
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Gifts and meals")
    table = document.add_table(rows=3, cols=2)
    for r, cells in enumerate([("Item", "Status"), ("Cash gifts", "Not allowed"),
                               ("Meals under $20", "Allowed")]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.add_paragraph("You must report every gift.")
    path = tmp_path / "rules.docx"
    document.save(str(path))
    word = read_document(path)
    found = [(p.text, p.modality, p.headers) for p in word.policies()
             if p.modality != Modality.informational]
    assert found == [("Cash gifts | Not allowed", F, ["Item", "Status"]),
                     ("Meals under $20 | Allowed", P, ["Item", "Status"]),
                     ("You must report every gift.", OB, [])]  # in document order


def test_word_headings_without_heading_styles(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from docx.shared import Pt

    document = docx.Document()
    title = document.add_paragraph().add_run("Conduct and Norms")
    title.bold, title.font.size = True, Pt(16)
    document.add_paragraph("We follow these practices.")
    for name, rule in [("Meetings", "Turn your camera on when you can."),
                       ("Feedback", "Give feedback privately.")]:
        run = document.add_paragraph().add_run(name)
        run.bold = True
        document.add_paragraph(rule)
        document.add_paragraph("• Keep notes in the shared folder.")
    path = tmp_path / "norms.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.title == "Conduct and Norms"
    assert [s.title for s in doc.all_sections()] == ["Preamble", "Meetings", "Feedback"]
    notes = [p for p in doc.policies() if p.text == "Keep notes in the shared folder."]
    assert len(notes) == 2 and all(p.form == Form.list_item for p in notes)


def test_ids_survive_a_heading_rename_a_move_and_edits_elsewhere(tmp_path: Path) -> None:
    text = ("# Code\n\n## Gifts\n\nYou must report gifts. You may accept snacks.\n\n"
            "## Assets\n\nDo not share passwords.\n\n## Travel\n\nBook through the portal.\n")
    original = parse(tmp_path, text, "code.md")
    edited = (text.replace("## Gifts", "## Gifts and Hospitality")  # a rename
              .replace("## Travel\n\nBook through the portal.\n", "")  # a section moved up
              .replace("## Assets", "## Travel\n\nBook through the portal.\n\n## Assets")
              .replace("Do not share passwords.", "Do not share passwords or tokens."))
    changed = parse(tmp_path, edited, "code.md")
    before = {p.text: p.id for p in original.policies()}
    after = {p.text: p.id for p in changed.policies()}
    for sentence in ["You must report gifts.", "You may accept snacks.",
                     "Book through the portal."]:
        assert before[sentence] == after[sentence], sentence
    assert before["Do not share passwords."] not in after.values()  # its own text changed
    assert all(pid.startswith("code/p-") for pid in after.values())
    twice = parse(tmp_path, "# C\n\n## A\n\nReport gifts.\n\n## B\n\nReport gifts.\n", "c.md")
    assert [p.id.count("-") for p in twice.policies()] == [1, 2]  # ...p-<hash>, ...p-<hash>-2


def test_a_hostile_sentence_parses_in_bounded_time(tmp_path: Path) -> None:
    words = " ".join(f"word{i % 97} must check item{i % 13}" for i in range(2500))  # 10,000
    path = tmp_path / "hostile.txt"
    path.write_text(words + "\n", encoding="utf-8")
    start = time.perf_counter()
    doc = read_document(path)
    assert time.perf_counter() - start < 20  # the parser reads a bounded prefix
    assert doc.policies()[0].text == words  # the statement itself is kept whole


@pytest.mark.parametrize(("text", "expected"), [
    ("A trademark is a word, phrase, symbol or design that identifies a source.", D),
    ("CPC Board representatives are called CPC Directors.", D),
    ("A service mark is the same as a trademark, except that it names a service.", D),
    ("Such a person is known as a sponsor.", D),
    ("PII is information that can be used to trace an individual's identity.", D),
    ("Triaging is a process of prioritizing attention to each new issue report.", D),
    ("Mergers are a small set of people who merge pull requests.", D),
    ('N is the "patch" level of a release.', D),  # a term in quotes after "is the"
    ("N is the patch level we ship.", INFO),
    ("The team is a process owner for billing.", INFO),  # not "a process of / that"
    ("A good idea is to ask your manager first.", R),  # advice, not a definition
    ("A manager must approve every exception.", OB),
    # the rules a party or a thing falls under: a scope
    ("Judges are subject to the Code of Conduct for United States Judges.", D),
    ("All use of the site is subject to this Privacy Policy.", D),
])
def test_definitions_said_by_naming_or_by_genus(text: str, expected: Modality) -> None:
    assert first(text)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The committee will review the report within ten days.", (OB, "committee")),
    ("Your supervisor will review other cases.", (OB, "supervisor")),
    ("CISA will provide regular reports to agencies.", (OB, "cisa")),
    ("Reports will be handled confidentially.", (OB, "you")),
    ("This will help you find the form.", (INFO, None)),  # a prediction, not a commitment
    ("The page will reload.", (INFO, None)),
    ("You will receive an email.", (INFO, "you")),
])
def test_will_commits_a_party_and_predicts_nothing(text: str,
                                                   expected: tuple[Modality, str | None]) -> None:
    """The labelling guideline: "will" said as a commitment of a party the document names or
    speaks for is that party's obligation; "will" that predicts an outcome is not a norm."""
    modality, _, actor = first(text)
    assert (modality, actor and actor.lower()) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a choice left to someone permits; a task left to them obliges; either is theirs
    ("It is up to the Qubes team to decide whether to close the issue.", (P, False, "qubes team")),
    ("If counsel is required, it is up to the OSCO to make this determination.",
     (OB, False, "osco")),
    # what the text says nothing in it bars: a permission, negated, of the one not barred
    ("Nothing in this section shall prohibit the governing body from establishing a procedure.",
     (P, True, "governing body")),
    ("Nothing in these Terms will be construed as granting you any right to use our marks.",
     (P, True, "you")),
    ("It shall not be a violation of this chapter for a majority of the members to travel "
     "together.", (P, True, "majority of the members")),
    # "it" names the party the condition before it names; a call-out's label is not read
    ("If a member project is expelled it may reapply for membership after one year.",
     (P, False, "member project")),
    ("Tip: You don't have to delete anything from Sharepoint after the transfer.",
     (P, True, "you")),
    # an office's acronym the tagger takes for an adverb; "our" responsibility is ours
    ("OPM may establish an emergency leave transfer program.", (P, False, "opm")),
    ("When we're working remotely, it's our responsibility to tell our teammates.",
     (OB, False, "we")),
    # a ban on assisting is no offer of help; a passive's agent limits its own act
    ("No employee shall assist any person in a matter before the agency.", (F, True, "employee")),
    ("Once a version is published, it can no longer be modified by the depositor.",
     (F, True, "depositor")),
])
def test_leeway_what_nothing_bars_its_and_call_out_labels(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_duty_headings_name_the_party_without_its_being_named_elsewhere(tmp_path: Path) -> None:
    """"Maintainer Role" over "Responsibilities include:" and "Responsibilities of the SIG
    Lead" say whose the orders are, though no sentence names that party as acting; a plural
    "Project Roles" is a heading about roles, not the project's duties."""
    doc = parse(tmp_path, "# Governance\n\n## Maintainer Role\n\nMaintainers have the most "
                          "experience.\n\nResponsibilities include:\n\n- Perform code reviews\n"
                          "\n## Responsibilities of the SIG Lead\n\n- Organize regular "
                          "meetings\n\n## Project Roles\n\n- Open a pull request\n")
    assert by_text(doc, "Perform code reviews").actor == "maintainer"
    assert by_text(doc, "Organize regular meetings").actor == "sig lead"
    assert by_text(doc, "Open a pull request").actor == "you"


def test_role_headings_and_pronouns_give_the_actor(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Roles\n\n## Reviewer\n\nReviewers are able to review code for "
                          "quality.\n\n### Responsibilities\n\n- Focus on code quality\n- Expected "
                          "to be responsive to review requests\n\n## Loaners\n\nReviewers may "
                          "borrow a laptop.\n\n- Provide a user name on the device.\n\n"
                          "# Members\n\nMembers must stay active. They can have issues assigned "
                          "to them.\n")
    assert by_text(doc, "Focus on code quality").actor == "reviewer"  # an order under the role
    assert by_text(doc, "Expected to be responsive").actor == "reviewer"  # a verbless item
    # "Loaners" is named nowhere as someone who must or may act: no role, the order is yours
    assert by_text(doc, "Provide a user name").actor == "you"
    assert by_text(doc, "They can have issues").actor == "members"  # "they": named just before


@pytest.mark.parametrize(("text", "expected"), [
    # a leading condition without its comma: the "cannot" is the condition's, the norm is after
    ("If an agenda item cannot reach a consensus a CPC member can call for a closing vote.",
     (P, False, "cpc member")),
    ("If the matter regards one of them please speak to Charles.", (OB, False, "you")),
    # orders the parser misreads: a verb taken for a subject, "Please be" for a participle
    ("Give specific examples of the behavior that you felt was misconduct.", (OB, False, "you")),
    ("Please be understanding with those dealing with your grievance.", (OB, False, "you")),
    ("Note that posting private information will not be tolerated.", None),
    # a purpose before a list says no norm of its own
    ("To make sure we can investigate your grievance properly:", (INFO, False, None)),
])
def test_unmarked_conditions_misread_orders_and_purposes(
        text: str, expected: tuple[Modality, bool, str | None] | None) -> None:
    found = first(text)
    if expected is None:
        assert found[0] != OB or found[2] != "you"
    else:
        assert found == expected


@pytest.mark.parametrize(("text", "expected"), [
    # set phrases that say a norm where the small parser misreads the sentence
    ("The MoJ reserves the right to restrict personal use of its IT systems.", P),
    ("Reviewers are able to review code for quality.", P),
    ("Violence and threats of violence are not acceptable - online or offline.", F),
    ("Public transportation costs are to be itemized on the reimbursement form.", OB),
    ("The individual assumes responsibility for any additional charges incurred.", OB),
    ("It’s your responsibility to be aware of these risks.", OB),  # "It's": the copula
    ("It is up to the mentee to take responsibility for the activation of their chapter.", OB),
])
def test_set_phrases_say_a_norm_whatever_the_parse(text: str, expected: Modality) -> None:
    assert first(text)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("No person entering or while on Federal property may carry explosives.", (F, True, "person")),
    ("No more than one-fourth of the voting members may be affiliated with one employer.",
     (F, True, "you")),
    ("There are no limits on the number of terms a Director may serve.", (P, True, "you")),
    ("No /ok-to-test needed.", (P, True, None)),
    ("We do not support PGP-encrypted emails at this time.", (F, True, "we")),  # a practice
    # a standing practice with data in the present passive: the organisation's commitment
    ("Your email address is not shared with the public authority.", (F, True, "you")),
    ("Personal data are not sold to third parties.", (F, True, "you")),
    # a body's code name the tagger takes for a common noun; RFC 2119's "MAY" after "It"
    ("TC39 will review membership on a regular basis.", (OB, False, "tc39")),
    ("If the address is not shared, we write to you.", (INFO, False, "we")),
    ("Because their IP assignment is not automatically transferred, we ask for it.",
     (INFO, False, "we")),
    ("Weather and Safety Leave does not count against your other leave balances.",
     (INFO, True, "weather and safety")),  # a fact about leave, its subject kept
])
def test_negative_subjects_no_need_and_standing_refusals(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_lead_in_ending_in_do_not_forbids_its_items(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Email\n\nAll Users SHALL ensure that they do not:\n\n- Open any "
                          "attachments from unknown senders.\n- Click on unknown links.\n")
    found = by_text(doc, "Open any attachments")
    assert (found.modality, found.negated) == (F, True)


@pytest.mark.parametrize(("text", "expected"), [
    ("Note: This document is in progress", (INFO, False, None)),  # a note, not an order
    ("Note: you must file the form.", (OB, False, "you")),
    ("The organization using the mark must do nothing that would confuse consumers.",
     (F, True, "organization")),
    ("Project proposals must not merely be open, but also easily visible to outsiders.",
     (OB, False, "you")),
])
def test_notes_doing_nothing_and_not_merely(text: str,
                                            expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Step 2) Enter your leave on the team calendar", (OB, False, "you")),  # a step's label
    ("Step 3) Coordinator will acknowledge and approve your leave", (OB, False, "coordinator")),
    ("Listen.", (OB, False, "you")),  # a one-word order
    ("Overview.", (INFO, False, None)),
    ("Please fill out this form and Tech Ops will get you a device.", (OB, False, "you")),
    ("Note: If buying a device is a hardship, please let the onboarding team know.",
     (OB, False, "you")),
    ("If you have questions, please contact Charles.", (INFO, False, None)),  # a help line
    ("Please note that the office is closed.", (INFO, False, None)),
    ("Activate Find My iPhone.", (OB, False, "you")),
    ("Use or Lose only applies to annual leave.", (INFO, False, None)),
    ("IT must run nightly backups.", (OB, False, "it")),  # the IT department, not "it"
    ("All employees are given sick leave and bereavement leave.",  # the passive's recipient
     (INFO, False, "employees")),
    ("If staff members are sick, they are encouraged to stay at home.",  # "they" named before
     (R, False, "staff members")),
    ("The company has no other obligation to pay them while they are on leave.",
     (P, True, "company")),
    ("If an employee returns part-time, the company may need to make a contribution.",
     (OB, False, "company")),
])
def test_steps_one_word_orders_pleas_and_recipients(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_norm_naming_nobody_binds_its_sections_party(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Security\n\n## Devices\n\nTeam members must lock their screens. "
                          "Team members must enable disk encryption. Secrets must be stored in "
                          "the vault.\n\n## Backups\n\nThe security team must run nightly backups. "
                          "Backups must "
                          "be tested monthly.\n")
    assert by_text(doc, "Secrets must be stored").actor == "team members"
    assert by_text(doc, "Backups must be tested").actor == "security team"


def test_an_entitled_party_is_the_actor_of_the_items(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Leave\n\nYou can ask your manager.\n\nEmployees are entitled to:"
                          "\n\n- ten days of sick leave per year\n\nAll TTS employees are "
                          "expected to file weekly.\n")
    found = by_text(doc, "ten days of sick leave")
    assert (found.modality, found.actor) == (P, "employees")
    assert by_text(doc, "All TTS employees are expected").actor == "tts employees"


@pytest.mark.parametrize(("text", "expected"), [
    ("Cave resources mean any materials or substances occurring in caves.", (D, False, None)),
    ("Food and beverage are not considered camping equipment.", (D, True, None)),
    ("Claimed horses and burros are also considered as wild and free-roaming.",
     (D, False, None)),
    ("No person under the age of 10 years shall be considered publicly nude.", (D, True, None)),
    ("Such term shall include any natural pit or sinkhole.", (D, False, None)),
    ("There is no upper limit to the number of Mergers.", (P, True, "you")),
    ("It's not a requirement that a Merger is also a Django Fellow.", (P, True, "you")),
    # not definitions: a speaker's "mean", a norm about what is considered
    ("Even if you mean something as a joke, it might not be received that way.",
     (INFO, True, None)),
    ("Reviewers must consider every comment.", (OB, False, "reviewers")),
])
def test_legal_definitions_plural_mean_and_no_limit(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_glossary_entries_with_the_term_run_in(tmp_path: Path) -> None:
    """Under a definitions heading, "Area. A discrete space ..." and "Printed material— any
    written material ..." are entries; a sentence of its own ("Disclosure requires approval.")
    is not a term."""
    doc = parse(tmp_path, "# Rules\n\n## Definitions\n\nArea. A discrete, specifically "
                          "delineated space that is smaller than a Ranger District.\n\n"
                          "Printed material— any written or graphic material, such as posters."
                          "\n\nDisclosure requires approval. An NDA is usually required.\n")
    area = by_text(doc, "Area. A discrete")
    assert (area.modality, area.terms) == (D, ["Area"])
    printed = by_text(doc, "Printed material")
    assert (printed.modality, printed.terms) == (D, ["Printed material"])
    assert by_text(doc, "Disclosure requires approval.").text == "Disclosure requires approval."


def test_prerogatives_who_and_procedure_lead_ins(tmp_path: Path) -> None:
    """A party's prerogatives are its permissions, what a group "who:" does its duties, and the
    steps of a procedure "as follows:" bind, each sentence of a step; "#." numbers items."""
    doc = parse(tmp_path, "# Governance\n\nMergers hold the following prerogatives:\n\n"
                          "- Merging any pull request which constitutes a minor change.\n\n"
                          "The steering council is a group of experienced contributors who:\n\n"
                          "- select Mergers and Releasers.\n\n"
                          "The election process works as follows:\n\n"
                          "- The council notifies the Secretary of the election. The voter roll "
                          "is maintained by the DSF Board.\n\n"
                          "Other than that, the board meets monthly.\n")
    merging = by_text(doc, "Merging any pull request")
    assert (merging.modality, merging.actor) == (P, "mergers")
    select = by_text(doc, "select Mergers and Releasers")
    assert (select.modality, select.actor) == (OB, "steering council")
    roll = by_text(doc, "The voter roll is maintained")
    assert (roll.modality, roll.actor) == (OB, "dsf board")
    assert by_text(doc, "Other than that, the board meets").modality == INFO


def test_restructuredtext_auto_numbered_items(tmp_path: Path) -> None:
    path = tmp_path / "process.txt"
    path.write_text("Elections\n=========\n\nThe election process works as follows:\n\n"
                    "#. The council directs one of its members to notify the Secretary.\n"
                    "#. Registration of voters closes one week after the announcement.\n")
    doc = read_document(path)
    texts = [p.text for p in doc.policies()]
    assert texts[1:] == ["The council directs one of its members to notify the Secretary.",
                         "Registration of voters closes one week after the announcement."]
    assert {p.modality for p in doc.policies()[1:]} == {OB}


def test_a_parenthesis_that_hides_the_norm_is_read_around(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Sites\n\nWeb administrator account holders (Drupal, CiviCRM or "
                          "other) must also:\n\n- Test the site after changing permissions.\n")
    lead_in = by_text(doc, "Web administrator account holders (Drupal")
    item = by_text(doc, "Test the site")
    assert lead_in.text.endswith("must also:")
    assert (item.modality, item.actor) == (OB, "web administrator account holders")


@pytest.mark.parametrize(("text", "expected"), [
    # a whole clause the parser hung under a later verb is the main one
    ("Developers are required to create test cases for any bugs fixed and any new features "
     "added.", (OB, False, "developers")),
    ("Sexual language and imagery is not appropriate.", (F, True, "you")),
    ("Remember that sexist jokes are not appropriate for any event.", (F, True, "you")),
    ("The NumFOCUS team commits to maintaining confidentiality.", (OB, False, "numfocus team")),
    ("Thank you for helping make this a welcoming community.", (INFO, False, None)),
    # not: an inverted condition, a reason before "so", a mission, a wh-word's "appropriate"
    ("Should authors abandon the package, we will consider removing it.", (OB, False, "we")),
    ("We want to make sure you have what you need, so we've come up with a few guidelines.",
     (INFO, False, "we")),
    ("We are committed to making participation a harassment-free experience.",
     (INFO, False, "we")),
    ("Choose whatever is most appropriate.", (OB, False, "you")),
])
def test_misparsed_main_clauses_appropriateness_and_commitments(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_example_items_with_their_own_norm_reasons_and_consequences(tmp_path: Path) -> None:
    """An example item that says a norm in its own words keeps it; the items after "for the
    following reasons:" explain the lead-in, which keeps its norm; the consequences a code
    lists are what its enforcers may do; a party that takes on responsibilities owes them."""
    doc = parse(tmp_path, "# Quality\n\nThe committer is responsible for problems. For example:"
                          "\n\n- The code should compile cleanly on all platforms.\n"
                          "- A build on Linux.\n\n"
                          "Meltano prohibits the use of Windows for the following reasons:\n\n"
                          "- Windows Home Edition is hard to secure.\n\n"
                          "Potential consequences for violating the code include:\n\n"
                          "- Expelling the person from the event\n\n"
                          "Maintainers are volunteering to take on the following shared "
                          "responsibilities within an area of a project:\n\n"
                          "- help to confirm and comment on issues\n")
    compile_ = by_text(doc, "The code should compile")
    assert (compile_.modality, compile_.negated) == (R, False)
    assert by_text(doc, "A build on Linux").modality == INFO
    assert by_text(doc, "Meltano prohibits").modality == F
    assert by_text(doc, "Windows Home Edition").modality == INFO
    assert by_text(doc, "Expelling the person").modality == P
    confirm = by_text(doc, "help to confirm")
    assert (confirm.modality, confirm.actor) == (OB, "maintainers")


def test_an_allowance_column_makes_each_row_a_permission(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Hardware\n\n| Item | reimbursable amount | Why |\n|---|---|---|\n"
                          "| Keyboard | $250 | Find a keyboard that works for you. |\n"
                          "| Docking station | n/a | You must use the one IT gives you. |\n")
    keyboard = by_text(doc, "Keyboard")
    assert (keyboard.modality, keyboard.actor) == (P, "you")
    assert by_text(doc, "Docking station").modality == OB


def test_never_to_be_done_forbids() -> None:
    for text in ("Records are never to be destroyed without approval.",
                 "Data is not to be shared with vendors."):
        assert first(text)[:2] == (F, True)  # the actor of such passives is not read yet


def test_a_retention_schedule_row_is_a_duty_of_the_role_its_column_names(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Retention periods\n\nYou must keep records safe. You must not "
                          "copy them.\n\n| Record | Retention Period | Asset Officer | "
                          "Action |\n|---|---|---|---|\n"
                          "| Accounting records | 6 years | Hannah Sharpe | Archive |\n"
                          "| Visitor logs | n/a | Sue Hopper | |\n\n"
                          "| Record | Keep for |\n|---|---|\n| Payslips | 3 years |\n")
    accounts = by_text(doc, "Accounting records")
    assert (accounts.modality, accounts.actor) == (OB, "asset officer")
    assert by_text(doc, "Visitor logs").modality == INFO  # no period: nothing to keep
    payslips = by_text(doc, "Payslips")
    assert (payslips.modality, payslips.actor) == (OB, "you")  # no role column: the reader


def test_word_items_numbered_in_their_text_nest(tmp_path: Path) -> None:
    """"(a) The report must include:" then "(1) ..." typed in Normal paragraphs: the
    "(1)" items are the lead-in's, so each is a duty."""
    import docx

    document = docx.Document()
    document.add_heading("Incidents", level=1)
    for text in ("The agency must report any removal of records.", "(a) The report must include:",
                 "(1) A complete description of the records;", "(2) The office maintaining the "
                 "records; and", "(b) The report must be signed by the officer."):
        document.add_paragraph(text)
    path = tmp_path / "records.docx"
    document.save(str(path))
    doc = read_document(path)
    assert by_text(doc, "A complete description").modality == OB
    assert by_text(doc, "The office maintaining").modality == OB
    assert by_text(doc, "The report must be signed").modality == OB


def test_plain_text_bold_run_ins_tips_signs_and_scope(tmp_path: Path) -> None:
    """A reStructuredText page: bold run-ins are sentences of their own and their marks are
    not words; "these tips:" advises; "No shaming." forbids; "This code applies to X" says
    what the rule covers; a lead-in's subject that is a thing done ("self-promotion") does
    not become the actor of the orders under it."""
    doc = parse(tmp_path, "Slack\n=====\n\nSocial tips\n-----------\n\n"
                          "You can help us do this by following these tips:\n\n"
                          "- **Say hi.**\n  Don't forget to introduce yourself in ``#intros``.\n"
                          "- **Don't be snarky.**\n  We are all trying the best we can.\n"
                          "- **No shaming.**\n  There may be tools that you don't like.\n\n"
                          "Scope\n-----\n\nOur code of conduct applies to all spaces of the "
                          "community.\n\nWe expect self-promotion to follow these guidelines:\n\n"
                          "- **Be transparent.** Explain what you are promoting.\n",
                 name="slack.txt")
    hi = by_text(doc, "**Say hi.")
    assert (hi.modality, hi.actor, hi.text) == (R, "you", "**Say hi.**")
    forget = by_text(doc, "Don't forget to introduce")
    assert (forget.modality, forget.negated) == (F, True)
    snarky = by_text(doc, "**Don't be snarky")
    assert (snarky.modality, snarky.negated, snarky.actor) == (F, True, "you")
    shaming = by_text(doc, "**No shaming")
    assert (shaming.modality, shaming.negated) == (F, True)
    assert by_text(doc, "Our code of conduct applies").modality == D
    assert by_text(doc, "**Be transparent").actor == "you"


def test_no_expectation_ensured_ability_and_discouraged() -> None:
    assert first("There should be no expectation to acknowledge every alert.") == (P, True, "you")
    assert first("There's no expectation to fix all issues by yourself.") == (P, True, "you")
    assert first("Make sure PagerDuty calls can bypass your Do Not Disturb settings.") == \
        (OB, False, "you")
    assert first("Commenting on closed issues is strongly discouraged.")[0] == R
    assert first("Applications are supposed to handle a stalled transfer.")[:2] == (OB, False)
    assert first("You are not supposed to share passwords.")[:2] == (F, True)
    assert first("This section applies to all contractors.")[0] == D
    assert first("The prohibitions do not apply to you.") == (P, True, "you")


def test_lead_in_whose_condition_the_items_complete(tmp_path: Path) -> None:
    """"... unless that human being is:": the items finish the exception, the lead-in keeps
    the prohibition; a lead-in whose condition is whole hands its force on."""
    doc = parse(tmp_path, "§ 107.39 Operation over human beings.\n\nNo person may operate a "
                          "small unmanned aircraft over a human being unless that human being "
                          "is:\n\n(a) Directly participating in the operation; or\n\n(b) Located "
                          "under a covered structure.\n\n§ 107.40 Program.\n\nThe Contractor "
                          "shall establish the following within 90 days, unless the Officer "
                          "sets a longer period:\n\n(a) An internal control system.\n",
                 name="rule.txt")
    rule = by_text(doc, "No person may operate")
    assert (rule.modality, rule.negated, rule.actor) == (F, True, "person")
    assert by_text(doc, "Directly participating").modality == INFO
    assert by_text(doc, "An internal control system").modality == OB


@pytest.mark.parametrize(("text", "expected"), [
    ("To receive reimbursement, send transportation and hotel receipts to the office.",
     (OB, False, "you")),
    ("PLCs are not to approve travel requests when funds are short.", (F, True, "plcs")),
    ("Employees are to report incidents within a day.", (OB, False, "employees")),
    ("The purpose of this policy is to ensure safety.", (INFO, False, None)),
    ("Hunting shall be allowed in park areas where it is mandated.", (P, False, "you")),
    ("The superintendent may require permits for camping.", (P, False, "superintendent")),
    ("Its use may still require client approval.", (OB, False, "you")),
    ("You may need to ask for approval.", (OB, False, "you")),
    ("Cancellation fees are reimbursable.", (P, False, "you")),
    ("Communicate with empathy - Disagreements are a fact of life.", (OB, False, "you")),
    ("Oftentimes - but not always - actions happen.", (INFO, False, "oftentimes")),
])
def test_purposes_are_to_shall_be_allowed_and_may_require(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_process_announced_as_follows_makes_its_steps_duties(tmp_path: Path) -> None:
    doc = parse(tmp_path, "# Security\n\n## Handling\n\nThe typical process for handling a "
                          "report is as follows.\n\nNo information should be made public "
                          "before the release.\n\n- The security team investigates the report."
                          "\n- The team writes to the reporter.\n\n## History\n\n"
                          "- The team was founded in 2010.\n")
    step = by_text(doc, "The security team investigates")
    assert (step.modality, step.actor) == (OB, "security team")
    assert by_text(doc, "The team writes").modality == OB
    assert by_text(doc, "The team was founded").modality == INFO


@pytest.mark.parametrize(("text", "expected"), [
    ("Under no circumstances should you share passwords.", (R, True, "you")),
    ("At no time may employees accept cash.", (F, True, "employees")),
    ("Such standards should in no way be based upon a plan to exclude members.",
     (R, True, "you")),
    ("There should be no communications regarding prices.", (R, True, "you")),
    ("There must be no discussion of bids.", (F, True, "you")),
    ("There must be no more than two people in the room.", (OB, False, "you")),
    ("It shall be a violation of this part to refuse to comply with a permit.",
     (F, False, "you")),
    ("The District Commander shall have authority to revoke permission.",
     (P, False, "district commander")),
    ("Violations of this policy may result in disciplinary action.", (P, False, "you")),
    ("This change may result in delays.", (INFO, False, None)),
    ("A Release Plan must be approved by a Super-majority of the Specification Committee.",
     (OB, False, "specification committee")),
    ("The effective date of membership shall be the date on which the board approves it.",
     (D, False, None)),
    ("The termination shall be effective on the receipt of such notice.", (D, False, None)),
    ("Such term shall automatically renew for one year.", (D, False, None)),
    ("Any such resignation shall take effect at the time specified therein.", (D, False, None)),
    ("The Contractor shall be the point of contact.", (OB, False, "contractor")),
    ("Unless otherwise indicated, the term “Commander” shall include the deputies.",
     (D, False, None)),
    ("An individual or organization may contribute software.",
     (P, False, "individual or organization")),
    ("Neither the Foundation nor any combination of its Members should impose rules.",
     (R, True, "foundation or combination")),
    ("All project committers must be covered by a participation agreement.",
     (OB, False, "project committers")),
    ("Reports must be reviewed by the security team.", (OB, False, "security team")),
    # a subject spelt "CA" (a certificate authority) is no "ca" of "can't"; RFC 2119 capitals
    ("The CA SHALL maintain a list of systems.", (OB, False, "ca")),
    ("The CA shall not delay revocation.", (F, True, "ca")),
    ("Certificate Systems MUST be protected by the CA.", (OB, False, "ca")),
    # a "not" in what is made sure of: a negated duty, not a prohibition or a permission
    ("Users SHALL ensure that systems are not used in an abusive manner.",
     (OB, True, "users")),
    ("You still need to ensure that any code you post does not contain secrets.",
     (OB, True, "you")),
    ("You need not ensure anything.", (P, True, "you")),
    # a passive of an act one may do: a permission; a thing that may happen: none
    ("Parental leave can be taken by one parent.", (P, False, "one parent")),
    ("Alternatively, a patch can be applied.", (P, False, "you")),
    ("Evidence can be lost.", (INFO, False, None)),
])
def test_negating_phrases_sanctions_authority_votes_and_settled_terms(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a party's duty said as "the responsibility of X"
    ("It is the sole responsibility of the plugin developer to ensure all files are available.",
     (OB, False, "plugin developer")),
    ("Security is the ultimate responsibility of the plugin developer.",
     (OB, False, "plugin developer")),
    ("Specific technical decisions will be the responsibility of the Project.",
     (OB, False, "project")),
    # an agreement's undertakings, grants and limits
    ("Regardless of your region, you will post a clear notice for participants.",
     (OB, False, "you")),
    ("You will not share the access codes.", (F, True, "you")),
    ("You will receive an email once your badge is available.", (INFO, False, "you")),
    ("When you reach the expiration date, you will forfeit the leave.", (INFO, False, "you")),
    ("You agree to see that all property is returned.", (OB, False, "you")),
    ("You agree not to resell the service.", (F, True, "you")),
    ("You agree that you will not acquire any rights in the Marks.", (F, True, "you")),
    # "never to" as "not to"; "not all X are required" waives the duty
    ("Staff are never to share passwords.", (F, True, "staff")),
    ("The goal is never to be late.", (INFO, True, None)),
    ("Not all employees are required to attend.", (P, True, "employees")),
    ("All employees are required to attend.", (OB, False, "employees")),
    # "X is committed to Y-ing": the party's pledge (not a thing "committed to a repository")
    ("The University Library is committed to sustaining its infrastructure.",
     (OB, False, "university library")),
    ("The news item is committed to a CVS repository.", (INFO, False, None)),
    ("The team is not committed to a date.", (INFO, True, "team")),
    # promising, undertaking and pledging bind a party as agreeing does
    ("The Licensee undertakes not to sublicense the software.", (F, True, "licensee")),
    ("You promise to keep the password secret.", (OB, False, "you")),
    ("Each director pledges to act in good faith.", (OB, False, "director")),
    ("This policy does not promise a refund.", (INFO, True, None)),
    ("By signing this agreement, you grant MLH permission to record the event.",
     (P, False, "mlh")),
    ("We grant Member Events a licence to use the name.", (P, False, "member events")),
    ("This License does not grant permission to use the trade names.", (F, True, "you")),
    # "no longer" before the verb negates it; sanctions said as what is done to the violator
    ("This status can no longer be resurrected.", (F, True, "you")),
    ("A feature may be marked no longer experimental in the next release.", (P, False, "you")),
    ("Repeat violations may result in all the author's plugins being removed.",
     (P, False, "you")),
])
def test_responsibilities_undertakings_grants_and_no_longer(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("MLH reserves the right to terminate the organizer's licence at any time.",
     (P, False, "mlh")),
    ("The Company reserves the right to suspend accounts.", (P, False, "company")),
    ("Additionally, we require events to set a registration target.", (OB, False, "events")),
])
def test_who_reserves_a_right_and_who_is_required(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Draft is the first formally tracked stage of an EIP in development.", (D, False, None)),
    ("EIP stands for Ethereum Improvement Proposal.", (D, False, None)),
    ("There are three types of EIP: Standards Track, Meta and Informational.", (D, False, None)),
    ("Standards Track EIPs consist of three parts: a design document and a specification.",
     (D, False, None)),
    ("Your team must consist of at least three people.", (OB, False, "team")),
])
def test_stages_acronyms_kinds_and_parts_define(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("i. The city will develop and implement practices.", (OB, False, "city")),
    ("The city will review the report.", (OB, False, "city")),
    ("o. “CAB” is the City of Bellevue’s Change Advisory Board.", (D, False, None)),
    ("You represent and warrant that you have all necessary rights.", (OB, False, "you")),
    ("You consent and waive any objection to the jurisdiction of these courts.",
     (OB, False, "you")),
    ("When you register, you agree to be bound by these Terms.", (OB, False, "you")),
    ("You hereby agree to the terms of the Project Privacy Policy.", (OB, False, "you")),
    ("You expressly acknowledge and agree that you waive any claim to the contrary.",
     (OB, False, "you")),
    ("By using the Site, you accept and agree to be bound by these Terms of Use.",
     (OB, False, "you")),
    ("The Participant accepts the Code of Conduct.", (OB, False, "participant")),
    ("You are encouraged, but not required, to disclose use of AI tools.", (R, False, "you")),
    ("Please try not using lines longer than 79 characters.", (R, True, "you")),
    ("Don't try to fix it yourself.", (F, True, "you")),
    ("Welcome to the Project, which is supported by the Foundation.", (INFO, False, None)),
    ("Welcome new contributors warmly.", (OB, False, "you")),
    # "it" / "they" naming again the party of a clause before it
    ("If the Foundation grants a postponement, it may impose conditions.",
     (P, False, "foundation")),
    ("Once reviewers agree, they must record the decision.", (OB, False, "reviewers")),
    ("If the file is large, it may take a while to load.", (INFO, False, None)),
    ("You agree that you have read the terms.", (INFO, False, "you")),  # a statement of fact
    ("We do not represent or warrant the accuracy of any content.", (F, True, "we")),
    ("IN NO EVENT SHALL WE BE LIABLE TO YOU, IN CONTRACT, TORT OR OTHERWISE, FOR ANY DIRECT, "
     "INDIRECT, SPECIAL, INCIDENTAL, CONSEQUENTIAL, PUNITIVE, EXEMPLARY OR OTHER DAMAGES OF ANY "
     "KIND ARISING OUT OF OR RELATING TO THE SITE OR THE CONTENT, OR YOUR USE OF THE SITE OR THE "
     "CONTENT, OR ANY THIRD PARTY RIGHTS IN THE CONTENT, EVEN IF THE SITE OR CONTENT IS "
     "DEFECTIVE OR WE ARE NEGLIGENT OR OTHERWISE AT FAULT, AND REGARDLESS WHETHER WE ARE "
     "ADVISED OF THE POSSIBILITY OF SUCH DAMAGES.", (F, True, "we")),
    ("You hereby grant to Penn State a non-exclusive license to reproduce the Work.",
     (P, False, "penn state")),
    ("You agree that Penn State may migrate the Work to any medium.", (P, False, "penn state")),
    ("ScholarSphere staff are not able to undertake copyright investigations.",
     (F, True, "scholarsphere staff")),
    ("If you are unable to pay, please ask your manager.", (OB, False, "you")),
])
def test_typed_markers_parties_undertakings_capitals_and_agreed_permissions(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_participle_the_parser_took_for_the_main_verb() -> None:
    """"written notice ... shall be transmitted": rooted at "written", the duty is still read."""
    clause = analyse(["Whenever the Members meet, written notice of the meeting shall be "
                      "transmitted ten days before the meeting."])[0][0]
    assert (clause.modality, clause.negated) == (Modality.obligation, False)


@pytest.mark.parametrize(("text", "expected"), [
    ("Unit tests are strongly RECOMMENDED.", (Modality.recommendation, False)),
    ("The README SHOULD describe what contributions the developers would welcome.",
     (Modality.recommendation, False)),
    ("The abstract SHOULD be at most one page in length.", (Modality.recommendation, False)),
    ("Depending on the type of pull request it is, follow the corresponding rules listed "
     "previously.", (Modality.obligation, False)),
    ("If you're creating a repo because it's primarily for your work, and the work you perform "
     "in it is primarily to benefit the agency, start the repo in the agency's organization.",
     (Modality.obligation, False)),
    ("If you have questions, reach out to your Benefits Specialist.",
     (Modality.informational, False)),
    ("If it rains, we stay inside.", (Modality.informational, False)),
    ("The Organisers do not store any card information.", (Modality.prohibition, True)),
])
def test_key_words_in_capitals_orders_after_a_lead_and_an_organiser_s_practice(
        text: str, expected: tuple[Modality, bool]) -> None:
    """RFC 2119's key words in capitals are read as the modal words they are; an order the
    parser hung under a leading condition is read from its verb (not a help line); an agent
    noun's standing "do not" is its practice, as "We do not" is."""
    clause = analyse([text])[0][0]
    assert (clause.modality, clause.negated) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ('Did you run "make test" to check if your patch didn\'t break other features?',
     (Modality.obligation, False)),
    ("Did you read the patch again?", (Modality.obligation, False)),
    ('Did you create test script for "make test"? (Recommended)',
     (Modality.recommendation, False)),
    ("Have you ever been to the office?", (Modality.informational, False)),
    ("Does the pull request make the text more clear?", (Modality.informational, False)),
    ("Do not high-jack threads, by bringing up entirely new topics.",
     (Modality.prohibition, True)),
    ("Modify source to fix a bug in PHP or add a new feature to PHP.",
     (Modality.obligation, False)),
    ("Go dependencies are managed using Go Modules.", (Modality.informational, False)),
    ("Violations of the rules can lead to temporary or permanent removal from the network.",
     (Modality.permission, False)),
    ("Unauthorised access to the computer facility will result in disciplinary action.",
     (Modality.obligation, False)),
    ("This may lead to delays.", (Modality.informational, False)),
])
def test_checklist_questions_and_orders_with_verbs_the_parser_misread(
        text: str, expected: tuple[Modality, bool]) -> None:
    """A checklist's "Did you X?" asks the reader to have done X (its "(Recommended)" weight
    makes it advice); "Do not" before a verb the parser does not know still forbids; a leading
    verb the parser took for a compound noun is still an order; a sanction something "can lead
    to" is the enforcer's permission, one it "will result in" the enforcer's duty."""
    clause = analyse([text])[0][0]
    assert (clause.modality, clause.negated) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Please DON'T post your bug reports on the gnu.* newsgroups!", (F, True, "you")),
    ("It is unlawful willfully to destroy, damage, or remove property.", (F, False, "you")),
    ("Umbrellas may be required to be checked at the entrance.", (P, False, "you")),
    ("You may be asked to reduce the length of your paper.", (P, False, "you")),
    ("You may need to renew your badge.", (OB, False, "you")),
    ("If a member leaves the employment of a partner, the partner must notify lowRISC C.I.C. "
     "promptly so that they can be removed from the project.", (OB, False, "partner")),
    ("For this reason, we require that authors include a statement of need.",
     (OB, False, "authors")),
    ("We ask that any use of the logos be in compliance with the guidelines.",
     (OB, False, "you")),
])
def test_shouted_negations_unlawful_acts_possible_requests_and_the_one_told(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """A shouted "DON'T" forbids like "don't"; "it is unlawful to X" forbids X; what "may be
    required" of someone may happen (a permission of whoever requires it), while "may need
    to" still obliges; a norm after a leading condition the parser hung under the condition
    is read again from its subject; the one told is the subject of the complement when it
    names someone who acts, not a leading "For this reason" nor "any use of the logos"."""
    assert first(text) == expected


def test_unlawful_describing_content_is_no_frame_of_its_own() -> None:
    """"unlawful" describing content (as an item under "We do not allow content that:") does
    not replace the sentence's own force and negation."""
    assert first("We do not allow content that is unlawful or promotes unlawful activities.") \
        == (F, True, "you")


@pytest.mark.parametrize(("text", "expected"), [
    ("It's up to each poster to decide whether to cross-post to other newsgroups.",
     (P, False, "poster")),
    ("Ultimately, our decisions are up to staffer discretion.", (P, False, "staffer")),
    ("RubyGems.org retains full discretion to take action in response to a violation.",
     (P, False, "rubygems.org")),
    ("It is possible to appeal the decision to decline a submission.", (P, False, "you")),
    ("Your dependencies must be up to date.", (OB, False, "you")),
    ("We recognise that it is possible for actions outside the community to harm it.",
     (INFO, False, "we")),
])
def test_leeway_left_to_someone_is_a_permission(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """A choice left to someone ("it's up to X to decide", "up to X's discretion"), a right
    or discretion someone retains, and "it is possible to X" opening a sentence permit; "up to
    date" and a possibility inside a description do not."""
    assert first(text) == expected


def test_a_concession_with_its_own_modal_is_a_norm_of_its_own() -> None:
    """", although you may X" after a norm is a second statement (the guideline's two norms
    in one sentence); "although" without a modal of its own stays in the sentence."""
    two = analyse(["We will review every report within a week, although you may request the "
                   "reporter's contact information."])[0]
    assert [c.modality for c in two] == [OB, P]
    assert two[1].text == "although you may request the reporter's contact information."
    one = analyse(["You must sign the form, although it is short."])[0]
    assert [c.modality for c in one] == [OB]


def test_reading_or_asking_something_that_is_no_document_is_an_order() -> None:
    for text in ["Read the incident log that led to the suspension.",
                 "Ask the applicant questions that matter for the decision.",
                 "Read and follow the checklist at the door."]:
        assert first(text)[0] == OB, text
    for text in ["Read the guide on choosing passwords.", "Read README.md for setup help.",
                 "Please read these Terms carefully.", "Ask the team if you have questions."]:
        assert first(text)[0] == INFO, text


def test_a_condition_without_a_comma_is_not_the_main_clause() -> None:
    for text, who in (("Before a decision can be made it must be approved by the chair.", "chair"),
                      ("Before an outcome can be made it must be approved by the chair.",
                       "chair")):
        clause = analyse([text])[0][0]
        assert (clause.modality, clause.actor) == (OB, who), text
        assert clause.conditions == [text.split(" it ")[0]]
    # a modal inside what the condition reports ("decides that X should not be") is no norm
    told = analyse(["If the board decides that a grant should not be renewed the reasons "
                    "should be recorded."])[0][0]
    assert (told.modality, told.negated) == (Modality.recommendation, False)


def test_a_condition_opened_by_should_is_no_recommendation() -> None:
    """"Should no candidate win a majority, a second ballot may be held": the inverted
    "should" says the condition; the main clause carries the norm."""
    clauses = analyse(["Should no candidate win a majority, a second ballot may be held "
                       "within a week."])[0]
    assert [c.modality for c in clauses] == [P]
    assert clauses[0].conditions[0] == "Should no candidate win a majority"
    assert first("Should you wish to appeal, you must write to the board within 14 days.") \
        == (OB, False, "you")
    assert first("Should a volunteer travel by train on the day of an event, such a fare is "
                 "eligible for reimbursement.")[0] != R
    assert first("Members should vote in every election.")[0] == R  # "should" after a subject
    # after a comma: "X is kept, should the owner leave"; not a question, not "but should be"
    assert first("Backups are kept for a month, should the data owner leave.")[0] == INFO
    assert first("This defaults to the supervisor, but should be discussed first.")[0] == R
    assert first("Should employees share passwords?")[0] == INFO


def test_it_is_not_possible_to_act_is_a_prohibition_unless_the_writer_speaks() -> None:
    assert first("It is not possible to vote by proxy.")[:2] == (F, True)
    assert first("It is not possible to list every case here.")[0] == INFO
    assert first("If it is not possible to reach the chair, the deputy may sign the form.")[0] == P


def test_the_actor_of_a_reported_decision_is_who_the_rule_binds() -> None:
    """"we agreed that X MUST be included": the decision binds the reader, not "we"."""
    assert first("After a long debate, we agreed that every release MUST be signed.") == \
        (OB, False, "you")
    assert first("We agree to review every report within a week.")[2] == "we"


def test_asking_follow_up_questions_is_an_order_not_a_help_line() -> None:
    assert first("Ask follow up questions before you close a ticket.")[0] == OB
    assert first("Email the office with any questions.")[0] == INFO


def test_a_second_will_verb_that_shares_the_subject_keeps_its_negation() -> None:
    """"Tickets will be issued by the box office and will not be refunded": two norms, the
    second negated, both of the sentence's subject."""
    clauses = analyse(["Tickets will be issued by the box office and will not be refunded "
                       "after the show."])[0]
    assert [(c.modality, c.negated) for c in clauses] == [(OB, False), (F, True)]


def test_this_means_that_draws_a_rule_when_its_clause_has_one() -> None:
    """"This means that speakers cannot give talks about X" is the ban it draws; "This means
    that your data will be stored in X" explains."""
    assert first("This also means that speakers cannot promote their own products.") == \
        (F, True, "speakers")
    assert first("This means you need to keep every receipt.")[0] == OB
    assert first("This means that your files will be stored in two countries.")[0] != OB


def test_people_named_by_role_or_by_a_clause_are_the_actor() -> None:
    assert first("Mentors and mentees should meet once a month.")[2] == "mentors and mentees"
    assert first("Those who wish to speak must register in advance.")[2] == \
        "those who wish to speak"
    assert first("It is the parents’/guardians’ responsibility to read the rules with "
                 "their children.")[0] == OB


def test_a_pledge_never_to_ask_binds_the_one_who_pledges() -> None:
    assert first("We will never ask you to send us your password.") == (F, True, "we")
    assert first("The club will not require members to attend every meeting.") == \
        (P, True, "members")


def test_might_permits_what_a_named_party_may_do_but_not_what_may_happen() -> None:
    """"We might contact you with a newsletter" says what the club may do; "The server might
    be down", "You might want to X", "Some people might ask X" and "you might think" do not."""
    assert first("We might contact you with a newsletter about the club.") == (P, False, "we")
    assert first("In rare cases, staff might refuse a booking.") == (P, False, "staff")
    for text in ("The server might be down at night.", "You might want to read the guide.",
                 "Some people might ask questions that are hard to answer.",
                 "A joke you might think is funny can upset someone."):
        assert first(text)[0] != P, text


@pytest.mark.parametrize(("text", "expected"), [
    ("I am taking part as a volunteer and not as an employee of the host.", (OB, False, "i")),
    ("I waive any claim against the organisers for injuries during the event.", (OB, False, "i")),
    ("I have not received any payment for my contribution.", (F, True, "i")),
    ("I am at least 16 years of age.", (OB, False, "i")),
    ("I think the process works well.", (INFO, False, "i")),  # an opinion, no undertaking
    ("I hope you enjoy the workshop.", (INFO, False, "i")),
    ("I grant the organisers permission to use photographs of me.", (P, False, "organisers")),
])
def test_a_signers_first_person_declarations_bind_the_signer(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """Terms a person signs speak in the first person and the present ("I am volunteering
    for my own purposes", "I release X from liability"): each is the signer's undertaking; an
    opinion or a wish is none, and a code variable "i" is no signer."""
    assert first(text) == expected


def test_a_code_variable_i_is_no_signer() -> None:
    assert first("i = strlen(greeting); byte = tvb_get_guint8(tvb, i);")[0] == INFO


def test_imperative_items_under_a_goals_heading_name_aims_not_orders(tmp_path: Path) -> None:
    """"## Programme objectives" over "- Grow the contributor base": the items say what the
    programme aims at; under another heading the same item is an order, and a goal item
    that says a norm in its own words keeps it."""
    doc = parse(tmp_path, "# Grants\n\n## Programme objectives\n\n- Grow the contributor base "
                          "in every region\n- Support the maintainers of widely used libraries\n"
                          "- Grantees must publish their work under an open licence\n\n"
                          "## Applying\n\n- Support the maintainers of widely used "
                          "libraries first\n")
    assert by_text(doc, "Grow the contributor base").modality == INFO
    assert by_text(doc, "Support the maintainers of widely used libraries").modality == INFO
    assert by_text(doc, "Grantees must publish").modality == OB
    assert by_text(doc, "Support the maintainers of widely used libraries first").modality == OB


def test_a_lead_in_that_gives_a_party_something_makes_its_items_permissions(
        tmp_path: Path) -> None:
    """"Joining the maintainers team gives you the following:" over noun-phrase items: each item
    is what the party may do."""
    doc = parse(tmp_path, "# Access\n\nJoining the maintainers team gives you the following:\n\n"
                          "- The ability to close stale issues.\n- Access to the release "
                          "dashboard.\n")
    for start in ("The ability to close", "Access to the release"):
        item = by_text(doc, start)
        assert (item.modality, item.actor) == (P, "you"), start


@pytest.mark.parametrize("text", [
    "Our preferred format for timestamps is ISO 8601.",
    "The recommended editor for these files is Vim.",
    "In general we favor short commit summaries over long ones.",
])
def test_a_stated_preference_is_a_recommendation(text: str) -> None:
    assert first(text)[0] == R


def test_a_clause_joined_by_nor_is_negated_too() -> None:
    """"..., nor may they give them away": the second clause forbids as the first does."""
    found = analyse(["Members may not sell tickets, nor may they give them away."])[0]
    assert [(c.modality, c.negated) for c in found] == [(F, True), (F, True)]
    found = analyse(["No person shall light a fire, nor shall any person discharge a firework "
                     "in the park."])[0]
    assert [(c.modality, c.negated) for c in found][-1] == (F, True)


@pytest.mark.parametrize(("text", "expected"), [
    ("You can choose not to accept cookies when you visit the site.", (P, False)),
    ("Members may decide not to attend the annual meeting.", (P, False)),
    ("You should choose not to reuse passwords.", (R, True)),
])
def test_a_not_after_a_verb_of_choosing_is_in_the_choice(
        text: str, expected: tuple[Modality, bool]) -> None:
    """"You can choose not to X" permits declining X; it forbids nothing."""
    assert first(text)[:2] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("You are expected to not share your password.", (F, True, "you")),
    ("You have to not exceed the limit.", (F, True, "you")),
    ("We need to be careful to not make the challenge too complicated.", (F, True, "we")),
    # "important" advises, as labellers read it (10 of 16 labels): "should not" in other words
    ("It is important not to share passwords.", (R, True, "you")),
    ("It is important to back up your files.", (R, False, "you")),
    ("It is illegal not to bill for time spent on a project.", (OB, True, "you")),
    ("Staff are allowed to not attend the meeting.", (P, True, "staff")),
    # the negation on the frame itself still waives the duty
    ("You are not expected to reply at weekends.", (P, True, "you")),
    ("It is not necessary to attend.", (P, True, "you")),
    ("You don't have to attend.", (P, True, "you")),
])
def test_a_negation_after_the_frame_word_is_in_the_act(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"You are expected to not share X" requires not sharing: a prohibition, never the waiver
    "you are not expected to"."""
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Managers must not require employees to work overtime.", (F, True, "managers")),
    ("You must not require the submission of personally identifiable information.",
     (F, True, "you")),
    ("Supervisors shall not encourage staff to skip breaks.", (F, True, "supervisors")),
    ("Employees shall not be required to work overtime.", (P, True, "employees")),
])
def test_a_party_told_not_to_impose_a_duty_is_forbidden(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"Managers must not require X" forbids the managers; it waives nobody's duty."""
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Food and beverage are not considered camping equipment.", (D, True)),
    ("A gift does not include coffee, donuts and similar items.", (D, True)),
    ("The term employee does not include contractors.", (D, True)),
    ("A gift includes any item of monetary value.", (D, False)),
    ("We do not include your email in reports.", (F, True)),  # a party's standing refusal
    ("This section does not cover members of advisory councils.", (D, True)),
    ("Approval of travel does not necessarily mean approval of expenses.", (D, True)),
    ("Your use of the marks does not transfer rights in the marks to you.", (D, True)),
    ("That doesn't mean everything gets lost, though.", (INFO, True)),  # a reassurance
])
def test_a_definition_said_through_a_negation_is_negated(
        text: str, expected: tuple[Modality, bool]) -> None:
    """"X does not include Y" defines X by what it leaves out: a definition, negated (the
    guideline's "negated: true" for a norm or definition said through a negation)."""
    assert first(text)[:2] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The Directors shall receive no compensation for their service.", (F, True, "directors")),
    ("The Corporation shall have no members.", (F, True, "corporation")),
    ("Tenants may have no more than two pets.", (P, False, "tenants")),  # a limit, no "no X"
    ("Code must compile cleanly (no errors, no warnings) on one platform.", (OB, False, "you")),
    ("You are not responsible for fixing all of the bugs that you find.", (P, True, "you")),
    ("Gratipay shall not be responsible for any loss.", (F, True, "gratipay")),
    ("Don't feel responsible for solving problems.", (F, True, "you")),
])
def test_no_object_and_no_duty(text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"shall receive no compensation" forbids; "You are not responsible for X" waives a duty
    (a disclaimer with "shall" and an order with "Don't" keep their prohibition)."""
    assert first(text) == expected


def test_a_subject_that_negates_turns_a_phrase_duty_into_a_prohibition() -> None:
    assert first("No stakeholder is supposed to deploy patches before the disclosure date.")[
        :2] == (F, True)
    assert first("Members are supposed to vote.") == (OB, False, "members")


def test_a_clause_hung_under_the_next_one_with_so_is_cut() -> None:
    """"You are not expected to know every system, so don't hesitate to ask": a waiver and an
    order, two statements (the parser hangs the first under "hesitate")."""
    found = analyse(["You are not expected to know the ins and outs of every system, so don't "
                     "hesitate to involve the wider team."])[0]
    assert [(c.modality, c.negated, c.text) for c in found] == [
        (P, True, "You are not expected to know the ins and outs of every system"),
        (F, True, "don't hesitate to involve the wider team.")]


def test_a_tips_lead_in_without_a_determiner_advises(tmp_path: Path) -> None:
    """"Tips for using the incidents board:" over bare imperatives: the items advise."""
    doc = parse(tmp_path, "# On-call\n\n## Incidents\n\nTips for using the incidents board:\n\n"
                          "- Include a link to the original discussion\n"
                          "- Post updates to keep track of progress\n", name="oncall.md")
    assert [p.modality for p in doc.policies() if p.modality != INFO] == [R, R]


@pytest.mark.parametrize(("text", "actor"), [
    ("During work hours, on-call engineers are responsible for responding to incidents.",
     "on call engineers"),
    ("The two engineers who are on-call are free to split the responsibility.", "two engineers"),
    ("Blog posts should offer something.", "you"),  # a thing: the writer is under the norm
])
def test_a_party_described_as_responsible_or_free_is_the_actor(text: str, actor: str) -> None:
    """"Engineers are responsible for X" names the engineers, although "engineer" is no agent
    noun the lexicon can tell."""
    assert first(text)[2] == actor


@pytest.mark.parametrize("text", [
    "Do not exceed or circumvent rate limits, run automated processes that interfere with the "
    "Services, place an unreasonable load on the Services, or otherwise cause excess usage.",
    "Do not make the calls public, for example always require a password to join the call.",
])
def test_a_do_not_series_rooted_at_a_later_verb_still_forbids(text: str) -> None:
    """The parser roots "Do not exceed X, run Y, place Z" at "place": the negation still covers
    the series."""
    assert first(text)[:2] == (F, True)


def test_a_modal_verb_joined_to_a_participle_is_read() -> None:
    """"Members are automatically registered and need not register": the second verb, hung
    under the participle, waives the duty; "encouraged, but not required, to X" stays advice."""
    found = analyse(["All individual members of the DSF are automatically registered and need "
                     "not explicitly register."])[0]
    assert [(c.modality, c.negated) for c in found] == [(P, True)]
    assert first("You are encouraged, but not required, to disclose use of AI tools.")[:2] == (
        R, False)


def test_a_closing_quote_or_parenthesis_stays_with_its_sentence_and_history_lines_hold() -> None:
    """The quote or parenthesis after a full stop ends that sentence (the text stays verbatim);
    a statute's history ("Oct. 21, 1968, Pub. L. 90-614 ... D.C. Law 1-96") is one sentence."""
    assert split_sentences('Two engineers will be "on-call." Both must answer pages.') == [
        'Two engineers will be "on-call."', "Both must answer pages."]
    history = "(Oct. 21, 1968, Pub. L. 90-614, title II, § 201; as added Mar. 25, 1977, " \
        "D.C. Law 1-96, § 2, 23 DCR 9532b.)"
    assert split_sentences(f"{history} A public body shall answer.") == [
        history, "A public body shall answer."]


def test_an_imperative_to_have_a_power_permits_and_takes_the_lead_ins_party(
        tmp_path: Path) -> None:
    """"Each CSA shall:" over "Have the authority to conduct audits" and "Keep records": the
    first grants a power (a permission of the CSA), the second is a duty; "Have the
    responsibility to X" stays a duty."""
    assert first("Have the authority to conduct unannounced audits.")[0] == P
    assert first("Have the responsibility to conduct audits.")[0] == OB
    doc = parse(tmp_path, "# Audits\n\nEach CSA shall:\n\n1. Have the authority to conduct "
                "unannounced audits.\n2. Keep records.\n")
    items = {p.text.split()[0]: (p.modality, p.actor) for p in doc.policies()
             if p.form == Form.list_item}
    assert items == {"Have": (P, "csa"), "Keep": (OB, "csa")}


@pytest.mark.parametrize(("text", "expected"), [
    # "pre-approved" is one word to the parser, so the modal reaches the verb
    ("All air travel must be pre-approved by the Lead Maintainers before purchasing.",
     (OB, False, "lead maintainers")),
    # a bare singular noun is no subject of a plural verb: "Plan" is the order
    ("Plan travel ahead of time and be early for scheduled departure.", (OB, False, "you")),
    # "non-members", "co-authors": people, so the actor, not the reader
    ("Non-members have to follow the guidelines.", (OB, False, "non-members")),
])
def test_hyphenated_prefixes_and_a_noun_read_verb_keep_their_norm(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_rules_in_a_series_of_semicolons_are_sentences_of_their_own() -> None:
    """Three or more parts joined by ";" each with its own modal are separate rules; a part
    without one stays with the part before; two parts stay one sentence."""
    assert split_sentences("password authentication must be applied; encryption must be "
                           "applied to the hard drive; it shall be deleted after use, if "
                           "possible; or archived;") == [
        "password authentication must be applied;",
        "encryption must be applied to the hard drive;",
        "it shall be deleted after use, if possible; or archived;"]
    assert split_sentences("You must sign; you may keep a copy.") == [
        "You must sign; you may keep a copy."]


@pytest.mark.parametrize(("text", "expected"), [
    # a participle the parser took for the subject: the noun before it acts
    ("All officers authorized to exercise this authority must adhere to the standards.",
     (OB, False, "officers")),
    ("Not be found guilty of an offense that brings discredit upon the Department.",
     (F, True, "you")),  # an order in the passive, its "be" bare
    ("You must neither copy nor share the file.", (F, True, "you")),
    ("It is our expectation that staff will reflect the standards of the company.",
     (OB, False, "staff")),
    ("Our preference is for each file to bear a copyright header.", (R, False, "you")),
    ("When we create new software, our overwhelming bias is to open source it.",
     (R, False, "you")),
    ("Your continued use of the Services constitutes acceptance of the changes.",
     (D, False, None)),
])
def test_participle_subjects_passive_orders_and_stated_positions(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_neither_negates_the_verb_it_opens() -> None:
    clause = analyse(["Has neither been convicted of a felony, nor convicted of a misdemeanor."])
    assert clause[0][0].negated


@pytest.mark.parametrize(("text", "expected"), [
    ("Approves appointment of former officers to perform extended active duty.", OB),
    ("Selects, appoints, or designates persons who qualify for appointment.", OB),
    ("Recruits and selects persons from all sources who qualify.", OB),
    ("Gifts and meals under twenty dollars.", INFO),  # nouns
    ("Checks, Drafts, and Orders of Payment.", INFO),  # a title
    ("Describes the process for new members.", INFO),  # describes a text
    ("Reports are due on Friday.", INFO),  # a subject
])
def test_a_directives_duty_lines_open_with_their_verb(text: str, expected: Modality) -> None:
    """A directive lists what an office does as lines that open with a third-person verb
    ("Approves X"): each one of its duties; the tagger's plural noun for such a verb is read
    again by the word's possible parts of speech."""
    assert first(text)[0] == expected


def test_coded_office_headings_and_duty_lists_name_the_actor(tmp_path: Path) -> None:
    """A heading that names an office with its code ("1.5. Officer Accessions Branch
    (AFPC/DPSIP).") gives its duty lines their actor; "The Commissioner's specific
    responsibilities include the following:" gives its items the Commissioner's duty."""
    doc = parse(tmp_path, "# Appointments\n\n## 1.5. Officer Accessions Branch (AFPC/DPSIP).\n\n"
                          "Approves appointment of former officers to perform active duty.\n\n"
                          "## 1.6. Release Branch\n\nKeeps the release notes current.\n\n"
                          "## 2. Commissioner\n\nThe Commissioner's specific responsibilities "
                          "include the following:\n\n- Designating the Law Enforcement "
                          "Administrator;\n- Overseeing the training of officers.\n",
                 name="afi.md")
    approves = by_text(doc, "Approves appointment")
    assert (approves.modality, approves.actor) == (OB, "officer accessions branch")
    assert by_text(doc, "Keeps the release").actor != "release branch"  # no office code
    overseeing = by_text(doc, "Overseeing the training")
    assert (overseeing.modality, overseeing.actor) == (OB, "commissioner")


@pytest.mark.parametrize(("text", "expected"), [
    ("If they do not return, they will be removed by the Council.", (OB, False, "council")),
    ("If a member becomes inactive, they will be removed from the list.", (OB, False, "you")),
    ("The initial role of the STC is to instantiate the formal process.", (OB, False, "stc")),
    ("The role of the moderation team is to keep conversation healthy.",
     (OB, False, "moderation team")),
])
def test_passive_commitments_about_people_and_a_roles_duty(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"they will be removed" is the document's commitment about people, as "Reports will be
    handled confidentially" is about things; "The role of X is to Y" is X's duty."""
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("We won't share your information with other organisations.", (F, True, "we")),
    ("arXiv will not provide detailed feedback regarding the decision.", (F, True, "arxiv")),
    ("arXiv does not accept work containing verbatim comments by referees.",
     (F, True, "arxiv")),
])
def test_wont_and_names_in_mixed_case_make_a_partys_refusal(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"won't" is "will not" (the parser splits it "wo" + "n't"); a name in mixed case that the
    tagger takes for a common noun ("arXiv") names a party, whose "will not"/"does not" is its
    refusal (a prohibition, as the guideline reads a party's negative commitment)."""
    assert first(text) == expected


def test_a_standards_may_after_it_grants_an_option(tmp_path: Path) -> None:
    """RFC 2119's "MAY" after "It" grants the party named before an option; a lower-case
    "it may" after a thing stays a possibility."""
    doc = parse(tmp_path, "# Access\n\nThe VNF MUST support single sign-on. It MAY support "
                          "other identity and access management protocols.\n\nThe service "
                          "is old. It may fail on large inputs.\n")
    found = by_text(doc, "It MAY support")
    assert (found.modality, found.actor) == (P, "vnf")
    assert by_text(doc, "It may fail").modality == INFO


@pytest.mark.parametrize(("text", "expected"), [
    # a statute's "shall mean" and "shall have the ... meaning(s)" define
    ("For the purposes of this definition, legal holiday shall mean Massachusetts legal "
     "holidays.", (D, False, None)),
    ("Unless the context clearly requires otherwise, the following terms shall have the "
     "following meanings:", (D, False, None)),
    ('"Qualified patient" shall have the same meaning as provided in the Health and Safety '
     "Code.", (D, False, None)),
    ("In the rest of this document the term 'maintainer' should be taken to mean 'active "
     "maintainer'.", (D, False, None)),
    ('+1 means "yes"', (D, False, None)),
    # "shall be eligible / entitled": a right, as "is eligible" is
    ("Any voter shall be eligible to hold the office of councilor at-large.",
     (P, False, "voter")),
    ("All members shall be entitled to a discount on training courses.", (P, False, "members")),
    # what a section says it does not prevent someone from doing: theirs to do
    ("This section shall not prevent a city employee who vacated a position to serve as a "
     "member of the city council from returning to the same position.",
     (P, True, "city employee who vacated a position to serve as a member of the city council")),
    # not definitions: staff who will consult guidelines act; "shall mean that" draws a rule
    ("Staff will refer to the withdrawal guidelines when a request arrives.",
     (OB, False, "staff")),
    ("This shall mean that you must file the report.", (OB, False, "you")),
])
def test_statutory_definitions_eligibility_and_what_a_section_does_not_prevent(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_glossary_entries_that_open_with_a_quoted_term(tmp_path: Path) -> None:
    """Under a definitions heading, '"City", the city of Somerville.' defines its quoted term
    (the lead-in announcing the terms is no rule); elsewhere a quoted opening defines nothing."""
    doc = parse(tmp_path, '# Charter\n\n## Definitions\n\nUnless the context clearly requires '
                          "otherwise, the following terms shall have the following meanings:\n\n"
                          '" City ", the city of Somerville.\n\n"General Laws", the '
                          "Massachusetts General Laws.\n\n## Elections\n\n"
                          '"Early voting", as the clerk calls it, starts in May.\n')
    city = by_text(doc, '" City ", the city')
    assert (city.modality, city.terms) == (D, ["City"])
    assert by_text(doc, '"General Laws"').terms == ["General Laws"]
    assert by_text(doc, '"Early voting"').modality == INFO


@pytest.mark.parametrize(("text", "expected"), [
    # a run-in title before the sentence ("(a) Election and Term - ") is no subject
    ("(a) Election and Term - As soon as practicable after the election, the city council "
     "shall elect a president.", (OB, False, "city council")),
    ("Rules of Procedure - The city council shall adopt rules regulating its procedure.",
     (OB, False, "city council")),
    # not a title: an order run in before a sentence
    ("Communicate with empathy - Disagreements are a fact of life.", (OB, False, "you")),
])
def test_a_run_in_title_is_not_read_as_the_subject(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the party of an order's duty, past a participle the parser took for the subject ...
    ("Within 60 days of the date of this order, the Secretary of Homeland Security acting "
     "through the Director of CISA shall develop and issue a cloud-service governance "
     "framework.", (OB, False, "secretary of homeland security")),
    # ... past a long aside of those consulted ...
    ("Within 60 days of the date of this order, the Administrator of General Services, in "
     "consultation with the Director of OMB and the heads of other agencies as the "
     "Administrator of General Services deems appropriate, shall begin modernizing FedRAMP.",
     (OB, False, "administrator")),
    # ... and past a participle's phrase read as the main verb
    ("Committers wanting to become maintainers are expected to:", (OB, False, "committers")),
    # not changed: a gerund subject names no party; one read right stays as it was
    ("Working overtime violates the policy.", (INFO, False, None)),
    ("Employees working from home must lock their screens.", (OB, False, "employees")),
])
def test_the_party_of_a_duty_behind_participles_and_asides(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_lead_in_naming_its_party_keeps_it_under_a_role_heading(tmp_path: Path) -> None:
    """Under "Maintainer", the orders after "Committers wanting to become maintainers are
    expected to:" are the committers' duties; an order with no party of its own is the
    heading's party's, as before."""
    doc = parse(tmp_path, "# Governance\n\n## Roles and responsibilities\n\n### Maintainer\n\n"
                          "Maintainers must plan releases.\n\nCommitters "
                          "wanting to become maintainers are expected to:\n\n- Collaborate "
                          "well.\n- Enable adoptions or ecosystems.\n\nReview pull requests "
                          "within a week.\n")
    collaborate = by_text(doc, "Collaborate well")
    assert (collaborate.modality, collaborate.actor) == (OB, "committers")
    assert by_text(doc, "Review pull requests").actor == "maintainer"


def test_the_kinds_a_lead_in_says_something_may_be_are_definitions(tmp_path: Path) -> None:
    """"There are many ways to contribute, which may be one or more of the following:" lists
    the kinds of contribution (its "may" is a possibility, not a permission); "You may do one
    of the following:" still lists what one may do."""
    doc = parse(tmp_path, "# Contributors\n\nThere are many ways to contribute to the project, "
                          "which may be one or more of the following (but not limited to):\n\n"
                          "- Reporting or fixing bugs.\n- Writing documentation.\n\n"
                          "You may do one of the following:\n\n- Open an issue.\n")
    assert by_text(doc, "Reporting or fixing bugs").modality == D
    assert by_text(doc, "Writing documentation").modality == D
    assert by_text(doc, "Open an issue").modality == P


@pytest.mark.parametrize(("text", "expected"), [
    # the parser took the verb of a parenthesis for the sentence's own
    ("Don't leave trailing whitespace on new code (a good editor can manage this for you).",
     (F, True, "you")),
    # an order whose first word the tagger read as a noun before a participle
    ("Indent using 4 spaces everywhere.", (OB, False, "you")),
    # a consequence after "so" that says what one must do is a norm ...
    ("There is no CI available in the private repository so you must build from source.",
     (OB, False, "you")),
    # ... a purpose after it is not
    ("We keep the logs so we can assess how to prevent a leak.", (INFO, False, "we")),
    ("The terms are set so that the terms shall be staggered.", (INFO, False, None)),
])
def test_norms_the_parser_hung_elsewhere(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_rule_before_a_labelled_sample_keeps_its_force(tmp_path: Path) -> None:
    """"Private members may be prefixed with an underscore:" and then a "Right:" heading over
    a sample is a rule with its example; "Use the following sections:" before headings
    announces them and says nothing itself, as before."""
    doc = parse(tmp_path, "# Style\n\n## Private members\n\nPrivate members in classes may be "
                          "prefixed with an underscore:\n\n### Right:\n\nclass A has _field.\n\n"
                          "## Layout\n\nUse the following sections:\n\n### Summary\n\n"
                          "Say what the change does.\n")
    assert by_text(doc, "Private members in classes").modality == P
    assert by_text(doc, "Use the following sections").modality == INFO


def test_what_a_rule_shall_not_do_is_its_reach_not_a_ban() -> None:
    """"Paragraphs 7 and 8 shall not apply where ..." states the rule's reach (a definition),
    "This prohibition does not apply to ..." allows the case, "This Directive shall not
    preclude Member States from adopting ..." leaves them free: negated all, none a ban; a
    person's "shall not affect" or "must not apply" stays one."""
    texts = ["Paragraphs 7 and 8 shall not apply where an entity acts as a trust service "
             "provider.", "This prohibition does not apply to public areas of the property.",
             "This Directive shall not preclude Member States from adopting stricter provisions.",
             "Employees shall not affect the outcome of a review.",
             "You must not apply the patch twice."]
    found = [c[0] for c in analyse(texts)]
    assert [(c.modality, c.negated) for c in found] == [
        (Modality.definition, True), (Modality.permission, True), (Modality.permission, True),
        (Modality.prohibition, True), (Modality.prohibition, True)]
    assert (found[0].actor, found[2].actor) == (None, "member states")


def test_a_community_workshop_or_lab_commits_with_will() -> None:
    """"The hackspace will ensure ...", "The lab will close ...": an organisation named by
    its kind makes a commitment, as "The committee will review" does."""
    found = [c[0] for c in analyse(["The hackspace will ensure that all members handling CCTV "
                                    "images are trained.", "The lab will close the building in "
                                    "August."])]
    assert [(c.modality, c.actor) for c in found] == [
        (Modality.obligation, "hackspace"), (Modality.obligation, "lab")]


@pytest.mark.parametrize(("text", "expected"), [
    # a leading verb that is a noun too, made a compound by the parser, in a verbless sentence
    ("Use angle brackets for C standard library headers and other POSIX headers "
     "(#include <stdio.h>).", (OB, False, "you")),
    # a function call kept whole, so that its name is not taken for the sentence's verb
    ("However the function do_something() must still be called, even if assertions are "
     "disabled.", (OB, False, "you")),
    # ... and a subject holding one is code, not a party
    ("tmpnam() -> mkstemp() tmpnam is insecure and should not be used any more.",
     (R, True, "you")),
    # the group a quantifier picks from acts
    ("All but one of the editors MUST actively agree on any normative change.",
     (OB, False, "editors")),
    ("Each of the editors must review the change.", (OB, False, "editors")),
    # a party's "will help" is a commitment; an offer with "can", or a thing's, is not
    ("N.B.: The current editors will help new editors with this process as necessary.",
     (OB, False, "current editors")),
    ("HR can help.", (INFO, False, None)),
    ("This will help you find the page.", (INFO, False, None)),
])
def test_orders_with_code_quantified_parties_and_offers_of_help(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_requirement_level_notice_is_one_definition() -> None:
    """The RFC 2119 notice defines the words it quotes: one definition, not a ban ("MUST NOT")
    and a duty ("shall be interpreted")."""
    found = analyse(['The key words "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", '
                     '"SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", and "OPTIONAL" in this '
                     'document are to be interpreted as described in RFC 2119.'])[0]
    assert [(c.modality, c.negated, c.actor) for c in found] == [(D, False, None)]


def test_requirement_tags_roles_and_stated_requirements(tmp_path: Path) -> None:
    """A bold "MUST" over a header's text is a tag, not a section; a table's role column names
    who does what its row orders; items after "one can formulate the requirements as:" are
    duties, not what one "can" do."""
    doc = parse(tmp_path, "# API headers\n\n### Accept\n\n**MUST**\n\nAn Accept header is "
                          "required on every request.\n\n### Roles\n\n| Level | Role | "
                          "Responsibilities |\n| --- | --- | --- |\n| 1 | **Maintainer** | "
                          "Review and merge pull requests. |\n\n### Releases\n\nOne can "
                          "formulate the release requirements as:\n\n- Provide pre-release "
                          "versions\n- Release versions defined by MAJOR.MINOR.PATCH\n")
    accept = by_text(doc, "An Accept header")
    assert accept.section_id.endswith("/accept") and accept.modality == OB
    assert not any(s.title == "MUST" for s in doc.all_sections())
    assert by_text(doc, "1 | Maintainer").actor == "maintainer"
    assert by_text(doc, "Provide pre-release").modality == OB
    assert by_text(doc, "Release versions defined").modality == OB


@pytest.mark.parametrize(("text", "expected"), [
    # a choice left to a party, said at the end of the clause or as its discretion
    ("The name of the header is up to the API provider.", (P, False, "api provider")),
    ("Feature backports are up to the discretion of the maintainers who own the branch.",
     (P, False, "maintainers")),
    # ... not what is up to date or up to a number
    ("The review period is up to two weeks.", (INFO, False, None)),
    ("The decision is up to date.", (INFO, False, None)),
    # a body empowered to act may act; what "empowers" someone without an act does not say so
    ("The Board is empowered to appoint committees.", (P, False, "board")),
    ("Open source empowers developers around the world.", (INFO, False, None)),
    # a program's "will not" predicts
    ("The compiler will not produce a warning.", (INFO, True, None)),
])
def test_choices_left_to_a_party_and_what_programs_will_do(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_clause_spliced_on_with_however_is_a_norm_of_its_own() -> None:
    """"It is preferable to X, however it is acceptable to Y" says two norms; "X, however it
    is unclear why" says one."""
    two = analyse(["It is preferable for the consuming application to specify the response "
                   "content type, however it is acceptable to use the q parameter."])[0]
    assert [c.modality for c in two] == [R, P]
    assert two[1].text.startswith("however it is acceptable")
    one = analyse(["You must file the form, however it is unclear why."])[0]
    assert [c.modality for c in one] == [OB]


@pytest.mark.parametrize(("text", "expected"), [
    # orders the parser hung under something else
    ("Always use trademarks in their exact form with the correct spelling, neither "
     "abbreviated, hyphenated, or combined with any other word or words.", (OB, False, "you")),
    ("Do put punctuation inside quotation marks, if necessary.", (OB, False, "you")),
    ("Address the user as you, refer to Twilio as we.", (OB, False, "you")),
    ("Note that the BDFL can step down at any time, and acting in good faith, will also "
     "listen to the council.", (INFO, False, None)),
    # "never" with a verb in the present bans; not for an expletive subject or what happens
    ("Hyphens never have a space either side.", (F, True, "you")),
    ("It never hurts to ask.", (INFO, True, None)),
    ("The hours will rollover, and they never expire.", (INFO, False, None)),
    # disclaimers of liability waive a duty
    ("We accept no liability for the data.", (P, True, "we")),
    ("We do not accept any liability for the data.", (P, True, "we")),
    ("You take full responsibility for your posts.", (INFO, False, "you")),
    # a commitment made in the passive with a means after "by"
    ("The link to upload your session will be provided by email.", (OB, False, "you")),
    ("Requests must be approved by HR.", (OB, False, "hr")),
])
def test_emphatic_orders_present_bans_and_disclaimed_liability(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_verdicts_on_samples_and_quoted_terms(tmp_path: Path) -> None:
    """"Unacceptable: X" beside "Acceptable: Y" under a rule is its worked example, not two
    norms; a lone "Acceptable: jeans on Fridays" is still one. A sentence that opens with a
    term in curly single quotes starts a new sentence."""
    doc = parse(tmp_path, "# Marks\n\nDon't pluralize a trademark.\n\n- Unacceptable: I have "
                          "seventeen Systems running.\n- Acceptable: I have seventeen System "
                          "installations running.\n\n# Dress\n\n- Acceptable: jeans on "
                          "Fridays.\n\n# Terms\n\n‘Data’ is a set of values. ‘Timely’ means "
                          "fast enough to be of value.\n")
    assert by_text(doc, "Unacceptable").modality == INFO
    assert by_text(doc, "Acceptable: I have").modality == INFO
    assert by_text(doc, "Acceptable: jeans").modality == P
    assert by_text(doc, "‘Timely’ means").modality == D


def test_a_role_a_dash_and_its_gloss_or_rule(tmp_path: Path) -> None:
    """"Incident Commander - is the person in charge" glosses the role (a definition);
    "Postmortem - when the Incident is over, perform a Postmortem" orders under its title."""
    doc = parse(tmp_path, "# Roles\n\n- Incident Commander - is the person in charge of the "
                          "response to an incident.\n- Postmortem - when the Incident is over, "
                          "perform a Postmortem to understand what went wrong.\n", "roles.txt")
    assert by_text(doc, "Incident Commander").modality == D
    postmortem = by_text(doc, "Postmortem - when")
    assert (postmortem.modality, postmortem.actor) == (OB, "you")


def test_what_an_order_makes_sure_of_gives_it_no_frame() -> None:
    """"Ensure that the proposal has been accepted" is an order, not a permission read from
    "accepted"; "Make sure that tips are not accepted" orders the negative."""
    found = [c[0] for c in analyse(["Ensure that the proposal has been accepted.",
                                    "Make sure that tips are not accepted."])]
    assert [(c.modality, c.negated) for c in found] == [(OB, False), (OB, True)]


@pytest.mark.parametrize(("text", "expected"), [
    # "Optionally," before an order leaves the choice open
    ("2.3.9 Optionally, include all the names of the persons who are credited.", (P, False, "you")),
    ("Optionally,include all the names of the families.", (P, False, "you")),
    ("Include all the names of the families.", (OB, False, "you")),
    # what a party is to keep from, is sworn to, is accountable for or holds the duty of
    ("Users are to restrain from improper communication on the network.", (F, False, "users")),
    ("Staff are to avoid conflicts of interest.", (F, False, "staff")),
    ("Users are bound by the oaths of secrecy concerning personal relationships.",
     (OB, False, "users")),
    ("The Faculty Board is accountable for the implementation of this policy.",
     (OB, False, "faculty board")),
    ("Users are not accountable for lost data.", (P, True, "users")),
    ("Researchers and students hold the primary responsibility for taking care of the data.",
     (OB, False, "researchers and students")),
    ("We will neither monitor nor bear responsibility for the licence terms.",
     (F, True, "we")),
    # a duty to be done by a party named after "by" in a "has to be"/"needs to be" passive
    ("The DMP has to be reviewed by the supervisors as part of the assessment.",
     (OB, False, "supervisors")),
    ("Incidents need to be reported by email.", (OB, False, "you")),
    # what a thing may bring about or be worth is no permission
    ("Screenshots can be useful in the case something is edited.", (INFO, False, None)),
    ("Exclamation marks can increase anxiety.", (INFO, False, None)),
    ("A note in the gem description can help clarify the intention.", (INFO, False, None)),
    ("Proposals may be entertaining and humorous.", (P, False, "you")),
    # a passive's subject is not who acts: the by-agent, the reader of "your", else the reader
    ("We recommend that the plan be approved by the board.", (R, False, "board")),
    # disclaiming responsibility waives a duty (not boilerplate on warranties)
    ("The University disclaims all responsibility for any loss that results from errors.",
     (P, True, "university")),
])
def test_optional_orders_sworn_and_accountable_parties_and_disclaimers(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_a_coded_requirement_a_dash_and_an_order_in_lower_case(tmp_path: Path) -> None:
    """"TG1 - select Hardware Security Modules to use." orders (the parser reads "select" in
    lower case as an adjective); "Postmortem Team - stake holders ..." still glosses."""
    doc = parse(tmp_path, "# Requirements\n\n- TG1 - select Hardware Security Modules(s) to "
                          "use.\n- TG7 - plan for exceptions.\n- Incident Commander - is the "
                          "person in charge of the response to an incident.\n", "reqs.txt")
    for start in ("TG1 - select", "TG7 - plan"):
        found = by_text(doc, start)
        assert (found.modality, found.actor) == (OB, "you")  # the text keeps its lower case
    assert by_text(doc, "Incident Commander").modality == D


def test_items_take_the_force_of_the_clause_that_names_them(tmp_path: Path) -> None:
    """"Each body can only include the following parts, and cannot have additional
    appendages:": the items are the parts the first clause allows, not banned appendages."""
    doc = parse(tmp_path, "# Bodies\n\nEach body can only include the following parts, and "
                          "cannot have additional appendages:\n\n- 1 right arm, comprising of "
                          "an upper arm and a hand.\n- 1 torso, comprising of an upper torso "
                          "and a lower torso.\n")
    assert by_text(doc, "1 right arm").modality == P
    assert by_text(doc, "1 torso").modality == P
    assert by_text(doc, "cannot have additional").modality == F


def test_restructuredtext_with_a_link_target_and_a_title_under_a_paragraph(
        tmp_path: Path) -> None:
    """A text file that opens with a link target (".. _guidelines:") is reStructuredText: its
    wrapped definition list is one entry per term, though its paragraphs are not wrapped; a
    title underlined to its length right under a paragraph is still a title."""
    long = "These guidelines apply to the use of the University's computer equipment " * 3
    text = (".. _guidelines:\n\n\nGuidelines\n==========\n\n\nDefinitions\n-----------\n\n"
            "users:\n    Every person who has access to and who uses the University's\n"
            "    computer equipment. This includes employees and students.\n"
            "data:\n    All information that is on the computer equipment.\n\n"
            f"Application\n-----------\n\n{long.strip()}.\nGood Faith\n----------\n\n"
            "Never leave any doubt as to your identity.\n")
    doc = parse(tmp_path, text, "guidelines.txt")
    titles = [s.title for s in doc.all_sections()]
    assert "Good Faith" in titles
    assert by_text(doc, "Never leave").section_id == next(
        s.id for s in doc.all_sections() if s.title == "Good Faith")
    assert by_text(doc, "users:").text.startswith("users: Every person who has access")


@pytest.mark.parametrize(("text", "actor"), [
    ("Your files should be protected so that they cannot be read by others.", "you"),
    ("We strongly recommend that this process is put on paper.", None),
    ("We ask that you report it.", "you"),
])
def test_whose_thing_is_acted_on_in_the_passive(text: str, actor: str | None) -> None:
    """A passive with the reader's thing as subject puts the reader under the norm, addressed
    or not; one that makes a thing the subject of what is recommended names nobody."""
    assert analyse([text], None)[0][0].actor == actor


@pytest.mark.parametrize(("text", "expected"), [
    # whose duty: not what a purpose clause serves; a name in mixed capitals before the modal
    ("To carry out the statutory responsibilities of the agency, an NTSB investigator may "
     "conduct hearings.", (P, False, "ntsb investigator")),
    ("It is the sole responsibility of the plugin developer to ensure the code is safe.",
     (OB, False, "plugin developer")),
    ("DRMacIver must approve the changes.", (OB, False, "drmaciver")),
    # thanking someone other than the reader is an order
    ("Always thank external contributors.", (OB, False, "you")),
    ("Thank you for helping us.", (INFO, False, None)),
    # a duty waived; a choice left to whoever's discretion it is
    ("You are under no obligation to answer the door if the doorbell rings.", (P, True, "you")),
    ("Your membership may be revoked at the discretion of The Directors.",
     (P, False, "directors")),
])
def test_purposes_names_thanks_waivers_and_discretion(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    assert first(text) == expected


def test_items_that_open_with_their_modal_under_a_subject(tmp_path: Path) -> None:
    """"The representative—" over "May be an attorney;" and "May not supplement the witness's
    testimony;": each item is its own norm of the lead-in's subject, not a fragment."""
    doc = parse(tmp_path, "# Representatives\n\nThe representative—\n\n- May be an attorney;\n"
                          "- May not supplement the witness's testimony; and\n")
    attorney = by_text(doc, "May be an attorney")
    assert (attorney.modality, attorney.actor) == (P, "representative")
    testimony = by_text(doc, "May not supplement")
    assert (testimony.modality, testimony.negated) == (F, True)


def test_an_italic_line_is_a_sub_title_in_html(tmp_path: Path) -> None:
    """A paragraph wholly in italics, short and capitalised, without a colon, titles the text
    under it; an italic date line or sentence does not."""
    html = ("<html><body><h2>Contributions</h2><p><em>Contribution guidance and files</em></p>"
            "<p>Agencies should provide guidance on how they will accept contributions.</p>"
            "<p><em>Last modified: June 11, 2020</em></p>"
            "<p><em>The PSC has the right to veto any proposed development.</em></p></body></html>")
    doc = parse(tmp_path, html, "page.html")
    titles = [s.title for s in doc.all_sections()]
    assert "Contribution guidance and files" in titles
    assert not any(title.startswith(("Last modified", "The PSC")) for title in titles)
    guidance = by_text(doc, "Agencies should provide guidance")
    assert next(s.title for s in doc.all_sections() if s.id == guidance.section_id) == \
        "Contribution guidance and files"



def test_a_code_directive_in_capitals_and_a_sentence_going_on_are_no_titles(
        tmp_path: Path) -> None:
    """Sage's ".. CODE-BLOCK:: bash" is code, as ".. code-block::" is; "Likewise for CXXFLAGS,
    FCFLAGS, and F77FLAGS." alone between blank lines goes on from the sentence before, no
    title over the text after it."""
    text = ("Guide\n=====\n\nScripts\n-------\n\nSlightly modified versions are available:\n\n"
            ".. CODE-BLOCK:: bash\n\n    # Use flags as set by the user.\n"
            "    export CFLAGS=$ORIGINAL_CFLAGS\n\n"
            "Likewise for :envvar:`CXXFLAGS`, :envvar:`FCFLAGS`, and :envvar:`F77FLAGS`.\n\n"
            "Build scripts may still be written in Python.\n")
    doc = parse(tmp_path, text, "guide.txt")
    assert [s.title for s in doc.all_sections()][-1] == "Scripts"
    assert not any("CFLAGS=" in p.text for p in doc.policies())
    assert by_text(doc, "Build scripts may").modality == P


def test_a_checklist_states_criteria_to_be_met(tmp_path: Path) -> None:
    """A task-list item ("- [ ] Priority is set by the Product Owner") is a criterion: a duty,
    its check box left out of the statement; "No known defects have been introduced" bans
    them; an item's own words stand ("(format recommended)" stays advice)."""
    doc = parse(tmp_path, "# Definition of Done\n\nA ticket is done when it meets all of the "
                          "following criteria.\n\n- [ ] Priority is set by the Product Owner\n"
                          "- [x] All automated tests pass in the CI/CD pipeline\n"
                          "- [ ] No known defects have been introduced\n\n"
                          "# Notes\n\n- Tests pass in the pipeline\n")
    priority = by_text(doc, "Priority is set")
    assert priority.text.startswith("Priority")
    assert (priority.modality, priority.actor) == (OB, "product owner")
    assert by_text(doc, "All automated tests pass").modality == OB
    defects = by_text(doc, "No known defects")
    assert (defects.modality, defects.negated) == (F, True)
    assert by_text(doc, "Tests pass in the pipeline").modality == INFO  # no check box


def test_the_items_of_ways_to_act_are_options(tmp_path: Path) -> None:
    """"There are many ways to contribute to Scrapy. Here are some of them:" and "Here are a
    few ways to preserve what you've learned:" offer their items: an order among them
    permits; ways to become eligible list conditions, not options."""
    doc = parse(tmp_path, "# Contributing\n\nThere are many ways to contribute to Scrapy. Here "
                          "are some of them:\n\n- Blog about Scrapy.\n- Answer Scrapy questions "
                          "at Stack Overflow.\n\n# Learning\n\nHere are a few ways to preserve "
                          "what you've learned:\n\n- Contribute a summary to the site.\n\n"
                          "# Release\n\nBefore a release:\n\n- Tag the release commit.\n")
    assert by_text(doc, "Blog about Scrapy").modality == P
    assert by_text(doc, "Answer Scrapy questions").modality == P
    assert by_text(doc, "Contribute a summary").modality == P
    assert by_text(doc, "Tag the release commit").modality == OB


@pytest.mark.parametrize(("text", "expected"), [
    ("Try to keep titles short but descriptive.", (OB, False, "you")),
    ("When writing pull requests, please try to keep titles short.", (OB, False, "you")),
    ("Try to avoid sweeping statements.", (F, False, "you")),
    ("Consider using a patch queue.", (R, False, "you")),  # advice stays advice
    ("Quality is the whole team's responsibility: there is no separate QA gate.",
     (OB, False, "whole team")),
    ("Backups are the owner's responsibility.", (OB, False, "owner")),
    ("Where a control does not apply to a given ticket, record why on the ticket rather than "
     "removing the check.", (OB, False, "you")),
    ("In most cases, account or content deletion is not reversible.", (INFO, True, None)),
    ("If needed, the technical reviewer can help with programming questions, design questions, "
     "and other questions.", (INFO, False, "technical reviewer")),  # no order to "design"
])
def test_tries_duties_of_a_party_and_orders_after_a_condition(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"Try to X" orders X put kindly ("try to avoid X" bans X); "X is the team's
    responsibility" is the team's duty; an order the parser reads as a noun after a leading
    condition ("..., record why on the ticket") is an order; a subject after the comma is no
    order."""
    assert first(text) == expected


def test_a_heading_of_a_partys_duties_names_the_actor_of_norms_on_things(
        tmp_path: Path) -> None:
    """Under "Responsibilities of the Makerspace Users" a norm on a thing ("Protective devices
    must not be removed") is the users', not the reader's; a norm that speaks to "you" keeps
    "you", and the same norm under a topic heading keeps the reader."""
    doc = parse(tmp_path, "# Rules\n\nYou must sign in.\n\n# Responsibilities of the Makerspace "
                          "Users\n\nProtective devices must not be removed.\n\nYou must wear "
                          "your badge.\n\n# Tools\n\nFire doors must not be wedged open.\n")
    assert by_text(doc, "Protective devices").actor == "makerspace users"
    assert by_text(doc, "You must wear").actor == "you"
    assert by_text(doc, "Fire doors").actor == "you"


@pytest.mark.parametrize(("text", "expected"), [
    ("You are highly encouraged to review and approve code (or comment on it).",
     (R, False, "you")),
    ("If your PR is non-trivial, please consider allowing extra time for other reviewers.",
     (R, False, "you")),
    ("You are allowed to merge your own pull request.", (P, False, "you")),
])
def test_an_encouragement_after_an_adverb_and_an_act_to_consider_are_advice(
        text: str, expected: tuple[Modality, bool, str | None]) -> None:
    """"are highly encouraged to X" (the tagger reads "encouraged" as an adjective) advises X;
    "consider allowing X" advises allowing it, the word "allowing" permits nothing."""
    assert first(text) == expected


def test_a_link_wrapped_over_two_lines_of_restructuredtext_is_its_text(tmp_path: Path) -> None:
    """"Suggestions on `how to write a git commit message" / "<https://cbea.ms/git-commit>`_:"
    reads "Suggestions on how to write a git commit message:", a lead-in whose items are
    suggestions; a link wrapped inside a paragraph keeps the paragraph whole."""
    text = ("Guide\n=====\n\nCommits\n-------\n\nSuggestions on `how to write a git commit "
            "message\n<https://cbea.ms/git-commit>`_:\n\n* Capitalize the subject line\n\n"
            "Please read the `contributing\nguide <https://x.org/c>`_ before you\npost a "
            "question.\n")
    doc = parse(tmp_path, text, "guide.txt")
    assert by_text(doc, "Capitalize the subject line").modality == R
    assert any(p.text == "Please read the contributing guide before you post a question."
               for p in doc.policies())


def test_an_items_bold_opening_words_are_its_title_in_html(tmp_path: Path) -> None:
    """"<li><strong>Keep change to a minimum</strong> The bigger the change, ...": the bold
    words before a sentence are the item's own order; a bold glossary term with a dash stays
    an entry, and bold words run on into lower case stay the sentence."""
    html = ("<html><body><h2>Raising a change</h2><ul>"
            "<li><strong>Keep change to a minimum</strong>\nThe bigger the change, the longer "
            "it takes to review.</li>"
            "<li><strong>Communicate</strong>\nLet your reviewers know that the MR is "
            "waiting.</li>"
            "<li><strong>Reviewer</strong> - a person who reads the change</li>"
            "<li><strong>All tests</strong> must pass before you merge.</li></ul></body></html>")
    doc = parse(tmp_path, html, "page.html")
    keep = by_text(doc, "Keep change to a minimum")
    assert not keep.text.startswith("Keep change to a minimum The")
    assert keep.modality == OB
    assert by_text(doc, "Let your reviewers know").modality == OB
    assert by_text(doc, "Reviewer: a person").modality == D
    assert by_text(doc, "All tests must pass").modality == OB


@pytest.mark.parametrize(("text", "expected"), [
    ("It shall be unlawful for any person, without proper authority, to willfully destroy, "
     "damage, or remove property.", (F, False, "you")),
    ("It is unlawful for any person to remove property.", (F, False, "you")),
    ("Any voter shall be eligible to hold the office.", (P, False, "voter")),
])
def test_what_shall_be_unlawful_is_banned(text: str,
                                          expected: tuple[Modality, bool, str | None]) -> None:
    """"It shall be unlawful for any person to X" bans X: the frame holds over "shall", as
    "shall be eligible" permits; "for any person to X" is the act the frame judges."""
    assert first(text) == expected


def test_a_one_word_rest_after_a_leading_condition_is_read_without_error() -> None:
    """"If in doubt, document" (the rest after the comma is one word the parser tags a noun):
    read again without looking past its one token."""
    assert [len(found) for found in analyse(["If in doubt, document", "When finished, record",
                                             "If unsure, escalate"], "you")] == [1, 1, 1]
