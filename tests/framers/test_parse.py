from __future__ import annotations

import re
from pathlib import Path

import pytest
from parsed import by_text, parse

from alignment_studio.core.errors import StudioError
from alignment_studio.framers.clauses import classify_modality
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.statements import split_sentences
from alignment_studio.types import Form, Modality


def markdown_headings(path: Path) -> list[tuple[int, str]]:
    """(level, raw text) of every ATX heading outside code fences and front matter."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        m = re.match(r"^(#{1,6})\s+\S", line)
        if m and not fence:
            out.append((len(m.group(1)), line))
    return out


def test_18f_section_tree_follows_the_heading_structure(policies_18f: list[Path]) -> None:
    for path in policies_18f:
        doc = read_document(path)
        sections = [s for s in doc.all_sections() if s.title != "Preamble"]
        headings = markdown_headings(path)
        assert [s.level for s in sections] == [lvl for lvl, _ in headings], path.name
        for section in doc.all_sections():
            for child in section.children:
                assert child.level > section.level


def test_18f_front_matter_title_and_no_template_tags(policies_18f: list[Path]) -> None:
    doc = read_document(next(p for p in policies_18f if p.name == "overtime.md"))
    assert doc.title == "Compensation for working extra hours"
    texts = [p.text for p in doc.policies()]
    assert not any("{%" in t or "](" in t or "<a " in t for t in texts)
    assert any("supervisor approval before working extra hours" in t for t in texts)


def test_alert_block_becomes_a_callout(policies_18f: list[Path]) -> None:
    doc = read_document(next(p for p in policies_18f if p.name == "overtime.md"))
    callouts = [p for p in doc.policies() if p.form == Form.callout]
    assert callouts and "leave comparison chart" in callouts[0].text


def test_example_has_sections_lists_qa_and_callouts(example_policy: Path) -> None:
    doc = read_document(example_policy)
    titles = [s.title for s in doc.sections]
    assert "Conflicts of Interest" in titles and "Speaking Up and Non-Retaliation" in titles
    forms = {p.form for p in doc.policies()}
    assert forms == {Form.prose, Form.list_item, Form.qa, Form.callout}
    qa = next(p for p in doc.policies() if p.form == Form.qa)
    assert qa.question and qa.question.endswith("?")
    enforceable = [p for p in doc.policies() if p.modality != Modality.informational]
    assert len(enforceable) >= 60


def test_ids_are_stable_and_an_edit_changes_only_its_paragraph(tmp_path: Path) -> None:
    text = ("# Code\n\n## Gifts\n\nYou must report gifts. You may accept snacks.\n\n"
            "- Never accept cash.\n- You should thank the giver.\n\n## Assets\n\n"
            "Do not share passwords.\n")
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text(text)
    b.write_text(text.replace("You may accept snacks.", "You may accept fruit."))
    first, again = read_document(a), read_document(a)
    assert [p.id for p in first.policies()] == [p.id for p in again.policies()]
    edited = read_document(b, doc_id="a")
    changed = {p.id for p in first.policies()} ^ {p.id for p in edited.policies()}
    assert len(changed) == 2  # the old and the new ID of the one edited sentence
    assert {p.text for p in first.policies() if p.id in changed} == {"You may accept snacks."}


def test_modality_rules() -> None:
    assert classify_modality("You must not accept cash.") == Modality.prohibition
    assert classify_modality("Employees must report gifts.") == Modality.obligation
    assert classify_modality("You may accept snacks.") == Modality.permission
    assert classify_modality("You should thank the giver.") == Modality.recommendation
    assert classify_modality('"Gift" means anything of value.') == Modality.definition
    assert classify_modality("Report phishing to IT.") == Modality.obligation
    assert classify_modality("The code was adopted in 2020.") == Modality.informational


def test_sentence_split_keeps_numbers() -> None:
    assert split_sentences("Gifts over 100.50 dollars count. Report them! Why? Because.") == [
        "Gifts over 100.50 dollars count.", "Report them!", "Why?", "Because."]


def test_plain_text_headings_and_bullets(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text("TRAVEL POLICY\n\n1. Booking\n\nYou must book through the portal.\n\n"
                    "- Never book first class.\n- You may choose any seat.\n\n2. Expenses\n\n"
                    "Submit receipts within 30 days.\n")
    doc = read_document(path)
    assert doc.title == "Travel Policy"
    titles = [s.title for s in doc.all_sections()]
    assert titles[-2:] == ["Booking", "Expenses"]
    booking = doc.all_sections()[-2]
    assert [p.modality for p in booking.policies] == [Modality.obligation, Modality.prohibition,
                                                       Modality.permission]


def test_a_long_line_in_strict_title_case_is_a_plain_text_heading(tmp_path: Path) -> None:
    """Twelve words with every word but "of", "and", "to" capitalised, set off by blank lines
    over bullets, is a heading; a long line in sentence case over bullets is not."""
    path = tmp_path / "privacy.txt"
    path.write_text("Privacy Policy\n\nWhy We Collect Your Data\n\n- We collect data to pay "
                    "benefits.\n\nOur Use of \u201cCookies\u201d and How It Affects Your Visit "
                    "to Our Website\n\n- We must erase the cookie when you leave.\n\n"
                    "the data we hold about you and the ways in which you can see it\n\n"
                    "- You may ask for a copy.\n", encoding="utf-8")
    titles = [s.title for s in read_document(path).all_sections()]
    assert titles[-2:] == ["Why We Collect Your Data", "Our Use of \u201cCookies\u201d and How It "
                           "Affects Your Visit to Our Website"]


def test_restructuredtext_adornments_are_headings_in_the_order_they_appear(
        tmp_path: Path) -> None:
    """A .txt file written in reStructuredText (PEPs, kernel and Sphinx documentation): an
    overlined title, then "=", "-" and "~" underlines nest in the order they first appear, and
    the adornment lines never become text."""
    path = tmp_path / "governance.txt"
    path.write_text("=================\nCouncil Governance\n=================\n\n"
                    "Elections\n=========\n\nThe council must hold an election every year.\n\n"
                    "Terms\n-----\n\nMembers may serve two terms.\n\n"
                    "Vacancies\n~~~~~~~~~\n\nA vacancy shall be filled within 30 days.\n\n"
                    "Conduct\n=======\n\nMembers must not vote on their own removal.\n")
    doc = read_document(path)
    assert doc.title == "Council Governance"
    tree = [(s.title, [c.title for c in s.children]) for s in doc.sections]
    assert tree == [("Elections", ["Terms"]), ("Conduct", [])]
    assert doc.sections[0].children[0].children[0].title == "Vacancies"
    texts = [p.text for p in doc.policies()]
    assert texts == ["The council must hold an election every year.",
                     "Members may serve two terms.", "A vacancy shall be filled within 30 days.",
                     "Members must not vote on their own removal."]
    assert [p.modality for p in doc.policies()] == [
        Modality.obligation, Modality.permission, Modality.obligation, Modality.prohibition]


@pytest.mark.parametrize(("content", "problem"), [
    (None, "not found"), (b"", "empty"), (b"\x00\x01binary\x00", "binary"),
    (b"\xff\xfe\xfa bad bytes", "UTF-8"), (b"# Only a heading\n", "no policy text")])
def test_bad_files_fail_with_one_line_naming_the_file(tmp_path: Path, content: bytes | None,
                                                     problem: str) -> None:
    path = tmp_path / "policy.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(StudioError) as info:
        read_document(path)
    message = str(info.value)
    assert str(path) in message and problem in message and "\n" not in message


def test_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "policy.odt"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(StudioError, match="unsupported policy format .odt"):
        read_document(path)


def blocks_of(markdown: str) -> list[tuple[str, str]]:
    from alignment_studio.framers.parse.markdown import read_markdown

    return [(b.type.value, b.text) for b in read_markdown(markdown).blocks]


def test_markdown_edge_cases() -> None:
    assert blocks_of("{% alert %}Never share keys.{% endalert %}\n\nYou must lock.\n") == [
        ("callout", "Never share keys."), ("paragraph", "You must lock.")]
    assert blocks_of("Title\n=====\n\nBody.\n\n---\n\nMore.\n") == [
        ("heading", "Title"), ("paragraph", "Body."), ("paragraph", "More.")]
    assert blocks_of("**Q:** Can I?\n**A:** No, never.\n") == [("qa", "No, never.")]
    assert blocks_of("# C#\n\nx\n")[0] == ("heading", "C#")


def test_markdown_kramdown_attribute_lists_are_not_read() -> None:
    """kramdown's "{:.bs-callout-info}" over a paragraph styles it; a reader sees no such text.
    A Ruby hash in prose ("{:a => 1}") is no attribute list and stays."""
    text = (" {:.bs-callout-info}\nThe policy is not applied to plugins.\n\n"
            "Keep {:a => 1} as written {: #keep}.\n")
    assert blocks_of(text) == [("paragraph", "The policy is not applied to plugins."),
                               ("paragraph", "Keep {:a => 1} as written .")]


def test_markdown_raw_html_headings_and_admonitions() -> None:
    text = ('<h2 id="bans">Bans</h2>\n\nOperators may ban users.\n\n:::note\n'
            "Members should be polite.\n:::\n\n<h3></h3>\n")
    assert blocks_of(text) == [("heading", "Bans"), ("paragraph", "Operators may ban users."),
                               ("callout", "Members should be polite.")]  # "<h3></h3>": none


def test_markdown_headings_without_a_space_after_the_hashes() -> None:
    # Python-Markdown (MkDocs) and a reader take "##Scope." for a heading; CommonMark does not
    text = ("#Data retention policy.\n\nDeeson keeps records.\n\n##Scope.\n"
            "The policy applies to all staff.\n\n#general is our channel.\n\n#Slack\n")
    assert blocks_of(text) == [("heading", "Data retention policy."),
                               ("paragraph", "Deeson keeps records."), ("heading", "Scope."),
                               ("paragraph", "The policy applies to all staff."),
                               ("paragraph", "#general is our channel."),
                               ("paragraph", "#Slack")]  # a channel name, not a title


def test_markdown_reference_links_read_as_their_text() -> None:
    text = ("The [Editor] may add [Standards][Living Standard] and [notes][].\n\n"
            "Keep [this] as written.\n\n```\n[Editor]: kept in code\n```\n\n"
            "[Editor]: ./policy.md#editor\n[living standard]: ./ls.md\n[notes]: <./n.md>\n")
    # no definition: "[this]" is no link; definitions and code are no text a reader reads
    assert blocks_of(text) == [("paragraph", "The Editor may add Standards and notes."),
                               ("paragraph", "Keep [this] as written.")]


def test_text_numbered_list_is_not_a_heading(tmp_path: Path) -> None:
    path = tmp_path / "rules.txt"
    path.write_text("RULES\n\n1. Report incidents to security\n2. Lock your screen\n")
    doc = read_document(path)
    assert [p.text for p in doc.policies()] == ["Report incidents to security",
                                                 "Lock your screen"]


def test_means_inside_a_rule_is_not_a_definition() -> None:
    assert classify_modality("Employees must not share data by any means.") == \
        Modality.prohibition
    assert classify_modality("By means of a form, you must report gifts.") == Modality.obligation
    assert classify_modality("Confidential information refers to data.") == Modality.definition


def test_perl_pod_in_a_text_file_reads_as_headings_items_and_glossary(tmp_path: Path) -> None:
    """"=head1" headings, "=item *" items under "=over", "=item term" glossary entries and
    formatting codes (B<...>, C<...>, L<text|target>) in a .txt file."""
    path = tmp_path / "policy.txt"
    path.write_text("=encoding utf8\n\n=head1 NAME\n\nperlpolicy - policies\n\n=head1 SUPPORT\n\n"
                    "We B<must> patch the two most recent releases.\n\n=over\n\n=item *\n\n"
                    "Patches must not change C<$@>; see L<the guide|perlguide>.\n\n=back\n\n"
                    "=head2 Terminology\n\n=over\n\n=item experimental\n\nA feature that is "
                    "not yet stable.\n\n=back\n\n=cut\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["NAME", "SUPPORT", "Terminology"]
    texts = {p.text: p for p in doc.policies()}
    assert texts["We must patch the two most recent releases."].modality == Modality.obligation
    item = texts["Patches must not change $@; see the guide."]
    assert (item.form, item.modality) == (Form.list_item, Modality.prohibition)
    assert texts["experimental: A feature that is not yet stable."].modality == \
        Modality.definition
    assert not any(p.text.startswith("=") for p in doc.policies())


_ASCIIDOC = (
    "////\n * Copyright notice, a comment.\n////\n[[top]]\n= Contribution Process\n:repoUrl: "
    "https://example.org/repo\n\ntoc::[]\n\nThe process applies to {project-name} projects."
    "\n\n[[roles]]\n== Roles\n\n[glossary]\nCommitter :: A developer with write access.\n\n"
    "Quorum ::\nHalf of the committers.\n\n=== Duties\n\nCommitters must review changes, "
    "see <<roles>> and the {repoUrl}[repository guide].\n\n[TIP]\n====\nFor help, ask on the "
    "mailing list.\n====\n\nA committee must approve the following:\n\n* The creation of a "
    "project;\n** Its first release.\n\n[cols=\"1,2\"]\n|===\n|Event |Deadline\n\n|Ballot "
    "|Committers must vote within seven days.\n|===\n\n----\nmust_not = 'parse me'\n----\n"
)


def test_asciidoc_reads_as_headings_items_glossary_and_tables(tmp_path: Path) -> None:
    """AsciiDoc saved as .txt (and as .adoc): "=" headings, "::" glossary entries, "*"/"**"
    items, a "|===" table; comments, anchors, attributes, admonitions and code say nothing,
    and links and cross-references read as their text."""
    for name in ("process.txt", "process.adoc"):
        path = tmp_path / name
        path.write_text(_ASCIIDOC)
        doc = read_document(path)
        assert doc.title == "Contribution Process"
        assert [s.title for s in doc.all_sections()][-2:] == ["Roles", "Duties"]
        texts = {p.text: p for p in doc.policies()}
        assert texts["Committer: A developer with write access."].modality == \
            Modality.definition
        assert texts["Quorum: Half of the committers."].modality == Modality.definition
        duty = texts["Committers must review changes, see Roles and the repository guide."]
        assert duty.modality == Modality.obligation
        item = next(p for t, p in texts.items() if t.startswith("The creation of a project"))
        assert (item.form, item.modality) == (Form.list_item, Modality.obligation)
        assert any("Its first release" in t for t in texts)
        row = next(p for t, p in texts.items() if "vote within seven days" in t)
        assert row.modality == Modality.obligation
        assert not any("Copyright" in t or "parse me" in t or "toc::" in t or "::" in t
                       or "[[" in t or "====" in t for t in texts)
        assert not any("{repoUrl}" in t for t in texts)


def test_an_asciidoc_block_title_over_prose_is_a_sub_heading(tmp_path: Path) -> None:
    """".One Sentence Per Line" over a paragraph reads as its sub-heading, one level below
    the section; ".Layout of a release" over an image or a table is a caption."""
    path = tmp_path / "guide.txt"
    path.write_text("= Guide\n\n== Style\n\nWrite plainly.\n\n.One Sentence Per Line\n"
                    "Put one sentence on each line.\n\n.Layout of a release\n"
                    "image::release.svg[]\n\n.Owners\n|===\n|Role |Duty\n"
                    "|Writer |Writers must review pages.\n|===\n\n== Media\n\n"
                    "Crop screenshots.\n")
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Style", 2), ("One Sentence Per Line", 3), ("Media", 2)]
    line = next(p for p in doc.policies() if p.text.startswith("Put one sentence"))
    assert (line.modality, doc.section(line.section_id).title) == (
        Modality.obligation, "One Sentence Per Line")


def test_asciidoc_examples_say_nothing_and_a_collapsible_title_is_a_sub_heading(
        tmp_path: Path) -> None:
    """"[example.avoid]" over a paragraph and "[example]" over a "=====" block (fences of any
    length, nested in a "====" one) are samples of writing, no rules; the title of a
    "[%collapsible]" block is the sub-heading of what it holds; a "[NOTE]" block still
    speaks. The one "=" title is the document's, over a front matter's menu title."""
    path = tmp_path / "style.txt"
    path.write_text("---\ntitle: Style\n---\n\n= Documentation Style Guide\n\n"
                    "Writers must keep a consistent style.\n\n== Tense\n\n"
                    "Use present tense.\n\n[example.recommend]\nThe program *displays* a "
                    "summary.\n[example.avoid]\nThe program will display a summary.\n\n"
                    ".Use Short Sentences\n[%collapsible]\n====\nConsider this example:\n\n"
                    "[example]\n=====\nThe developer should be aware that these must be used "
                    "only for convenience.\n=====\n====\n\n[NOTE]\n====\nYou must not use "
                    "slang.\n====\n\n== Symbols\n\nAvoid symbols.\n")
    doc = read_document(path)
    assert doc.title == "Documentation Style Guide"
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Preamble", 1), ("Tense", 2), ("Use Short Sentences", 3), ("Symbols", 2)]
    texts = {p.text: p.modality for p in doc.policies()}
    assert not any("summary" in t or "convenience" in t or "=" in t for t in texts)
    assert texts["Writers must keep a consistent style."] == Modality.obligation
    assert texts["You must not use slang."] == Modality.prohibition
    assert texts["Avoid symbols."] == Modality.prohibition


def test_asciidoc_anchors_sidebars_and_epigraphs(tmp_path: Path) -> None:
    """An inline anchor after a title ("=== Source Encoding [[utf-8]]") is no text a reader
    sees, and a cross-reference to it shows the title; a sidebar's block title is the
    sub-heading of the box; a quotation with its attribution ("[quote, Author]") is an
    epigraph, no rule of the document, while a "[quote]" without one still speaks."""
    path = tmp_path / "guide.txt"
    path.write_text("= Style Guide\n\n== Layout\n\n[quote, Harold Abelson]\n____\n"
                    "Programs must be written for people to read.\n____\n\n"
                    "=== Source Encoding [[utf-8]]\n\nUse UTF-8 as the source file encoding.\n\n"
                    "=== Line Length [[max-line-length]]\n\nLimit lines to 80 characters.\n\n"
                    ".Why Bother with 80 Characters?\n****\nSome teams prefer longer lines.\n\n"
                    "It is okay to go up to 100 characters.\n****\n\n=== Tabs\n\n"
                    "See <<utf-8>> first.\n\n[quote]\nTools should emit JSON.\n")
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Layout", 2), ("Source Encoding", 3), ("Line Length", 3),
        ("Why Bother with 80 Characters?", 4), ("Tabs", 3)]
    where = {p.text: doc.section(p.section_id).title for p in doc.policies()}
    assert not any("people to read" in t for t in where)
    assert where["Use UTF-8 as the source file encoding."] == "Source Encoding"
    assert where["It is okay to go up to 100 characters."] == "Why Bother with 80 Characters?"
    assert where["Tools should emit JSON."] == "Tabs"
    from alignment_studio.framers.parse.asciidoc import asciidoc_to_markdown
    assert "See Source Encoding first." in asciidoc_to_markdown(path.read_text()).split("\n")


def test_markdown_with_a_setext_title_is_not_asciidoc() -> None:
    from alignment_studio.framers.parse.asciidoc import looks_like_asciidoc
    assert not looks_like_asciidoc("Policy\n======\n\nYou must sign in.\n\n== not a title\n")
    assert looks_like_asciidoc("= Policy\n\n== Scope\n\nYou must sign in.\n")


def test_restructured_text_markup_is_read_as_the_text_a_reader_sees(tmp_path: Path) -> None:
    """A .rst policy: roles, links, literals and strong marks reduce to their text; directive
    and link-target lines say nothing, but an admonition's own text stays."""
    path = tmp_path / "privacy.rst"
    path.write_text(
        "Privacy Policy\n==============\n\n.. contents::\n   :local:\n\n.. _top:\n\n"
        "Sharing\n-------\n\nWe **do** share data with :ref:`partners <partners>`, and "
        "``admin`` users must read the `guide <https://example.org>`_ first.\n\n"
        ".. important:: Staff must never sell personal data.\n\n"
        "The Mergers_ review every change.\n")
    doc = read_document(path)
    texts = [p.text for p in doc.policies()]
    assert "We do share data with partners, and admin users must read the guide first." in texts
    assert "Staff must never sell personal data." in texts
    assert "The Mergers review every change." in texts
    assert not any(".." in t or ":ref:" in t or "`" in t or "**" in t for t in texts)


