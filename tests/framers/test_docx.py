"""DOCX ingestion: the fixture written as a real .docx (python-docx) parses to the same tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from renderers import write_docx

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.parse import read_document
from alignment_studio.types import Modality

docx = pytest.importorskip("docx")


def test_example_as_docx_gives_the_same_tree_and_ids(example_policy: Path,
                                                     tmp_path: Path) -> None:
    target = tmp_path / "guidelines.docx"
    write_docx(example_policy, target)
    md_doc, docx_doc = read_document(example_policy), read_document(target)
    assert [(s.id, s.title, s.level) for s in docx_doc.all_sections()] == [
        (s.id, s.title, s.level) for s in md_doc.all_sections()]
    assert [(p.id, p.form, p.modality, p.question) for p in docx_doc.policies()] == [
        (p.id, p.form, p.modality, p.question) for p in md_doc.policies()]


def test_broken_docx_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(StudioError) as info:
        read_document(path)
    assert str(path) in str(info.value) and "not a readable .docx" in str(info.value)


def test_bold_numbered_section_titles_ending_in_a_period_are_headings(tmp_path: Path) -> None:
    """A regulation in Word without heading styles: "§ 2.2 Wildlife protection." in a bold,
    larger run is a heading although it ends in a period; a bold sentence is not."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for text, bold in (("§ 2.2 Wildlife protection.", True), ("(a) The following are "
                       "prohibited:", False), ("(1) The taking of wildlife.", False),
                       ("§ 2.10 Camping.", True), ("Camping is allowed in designated sites.",
                                                   False)):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = bold
        if bold:
            run.font.size = Pt(12)
    path = tmp_path / "parks.docx"
    document.save(str(path))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["§ 2.2 Wildlife protection.",
                                                     "§ 2.10 Camping."]
    assert next(p for p in doc.policies() if p.text.startswith("The taking")).modality == \
        Modality.prohibition


def test_typed_numbers_on_bold_larger_titles_and_duty_lists(tmp_path: Path) -> None:
    """A guide in Word without heading styles: "1. Posting code" in a bold, larger run is a
    heading; "1. Ensure access" in bold at the body's size stays an item. "Key considerations
    include:" over gerund items makes them duties, and "you need to ensure that X does not
    contain:" keeps the duty, negated."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for text, bold, size in (
            ("Approaches", True, 14), ("1. Posting existing code", True, 12),
            ("Key considerations in these scenarios include:", False, None),
            ("Making sure the province owns the code", False, None),
            ("Vetting any library dependencies", False, None),
            ("2. Ensure access", True, None), ("Privacy", True, 14),
            ("You still need to ensure that any code you post does not contain:", False, None),
            ("sample data that includes personal information;", False, None),
            ("Everyone reads this guide once.", False, None)):
        paragraph = document.add_paragraph(style="List Bullet" if text[0] in "MVs" else None)
        run = paragraph.add_run(text)
        run.bold = bold
        if size is not None:
            run.font.size = Pt(size)
    path = tmp_path / "guide.docx"
    document.save(str(path))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Approaches", "1. Posting existing code",
                                                     "Privacy"]
    by_text = {p.text: p for p in doc.policies()}
    assert by_text["Making sure the province owns the code"].modality == Modality.obligation
    assert by_text["Vetting any library dependencies"].modality == Modality.obligation
    assert any(p.text.startswith("Ensure access") for p in doc.policies())
    item = next(p for t, p in by_text.items() if t.startswith("sample data"))
    assert (item.modality, item.negated) == (Modality.obligation, True)


def test_list_number_2_items_nest_under_a_british_lead_in(tmp_path: Path) -> None:
    """Word's "List Number 2" style nests its items even when their numbering says level 0,
    and a lead-in ending in ":-" passes its force to them."""
    import docx

    document = docx.Document()
    document.add_heading("Internet use", level=1)
    document.add_paragraph("The company will not tolerate the use of the Internet for "
                           "unofficial purposes, including:-", style="List Number")
    for item in ("any messages that could constitute bullying or harassment;",
                 "posting confidential information about other employees or customers."):
        document.add_paragraph(item, style="List Number 2")
    path = tmp_path / "handbook.docx"
    document.save(str(path))
    items = read_document(path).policies()[1:]
    assert [(p.modality, p.negated) for p in items] == [(Modality.prohibition, True)] * 2


def test_typed_roman_numerals_past_ten_stay_items_under_an_agreement_lead_in(
        tmp_path: Path) -> None:
    """Sixteen restrictions typed "i." to "xvi." in Normal paragraphs are all items (not
    "xi." and after glued to the item before), and "You agree that you will not:" forbids
    each."""
    import docx

    numerals = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii",
                "xiii", "xiv", "xv", "xvi"]
    document = docx.Document()
    document.add_heading("Restrictions", level=1)
    document.add_paragraph("You agree that you will not:")
    for n in numerals:
        document.add_paragraph(f"{n}. share the data set with person number {len(n)};")
    path = tmp_path / "terms.docx"
    document.save(str(path))
    items = read_document(path).policies()[1:]
    assert len(items) == len(numerals)
    assert {(p.modality, p.negated) for p in items} == {(Modality.prohibition, True)}


def test_paragraphs_with_an_outline_level_are_headings(tmp_path: Path) -> None:
    """A paragraph in an author's own style that Word's navigation pane lists (an outline level
    set on it or on its style) is a heading at that level; body text (level 9) is not."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def outline(paragraph_format: object, level: int) -> None:
        element = OxmlElement("w:outlineLvl")
        element.set(qn("w:val"), str(level))
        paragraph_format.get_or_add_pPr().append(element)  # type: ignore[attr-defined]

    document = docx.Document()
    own = document.styles.add_style("Rule Title", WD_STYLE_TYPE.PARAGRAPH)
    outline(own.element, 1)
    document.add_paragraph("Posting", style="Rule Title")
    document.add_paragraph("You must not post advertisements.")
    bans = document.add_paragraph("Bans")
    outline(bans._p, 1)
    document.add_paragraph("Operators may ban users who break these rules.")
    body = document.add_paragraph("A plain line")
    outline(body._p, 9)
    document.add_paragraph("Members should be polite.")
    path = tmp_path / "rules.docx"
    document.save(str(path))
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [("Posting", 2), ("Bans", 2)]
    assert [p.modality for p in doc.all_sections()[1].policies] == [Modality.permission,
                                                                    Modality.informational,
                                                                    Modality.recommendation]


