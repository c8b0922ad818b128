"""HTML ingestion: the same document as Markdown and as HTML gives the same tree and IDs."""

from __future__ import annotations

from pathlib import Path

from renderers import to_html

from alignment_studio.framers.parse import read_document
from alignment_studio.types import Form, Modality, PolicyDocument


def tree(doc: PolicyDocument) -> list[tuple[str, str, int]]:
    return [(s.id, s.title, s.level) for s in doc.all_sections()]


def test_example_as_html_gives_the_same_tree_ids_and_forms(example_policy: Path,
                                                           tmp_path: Path) -> None:
    html = tmp_path / "guidelines.html"
    html.write_text(to_html(example_policy.read_text()))
    md_doc, html_doc = read_document(example_policy), read_document(html)
    assert tree(html_doc) == tree(md_doc)
    assert [(p.id, p.form, p.modality, p.question) for p in html_doc.policies()] == [
        (p.id, p.form, p.modality, p.question) for p in md_doc.policies()]
    assert html_doc.title == md_doc.title
    assert {p.form for p in html_doc.policies()} == set(Form) - {Form.table_row}


def test_18f_documents_as_html_keep_their_section_trees(policies_18f: list[Path],
                                                        tmp_path: Path) -> None:
    for path in policies_18f:
        html = tmp_path / f"{path.stem}.html"
        html.write_text(to_html(path.read_text(), title="Handbook"))
        md_tree = [t[1:] for t in tree(read_document(path)) if t[1] != "Preamble"]
        html_tree = [t[1:] for t in tree(read_document(html)) if t[1] != "Preamble"]
        assert html_tree == md_tree, path.name


def test_scripts_navigation_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "p.htm"
    path.write_text("<html><head><title>Travel</title></head><body><nav>Menu</nav>"
                    "<h2>Booking</h2><p>You must book through the portal.</p>"
                    "<ul><li>Never book first class.<ul><li>Not even on long flights.</li>"
                    "</ul></li></ul><blockquote><p><strong>Important:</strong> Keep receipts."
                    "</p></blockquote><script>alert('x')</script></body></html>")
    doc = read_document(path)
    assert doc.title == "Travel"
    texts = [(p.form, p.text) for p in doc.policies()]
    assert texts == [(Form.prose, "You must book through the portal."),
                     (Form.list_item, "Never book first class."),
                     (Form.list_item, "Not even on long flights."),
                     (Form.callout, "Keep receipts.")]


def test_a_table_of_contents_is_not_read_but_links_under_a_lead_in_are(tmp_path: Path) -> None:
    """A list of links to places on the page is a table of contents ("Discuss your design"
    would read as an order); the same links after "you can use:" are the items."""
    toc = ("<details><summary>Table of Contents</summary><ul><li><a href='#issues'>Issues</a>"
           "<ul><li><a href='#design'>Discuss your design before the implementation</a></li>"
           "</ul></li></ul></details>")
    path = tmp_path / "c.html"
    path.write_text(f"<h1>Guide</h1>{toc}<h2>Leave</h2><p>For vacation, you can use:</p><ul>"
                    "<li><a href='#annual'>Annual Leave</a></li><li><a href='#award'>Award "
                    "Leave</a></li></ul>")
    texts = [p.text for p in read_document(path).policies()]
    assert texts == ["Table of Contents", "For vacation, you can use:", "Annual Leave",
                     "Award Leave"]
    markdown = tmp_path / "c.md"
    markdown.write_text("# Guide\n\n- [Issues](#issues)\n  - [Discuss your design](#design)\n\n"
                        "## Leave\n\nFor vacation, you can use:\n\n- [Annual Leave](#annual)\n"
                        "- [Award Leave](#award)\n")
    assert [p.text for p in read_document(markdown).policies()] == texts[1:]


def test_a_definition_list_is_a_glossary_and_a_question_list_is_not(tmp_path: Path) -> None:
    """"<dt>Verifier</dt><dd>A volunteer who ...</dd>" is one glossary entry, a definition,
    whatever lead-in came before the list; a <dt> question keeps its answer apart."""
    path = tmp_path / "guide.html"
    path.write_text("<h1>Guide</h1><p>Please check for the following errors:</p><ul><li>"
                    "spelling errors</li></ul><dl><dt>Verifier</dt><dd>A volunteer who checks "
                    "a finished book.</dd><dt>Can I skip a page?</dt><dd>No, you must check "
                    "every page.</dd></dl>")
    found = {p.text: p for p in read_document(path).policies()}
    entry = found["Verifier: A volunteer who checks a finished book."]
    assert entry.modality == Modality.definition
    assert "Can I skip a page?" not in found or found["Can I skip a page?"].modality == \
        Modality.informational
    assert any(t.startswith("No, you must check every page") for t in found)