def test_markdown_typed_outline_nests_under_its_lead_ins(tmp_path: Path) -> None:
    """"a.", "i." and "1." typed at the start of paragraphs (a municipal policy's outline) are
    items nested by marker kind, so an "i." lead-in hands its party to the "1." items."""
    from alignment_studio.framers.parse.markdown import read_markdown

    text = ("### Open Data\n\na.      Bias for open\n\n"
            "i.      The city will develop practices that allow it to:\n\n"
            "1.      Release publishable data.\n\n2.      Observe state and local laws.\n\n"
            "b.      Strive to publish trusted data\n")
    blocks = read_markdown(text).blocks
    assert [(b.type.value, b.level) for b in blocks] == [
        ("heading", 3), ("list_item", 0), ("list_item", 1), ("list_item", 2), ("list_item", 2),
        ("list_item", 0)]
    path = tmp_path / "open-data.md"
    path.write_text(text)
    items = {p.text: p for p in read_document(path).policies()}
    assert items["Observe state and local laws."].actor == "city"
    assert items["Observe state and local laws."].modality == Modality.obligation


def test_text_roman_items_nest_under_lettered_ones(tmp_path: Path) -> None:
    from alignment_studio.framers.parse.text import read_text

    blocks = read_text("RULES\n\na. Members must pay dues.\n"
                       "i. Dues are paid yearly.\nii. Dues are paid in euros.\n"
                       "b. Members must attend.\nh. Eighth.\ni. Ninth, a letter.\n").blocks
    assert [b.level for b in blocks[1:]] == [0, 1, 1, 0, 0, 0]