def test_code_set_in_a_monospace_font_or_a_code_style_says_no_rule(tmp_path: Path) -> None:
    """A guide's example program in Word: paragraphs whose runs are all in Courier New (or in a
    code style such as "HTML Preformatted") are no statements; prose with one word in
    Courier keeps its rule."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.add_heading("Coding practices", 1)
    document.add_paragraph("Code must be reviewed before it is merged.")
    listing = document.add_paragraph()
    listing.add_run("def check(x):\n    return x.must_pass()").font.name = "Courier New"
    document.styles.add_style("HTML Preformatted", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("if ok: you_must = True", style="HTML Preformatted")
    mixed = document.add_paragraph("You must run ")
    mixed.add_run("make test").font.name = "Courier New"
    mixed.add_run(" before you push.")
    target = tmp_path / "practices.docx"
    document.save(str(target))
    texts = [p.text for p in read_document(target).policies()]
    assert texts == ["Code must be reviewed before it is merged.",
                     "You must run make test before you push."]


def test_a_table_of_contents_written_as_a_plain_list_says_no_rule(tmp_path: Path) -> None:
    """A Word copy of a page keeps its contents list's words but not its links: three or more
    items that name the headings further on are a table of contents; a list whose items name
    no heading ("Access to the dashboard", a permission under "gives you:") stays."""
    import docx

    document = docx.Document()
    document.add_heading("Open source rules", 1)
    for entry in ("1. Purpose", "2. Rules", "Appendix 1: Philosophy/principles"):
        document.add_paragraph(entry, style="List Number")
    document.add_heading("Purpose", 2)
    document.add_paragraph("Membership gives you the following:")
    for item in ("Access to the dashboard.", "The ability to merge pull requests.",
                 "Rules for the wiki."):
        document.add_paragraph(item, style="List Bullet")
    document.add_heading("Rules", 2)
    document.add_paragraph("You must create a licence file.")
    document.add_heading("Appendix 1: Philosophy / Principles", 2)
    document.add_paragraph("We should publish code that others can use.")
    target = tmp_path / "rules.docx"
    document.save(str(target))
    texts = [p.text for p in read_document(target).policies()]
    assert not any(t.startswith(("Purpose", "Appendix 1:")) for t in texts)
    assert "Access to the dashboard." in texts and "Rules for the wiki." in texts


def _bold_and_plain(path: Path, lines: list[tuple[str, bool]]) -> Path:
    import docx

    document = docx.Document()
    for text, bold in lines:
        document.add_paragraph().add_run(text).bold = bold
    document.save(str(path))
    return path


def test_bold_numbered_titles_in_capitals_and_the_next_number_are_headings(
        tmp_path: Path) -> None:
    """Rules of behaviour typed in Word at the body's size: "1. GENERAL RULES" in bold capitals
    is a title (with or without its period), and so is "3. Acknowledgement" that takes the next
    number; lettered items stay items under them."""
    path = _bold_and_plain(tmp_path / "rules.docx", [
        ("1. GENERAL RULES OF BEHAVIOR", True), ("a.\tI will lock my screen.", False),
        ("2. SPECIFIC RULES OF BEHAVIOR.", True), ("a.\tI will not share my password.", False),
        ("3. Acknowledgement and Acceptance", True), ("I accept these rules.", False)])
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == [
        "1. GENERAL RULES OF BEHAVIOR", "2. SPECIFIC RULES OF BEHAVIOR.",
        "3. Acknowledgement and Acceptance"]
    assert next(p for p in doc.policies() if "password" in p.text).modality == \
        Modality.prohibition


def test_the_next_bold_numbered_title_in_title_case_ending_in_a_period_is_a_heading(
        tmp_path: Path) -> None:
    """A charter typed without heading styles: "4. General Rules and Operations." takes the
    number after "3. Community Assets" and is in title case, so its period does not make it a
    sentence; a bold sentence that takes the next number is still no title."""
    path = _bold_and_plain(tmp_path / "charter.docx", [
        ("1. Mission and Scope", True), ("The Project builds a package manager.", False),
        ("2. Technical Steering Committee", True), ("The TSC will meet monthly.", False),
        ("3. Community Assets", True), ("The Project will own its domain names.", False),
        ("4. General Rules and Operations.", True), ("The Project will respect trademarks.",
                                                    False),
        ("5. The project will publish its budget.", True), ("Members may ask questions.", False)])
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == [
        "1. Mission and Scope", "2. Technical Steering Committee", "3. Community Assets",
        "4. General Rules and Operations."]


def test_bold_numbered_items_under_a_numbered_title_stay_items(tmp_path: Path) -> None:
    """"2. **Lock your screen**" under "1. GENERAL RULES" is the list's second item, not the
    next title: numbered items under a title end the count of titles."""
    path = _bold_and_plain(tmp_path / "steps.docx", [
        ("Staff rules", True), ("1. GENERAL RULES", True), ("1. Ensure access", True),
        ("2. Lock your screen", True),
        ("3. Report incidents", True)])
    assert [s.title for s in read_document(path).all_sections()] == ["Staff rules",
                                                                     "1. GENERAL RULES"]


def test_a_run_of_bold_numbered_titles_at_the_body_size_are_sections(tmp_path: Path) -> None:
    """No heading styles and no larger type: bold "1. Introduction", "2. Funding", "3. Timing"
    in title case, each over plain text, are the file's sections; the steps numbered in plain
    type under one of them stay items."""
    import docx

    document = docx.Document()
    for text, bold in (("1. Introduction", True), ("Grants support open technology.", False),
                       ("2. Funding", True), ("The Council shall set the budget.", False),
                       ("3. Application Process", True), ("1. Applicants must submit the form.",
                                                          False),
                       ("2. The Council will decide within a month.", False)):
        document.add_paragraph().add_run(text).bold = bold
    path = tmp_path / "grants.docx"
    document.save(str(path))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["1. Introduction", "2. Funding",
                                                     "3. Application Process"]
    assert any(p.text.startswith("Applicants must submit") for p in doc.policies())


def test_run_in_titles_of_an_order_without_heading_styles_are_sections(tmp_path: Path) -> None:
    """An order typed without heading styles: "6.\t**CONSULTATION POLICY**." (number and stop in
    plain type) is a title, so is the bold run-in "7. **LISTENING SESSIONS**. At times ...", and
    "Statement of Policy. Treasury will consult ..." opens a sub-section under "6."; with heading
    styles in the file, a bold run-in title only names its paragraph."""
    import docx

    def write(path: Path, styled: bool) -> None:
        document = docx.Document()
        if styled:
            document.add_heading("Requirements", level=1)
        heading = document.add_paragraph()
        heading.add_run("6.\t")
        heading.add_run("CONSULTATION POLICY").bold = True
        heading.add_run(".")
        for text in ("Statement of Policy. Treasury will consult with Tribal Officials.",
                     "Training. Bureaus shall require annual training.",
                     "Record of Consultation.", "A record of each consultation shall be kept."):
            document.add_paragraph(text)
        listening = document.add_paragraph()
        listening.add_run("7.\t")
        listening.add_run("LISTENING SESSIONS").bold = True
        listening.add_run(". At times, the Department may hold listening sessions.")
        document.save(str(path))

    plain, styled = tmp_path / "order.docx", tmp_path / "styled.docx"
    write(plain, False)
    write(styled, True)
    doc = read_document(plain)
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("6. CONSULTATION POLICY", 1), ("Statement of Policy", 2), ("Training", 2),
        ("Record of Consultation", 2), ("7. LISTENING SESSIONS", 1)]
    sections = {s.id: s.title for s in doc.all_sections()}
    training = next(p for p in doc.policies() if p.text.startswith("Bureaus shall"))
    assert (sections[training.section_id], training.modality) == ("Training", Modality.obligation)
    assert not any(s.title == "Training" for s in read_document(styled).all_sections())


def test_sentence_case_titles_numbered_afresh_under_larger_titles(tmp_path: Path) -> None:
    """Bold "1. Ethical approval" … at the body's size, numbered again from 1 under each bold
    title in larger type ("Data collection", "Data organisation"), each over plain text: the
    subsections of the file (a number typed twice, "2." "2.", does not undo them)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for text, bold, size in (
            ("Data collection", True, 13), ("1. Ethical approval", True, 11),
            ("Check the approval is in place.", False, None), ("2. Store raw data", True, 11),
            ("Save the output to the sourcedata folder.", False, None),
            ("2. Confidential data", True, 11), ("Delete these data when done.", False, None),
            ("Data organisation", True, 13), ("1. Convert to BIDS", True, 11),
            ("Reorganize the raw data files.", False, None)):
        run = document.add_paragraph().add_run(text)
        run.bold = bold
        if size is not None:
            run.font.size = Pt(size)
    path = tmp_path / "sops.docx"
    document.save(str(path))
    sections = [s.title for s in read_document(path).all_sections()]
    assert sections[-6:] == ["Data collection", "1. Ethical approval", "2. Store raw data",
                             "2. Confidential data", "Data organisation", "1. Convert to BIDS"]