def test_acts_under_expected_to_are_norms_under_a_bold_title(tmp_path: Path) -> None:
    """Short acts ending in ";" under "All visitors are expected to:" are obligations, not
    pieces of its sentence; a paragraph wholly in bold ("Expected behaviour") titles them, as
    round 26's labels read such lines (ASF's bold questions stay in their section: see
    test_a_paragraph_set_wholly_in_bold_is_a_title_below_the_heading)."""
    path = tmp_path / "conduct.html"
    path.write_text("<h1>Library Code of Conduct</h1><h2>Behaviour</h2><p><strong>Expected "
                    "behaviour</strong></p><p>All visitors are expected to:</p><ol><li>respect "
                    "other users;</li><li>follow staff instructions.</li></ol>")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Behaviour", "Expected behaviour"]
    found = {p.text: p for p in doc.policies()}
    assert found["respect other users;"].modality == Modality.obligation
    assert found["follow staff instructions."].modality == Modality.obligation


def test_an_item_left_open_ends_at_the_next_item_or_at_the_lists_end(tmp_path: Path) -> None:
    """"<li>a<li>b</li></ol>": as a browser reads it, the paragraphs after the list are not
    items of it."""
    path = tmp_path / "guide.html"
    path.write_text("<h1>Guide</h1><h2>Steps</h2><ol><li>Send the note.<li>Upload the book."
                    "</li></ol><h2>Errors</h2><p>Errors should be fixed in one of the "
                    "following ways:</p><ul><li>Correct them silently</li><li>Leave them and "
                    "say so in a note</li></ul>")
    doc = read_document(path)
    blocks = {p.text: p for p in doc.policies()}
    lead_in = blocks["Errors should be fixed in one of the following ways:"]
    assert lead_in.modality == Modality.recommendation  # its own duty, no list item's
    for item in ("Correct them silently", "Leave them and say so in a note"):
        assert (blocks[item].modality, blocks[item].actor) == (Modality.permission, "you")
    assert blocks["Send the note."].modality == Modality.obligation


def test_elements_with_the_heading_role_are_headings(tmp_path: Path) -> None:
    """'<div role="heading" aria-level="2">' (a page built from generic elements) is a heading
    at its ARIA level, also with a <div> inside it."""
    path = tmp_path / "rules.html"
    path.write_text('<h1>Channel Rules</h1><div role="heading" aria-level="2">Posting</div>'
                    "<p>You must not post advertisements.</p>"
                    '<div role="heading" aria-level="3"><div>Bans</div></div>'
                    "<p>Operators may ban users who break these rules.</p>")
    doc = read_document(path)
    assert [(s.title, s.level) for s in doc.all_sections()] == [("Posting", 2), ("Bans", 3)]
    assert doc.all_sections()[1].policies[0].modality == Modality.permission


def test_a_paragraph_set_wholly_in_bold_is_a_title_below_the_heading(tmp_path: Path) -> None:
    """"<p><strong>Data we collect</strong></p>" titles the paragraphs under it, one level
    below the heading above; a bold sentence, question or lead-in stays what it is."""
    path = tmp_path / "privacy.html"
    path.write_text("<html><body><h1>Privacy</h1><h2>Policy</h2>"
                    "<p><strong>Data we collect</strong></p><p>We must record your e-mail "
                    "address.</p><p><strong>What is a cookie?</strong></p><p>A cookie is a "
                    "small file.</p><p><strong>All reports will be kept confidential.</strong>"
                    "</p><p><strong>Security measures</strong></p><p>Passwords must be "
                    "hashed.</p></body></html>", encoding="utf-8")
    doc = read_document(path)
    titles = [(s.title, s.level) for s in doc.all_sections()]
    assert ("Data we collect", 3) in titles and ("Security measures", 3) in titles
    assert not any(t.startswith(("What is", "All reports")) for t, _ in titles)
    hashed = next(p for p in doc.policies() if p.text.startswith("Passwords must"))
    assert next(s for s in doc.all_sections() if s.id == hashed.section_id).title == \
        "Security measures"


def test_a_lead_in_whose_relative_clause_says_what_we_may_do_gives_its_items_force(
        tmp_path: Path) -> None:
    """"Circumstances in which we may disclose your data:" over noun-phrase items: each item is
    what "we" may do; a whole sentence ending "as described below." before the list is no
    lead-in, so it keeps its own force and hands none to the items."""
    path = tmp_path / "privacy.html"
    path.write_text("<html><body><h1>Privacy Policy</h1><p>By using the Services, you consent "
                    "to our use of your Personal Data as described below.</p><ol>"
                    "<li>Circumstances in which we may disclose your Personal Data to third "
                    "parties:<ul><li>To respond to subpoenas or court orders.</li>"
                    "<li>In connection with a merger or sale of assets.</li></ul></li>"
                    "<li>How we store Personal Data:<ul><li>Backups are encrypted.</li></ul>"
                    "</li></ol></body></html>", encoding="utf-8")
    texts = {p.text: p for p in read_document(path).policies()}
    consent = texts["By using the Services, you consent to our use of your Personal Data as "
                    "described below."]
    assert (consent.modality, consent.actor) == (Modality.obligation, "you")
    for item in ("To respond to subpoenas or court orders.",
                 "In connection with a merger or sale of assets."):
        assert (texts[item].modality, texts[item].actor) == (Modality.permission, "we"), item
    assert texts["Backups are encrypted."].modality == Modality.informational


