"""PDF ingestion: Markdown fixtures drawn as real multi-page PDFs (fpdf2) parse to the same tree
and policies; hostile files (broken, encrypted, scanned, huge) fail as one line with exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.blocks import BlockType
from alignment_studio.framers.parse import MAX_FILE_MB, read_document
from alignment_studio.framers.parse.pdf import read_pdf
from alignment_studio.types import Form, PolicyDocument

fpdf = pytest.importorskip("fpdf")
pypdf = pytest.importorskip("pypdf")
from renderers import render_pdf  # noqa: E402  (needs fpdf; lives beside this file)

SCRIPT = Path(sys.executable).with_name("alignment-studio")


def tree(doc: PolicyDocument) -> list[tuple[str, str, int]]:
    return [(s.id, s.title, s.level) for s in doc.all_sections()]


def policies(doc: PolicyDocument) -> list[tuple[str, str, Form, str | None]]:
    """IDs, texts, forms, questions; a table row counts as prose (the PDF reader reads a table
    as lines of text: the renderer's rows keep their cells and IDs, not their header)."""
    return [(p.id, p.text, Form.prose if p.form == Form.table_row else p.form, p.question)
            for p in doc.policies()]


def text_lines(path: Path) -> list[str]:
    """The text layer as pypdf extracts it: non-blank lines of all pages, in order."""
    reader = pypdf.PdfReader(str(path))
    return [line for page in reader.pages for line in page.extract_text().split("\n")
            if line.strip()]


def test_example_as_pdf_gives_the_same_tree_ids_and_texts(example_policy: Path,
                                                          tmp_path: Path) -> None:
    target = tmp_path / "guidelines.pdf"
    pages = render_pdf(example_policy, target)
    lines = text_lines(target)
    # the PDF really has what the reader must undo: several pages, running header and footer,
    # words hyphenated at line ends, call-outs and Q&A
    assert pages >= 5
    assert sum(line == "Policy handbook" for line in lines) == pages
    assert sum(line.startswith("Page ") for line in lines) == pages
    assert sum(line.endswith("-") for line in lines) >= 5
    md_doc, pdf_doc = read_document(example_policy), read_document(target)
    assert tree(pdf_doc) == tree(md_doc)
    assert policies(pdf_doc) == policies(md_doc)
    assert [p.modality for p in pdf_doc.policies()] == [p.modality for p in md_doc.policies()]
    assert pdf_doc.title == md_doc.title
    assert {p.form for p in pdf_doc.policies()} == set(Form) - {Form.table_row}


def test_18f_documents_as_pdf_keep_trees_and_ids(policies_18f: list[Path],
                                                 tmp_path: Path) -> None:
    multi_page = 0
    for path in policies_18f:
        target = tmp_path / f"{path.stem}.pdf"
        multi_page += render_pdf(path, target) > 1
        md_doc, pdf_doc = read_document(path), read_document(target)
        assert [t[1:] for t in tree(pdf_doc)] == [t[1:] for t in tree(md_doc)], path.name
        assert policies(pdf_doc) == policies(md_doc), path.name
        assert pdf_doc.title == md_doc.title, path.name
    assert multi_page >= 3


def test_line_numbers_point_into_the_text_layer(example_policy: Path, tmp_path: Path) -> None:
    target = tmp_path / "guidelines.pdf"
    render_pdf(example_policy, target)
    lines = text_lines(target)
    blocks = read_pdf(target).blocks
    assert len(blocks) > 100
    for block in blocks:
        first = block.question if block.type == BlockType.qa else block.text
        assert first is not None
        assert first[:12] in lines[block.start_line - 1], (block, lines[block.start_line - 1])
        assert block.start_line <= block.end_line


def write_layout_pdf(target: Path) -> None:
    """A hand-laid PDF: a table of contents, bold numbered headings at body size, numbered and
    dashed lists with a hanging indent, bare page numbers, a compound split at its hyphen at a
    line end, and a paragraph running over a page break."""
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()

    def line(text: str, style: str = "", gap: float = 0, indent: float = 0) -> None:
        pdf.set_font("Helvetica", style, 10)
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    line("1 Scope . . . . . . . . . . . . . . . . . . 1")
    line("1.1 Who must follow them . . . . . . . . . . 1", gap=4)
    line("1 Scope", "B", 2)
    line("These rules cover non-government speakers invited by any team of the agency.", gap=3)
    line("1.1 Who must follow them", "B", 2)
    line("1. You must register every non-", indent=5)
    line("government speaker in the events calendar.", gap=1.5, indent=9)
    line("2. You must not pay speakers.", gap=1.5, indent=5)
    line("- Never promise travel costs.", gap=3, indent=5)
    line("The host is responsible for the guest during the whole event and must stay with the")
    pdf.set_y(-15)
    line("1", indent=80)
    pdf.add_page()
    line("speaker until the event ends. Anyone may ask the events team for help.", gap=3)
    pdf.set_y(-15)
    line("2", indent=80)
    pdf.output(str(target))


def test_layout_cues_become_headings_items_and_joined_paragraphs(tmp_path: Path) -> None:
    target = tmp_path / "layout.pdf"
    write_layout_pdf(target)
    blocks = [(b.type, b.level, b.text) for b in read_pdf(target).blocks]
    assert blocks == [
        (BlockType.heading, 1, "1 Scope"),
        (BlockType.paragraph, 0, "These rules cover non-government speakers invited by any "
                                 "team of the agency."),
        (BlockType.heading, 2, "1.1 Who must follow them"),
        (BlockType.list_item, 0, "You must register every non-government speaker in the "
                                 "events calendar."),
        (BlockType.list_item, 0, "You must not pay speakers."),
        (BlockType.list_item, 0, "Never promise travel costs."),
        (BlockType.paragraph, 0, "The host is responsible for the guest during the whole event "
                                 "and must stay with the speaker until the event ends. Anyone "
                                 "may ask the events team for help."),
    ]


def flush_pdf() -> tuple[Any, Callable[..., None]]:
    """An A4 PDF without automatic page breaks, and a function that writes one line of it
    flush with the margin (bold with style "B", a gap in mm after it)."""
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()

    def line(text: str, style: str = "", gap: float = 0) -> None:
        pdf.set_font("Helvetica", style, 10)
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    return pdf, line


def test_flush_lettered_items_keep_their_wrapped_lines_and_the_lead_ins_force(
        tmp_path: Path) -> None:
    """A regulation's "(a) ..." items set flush with the margin (no hanging indent), wrapped
    over several lines and once over a page break: each item is one block, so "The following
    are prohibited:" reaches every item, not only those before the first wrapped line."""
    pdf, line = flush_pdf()
    line("Sec. 4 Occupancy and use.", "B", 3)
    line("The following are prohibited:", gap=3)
    line("(a) Constructing, placing, or maintaining any kind of road, trail, structure, fence,")
    line("enclosure or other improvement on the lands without a special-use authorization.", gap=3)
    line("(b) Abandoning any personal property.", gap=3)
    line("(c) Operating or using a public address system, whether fixed, portable or vehicle")
    pdf.set_y(-15)
    line("1")
    pdf.add_page()
    line("mounted, in or near a campsite without a special-use authorization.", gap=3)
    line("(d) Failing to stop a vehicle when directed to do so by a Forest Officer.", gap=3)
    line("[42 FR 2957, Jan. 14, 1977]")
    target = tmp_path / "regulation.pdf"
    pdf.output(str(target))
    items = [b.text for b in read_pdf(target).blocks if b.type == BlockType.list_item]
    assert items == [
        "Constructing, placing, or maintaining any kind of road, trail, structure, fence, "
        "enclosure or other improvement on the lands without a special-use authorization.",
        "Abandoning any personal property.",
        "Operating or using a public address system, whether fixed, portable or vehicle "
        "mounted, in or near a campsite without a special-use authorization.",
        "Failing to stop a vehicle when directed to do so by a Forest Officer."]
    norms = [(p.text.split(",")[0], p.modality.value) for p in read_document(target).policies()
             if p.modality.value != "informational"]
    assert norms == [("Constructing", "prohibition"),
                     ("Abandoning any personal property.", "prohibition"),
                     ("Operating or using a public address system", "prohibition"),
                     ("Failing to stop a vehicle when directed to do so by a Forest Officer.",
                      "prohibition")]


def test_parenthesised_items_nest_and_a_wrapped_reference_is_no_marker(tmp_path: Path) -> None:
    """"(a) An applicant ... may not:" over "(1) ..." items: the items are the lead-in's and
    forbid; "... prohibited by paragraph" wrapped before "(a) of this section" continues the
    sentence instead of opening an item."""
    pdf, line = flush_pdf()
    line("Sec. 107.69 Knowledge tests: Cheating.", "B", 3)
    line("(a) An applicant for a knowledge test may not:", gap=3)
    line("(1) Copy or intentionally remove any knowledge test;", gap=3)
    line("(2) Take any part of a knowledge test on behalf of another person.", gap=3)
    line("(b) An applicant who has committed an act prohibited by paragraph")
    line("(a) of this section is prohibited from applying for any certificate.", gap=3)
    target = tmp_path / "knowledge.pdf"
    pdf.output(str(target))
    blocks = [(b.level, b.text) for b in read_pdf(target).blocks if b.type == BlockType.list_item]
    assert blocks == [(0, "An applicant for a knowledge test may not:"),
                      (1, "Copy or intentionally remove any knowledge test;"),
                      (1, "Take any part of a knowledge test on behalf of another person."),
                      (0, "An applicant who has committed an act prohibited by paragraph (a) of "
                          "this section is prohibited from applying for any certificate.")]
    doc = read_document(target)
    copy = next(p for p in doc.policies() if p.text.startswith("Copy"))
    assert (copy.modality.value, copy.negated, copy.actor) == ("prohibition", True, "applicant")


def test_encrypted_pdf_with_an_empty_user_password_is_read(tmp_path: Path) -> None:
    target = tmp_path / "open.pdf"
    write_text_pdf(target, "You must lock your screen when you leave your desk.", user="")
    assert [p.text for p in read_document(target).policies()] == [
        "You must lock your screen when you leave your desk."]


def write_text_pdf(target: Path, text: str, user: str | None = None) -> None:
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, text)
    if user is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user)
    pdf.output(str(target))