def test_a_table_whose_rows_open_with_label_cells_has_no_header_row(tmp_path: Path) -> None:
    """"Principle: | Macc open data will respect privacy." then "Best practice: | ...": every
    row opens with a label, so the first row is an entry like the others, not a header."""
    import docx

    document = docx.Document()
    document.add_paragraph().add_run("Privacy").bold = True
    table = document.add_table(rows=2, cols=2)
    for row, (label, text) in zip(table.rows, (
            ("Principle:", "Macc must respect privacy."),
            ("Best practice:", "We will not disclose any data collected privately.")),
            strict=True):
        row.cells[0].text, row.cells[1].text = label, text
    path = tmp_path / "open-data.docx"
    document.save(str(path))
    texts = [p.text for p in read_document(path).policies()]
    assert any("Macc must respect privacy." in t for t in texts)
    assert any("We will not disclose" in t for t in texts)


def test_a_bold_verdict_over_a_sample_is_no_heading(tmp_path: Path) -> None:
    """A style guide typed without heading styles: "Braces" in bold is a title; "Right:" and
    "Wrong:" in bold over samples label them and open no section, so the rule after them stays
    under "Braces" and the rule before them keeps its force."""
    path = _bold_and_plain(tmp_path / "style.docx", [
        ("Style Guide", True), ("Code follows these rules.", False),
        ("Braces", True), ("Function braces may be put on a line of their own:", False),
        ("Right:", True), ("The brace goes under the name.", False), ("Wrong:", True),
        ("The brace goes after the name.", False),
        ("Control statements should keep the brace on the same line.", False)])
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Style Guide", "Braces"]
    assert next(p for p in doc.policies() if p.text.startswith("Function")).modality == \
        Modality.permission
    assert next(p for p in doc.policies() if p.text.startswith("Control")).modality == \
        Modality.recommendation


def test_a_bold_title_trailing_off_in_an_ellipsis_is_a_heading(tmp_path: Path) -> None:
    """"Makerspace Means Do It Yourself..." in bold over plain text is a title (its dots trail
    off, they end no sentence), not a definition of "Makerspace"; the items under it are its."""
    path = _bold_and_plain(tmp_path / "rules.docx", [
        ("Safety", True), ("Visit at your own risk.", False),
        ("Makerspace Means Do It Yourself...", True),
        ("Before you use machines, you have to be instructed.", False)])
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Safety", "Makerspace Means Do It Yourself..."]
    assert not any(p.text.startswith("Makerspace Means") for p in doc.policies())