def test_a_sites_menus_and_sidebars_are_skipped_without_a_nav_element(tmp_path: Path) -> None:
    """A page built by Sphinx or Bootstrap puts its menus in <div role="navigation">,
    <div class="navbar"> or <div class="bs-sidenav"> rather than <nav>: their links ("Write
    Documentation") are no statements, and the text after them is read."""
    path = tmp_path / "charter.html"
    path.write_text('<html><body><div class="related" role="navigation"><ul><li><a href="/">'
                    'Get Involved</a></li></ul></div><div class="navbar"><div class="inner">'
                    '<ul class="nav"><li><a href="/docs">Write Documentation</a></li></ul>'
                    '</div></div><div class="row"><div id="sidebar" class="bs-sidenav well">'
                    '<ul><li><a href="/r">Release Checklists</a></li></ul></div>'
                    '<div class="span8"><h1>Charter</h1><p>Members must pay the annual fee.'
                    '</p><ul><li>The board shall meet twice a year.</li></ul></div></div>'
                    '</body></html>', encoding="utf-8")
    texts = [p.text for p in read_document(path).policies()]
    assert texts == ["Members must pay the annual fee.", "The board shall meet twice a year."]


def test_a_bold_term_a_dash_and_its_gloss_in_a_list_is_a_glossary_entry(tmp_path: Path) -> None:
    """"<li><strong>Voting member</strong> - any person who may vote ...</li>" defines the term
    (read as "Voting member: ..."); a bold paragraph before a dash outside a list is a run-in
    title and stays as it is written."""
    path = tmp_path / "charter.html"
    path.write_text("<html><body><h1>Definitions</h1><ul><li><p><strong>Voting member</strong>"
                    " - any person who may vote on decisions made by the board.</p></li>"
                    "<li><strong>Chair</strong> – An individual elected from amongst the board."
                    "</li></ul><p><strong>Tip</strong> - Members should read the minutes.</p>"
                    "</body></html>", encoding="utf-8")
    texts = {p.text: p for p in read_document(path).policies()}
    voting = texts["Voting member: any person who may vote on decisions made by the board."]
    assert voting.modality == Modality.definition
    assert texts["Chair: An individual elected from amongst the board."].modality == \
        Modality.definition
    assert "Tip - Members should read the minutes." in texts


def test_paragraphs_typed_as_items_under_a_lead_in_take_its_force(tmp_path: Path) -> None:
    """"<li>A Privacy Policy must:</li></ol><p>a.&#9;be written in plain language;</p>": the
    typed "a." / "b." paragraphs are the lead-in's items; a numbered paragraph after prose is
    not."""
    path = tmp_path / "p.html"
    path.write_text("<h2>Privacy</h2><ol><li>A Privacy Policy must:</li></ol>"
                    "<p>a.\tbe written in plain language;</p><p>b.\tinclude a link.</p>"
                    "<p>Agencies publish it.</p><p>1. Agencies review it yearly.</p>")
    by_text = {p.text: p for p in read_document(path).policies()}
    assert by_text["be written in plain language;"].modality == Modality.obligation
    assert by_text["include a link."].modality == Modality.obligation
    assert "1. Agencies review it yearly." in by_text