def write_scanned_pdf(target: Path) -> None:
    from PIL import Image  # fpdf2 depends on Pillow

    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.image(Image.new("L", (400, 300), 230), x=10, y=10, w=150)
    pdf.output(str(target))


def cli_parse(path: Path, **env: str) -> str:
    """`alignment-studio parse FILE`; the one error line, after checking exit code 2."""
    result = subprocess.run([str(SCRIPT), "parse", str(path)], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), result.stderr
    return lines[0]


def test_hostile_pdfs_fail_as_one_line_through_the_cli(example_policy: Path,
                                                       tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    render_pdf(example_policy, good)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    encrypted = tmp_path / "locked.pdf"
    write_text_pdf(encrypted, "You must lock your screen.", user="user-secret")
    scanned = tmp_path / "scan.pdf"
    write_scanned_pdf(scanned)

    assert "not a readable PDF file" in cli_parse(truncated)
    assert "not a readable PDF file" in cli_parse(garbage)
    assert "encrypted PDF: remove the password first" in cli_parse(encrypted)
    assert cli_parse(scanned).endswith(
        "no text layer — the PDF looks scanned; run OCR (e.g. ocrmypdf) first")


def test_file_size_limit_for_every_format(example_policy: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: no disk used, never read
        handle.truncate((MAX_FILE_MB + 1) * 1024 * 1024)
    assert f"over the {MAX_FILE_MB} MB limit" in cli_parse(huge)

    markdown = tmp_path / "guidelines.md"
    markdown.write_bytes(example_policy.read_bytes())  # about 25 KB
    line = cli_parse(markdown, ALIGNMENT_STUDIO_MAX_FILE_MB="0.01")
    assert "over the 0.01 MB limit" in line and "ALIGNMENT_STUDIO_MAX_FILE_MB" in line
    assert read_document(markdown).policies()  # under the default limit it is read


def test_bad_size_limit_setting_is_reported(example_policy: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNMENT_STUDIO_MAX_FILE_MB", "lots")
    with pytest.raises(StudioError, match="not a positive number"):
        read_document(example_policy)


def test_a_bold_title_with_a_plain_colon_on_its_own_line_is_a_heading(tmp_path: Path) -> None:
    """"**Scope and Applicability**:" (the colon in the regular font, as Markdown renders it)
    on a line of its own is a section title; a bold sentence ending in a colon is not."""
    pdf, line = flush_pdf()
    line("Overview", "B", 4)
    line("These requirements apply to every certification authority and to each of the")
    line("delegated third parties that operate any part of its systems on its behalf, in")
    line("every country where it issues certificates to its subscribers.", gap=4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(pdf.get_string_width("Scope and Applicability"), 5, "Scope and Applicability")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 5, ":", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    line("The CA SHALL keep a list of the systems that it operates and of the people who")
    line("may reach them, and it SHALL review that list at least once every three months.",
         gap=4)
    line("Every employee must do the following:", "B", 4)
    line("Lock the screen.", gap=4)
    path = tmp_path / "requirements.pdf"
    pdf.output(str(path))
    titles = [s.title for s in read_document(path).all_sections()]
    assert titles[:2] == ["Overview", "Scope and Applicability:"], titles
    assert not any(t.startswith("Every employee") for t in titles)


def test_bold_run_in_sentences_and_table_header_rows_are_no_headings(tmp_path: Path) -> None:
    """A paragraph that opens with a bold sentence running to the margin ("**All new code
    should be hosted in an account owned by the ...**") and a table's bold header row
    ("Licence ... Use") are no headings: what follows stays in its section."""
    pdf, line = flush_pdf()

    def heading(text: str) -> None:
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    heading("a. Repositories")
    line("All new code should be hosted in an account owned by the commissioning organisation,",
         "B")
    line("unit, or community to ensure ongoing management and accountability. As projects")
    line("change scale, the repository should be transferred.", gap=3)
    heading("b. Licences")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(60, 5, "Licence")
    pdf.cell(0, 5, "Use", new_x="LMARGIN", new_y="NEXT")
    line("MIT Licence          Default licence for all new code", gap=3)
    line("All open source projects must be accompanied by a licence.", gap=3)
    path = tmp_path / "nhs.pdf"
    pdf.output(str(path))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["a. Repositories", "b. Licences"]
    assert doc.all_sections()[0].policies[0].text.startswith("All new code should be hosted")


_UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not _UNICODE_FONT.exists(), reason="needs the DejaVu Sans font file")
def test_round_and_square_bullets_mark_items(tmp_path: Path) -> None:
    """Bullets other than "•" (as Word's "●" and "■" levels) start list items."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(_UNICODE_FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 10)
    for text in ["Visitors must:", "●  sign in at the front desk", "■  wear the badge at all times",
                 "●  leave before closing time"]:
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    target = tmp_path / "bullets.pdf"
    pdf.output(str(target))
    blocks = [(b.type, b.text) for b in read_pdf(target).blocks]
    assert blocks[1:] == [(BlockType.list_item, "sign in at the front desk"),
                          (BlockType.list_item, "wear the badge at all times"),
                          (BlockType.list_item, "leave before closing time")]


def test_numbered_question_titles_are_headings_and_scoped_definitions_define(
        tmp_path: Path) -> None:
    """Plain-language regulations title sections as questions in bold ("§ 1801.40 How long
    may a Scholar receive payments?"): headings, not statements; "As used in this part, fee
    means X" is a definition."""
    pdf, line = flush_pdf()
    line("1801.40 How long may a Scholar receive payments?", "B", 3)
    line("(a) A Scholar may receive payments for up to three years of graduate study.", gap=3)
    line("1801.42 What is a fee?", "B", 3)
    line("As used in this part, fee means a charge for tuition or required services.", gap=3)
    line("52h.7 What matters must be reviewed?", "B", 3)  # a part numbered "52h"
    line("Each application must be reviewed by a peer review group.", gap=3)
    target = tmp_path / "cfr.pdf"
    pdf.output(str(target))
    doc = read_document(target)
    assert [s.title for s in doc.all_sections()] == [
        "1801.40 How long may a Scholar receive payments?", "1801.42 What is a fee?",
        "52h.7 What matters must be reviewed?"]
    assert [p.modality.value for p in doc.policies()] == ["permission", "definition",
                                                         "obligation"]


@pytest.mark.parametrize("style", ["capitals", "numbered", "italic", "labelled"])
def test_titles_in_the_body_font_standing_alone_are_headings(tmp_path: Path,
                                                             style: str) -> None:
    """A PDF whose titles are set in the body's own font, between paragraph gaps: in
    capitals, numbered, in italics or as "SECTION 2 - POSTING"; an item "- PDF" is none."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    rules = [("General", "Members must be polite to each other at all times. "),
             ("Posting", "You must not post advertisements or spam in any channel. ")]
    for n, (title, body) in enumerate(rules, 1):
        text = {"capitals": title.upper(), "numbered": f"{n}. {title}", "italic": title,
                "labelled": f"SECTION {n} - {title.upper()}"}[style]
        pdf.set_font("Helvetica", "I" if style == "italic" else "", 10)
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, body * 4)
        pdf.ln(3)
    pdf.multi_cell(0, 5, "Formats we accept:")
    pdf.ln(3)
    pdf.cell(0, 5, "- PDF", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 5, "Members may ask the operators for help at any time of the day. " * 3)
    target = tmp_path / "rules.pdf"
    pdf.output(str(target))
    doc = read_document(target)
    assert len(doc.all_sections()) == 2
    posting = next(p for p in doc.policies() if p.text.startswith("You must not post"))
    assert posting.section_id == doc.all_sections()[1].id


def test_an_indented_italic_quote_is_a_call_out_not_a_title(tmp_path: Path) -> None:
    """A line quoted in italics under "it SHOULD read as follows:", indented from the margin,
    is a call-out: the sentences after it stay in their section."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "Headers", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, "Every source file carries the project's header, which names its "
                         "licence so that anyone who copies the file knows the terms that "
                         "apply to it. The first line of every source file SHOULD read as "
                         "follows:")
    pdf.ln(3)
    pdf.set_font("Helvetica", "I", 10)
    pdf.set_x(pdf.l_margin + 12)
    pdf.cell(0, 5, "Project-Header: Example Licence 2 OR Other", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, "Authors MUST NOT remove the header from a file they did not write. "
                         "A file without the header is not accepted until one is added by "
                         "its author or by a maintainer who reviews the change.")
    target = tmp_path / "headers.pdf"
    pdf.output(str(target))
    doc = read_document(target)
    assert not any("Project-Header" in s.title for s in doc.all_sections())
    first_line = next(p for p in doc.policies() if "The first line" in p.text)
    kept = next(p for p in doc.policies() if p.text.startswith("Authors MUST NOT"))
    assert kept.section_id == first_line.section_id


def test_bold_numbered_titles_are_headings_and_indented_items_nest(tmp_path: Path) -> None:
    """Bylaws typeset as a person would: "1. Interested Person" in bold body-size type over its
    paragraph is a title, not a list item; under "4. ..., it shall not:" the items set further
    right are that item's own, so each takes its force (forbidden)."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "Conflict of Interest Policy", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for n, (title, body) in enumerate([
            ("Interested Person", "Any director who has a direct or indirect financial "
                                  "interest, as defined below, is an interested person."),
            ("Determining Whether a Conflict of Interest Exists", "The remaining board "
             "members shall decide if a conflict of interest exists.")], 1):
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.cell(0, 6, f"{n}. {title}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, body)
        pdf.ln(3)
    pdf.multi_cell(0, 5, "4. While the Organization is a private foundation, it shall not:")
    for item in ("1. Engage in any act of self dealing as defined in Section 4941(d).",
                 "2. Retain any excess business holdings as defined in Section 4943(c)."):
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(0, 5, item)
    pdf.ln(3)
    pdf.multi_cell(0, 5, "5. The Organization may accept gifts for its exempt purposes.")
    target = tmp_path / "bylaws.pdf"
    pdf.output(str(target))
    doc = read_document(target)
    titles = [s.title for s in doc.all_sections()]
    assert titles == ["1. Interested Person",
                      "2. Determining Whether a Conflict of Interest Exists"]
    decide = next(p for p in doc.policies() if p.text.startswith("The remaining board"))
    assert decide.section_id == doc.all_sections()[1].id
    levels = [b.level for b in read_pdf(target).blocks if b.type == BlockType.list_item]
    assert levels == [0, 1, 1, 0]
    for start in ("Engage", "Retain"):
        item = next(p for p in doc.policies() if p.text.startswith(start))
        assert (item.modality.value, item.negated) == ("prohibition", True), item.text
    gifts = next(p for p in doc.policies() if "accept gifts" in p.text)
    assert gifts.modality.value == "permission"


def test_inserted_and_upper_case_statute_parts_are_items_that_keep_the_lead_ins_force(
        tmp_path: Path) -> None:
    """A statute's "(2A)" inserted between "(2)" and "(3)", with "(A)" parts of its own: every
    numbered part stays an item of "may be exempt from disclosure:" (a permission), and "(b)"
    is back at the outermost level with its own force."""
    pdf, line = flush_pdf()
    line("Sec. 2-534. Exemptions from disclosure.", "B", 3)
    line("(a) The following matters may be exempt from disclosure:", gap=3)
    line("(1) Trade secrets obtained from outside the government;", gap=3)
    line("(2A) Any recordings made by the police department:", gap=3)
    line("(A) Inside a personal residence; or", gap=3)
    line("(B) Related to an incident of domestic violence;", gap=3)
    line("(3) Test questions to be used in future examinations;", gap=3)
    line("(b) Any segregable portion of a record shall be provided to the requester.", gap=3)
    target = tmp_path / "statute.pdf"
    pdf.output(str(target))
    items = [(b.level, b.text.split()[0]) for b in read_pdf(target).blocks
             if b.type == BlockType.list_item]
    assert items == [(0, "The"), (1, "Trade"), (1, "Any"), (2, "Inside"), (2, "Related"),
                     (1, "Test"), (0, "Any")]
    modality = {p.text.split()[0] + p.text.split()[1]: p.modality.value
                for p in read_document(target).policies()}
    assert modality["Tradesecrets"] == modality["Testquestions"] == "permission"
    assert modality["Anysegregable"] == "obligation"


def test_roman_items_after_i_are_items_too(tmp_path: Path) -> None:
    """"ii." under "i." is an item like "i." (not a paragraph that ends the list), so "b."
    after it is still an item of the lead-in, one level in."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    for indent, text in ((0, "1. A governing body may hold an executive session:"),
                         (8, "a. To consider these matters:"),
                         (16, "i. To consider matters affecting national security;"),
                         (16, "ii. To consider the security of its systems;"),
                         (8, "b. To consider the selection of a site.")):
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    target = tmp_path / "rcw.pdf"
    pdf.output(str(target))
    items = [(b.level, b.text.split()[-1]) for b in read_pdf(target).blocks
             if b.type == BlockType.list_item]
    assert items == [(0, "session:"), (1, "matters:"), (2, "security;"), (2, "systems;"),
                     (1, "site.")]


def test_a_part_whose_first_sibling_was_no_item_opens_the_outermost_level() -> None:
    """"(b)" after "(1)" ... "(E)", where "(a)" was read as a paragraph (so no "(a)" level is
    open): "(b)" goes back to the outermost level, not one below "(E)"; "(2A)" and "(a-1)" are
    of their parent's kind."""
    from alignment_studio.framers.parse.outline import Depth, marker_kind
    depth = Depth()
    assert [depth(m, "") for m in ("(1)", "(A)", "(B)", "(2)", "(b)", "(c)")] == \
        [0, 1, 1, 0, 0, 0]
    assert (marker_kind("(2A)"), marker_kind("(a-1)")) == ("(1)", "(a)")


# a line of a PDF set one per row: (text, style, size, gap after)
_Row = tuple[str, str, float, float]


def _rows_pdf(target: Path, rows: list[_Row]) -> PolicyDocument:
    """The document read from a PDF whose lines are set one by one, each in its own style."""
    pdf = fpdf.FPDF(format="A4")
    pdf.add_page()
    for text, style, size, gap in rows:
        pdf.set_font("Helvetica", style, size)
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
    pdf.output(str(target))
    return read_document(target)


def test_a_municipal_codes_numbered_titles_ending_in_a_stop_are_headings(tmp_path: Path) -> None:
    """"7.46.010 PURPOSE AND INTENT." in bold a little above the body size is a section title
    (a chapter.section number, a full stop closing it), and a title wrapped onto a second bold
    line ("... ON-SITE" / "CONSUMPTION.") stays one title."""
    doc = _rows_pdf(tmp_path / "code.pdf", [
        ("ARTICLE 1 GENERAL PROVISIONS", "B", 12.5, 3),
        ("7.46.010 PURPOSE AND INTENT.", "B", 10.5, 2),
        ("This chapter regulates the collective cultivation of medical marijuana.", "", 10, 3),
        ("7.46.110 MARIJUANA PRODUCED FOR INDIVIDUAL RESIDENTIAL ON-SITE", "B", 10.5, 0),
        ("CONSUMPTION.", "B", 10.5, 2),
        ("No person shall cultivate marijuana at a residence for sale.", "", 10, 3)])
    titles = [s.title for s in doc.all_sections()]
    assert "7.46.010 PURPOSE AND INTENT." in titles
    assert "7.46.110 MARIJUANA PRODUCED FOR INDIVIDUAL RESIDENTIAL ON-SITE CONSUMPTION." in titles
    sections = {s.id: s.title for s in doc.all_sections()}
    rule = next(p for p in doc.policies() if p.text.startswith("No person"))
    assert sections[rule.section_id].endswith("CONSUMPTION.")
    assert rule.modality.value == "prohibition"


def test_a_regulations_section_sign_titles_are_headings(tmp_path: Path) -> None:
    """"§ 422.4 Responsibilities of the Commissioner of Reclamation." in bold a little above the
    body size is a section title, in sentence case too, and one wrapped onto a second bold line
    ("§ 422.9 Reclamation law enforcement contracts and cooperative" / "agreements.") is one
    title, not a bold sentence opening a paragraph."""
    doc = _rows_pdf(tmp_path / "cfr.pdf", [
        ("Responsibilities", "B", 13, 3),
        ("§ 422.4 Responsibilities of the Commissioner of Reclamation.", "B", 11, 2),
        ("The Commissioner must designate a Law Enforcement Administrator.", "", 10.5, 3),
        ("§ 422.9 Reclamation law enforcement contracts and cooperative", "B", 11, 0),
        ("agreements.", "B", 11, 2),
        ("Each contract must expire no later than 3 years from its effective date.", "", 10.5,
         3)])
    titles = {s.id: s.title for s in doc.all_sections()}
    assert "§ 422.4 Responsibilities of the Commissioner of Reclamation." in titles.values()
    contract = next(p for p in doc.policies() if p.text.startswith("Each contract"))
    assert titles[contract.section_id] == \
        "§ 422.9 Reclamation law enforcement contracts and cooperative agreements."


def test_bold_labelled_section_titles_closed_or_wrapped_are_headings(tmp_path: Path) -> None:
    """A charter's bold "SECTION 1-3: SEPARATION OF POWERS." (closed by a full stop) and a
    "SECTION 2-6: ..." title wrapped over two bold lines are headings, not a bold run-in
    sentence: the text under each is its section's."""
    pdf, line = flush_pdf()
    line("SECTION 1-3: SEPARATION OF POWERS.", "B", 3)
    line("The legislative branch shall never exercise any executive power.", gap=3)
    line("SECTION 2-6: ELECTION, TERM, AND POWERS OF CITY COUNCIL", "B")
    line("PRESIDENT AND VICE PRESIDENT", "B", 3)
    line("The city council shall elect from among its members a president.", gap=3)
    target = tmp_path / "charter.pdf"
    pdf.output(str(target))
    doc = read_document(target)
    titles = {s.id: s.title for s in doc.all_sections()}
    assert [(titles[p.section_id], p.modality.value) for p in doc.policies()] == [
        ("SECTION 1-3: SEPARATION OF POWERS.", "prohibition"),
        ("SECTION 2-6: ELECTION, TERM, AND POWERS OF CITY COUNCIL PRESIDENT AND VICE PRESIDENT",
         "obligation")]