def test_text_titles_right_above_their_paragraphs_are_headings(tmp_path: Path) -> None:
    """Markdown saved as text keeps its titles with no blank line under them."""
    path = tmp_path / "conduct.txt"
    path.write_text("Code of Conduct\n\nIntroduction\nTTS is committed to building a safe and "
                    "harassment-free environment\nfor everyone on the team.\n\n"
                    "What We Strive For\nWe strive to create a positive environment that "
                    "empowers people.\n\nSecurity\n- Do not attempt to compromise the security "
                    "of other users.\n- Do not share viruses or malware.\n\n"
                    "Employees must\nsubmit their receipts within thirty days.\n\n"
                    "Gratipay, LLC\n716 Park Road\nAmbridge, PA 15003\n")
    doc = read_document(path)
    titles = [s.title for s in doc.all_sections()]
    assert doc.title == "Code of Conduct"
    assert titles == ["Introduction", "What We Strive For", "Security"]
    security = doc.all_sections()[-1]
    assert [p.modality for p in security.policies][:2] == [Modality.prohibition] * 2


def test_text_numbered_item_wrapped_onto_an_indented_line_is_no_heading(tmp_path: Path) -> None:
    path = tmp_path / "speakers.txt"
    path.write_text("Speakers\n\nSteps\n\n1. Make a local copy of the\n"
                    "   Outside Speaker Checklist.\n"
                    "2. Have each outside speaker sign the agreement.\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Steps"]
    assert doc.policies()[0].text == "Make a local copy of the Outside Speaker Checklist."


@pytest.mark.parametrize(("text", "titles"), [
    ("Conflicts\n\nDisclosing Potential Conflicts of Interest\nImmediate Disclosure\n"
     "All individuals must disclose any potential conflict of interest at once.\n"
     "\nSoftware\nSee the software page.\n",
     ["Disclosing Potential Conflicts of Interest", "Immediate Disclosure", "Software"]),
    ("On-Call\n\nWhat is On-Call?\nBeing on-call means that you can be contacted at any "
     "time.\n\nBlog management\nWe use a combination of a\nprivate repository and a board to "
     "manage posts.\n\nWriting a great post\n- Keep it short.\n- Write for the reader.\n\n"
     "Employees must\n- report incidents.\n",
     ["What is On-Call?", "Blog management", "Writing a great post"]),
    ("Membership\n\nHow do I become a member?\n\n1. Fill in the form.\n2. Attend a meeting."
     "\n\nWhat are the duties of a member?\n\nThe members keep the space.\n\n"
     "Property and tools\n\nPersonal property\n\n- Label your tools.\n- Keep your box tidy.\n"
     "\nThe following are prohibited\n\n- Smoking indoors.\n",
     ["How do I become a member?", "What are the duties of a member?", "Property and tools",
      "Personal property"]),
])
def test_text_stacked_titles_questions_and_sentence_case_titles(
        tmp_path: Path, text: str, titles: list[str]) -> None:
    path = tmp_path / "policy.txt"
    path.write_text(text)
    assert [s.title for s in read_document(path).all_sections()] == titles


def test_text_without_blank_lines_is_read_by_its_paragraph_ends(tmp_path: Path) -> None:
    """Word's "plain text" (a paragraph per line) and a PDF's extracted text (wrapped lines)
    have no blank lines; titles and paragraphs are told apart by where lines end."""
    word = tmp_path / "word.txt"
    word.write_text("Security policies\nInformation security policy and acceptable use policy\n"
                    + "This policy protects the company's employees, contractors and partners "
                      "from illegal or damaging actions by individuals.\n" * 3
                    + "Access control policy\n"
                    + "Employees must use multi-factor authentication for every system that "
                      "supports it, without exception.\n" * 8)
    titles = [s.title for s in read_document(word).all_sections()]
    assert titles == ["Information security policy and acceptable use policy",
                      "Access control policy"]
    pdf = tmp_path / "pdf.txt"
    pdf.write_text("36 CFR Part 261, Subpart A - General Prohibitions\n§ 261.1b Penalty.\n"
                   "Any violation of the prohibitions of this part shall be punished by a fine\n"
                   "of not more than $500 or imprisonment for not more than six months.\n"
                   "§ 261.2 Definitions.\n"
                   + "Camping means the temporary use of National Forest System lands for the\n"
                     "purpose of overnight occupancy without a permanently-fixed structure.\n" * 6)
    doc = read_document(pdf)
    assert [s.title for s in doc.all_sections()] == ["Penalty", "Definitions"]
    assert doc.all_sections()[0].policies[0].text.endswith("not more than six months.")


def test_text_numbered_rules_explained_by_paragraphs_are_headings(tmp_path: Path) -> None:
    """A web page of numbered rule headings saved as text: each rule on its own line, its
    explanation under it; a numbered list whose items follow one another stays a list."""
    path = tmp_path / "rules.txt"
    path.write_text("Plugin Guidelines\n\nExpectations\n\n"
                    "1. Plugins must be compatible with the GPL.\n\n"
                    "Any GPL-compatible license is acceptable for the code.\n\n"
                    "2. Keep code human readable.\n\nObfuscated code is not permitted.\n\n"
                    "Steps\n\n1. Fill in the form.\n\n2. Send it to the team.\n\n"
                    "The team replies within a week.\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == [
        "Expectations", "Plugins must be compatible with the GPL", "Keep code human readable",
        "Steps"]
    assert [p.text for p in doc.all_sections()[-1].policies][:2] == [
        "Fill in the form.", "Send it to the team."]


def test_text_rules_numbered_in_parentheses_from_zero_are_headings(tmp_path: Path) -> None:
    """"(0) Decide what to base your work on." / paragraphs / "(1) Make separate commits.":
    numbered rule headings too; an indented block's own title ("        Volunteer Pledge 2.0"
    over the pledge's indented text) is no heading of the document."""
    doc = parse(tmp_path, "Contributing to the Foo project\n\n"
                          "(0) Decide what to base your work on.\n\n"
                          "Base bug fixes on the oldest branch that has the bug.\n"
                          "New features should be based on the main branch.\n\n"
                          "(1) Make separate commits for separate changes.\n\n"
                          "Do not mix a whitespace cleanup with a real change.  If you agree to\n"
                          "the pledge below:\n\n"
                          "        Volunteer Pledge 2.0\n\n"
                          "        By volunteering I promise that:\n\n"
                          "        (a) I will be kind to other people and answer\n"
                          "            their questions in public.\n\n"
                          "then add a line saying you agree.\n\n"
                          "You must keep each commit small.\n", "contributing.txt")
    assert [s.title for s in doc.all_sections()] == [
        "Decide what to base your work on", "Make separate commits for separate changes"]
    last = doc.all_sections()[-1].policies[-1]
    assert last.text == "You must keep each commit small."


def test_text_items_of_a_series_are_no_numbered_rule_headings(tmp_path: Path) -> None:
    """"(1) A statement of the costs;" ends as an item of a series does: no heading, though
    set off by blank lines with wrapped text between the items."""
    doc = parse(tmp_path, "Stipends\n\nTo receive a stipend, a Scholar must submit:\n\n"
                          "(1) A statement of the Scholar's costs for tuition and fees;\n\n"
                          "signed by the Scholar and dated\n\n"
                          "(2) A certification by the institution that the Scholar is "
                          "enrolled; and\n\n"
                          "signed by an official of the institution\n\n"
                          "(3) A copy of the transcript.\n", "stipends.txt")
    assert not any(s.title.startswith("A statement") for s in doc.all_sections())