def test_a_call_out_box_with_its_own_title_is_a_section_and_permalinks_are_no_text(
        tmp_path: Path) -> None:
    """MkDocs and Sphinx output: "<p class="admonition-title">Voting on proposals</p>" titles
    the box's rules one level below the heading; a stock "Note" box adds no section; the
    heading's permalink ("¶") is not part of its title."""
    path = tmp_path / "psc.html"
    path.write_text('<html><body><h1>Steering committee</h1><h2 id="p">Proposals<a class='
                    '"headerlink" href="#p">&para;</a></h2><p>Anyone may make a proposal.</p>'
                    '<div class="admonition note"><p class="admonition-title">Voting on '
                    'proposals</p><ol><li><p>A member who votes -1 must explain why.</p></li>'
                    '</ol></div><div class="admonition note"><p class="admonition-title">Note'
                    '</p><p>Members should reply within a week.</p></div></body></html>',
                    encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "Steering committee"
    assert [(s.title, s.level) for s in doc.all_sections()] == [
        ("Proposals", 2), ("Voting on proposals", 3)]
    sections = {s.id: s.title for s in doc.all_sections()}
    vote = next(p for p in doc.policies() if p.text.startswith("A member who votes"))
    assert (sections[vote.section_id], vote.modality) == ("Voting on proposals",
                                                          Modality.obligation)


def test_a_footnote_mark_is_no_text_and_useful_advises(tmp_path: Path) -> None:
    """"... place of publication.<sup>2</sup> The four principles ...:" keeps its sentence end
    (the mark would run the recommendation into the lead-in after it); "It is useful to X"
    advises, "This guide is useful for new staff" does not."""
    path = tmp_path / "data.html"
    path.write_text("<html><body><h1>Research data</h1><h2>Publication</h2><p>It is recommended "
                    "to strive for adherence to the FAIR principles when preparing data for "
                    "publication.<sup>2</sup> The four principles require the following:</p>"
                    "<ul><li>Findability: data is described with metadata.</li></ul>"
                    "<p>It is useful to define holding periods. This guide is useful for new "
                    "staff.</p></body></html>", encoding="utf-8")
    doc = read_document(path)
    texts = {p.text: p.modality for p in doc.policies()}
    strive = next(t for t in texts if t.startswith("It is recommended"))
    assert strive.endswith("publication.") and texts[strive] == Modality.recommendation
    assert texts["It is useful to define holding periods."] == Modality.recommendation
    assert texts["This guide is useful for new staff."] == Modality.informational


def test_a_title_set_in_several_bold_runs_is_still_a_title(tmp_path: Path) -> None:
    """"<strong>Examples</strong> <span><strong>of</strong></span> <strong>Acceptable
    Uses</strong>": the spaces between the bold runs are not bold, the line still is."""
    path = tmp_path / "ai.html"
    path.write_text("<html><body><h1>Rules</h1><p><strong>Examples</strong> <span><strong>of"
                    "</strong></span> <strong>Acceptable Uses</strong></p><p>Staff may use the "
                    "tool to draft summaries.</p></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert [s.title for s in doc.all_sections()] == ["Examples of Acceptable Uses"]


def test_a_skip_link_and_the_sites_banner_and_footer_are_skipped(tmp_path: Path) -> None:
    """GOV.UK's "Skip to main content" link, its role="banner" header and role="contentinfo"
    footer ("Privacy", "Cookies") are the site's, not the page's text."""
    path = tmp_path / "terms.html"
    path.write_text('<html><body><a href="#main" class="govuk-skip-link">Skip to main content'
                    '</a><header role="banner"><a href="/">GOV.UK</a></header><main id="main">'
                    '<h1>Terms</h1><p>You must not misuse our service.</p></main>'
                    '<footer role="contentinfo"><ul><li><a href="/p">Privacy</a></li></ul>'
                    '</footer></body></html>', encoding="utf-8")
    texts = [p.text for p in read_document(path).policies()]
    assert texts == ["You must not misuse our service."]


def test_a_block_the_page_shows_line_by_line_is_read_as_plain_text(tmp_path: Path) -> None:
    """A terms page whose clauses sit in one <div> that its style sheet shows line by line
    ("white-space: pre-line"): the numbered titles are headings and each "1.2.x." clause under
    "User shall not ... to:" is a prohibition of its own; the same <div> without that style
    stays one paragraph, as a browser shows it."""
    clauses = ("1.  Services.\n1.1.  License.  FDA grants User a limited license to use the "
               "Services.\n1.2.  Restrictions.  User shall not, and shall not permit any other "
               "party to:\n1.2.1.  copy or modify the Services;\n1.2.2.  sell the Services to "
               "third parties; or\n1.2.3.  conduct any penetration testing.\n\n2.  User Data.\n"
               "2.1.  Warranty.  Users shall not store Trade Secrets on the site.\n")
    styled = tmp_path / "terms.html"
    styled.write_text("<html><head><style>.lead { font-size: 16px; }\n.pre-text { white-space: "
                      f"pre-line; }}</style></head><body><h1>Terms</h1><div class=\"lead "
                      f"pre-text\">\n{clauses}</div><p>Contact us.</p></body></html>",
                      encoding="utf-8")
    doc = read_document(styled)
    assert [s.title for s in doc.all_sections()] == ["Services", "User Data"]
    items = [p for p in doc.policies() if p.text.startswith(("copy", "sell", "conduct"))]
    assert [(p.modality, p.negated) for p in items] == [(Modality.prohibition, True)] * 3
    plain = tmp_path / "plain.html"
    plain.write_text(styled.read_text(encoding="utf-8").replace("white-space: pre-line;", ""),
                     encoding="utf-8")
    assert "Services" not in [s.title for s in read_document(plain).all_sections()]