def test_text_list_that_lost_its_markers_is_read_as_items(tmp_path: Path) -> None:
    """A web page copied from a browser: the items under "may not:" are lines of their own,
    set off by blank lines, without markers; they take the lead-in's force, not a title's
    place. A single line after a lead-in, or a title-case line, is still a title."""
    path = tmp_path / "hatch.txt"
    path.write_text("Hatch Act\n\nProhibited Activities\n\nEmployees may not:\n\n"
                    "Distribute campaign materials or items\n\nHost a political fundraiser\n\n"
                    "Permitted Activities\n\nEmployees may attend rallies.\n\n"
                    "Conduct that crosses the line includes the following:\n\n"
                    "Threats of violence\n\nYou may not threaten violence against anyone.\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == [
        "Prohibited Activities", "Permitted Activities", "Threats of violence"]
    prohibited = doc.all_sections()[0].policies
    assert [(p.text, p.modality) for p in prohibited][1:] == [
        ("Distribute campaign materials or items", Modality.prohibition),
        ("Host a political fundraiser", Modality.prohibition)]


def test_text_titles_over_lead_ins_lower_case_names_and_long_questions(tmp_path: Path) -> None:
    """Markdown saved as text: a title over a lead-in ("Required:") and its list; a title over
    a paragraph that opens with a lower-case name; an FAQ question of sixteen words; a lead-in
    set off by blank lines over its items is no title, nor is a clause over its continuation."""
    path = tmp_path / "guide.txt"
    path.write_text(
        "Maintainer Guide\n\n"
        "Schedule Types\nIf you work a flexible schedule you:\n- can telework two days.\n"
        "- must report to the office twice\n\n"
        "Becoming a maintainer\nconda-forge is a community project and it can happen that "
        "feedstocks become abandoned.\nYou can join the maintainer team of a feedstock.\n\n"
        "Generalities\nRequired:\n\n1. All interactions adhere to our Code of Conduct.\n\n"
        "Recommended:\n\n1. Source should be obtained from a stable URL.\n\n"
        "Can an employee have a full-time telework agreement even if they live near a TTS "
        "office?\nYes, your proximity to a GSA location is not a factor.\n\n"
        "You can manage your subscription\nincluding unsubscribing and deleting your records "
        "with the mailing list provider.\n")
    titles = [s.title for s in read_document(path).all_sections()]
    assert titles == ["Schedule Types", "Becoming a maintainer", "Generalities",
                      "Can an employee have a full-time telework agreement even if they live "
                      "near a TTS office?"]


def test_text_bare_clause_numbers_are_headings_and_series_items_are_not(tmp_path: Path) -> None:
    """A standard's PDF saved as text: "1.1.1" alone over its clause is that clause's heading;
    "3. Network Boundary Controls; and" is an item of a series, not a title."""
    path = tmp_path / "standard.txt"
    path.write_text("Network Security Requirements\n\n1.1 Network Segmentation\n1.1.1\n"
                    "CA Infrastructure MUST be segmented into separate networks.\n1.1.2\n"
                    "The CA MUST ensure that all changes follow a process for:\n\n"
                    "1. Trusted Role definitions;\n\n2. Trusted Role appointments; and\n\n"
                    "3. Network Boundary Controls\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Network Segmentation", "1.1.1", "1.1.2"]
    assert len(doc.all_sections()[-1].policies) == 4


def test_text_line_with_a_sentence_inside_is_no_title(tmp_path: Path) -> None:
    """A Word file saved as text: a note whose sentence ends inside the line ("Created from
    X. CC BY-SA 4 license") is no title, so the rules under it stay in their section."""
    path = tmp_path / "policies.txt"
    path.write_text("Security policies\nAccess control policy\n"
                    "Created from JupiterOne/security-policy-templates. CC BY-SA 4 license\n"
                    + "Access to all computing resources must be limited to authorised users "
                      "who need it for their work, and reviewed every quarter.\n" * 6
                    + "When in doubt, ASK! (in #g-security)\n"
                    + "Every user must use multi-factor authentication on every system that "
                      "supports it, without any exception at all.\n" * 6)
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Access control policy"]


def test_text_colon_titles_and_numbered_titles_after_a_lead_in(tmp_path: Path) -> None:
    """Plain text whose bold titles lost their markup: "Security of processing:" over its
    paragraph and "User rights:" over its items are titles (the items are the users' rights);
    "1. Player name" right under a lead-in, and "3. IP address", are numbered titles."""
    path = tmp_path / "privacy.txt"
    path.write_text("Lobby Privacy Policy\n\nWildfire Games processes these personal data:\n"
                    "1. Player name\nThe player is identified by a name chosen at registration."
                    "\n\n2. IP address\nThe IP address of a host is sent to every player.\n\n"
                    "Security of processing:\nThe transmission of personal data is secured."
                    "\n\nUser rights:\n1. Right of access to personal data.\n"
                    "2. Right to obtain personal data in a machine-readable format.\n\n"
                    "Required:\n1. All interactions adhere to the Code of Conduct.\n")
    doc = read_document(path)
    sections = doc.all_sections()
    assert [s.title for s in sections] == ["Preamble", "Player name", "IP address",
                                           "Security of processing", "User rights"]
    assert [p.modality for p in sections[-1].policies][:2] == [Modality.permission] * 2


def test_text_licence_title_numbered_clauses_and_quoted_terms(tmp_path: Path) -> None:
    """A plain-text licence: its title underlined with "=-=-=-" is the document's title, its
    version and copyright lines are no headings, a numbered clause whose first line goes on in
    lower case on the next is a clause of its section (not a heading), and a quoted term over
    its indented gloss is a definition."""
    path = tmp_path / "licence.txt"
    path.write_text("The Example Public License\n=-=-=-=-=-=-=-=-=-=-=-=-\n\n"
                    "EPL Version 1.3c  2008-05-04\n\nCopyright 1999 2002-2008 Example Project\n"
                    "    Everyone is allowed to distribute verbatim copies of this\n"
                    "    license document, but modification of it is not allowed.\n\n\n"
                    "DEFINITIONS\n===========\n\n   `Work'\n    Any work being distributed under "
                    "this License.\n\n   `Derived Work'\n    Any work that under any applicable "
                    "law is derived from the Work.\n\n\nCONDITIONS\n==========\n\n"
                    "1.  You may distribute a complete, unmodified copy of the Work as you\n"
                    "received it.  Distribution of only part of the Work is considered\n"
                    "modification of the Work.\n\n2.  If you are the Current Maintainer of "
                    "the Work, you may, without\nrestriction, modify the Work.\n")
    doc = read_document(path)
    assert doc.title == "The Example Public License"
    assert [s.title for s in doc.all_sections()] == ["Preamble", "Definitions", "Conditions"]
    definitions = doc.all_sections()[1].policies
    assert [p.modality for p in definitions] == [Modality.definition] * 2
    conditions = doc.all_sections()[2].policies
    assert conditions[0].text == "You may distribute a complete, unmodified copy of the Work " \
        "as you received it."
    assert conditions[0].modality == Modality.permission


def test_metadata_lines_and_outcome_lead_ins_say_no_norm(tmp_path: Path) -> None:
    """"Source: ..." and "Last updated: ..." lines are about the document, not definitions;
    the items that finish "following these rules will:" are outcomes, not orders; a lead-in
    split in two clauses ("shall be filed ... and shall include:") still hands on its force."""
    path = tmp_path / "rules.md"
    path.write_text("# Rules\n\nFollowing some basic rules with regards to mailing lists will:\n\n"
                    "- Make everybody happier.\n- Prevent some of those 'Oops' moments.\n\n"
                    "An application shall be filed with Facility Services no later than four "
                    "business days before the demonstration and shall include:\n\n"
                    "- The name of the organization of the demonstration;\n"
                    "- The proposed location of the demonstration.\n\n"
                    "Last updated: May 22, 2026\n\nSource: The Example Society, rules.md of its "
                    "handbook repository.\n")
    policies = read_document(path).policies()
    modality = {p.text: p.modality for p in policies}
    assert modality["Make everybody happier."] == Modality.informational
    assert modality["The name of the organization of the demonstration;"] == Modality.obligation
    assert modality["Last updated: May 22, 2026"] == Modality.informational
    assert next(m for t, m in modality.items() if t.startswith("Source:")) == \
        Modality.informational


def test_actors_of_shares_of_a_body_and_passive_items_under_a_party_lead_in(
        tmp_path: Path) -> None:
    """"A simple majority within the SC may X": the SC acts; a passive item under "Employees
    using the email system should:" binds the employees, not the reader by default."""
    path = tmp_path / "rules.md"
    path.write_text("# Rules\n\nA simple majority within the SC may call a reelection of the "
                    "entire SC.\n\nEmployees using the email system should give particular "
                    "attention to the following points:\n\n- email messages should only be sent "
                    "to those for whom they are relevant;\n- flame mails must not be sent.\n")
    actors = [p.actor for p in read_document(path).policies()]
    assert actors[0] == "sc"
    assert actors[-2:] == ["employees", "employees"]


def test_text_definition_list_terms_are_no_headings(tmp_path: Path) -> None:
    """A reStructuredText-style definition list in a text file ("Preemptive" over its indented
    definition) stays in its section: each term is a paragraph of its own, its definition
    another, and a term with its own norm ("No user subscription required") says it."""
    path = tmp_path / "glep.txt"
    path.write_text("Requirements\n============\n\nAn adequate solution must meet all of the "
                    "following requirements:\n\nPreemptive\n    Users should be told of changes "
                    "before they break a system.\n\nNo user subscription required\n    Many "
                    "users do not read the announce mailing list.\n\nSpecification\n"
                    "=============\n\nNews items are published in the repository.\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Requirements", "Specification"]
    texts = [p.text for p in doc.all_sections()[0].policies]
    assert texts[1:4] == ["Preemptive", "Users should be told of changes before they break a "
                          "system.", "No user subscription required"]
    assert doc.all_sections()[0].policies[2].modality == Modality.recommendation


def test_a_numbered_passive_rule_heading_over_sub_headings_is_a_statement(
        tmp_path: Path) -> None:
    """"## 1. Removal of packages should be avoided" with only sub-headings under it
    ("#### Exceptions:") is a rule of its own."""
    path = tmp_path / "policies.md"
    path.write_text("# Repository Policies\n\n## 1. Removal of packages should be avoided\n\n"
                    "#### Exceptions:\n\n- Packages with known security issues\n")
    doc = read_document(path)
    rule = doc.all_sections()[0].policies
    assert [(p.text, p.modality) for p in rule] == [
        ("1. Removal of packages should be avoided", Modality.recommendation)]


def test_text_in_emacs_outline_layout_has_its_star_headlines_as_headings(
        tmp_path: Path) -> None:
    """GNU's etc/ files and Org notes: "* Title" lines over paragraphs are headings (level by
    the stars); a deeper star line that is a field of its headline ("** Send contributions to:
    list@host") is not; a list of "* item" lines stays a list."""
    path = tmp_path / "MAILINGLISTS"
    path.with_suffix(".txt").write_text(
        "     GNU Project Electronic Mailing Lists.\n\n* Getting the lists directly\n\n"
        "Project GNU would prefer that you set up one address.\n\n* General Information\n\n"
        "Please keep each message under 40,000 characters.\n\n"
        "* info-gnu-request@prep.ai.mit.edu to subscribe to info-gnu\n"
        "** gnUSENET newsgroup: gnu.announce\n** Send announcements to: info-gnu@prep.ai.mit.edu"
        "\n\nThis list distributes progress reports.  Please DON'T post bug reports here.\n")
    doc = read_document(path.with_suffix(".txt"))
    assert [s.title for s in doc.all_sections()] == [
        "Getting the lists directly", "General Information",
        "info-gnu-request@prep.ai.mit.edu to subscribe to info-gnu"]
    assert by_text(doc, "Please DON'T").modality == Modality.prohibition
    listed = tmp_path / "notes.txt"
    listed.write_text("Rules\n\n* Keep messages short.\n\n* Be polite.\n\n* Do not cross-post."
                      "\n\nThanks.\n")
    titles = {s.title for s in read_document(listed).all_sections()}
    assert not titles & {"Keep messages short.", "Be polite.", "Do not cross-post."}


def test_markdown_clause_parts_on_lines_of_their_own_are_items(tmp_path: Path) -> None:
    """"an implementation must" / "(i) meet X, and" / "(ii) be approved by Y." inside one
    paragraph: each part is an item that takes the lead-in's "must"; an "(Optional)" weight
    before an item makes it a permission."""
    path = tmp_path / "cert.md"
    path.write_text("# Certification\n\nTo be eligible, an implementation must\n(i) meet the "
                    "standards of the framework, and\n(ii) be approved by the Board of "
                    "Directors.\n\n## Steps\n\n- (Optional) create a metadata file for your "
                    "software.\n")
    doc = read_document(path)
    assert by_text(doc, "meet the standards").modality == Modality.obligation
    assert by_text(doc, "be approved by").modality == Modality.obligation
    assert by_text(doc, "(Optional) create").modality == Modality.permission


def test_agreement_lead_ins_and_short_acts_ending_in_semicolons(tmp_path: Path) -> None:
    """Terms of use: items under "You agree not to:" or "You agree that you will not:" are
    prohibitions, under "You agree to:" obligations; short acts ending in ";" under "The
    Foundation may:" are its permissions, not fragments of the lead-in's sentence (as "race,"
    / "or age." under "on the basis of:" are)."""
    path = tmp_path / "terms.md"
    path.write_text("# Terms\n\nYou agree not to:\n\n- copy the data for commercial purposes;\n"
                    "- share your password.\n\nYou agree that you will not:\n\n- resell the "
                    "service.\n\nYou agree to:\n\n- keep the data confidential.\n\nThe "
                    "Foundation may:\n\n- suspend your access;\n- terminate this agreement.\n")
    doc = read_document(path)
    for start in ("copy the data", "share your password", "resell the service"):
        found = by_text(doc, start)
        assert (found.modality, found.negated) == (Modality.prohibition, True), start
    assert by_text(doc, "keep the data").modality == Modality.obligation
    for start in ("suspend your access", "terminate this agreement"):
        found = by_text(doc, start)
        assert (found.modality, found.actor) == (Modality.permission, "foundation"), start


def test_a_numbered_force_heading_gives_its_items_force(tmp_path: Path) -> None:
    """"## 3. Prohibited uses" forbids the items under it as "## Prohibited uses" does; the
    number is not part of the heading's words."""
    path = tmp_path / "aup.md"
    path.write_text("# Acceptable use\n\n## 3. Prohibited uses\n\n- Mining cryptocurrency\n"
                    "- Sharing accounts\n\n## 4. Allowed\n\n- Personal email in breaks\n")
    doc = read_document(path)
    assert by_text(doc, "Mining").modality == Modality.prohibition
    assert by_text(doc, "Personal email").modality == Modality.permission


def test_text_numbered_outline_titles_are_headings_at_their_depth(tmp_path: Path) -> None:
    """"0. Prerequisites." / "1. Coding style." / "1.1 Portability.": short numbered titles
    whose numbers run as an outline are headings, closing full stop and all; a numbered list
    of sentences, with no sub-number, is not read so."""
    path = tmp_path / "guide.txt"
    path.write_text("This file is a guide for developers.\n\n0. Prerequisites.\n\n"
                    "Read the README first.\n\n1. Coding style.\n\n1.1 Portability.\n\n"
                    "Don't use C++-style comments.\n\n1.2 String handling.\n\n"
                    "Do not use strcpy(). Put the constant in a macro, e.g.\n\n"
                    "\tG_GINT64_CONSTANT(11644473600U)\n\nrather than\n\n\t11644473600ULL\n\n"
                    "2. Tests.\n\nYou must run the tests.\n\n"
                    "Steps\n\n1. Fill in the form.\n\n2. Send it to the team.\n\n"
                    "3. Wait for a reply.\n")
    doc = read_document(path)
    titles = [(s.title, s.level) for s in doc.all_sections()]
    assert titles[1:] == [("Prerequisites", 2), ("Coding style", 2), ("Portability", 3),
                          ("String handling", 3), ("Tests", 2), ("Steps", 2)]  # "3." is an item
    assert by_text(doc, "Don't use C++").section_id.endswith("/portability")
    assert by_text(doc, "Fill in the form").modality == Modality.obligation


@pytest.mark.parametrize("frame", ["[ {} ]", "--- {} ---", "*** {} ***", "<< {} >>", "{n}) {}"])
def test_text_titles_drawn_around_or_numbered_with_a_parenthesis(tmp_path: Path,
                                                                 frame: str) -> None:
    """A channel's rules as plain text: "[ Posting ]", "--- Posting ---", "1) Posting" over
    the paragraphs that explain them are headings, without the marks around them."""
    rules = [("General", "Members must be polite to each other at all times."),
             ("Posting", "You must not post advertisements or spam in any channel."),
             ("Bans", "Operators may ban users who break these rules without warning.")]
    path = tmp_path / "rules.txt"
    path.write_text("Channel Rules\n\n" + "".join(
        frame.format(title, n=n) + "\n\n" + body + "\n\n"
        for n, (title, body) in enumerate(rules, 1)))
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["General", "Posting", "Bans"]
    assert by_text(doc, "You must not post").section_id.endswith("/posting")


_PAD = ("in every office, on every site and on every shared drive that the organisation runs, "
        "whoever administers it")


def test_a_web_page_copied_from_a_browser_keeps_its_lists_and_titles(tmp_path: Path) -> None:
    """A browser's copy: paragraphs on one long line each, a blank line after paragraphs and
    titles, list items one per line with no markers and no blank line between them."""
    text = (f"Records Policy\n\nEvery team must keep its records {_PAD}.\n\n"
            "Storage rules for shared drives, archives and laptops of the records team\n\n"
            f"Staff must check the following before they archive a box {_PAD}:\n\n"
            "Labels on every folder\nDates of the oldest and newest papers\n"
            "The retention period of each series\n\n"
            f"Please check each box for the following kinds of damage {_PAD}:\n\n"
            "Level 2 (serious problems) - All Sites\n\n"
            "Missing inventories\nWater damage that was not reported\n\n"
            f"A footnote* explains the retention schedule {_PAD}.\n\n"
            f"Old boxes may be destroyed after review {_PAD}.\n")
    doc = parse(tmp_path, text, name="copied.txt")
    titles = [s.title for s in doc.all_sections()]
    assert "Storage rules for shared drives, archives and laptops of the records team" in titles
    assert "Level 2 (serious problems) - All Sites" in titles
    for start in ("Labels on every folder", "Dates of the oldest", "The retention period"):
        item = by_text(doc, start)
        assert (item.form, item.modality) == (Form.list_item, Modality.obligation), start
    assert by_text(doc, "Missing inventories").modality == Modality.obligation  # the order above
    assert by_text(doc, "Old boxes may be destroyed").modality == Modality.permission


def test_wrapped_text_keeps_its_soft_line_breaks(tmp_path: Path) -> None:
    text = ("Records Policy\n\nEvery team must keep its records in every office and on\n"
            "every shared drive that the organisation runs.\n\nOld boxes may be destroyed\n"
            "after a review by the records officer.\n")
    doc = parse(tmp_path, text, name="wrapped.txt")
    assert by_text(doc, "Every team must keep").text.endswith("that the organisation runs.")


def test_lettered_titles_in_a_pdf_saved_as_text(tmp_path: Path) -> None:
    """pypdf's text: no blank lines, paragraphs wrapped at the page width, section titles
    lettered ("a. Storage") over their paragraphs."""
    body = ("Every team must keep its records in a store that the records office approves, and\n"
            "it must label each box with the series it holds and the date of its papers.\n")
    text = ("Records Policy\n1. How to keep records\n"
            "This part sets out what each team does with the records it makes during the year.\n"
            f"a. Storage\n{body}{body}"
            "b. Retention\n"
            "Staff should keep each series for the period that the schedule sets for it, and\n"
            "they may destroy a series only after the records office has reviewed it in full.\n"
            f"{body}c. Access\n{body}{body}")
    doc = parse(tmp_path, text, name="saved.txt")
    titles = [s.title for s in doc.all_sections()]
    assert {"Storage", "Retention", "Access"} <= set(titles), titles
    assert by_text(doc, "Staff should keep each series").section_id.endswith("retention")


def test_tab_separated_tables_in_word_saved_as_text(tmp_path: Path) -> None:
    """Word's plain text of a requirements table: the section title right above the header
    row, rows with tab-separated cells; a row never a title, and the title after a row read."""
    rows = "".join(f"2.{n}\tVerify that the service checks input number {n} against its "
                   f"schema before it stores or forwards anything at all.\t✓\t✓\t{n}\n"
                   for n in range(1, 6))
    text = ("Security Requirements\nControl Objective\n"
            "Every service must validate what it receives before it uses it in any way.\n"
            "V2.1 Input Validation Requirements\n#\tDescription\tL1\tL2\tCWE\n" + rows +
            "V2.2 Output Encoding Requirements\n"
            "Output encoding must happen close to the interpreter that reads the output.\n"
            "#\tDescription\tL1\tL2\tCWE\n" + rows.replace("2.", "3."))
    doc = parse(tmp_path, text, name="asvs.txt")
    titles = [s.title for s in doc.all_sections()]
    assert "V2.1 Input Validation Requirements" in titles
    assert "V2.2 Output Encoding Requirements" in titles
    assert not any("\t" in title for title in titles)
    row = by_text(doc, "3.1")
    assert row.section_id.endswith("output-encoding-requirements")


def test_page_numbers_and_running_headers_of_a_pdf_saved_as_text(tmp_path: Path) -> None:
    """pypdf's text keeps each page's number and running header; a sentence broken by them
    reads on, and neither is a title."""
    para = ("Every team must keep its records in a store that the records office approves, and\n"
            "it must label each box with the series it holds and the date of its papers.\n")
    text = ("Records Policy\nStorage\n" + para * 3 +
            "Staff must send each box that is older than ten years to the records office for\n"
            "Page 1 of 2\nRecords Policy - Storage and retention\n"
            "a review before the end of the year in which it turns ten.\n" + para * 3 +
            "Page 2 of 2\nRecords Policy - Storage and retention\n" + para)
    doc = parse(tmp_path, text, name="saved.txt")
    titles = [s.title for s in doc.all_sections()]
    assert not any(t.startswith(("Page ", "Records Policy - ")) for t in titles), titles
    broken = by_text(doc, "Staff must send each box")
    assert broken.text.endswith("in which it turns ten.")


def test_unnumbered_titles_among_lettered_ones_in_a_browser_copy_are_sub_titles(
        tmp_path: Path) -> None:
    """A browser's copy flattens heading levels; lettered titles ("A) Storage") stay the
    sections and the unnumbered titles between them are their sub-sections, so an order
    before them ("Please check for the following problems:") reaches every sub-section."""
    text = (f"Records Checks\n\nA) Storage\n\nEvery team must keep its records {_PAD}.\n\n"
            "B) Checks to Make\n\n"
            f"Please check each box for the following problems {_PAD}:\n\n"
            "Minor Problems (all sites)\n\nMissing labels\nFaded dates\n\n"
            "Serious Problems - Archive Only\n\nSevere Damage\n\n"
            "Water damage that was not reported\nMould on the papers\n\n"
            f"C) Destruction\n\nOld boxes may be destroyed after review {_PAD}.\n")
    doc = parse(tmp_path, text, name="checks.txt")
    for start in ("Missing labels", "Water damage", "Mould on the papers"):
        assert by_text(doc, start).modality == Modality.obligation, start
    assert by_text(doc, "Old boxes may be destroyed").modality == Modality.permission


_VIM_HELP = """*dev.txt*          Nvim


                            NVIM REFERENCE MANUAL


Development of Nvim                                     *development* *dev*

Nvim is free and open source.  Everybody is encouraged to contribute.

                                      Type |gO| to see the table of contents.

==============================================================================
Design goals                                            *design-goals*

A balance must be found.


NVIM IS... WELL DOCUMENTED                              *design-documented*

- A patch for a new feature must include the documentation.
- Write docstrings with present tense, not imperative. >
    /// Gets a highlight definition.
- Do not prefix help tags with "nvim-". Use |vim_diff.txt| to catalog
  differences from Vim.

                                                        *provider-reload*
To reload a provider, undefine its "loaded" flag: >vim

    :unlet g:loaded_clipboard_provider
<
Documentation format ~

Separate blocks of content by a blank line.

 vim:tw=78:ts=8:sw=4:et:ft=help:norl:
"""


def test_a_vim_help_file_reads_its_titles_from_its_markup(tmp_path: Path) -> None:
    """A Vim help file ("*dev.txt*" tag line): the first tagged line is the document's title,
    the line after a "====" rule a chapter, an ALL-CAPS tagged line a section and a "Title ~"
    line a column heading; tags, "|link|" bars, the banner, the TOC hint, the modeline and the
    ">" examples say nothing, and line numbers still point into the file."""
    path = tmp_path / "dev.txt"
    path.write_text(_VIM_HELP, encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "Development of Nvim"
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Preamble", 1), ("Design goals", 2), ("Nvim Is... Well Documented", 3),
        ("Documentation format", 4)]
    texts = {p.text: p for p in doc.policies()}
    assert texts["A balance must be found."].modality == Modality.obligation
    assert texts["Write docstrings with present tense, not imperative."].modality == \
        Modality.obligation
    assert texts["Use vim_diff.txt to catalog differences from Vim."].modality == \
        Modality.obligation
    assert not any("///" in t or "unlet" in t or "*" in t or "gO" in t or "vim:" in t
                   for t in texts)
    blank = texts["Separate blocks of content by a blank line."]
    assert _VIM_HELP.split("\n")[blank.span.start_line - 1] == blank.text


def test_bold_numbered_lines_of_markdown_are_titles_and_unnumbered_ones_are_not(
        tmp_path: Path) -> None:
    """A policy exported to Markdown with its titles as bold lines: "**II. Use of Data**" and
    "**1\\. Analytics**" are titles (one level per numbering style, under the last "#"
    heading, the escaped dot dropped); "**Technical**" over a list stays a paragraph."""
    path = tmp_path / "privacy.md"
    path.write_text("# Privacy\n\nWe must protect your data.\n\n**I. Data We Collect**\n\n"
                    "We may collect your name.\n\n**1\\. Data You Give Us**\n\nYou may send us "
                    "files.\n\n**II. Use of Data**\n\nWe must not sell your data.\n\n"
                    "**Technical**\n\n- Staff must encrypt backups.\n", encoding="utf-8")
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Preamble", 1), ("I. Data We Collect", 2), ("1. Data You Give Us", 3),
        ("II. Use of Data", 2)]
    sections = {s.id: s.title for s in doc.all_sections()}
    assert sections[by_text(doc, "You may send").section_id] == "1. Data You Give Us"
    assert sections[by_text(doc, "Staff must encrypt").section_id] == "II. Use of Data"


def test_a_bold_title_and_its_date_opening_a_markdown_file_is_a_title(tmp_path: Path) -> None:
    """"**ACME PRIVACY POLICY** 09 September 2024" as the body's first paragraph titles the
    statements after it: the document's title, or under a front matter's title a section; a
    bold sentence first ("**Note** that we may ...") stays a paragraph."""
    body = "**ACME PRIVACY POLICY** 09 September 2024\n\nWe must protect your data.\n"
    path = tmp_path / "privacy.md"
    path.write_text(body, encoding="utf-8")
    assert read_document(path).title == "ACME PRIVACY POLICY"
    path.write_text('---\ntitle: "Privacy Policy"\n---\n\n' + body, encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "Privacy Policy"
    assert [s.title for s in doc.all_sections()] == ["ACME PRIVACY POLICY"]
    path.write_text("**Note** that we may change this policy in 2025.\n\nWe must protect your "
                    "data.\n", encoding="utf-8")
    assert read_document(path).policies()[0].text.startswith("Note that we may")


def test_an_unnumbered_bold_line_over_prose_is_a_sub_heading_and_a_caption_is_not(
        tmp_path: Path) -> None:
    """"**Meetings start on time**" over a paragraph titles it, one level below the "#"
    heading; a bold sentence stays a paragraph; an AsciiDoc block title (".Conceptual
    structure") over a paragraph is that block's caption, no section."""
    path = tmp_path / "remote.md"
    path.write_text("# Remote work\n\n## Meetings\n\n**Meetings start on time**\n\nIf you lead a "
                    "meeting, you must start it on time.\n\n**Doing this is easy.**\n\nYou should "
                    "post a message in Slack.\n", encoding="utf-8")
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Meetings", 2), ("Meetings start on time", 3)]
    sections = {s.id: s.title for s in doc.all_sections()}
    assert sections[by_text(doc, "You should post").section_id] == "Meetings start on time"
    adoc = tmp_path / "process.adoc"
    adoc.write_text("= Process\n\n== Versions\n\n.Conceptual structure of a version\n"
                    "image::images/version.svg[image, 250]\n\nThe document must be developed "
                    "by the team.\n", encoding="utf-8")
    doc = read_document(adoc)
    assert [s.title for s in doc.all_sections()] == ["Versions"]


def test_a_bold_term_over_its_gloss_under_definitions_is_a_glossary_entry(tmp_path: Path) -> None:
    """Under "## Definitions", "**Event**" over "Any identifiable thing which can be logged"
    is one definition of "Event", in the Definitions section; the same bold line under another
    heading still titles its paragraph."""
    path = tmp_path / "incidents.md"
    path.write_text("# Incident policy\n\n## Definitions\n\n**Event**\n\nAny identifiable and "
                    "discrete thing which can be logged by a production system\n\n**Alert**\n\n"
                    "An event of potential interest which is identified by monitoring\n\n"
                    "## Procedure\n\n**Triage**\n\nThe on-call engineer must triage every "
                    "alert.\n", encoding="utf-8")
    doc = read_document(path)
    sections = {s.id: s.title for s in doc.all_sections()}
    assert list(sections.values()) == ["Definitions", "Procedure", "Triage"]
    event = by_text(doc, "Event: Any identifiable")
    assert (sections[event.section_id], event.modality) == ("Definitions", Modality.definition)
    assert by_text(doc, "Alert: An event of potential").modality == Modality.definition


def test_a_yes_no_column_under_a_question_and_a_never_heading_give_force(tmp_path: Path) -> None:
    """"Reimbursable by default?" over "Yes (cheapest class)" permits the row, over "No"
    forbids it (negated); the items under "Expenses that are never reimbursable" are forbidden."""
    path = tmp_path / "travel.md"
    path.write_text("# Travel\n\n## Transport\n\n| Transportation Type | Reimbursable by "
                    "default? |\n|---|---|\n| Train | Yes (cheapest class) |\n| Taxi | No |\n\n"
                    "## Expenses that are never reimbursable\n\n* Partner, spouse, and/or "
                    "companion travel\n* Upgrades to air travel\n", encoding="utf-8")
    doc = read_document(path)
    rows = {p.text.split(" | ")[0]: (p.modality, p.negated) for p in doc.policies()
            if p.form == Form.table_row}
    assert rows == {"Train": (Modality.permission, False), "Taxi": (Modality.prohibition, True)}
    upgrade = by_text(doc, "Upgrades to air travel")
    assert (upgrade.modality, upgrade.negated) == (Modality.prohibition, True)


def test_a_worked_example_between_a_regulations_items_keeps_the_lead_in(tmp_path: Path) -> None:
    """"No Postal Service employee shall:" over "(1) ...", "(2) engage in work for a person
    engaged in:" / "(i) X", an "Example 1 to paragraph (a)(2)(i): ..." paragraph, then "(3)
    Engage in fundraising": every item is forbidden, the sub-items of (2) too."""
    path = tmp_path / "part-7001.txt"
    path.write_text("Restrictions on outside employment\n\n(a) Prohibited outside employment. No "
                    "Postal Service employee shall:\n\n(1) Engage in consulting on postal "
                    "operations;\n\n(2) Engage in outside employment with a person engaged "
                    "in:\n\n(i) The operation of a commercial mail receiving agency; or\n\n"
                    "(ii) The delivery outside the mails of mailable matter.\n\nExample 1 to "
                    "paragraph (a)(2)(ii): A parcel company offers a part-time job to an "
                    "employee. The employee may not accept it.\n\n(3) Engage in any fundraising "
                    "for oneself in the workplace.\n", encoding="utf-8")
    doc = read_document(path)
    for start in ("Engage in consulting", "The operation of", "The delivery outside",
                  "Engage in any fundraising"):
        assert by_text(doc, start).modality == Modality.prohibition, start


def test_a_long_section_sign_title_in_plain_text_is_a_heading(tmp_path: Path) -> None:
    """"§ 7001.103 Statutory prohibition against ... acting as agent for contractors." (over a
    hundred characters) set off by blank lines is the section's title, not a sentence."""
    path = tmp_path / "part.txt"
    path.write_text("§ 7001.101 General.\n\nThis part supplements the standards.\n\n"
                    "§ 7001.103 Statutory prohibition against interests in contracts to carry mail "
                    "and acting as agent for contractors.\n\nNo employee may act as agent for a "
                    "mail contractor.\n", encoding="utf-8")
    titles = [s.title for s in read_document(path).all_sections()]
    assert titles[-1] == ("Statutory prohibition against interests in contracts to carry mail "
                          "and acting as agent for contractors")


def test_restructuredtext_code_blocks_are_no_text(tmp_path: Path) -> None:
    """A ".. code-block:: python" body and a literal block after "::" are code: none of their
    lines ("return False", "def getUsers(self):") becomes a statement."""
    path = tmp_path / "policy.txt"
    path.write_text("Compatibility Policy\n====================\n\nPrivate names may change at "
                    "any time.\n\n.. code-block:: python\n\n    class _Protected:\n        def "
                    "getUsers(self):\n            return False\n\nA public method must be "
                    "deprecated first. For example::\n\n    def old(self):\n        return "
                    "new()\n\nYou must not remove it without a warning.\n", encoding="utf-8")
    texts = [p.text for p in read_document(path).policies()]
    assert not any("return" in t or "def " in t or "class " in t for t in texts)
    assert "You must not remove it without a warning." in texts


def test_restructuredtext_definition_lists_and_command_items(tmp_path: Path) -> None:
    """A definition list entry ("``MAJOR``" over its indented gloss) reads as a glossary line,
    not a heading, so the paragraph after it stays under "Releases"; an item that is only an
    inline literal ("-  ``make test``") is a command, no statement; the item above it stays."""
    path = tmp_path / "workflow.txt"
    path.write_text("Workflow\n========\n\nSee :ref:`x` first.\n\nReleases\n--------\n"
                    "FRR employs a versioning scheme.\n\n``MAJOR``\n   Significant new features."
                    "\n\n``MINOR``\n   Small features, e.g. options.\n\nWe will pull a new branch "
                    "every 4 months.\n\nChecklist\n---------\n-  Run unit tests:\n\n   -  "
                    "``make test``\n\n-  Sign off your commits.\n", encoding="utf-8")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Preamble", "Releases", "Checklist"]
    texts = {p.text: p for p in doc.policies()}
    major = texts["MAJOR: Significant new features."]
    assert (major.modality, doc.section(major.section_id).title) == (Modality.definition,
                                                                     "Releases")
    branch = texts["We will pull a new branch every 4 months."]
    assert doc.section(branch.section_id).title == "Releases"
    assert not any("make test" in t for t in texts)
    assert texts["Sign off your commits."].modality == Modality.obligation
    path = tmp_path / "checklist.md"
    path.write_text("# Checklist\n\n- Build the docs:\n  - `make docs` (from the root)\n"
                    "- Sign off your commits.\n", encoding="utf-8")
    assert not any("make docs" in p.text for p in read_document(path).policies())


def test_restructuredtext_comments_are_no_text(tmp_path: Path) -> None:
    """A comment (".. Licensed under the Apache License ..." with its indented lines, or a
    bare ".." with indented lines right under it) is hidden on the page: none of its lines
    becomes a statement; a bare ".." before a blank line only ends the block above it."""
    path = tmp_path / "policy.txt"
    path.write_text(".. Licensed under the Apache License; you may not use this file\n"
                    "   except in compliance with the License.\n\nBackports\n=========\n\n"
                    "Every backport must name its upstream commit (see :doc:`testing`).\n\n"
                    "..\n   Source note: "
                    "you should cite this copy.\n\nReviewers may reject a backport.\n\n"
                    "..\n\n    You must run the tests first.\n", encoding="utf-8")
    texts = [p.text for p in read_document(path).policies()]
    assert not any("Apache" in t or "compliance" in t or "Source note" in t for t in texts)
    assert texts == ["Every backport must name its upstream commit (see testing).",
                     "Reviewers may reject a backport.", "You must run the tests first."]


def test_bylines_samples_and_stated_requirements(tmp_path: Path) -> None:
    """"Author: Linux Australia Council" and "Last edited: 21 November 2023" are about the
    document; a glossary's "Contributor: An individual who signs the agreement." is a
    definition; a lead-in ending "in the following format:" keeps its norm and its item is the
    sample; "It is a requirement that X" obliges and "The preference is that X" recommends."""
    path = tmp_path / "standards.md"
    path.write_text("# Standards\n\nAuthor: Linux Australia Council\n\nLast edited: 21 November "
                    "2023\n\nContributor: An individual who signs the contributor agreement.\n\n"
                    "A data-version attribute should be included in the page source in the "
                    "following format:\n\n- data-version=\"1.0.34\"\n\nIt is a requirement that "
                    "there be sign off from the Digital team for any release.\n\nThe preference "
                    "is that all content is stored within the CMS platform.\n")
    modality = {p.text: p.modality for p in read_document(path).policies()}
    assert modality["Author: Linux Australia Council"] == Modality.informational
    assert modality["Last edited: 21 November 2023"] == Modality.informational
    assert modality["Contributor: An individual who signs the contributor agreement."] == \
        Modality.definition
    lead = next(t for t in modality if t.startswith("A data-version"))
    assert modality[lead] == Modality.recommendation
    assert modality['data-version="1.0.34"'] == Modality.informational
    assert modality["It is a requirement that there be sign off from the Digital team for any "
                    "release."] == Modality.obligation
    assert modality["The preference is that all content is stored within the CMS platform."] \
        == Modality.recommendation


def test_a_labelled_example_line_under_a_title_is_no_title(tmp_path: Path) -> None:
    """"Example: ``--use-deprecated=legacy-resolver``" set off by blank lines under a flag's
    title is an aside: the statements under it stay in the flag's section."""
    path = tmp_path / "flags.txt"
    path.write_text("Feature Flags\n=============\n\n``--use-deprecated``\n"
                    "--------------------\n\n"
                    "Example: ``--use-deprecated=legacy-resolver``\n\nUse for features that will "
                    "be deprecated. Deprecated features should remain available for six months, "
                    "as per the `Deprecation Policy`_.\n", encoding="utf-8")
    doc = read_document(path)
    titles = {s.id: s.title for s in doc.all_sections()}
    assert "Example: --use-deprecated=legacy-resolver" not in titles.values()
    should = next(p for p in doc.policies() if p.text.startswith("Deprecated features should"))
    assert titles[should.section_id] == "--use-deprecated"


def test_clauses_numbered_in_levels_are_items_of_their_lead_in(tmp_path: Path) -> None:
    """A contract's "1.2.1.  copy ..." lines under "User shall not ... to:" are each a
    prohibition, not one run-on statement; "2.3." after them, shallower than the lead-in's
    items, is no longer under it."""
    path = tmp_path / "terms.txt"
    path.write_text("Terms of Service\n\nUser shall use the Services lawfully. User shall not, "
                    "and shall not cause any other party to:\n1.2.1.  copy, translate or modify "
                    "the Services;\n1.2.2.  sell, rent or transfer the Services to third "
                    "parties; or\n1.2.3.  conduct any sort of penetration testing.\n\n2.3.  "
                    "Protected Health Information.  Users shall not store PHI on the site.\n",
                    encoding="utf-8")
    policies = read_document(path).policies()
    items = [p for p in policies if p.text.startswith(("copy,", "sell,", "conduct"))]
    assert [(p.modality, p.negated) for p in items] == [(Modality.prohibition, True)] * 3
    title = next(p for p in policies if p.text.startswith("Protected Health"))
    assert title.modality == Modality.informational


def test_a_ladders_privileges_grant_and_its_requirements_bind(tmp_path: Path) -> None:
    """A contributor ladder's bare "Privileges:" grants its items, and "Requirements:" binds
    its items, as "Responsibilities include:" does."""
    path = tmp_path / "ladder.md"
    path.write_text("# Ladder\n\n## Reviewer\n\nRequirements:\n\n- Has reviewed at least 15 pull "
                    "requests\n\nPrivileges:\n\n- Invitations to contributor events\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert by_text(doc, "Has reviewed at least").modality == Modality.obligation
    assert by_text(doc, "Invitations to contributor").modality == Modality.permission


def test_restructuredtext_bold_lines_and_literal_intros_are_no_titles(tmp_path: Path) -> None:
    """Where a reStructuredText file's titles are adorned, a bold line ("**Example**"), a line
    that opens a literal block ("Correct::") and a title shown inside a code sample are no
    titles: the rules after them stay in their section. A plain title-case line set off by
    blank lines is still one, as a reader of the text file takes it."""
    path = tmp_path / "style.txt"
    path.write_text("Style Guide\n===========\n\nCode\n----\n\nA parameter should be in "
                    "italics, as in :ref:`params`.\n\n**Example**\n\nThe parameter *x* is "
                    "set.\n\nCorrect::\n\n    f(x)\n\nA variable must be in double backticks."
                    "\n\nHeading markup looks like this::\n\n    Title\n    -----\n\n"
                    "Names must be spelled as in the code.\n\nGeneral Requirements\n\n"
                    "Every page must have a title.\n\nHeadings\n--------\n\n"
                    "Use sentence case.\n", encoding="utf-8")
    doc = read_document(path)
    titles = {s.id: s.title for s in doc.all_sections()}
    assert titles[by_text(doc, "A variable must").section_id] == "Code"
    assert titles[by_text(doc, "Names must be spelled").section_id] == "Code"
    assert titles[by_text(doc, "Every page must").section_id] == "General Requirements"
    assert titles[by_text(doc, "Use sentence case.").section_id] == "Headings"
    assert "Example" not in titles.values() and "" not in titles.values()


def test_code_samples_indented_in_a_plain_text_style_guide_say_no_rule(tmp_path: Path) -> None:
    """A C style guide in plain text: the samples indented deeper than its prose ("for (i = 0;
    i < n; i++) {", a list of names) are dropped, and "Don't do this:" / "Do this instead:"
    over them say nothing to check; deeper-indented prose and the rules around stay."""
    doc = parse(tmp_path, "Spacing\n=======\n\nPut a space after keywords.\n\n"
                          "\tDon't do this:\n\n\t\tfor(i=0;i<n;i++){\n\n\tDo this instead:\n\n"
                          "\t\tfor (i = 0; i < n; i++) {\n\t\t...\n\n\tPreferred:\n\n"
                          "\t\thit_list\n\t\ttotal_chars\n\n"
                          "\t\tNames must be lower case.\n\nYou should keep lines short.\n",
                name="style.txt")
    texts = [p.text for p in doc.policies()]
    assert not any("i++" in t or "hit_list" in t for t in texts)
    assert by_text(doc, "Don't do this").modality == Modality.informational
    assert by_text(doc, "Do this instead").modality == Modality.informational
    assert by_text(doc, "Put a space").modality == Modality.obligation
    assert by_text(doc, "Names must be").modality == Modality.obligation
    assert by_text(doc, "You should keep").modality == Modality.recommendation


def test_a_bold_call_out_line_is_a_statement_not_a_heading(tmp_path: Path) -> None:
    """"**IMPORTANT: Do not file public issues for vulnerabilities**" over a paragraph is a
    rule said in bold; "**Meetings start on time**" over a paragraph is still a sub-heading."""
    doc = parse(tmp_path, "# Security\n\n**IMPORTANT: Do not file public issues for "
                          "vulnerabilities**\n\nEmail the security team instead.\n\n"
                          "**Meetings start on time**\n\nArrive five minutes early.\n")
    titles = [s.title for s in doc.all_sections()]
    assert "Meetings start on time" in titles
    assert not any(t.startswith("IMPORTANT") for t in titles)
    important = by_text(doc, "IMPORTANT")
    assert (important.modality, important.negated) == (Modality.prohibition, True)


def test_a_flattened_list_hands_its_lead_in_to_the_lower_case_items(tmp_path: Path) -> None:
    """An HTML list that lost its nesting: "No party may:" then, as its siblings, "give or
    promise ..." and "request ..." in lower case are what is forbidden; the next capitalised
    item ("Parties must:") is a lead-in of its own."""
    html = ("<html><body><h1>Anti-Bribery Policy</h1><ol>"
            "<li>This Policy applies to all staff.</li>"
            "<li>No party described in section 4.1 may:</li>"
            "<li>give or promise any advantage to another party;</li>"
            "<li>request or agree to receive any advantage from another party.</li>"
            "<li>Parties described in section 4.1 must:</li>"
            "<li>report any concerns to the Chief Executive.</li>"
            "<li>The Company keeps a register of gifts.</li></ol></body></html>")
    doc = parse(tmp_path, html, name="policy.html")
    give = by_text(doc, "give or promise")
    assert (give.modality, give.negated) == (Modality.prohibition, True)
    assert by_text(doc, "request or agree").modality == Modality.prohibition
    assert by_text(doc, "report any concerns").modality == Modality.obligation
    assert by_text(doc, "No party").modality == Modality.informational
    assert by_text(doc, "The Company keeps").modality != Modality.prohibition


def test_a_lead_in_spelling_out_the_norm_before_it_and_measures_to_be_in_place(
        tmp_path: Path) -> None:
    """"We recommend that organisations adopt X. At a very minimum this would imply that:" hands
    the recommendation to its items; so does "measures that should be in place:"."""
    doc = parse(tmp_path, "# Security\n\nWe recommend that organisations adopt ISO 27002. At a "
                          "very minimum this would imply that:\n\n1. You have a security "
                          "statement.\n2. There is a process for regular audit.\n\n"
                          "A list of technical measures that should be in place:\n\n"
                          "1. Operating system is a LTS edition.\n")
    assert by_text(doc, "You have a security").modality == Modality.recommendation
    assert by_text(doc, "There is a process").modality == Modality.recommendation
    assert by_text(doc, "Operating system is").modality == Modality.recommendation


def test_a_list_of_links_to_titled_pages_names_them(tmp_path: Path) -> None:
    """"- [Project Roadmap](ROADMAP.md)" under "... are listed below:" names another page (the
    tagger read "Project" as an order); after "For vacation, you can use:" the linked pages
    are what the reader may take, and stay."""
    path = tmp_path / "governance.md"
    path.write_text("# Governance\n\nRelated documents are listed below:\n\n"
                    "- [Project Roadmap](ROADMAP.md)\n- [SDK Maintainer Guidelines](sdk.md)\n\n"
                    "Members must vote.\n\n## Leave\n\nFor vacation, you can use:\n\n"
                    "- [Annual Leave](#annual-leave)\n- [Award Leave](award.md)\n",
                    encoding="utf-8")
    texts = {p.text: p.modality for p in read_document(path).policies()}
    assert not any("Roadmap" in t or "SDK" in t for t in texts)
    assert texts["Members must vote."] == Modality.obligation
    assert texts["Annual Leave"] == texts["Award Leave"] == Modality.permission


def test_a_call_out_label_set_as_a_heading_opens_no_section(tmp_path: Path) -> None:
    """A bold "Note" over a boxed paragraph (a PDF's, or "#### Note") labels a call-out: the
    rules under it stay in the section it interrupts; a "Tips" section is a section."""
    path = tmp_path / "recipes.md"
    path.write_text("# Recipes\n\n## Python\n\nPython recipes must build on 3.8.\n\n#### Note\n\n"
                    "Make sure you have conda-build 3.\n\n## Tips\n\nYou may reuse recipes.\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Python", "Tips"]
    build = next(p for p in doc.policies() if p.text.startswith("Make sure"))
    assert doc.section(build.section_id).title == "Python"


def test_a_line_its_link_markup_shortened_is_no_title(tmp_path: Path) -> None:
    """reStructuredText saved as text: "The project uses `Doxygen <https://...>`_ to document"
    reads short once its link is reduced, but the paragraph's sentence goes on ("the
    interfaces, and ..."): no title, the rules stay under "Comments"."""
    path = tmp_path / "style.txt"
    path.write_text("Coding style\n============\n\nUse spaces.\n\nComments\n********\n\n"
                    "The project uses `Doxygen <https://www.doxygen.nl/index.html>`_ to document\n"
                    "the interfaces, and uses comments for improving the clarity of the code\n"
                    "internally. All classes, methods, and members should have Doxygen comments.\n")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()][-1] == "Comments"
    rule = next(p for p in doc.policies() if p.text.startswith("All classes"))
    assert doc.section(rule.section_id).title == "Comments"
