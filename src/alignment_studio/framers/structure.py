"""From blocks to a section tree of individual policies with stable IDs and modalities.

Policy IDs are **content anchors**: ``<document id>/p-<hash>``, the hash taken over the
statement's normalised text. Renaming a heading, moving a section or editing other paragraphs
leaves a statement's ID alone; only editing the statement itself gives it a new one (the
``diff`` command pairs the two). A text that occurs twice in a document gets ``-2``, ``-3``... in
document order.

Every sentence of the document is parsed in one batch (framers/nlp.py) and cut into clauses
(framers/clauses.py); each clause becomes a statement whose ``text`` is a verbatim piece of the
source, and takes the force of its lead-in or heading where it says none itself
(framers/statements.py).
"""

from __future__ import annotations

import re
from collections import Counter

from alignment_studio.core.text import text_hash
from alignment_studio.framers.blocks import Block, BlockType, RawDocument, title_key
from alignment_studio.framers.clauses import (
    Clause,
    analyse,
    is_coded_unit,
    is_pronoun_actor,
    names_duties,
    names_party,
    role_of,
)
from alignment_studio.framers.nlp import parse
from alignment_studio.framers.second_reading import read_again
from alignment_studio.framers.statements import (
    REF_SUFFIX,
    SECTION_SIGN_NUMBER,
    Force,
    Settings,
    addressee,
    allowance_force,
    announces_steps,
    answer_force,
    ends_lead_in,
    entry_parts,
    heading_force,
    inherit,
    is_contact,
    is_example_lead_in,
    is_exception_lead_in,
    is_fragment,
    is_metadata,
    is_reasons_lead_in,
    judged_force,
    keeps_its_norm,
    key_value,
    lead_in_force,
    names_goals,
    names_items,
    names_ways,
    opens_with_examples,
    refers_back,
    refs_of,
    relative_force,
    retention_force,
    speaks_to_reader,
    split_sentences,
    terms_of,
)
from alignment_studio.types import Form, Modality, Policy, PolicyDocument, Section, Span

PREAMBLE = "Preamble"
_WHAT_IS = re.compile(r"^what (?:is|are) (?:an? |the )?(.{2,60}?)\?$", re.I)
_EXAMPLE_BLOCK = re.compile(r"^(example( \d+)?( to [^:]{1,40})?\s*:|for (example|instance)\b)",
                            re.I)
# a regulation's worked example or note between the items of a list ("Example 1 to paragraph
# (a)(2)(ii): UPS offers a part-time job ..."): an aside, after which the list goes on
_WORKED_EXAMPLE = re.compile(r"^(?:Example|Note)\s+\d+\b|^(?:Example|Note) (?:to|for) "
                             r"(?:paragraph|§)")
# words of a lead-in that announces what comes below it ("... the following:", "these steps:")
_ANNOUNCING = re.compile(r"\b(following|follows?|below|these|those|steps|sections?|rules|"
                         r"guidelines|requirements|criteria|include|includes|including)\b", re.I)
# an order whose object is the sample after it ("Don't do this:", "Do this instead:", "And for
# heaven's sake, don't do this either:"): with no items after it, the sample was code the
# reader dropped, and the order alone says nothing one could check
_SAMPLE_ORDER = re.compile(r"^(?:(?:and|but|or)\s+)?(?:for heaven['’]s sake,\s+)?(?:please\s+)?"
                           r"(?:(?:don['’]t|do not|never|always)\s+)?(?:do|write|use|format)\s+"
                           r"(?:this|that|it|them)(?:\s+(?:either|instead|like this|as follows|"
                           r"this way))?(?:,[^:]{0,80})?:$", re.I)
# an item that finishes its lead-in's sentence: it opens in lower case
_FRAGMENT = re.compile(r"^[a-z]")
# a lead-in that spells out what the sentence before it asks ("At a very minimum this would
# imply that:", "In practice this means:")
_IMPLIES = re.compile(r"^(?:(?:at (?:a|the) (?:very )?minimum|in practice|concretely),?\s+)?"
                      r"(?:this|that)\s+(?:(?:would|will)\s+)?(?:means?|impl(?:y|ies)|entails?)"
                      r"(?:\s+that)?\s*:$", re.I)
_GLOSSARY = re.compile(r"\b(glossary|definitions?|terms|terminology)\b", re.I)
# a glossary entry with its term run in: "Area. A discrete, ...", "Printed material— any ..."
_TERM = r"[A-Z][\w'-]*(?: [\w'-]+){0,5}"
_RUN_IN_TERM = re.compile(rf"^({_TERM})(?:\.\s+(?=[A-Z\"“(])|\s*(?:—|--)\s*)")
_BARE_TERM = re.compile(rf"^{_TERM}\.$")
_QUOTED_OPENING = re.compile(r"^[\"“]([^\"”]{2,60})[\"”]")  # a glossary entry's quoted term
_FORMS = {BlockType.paragraph: Form.prose, BlockType.list_item: Form.list_item,
          BlockType.qa: Form.qa, BlockType.callout: Form.callout,
          BlockType.table_row: Form.table_row, BlockType.heading: Form.prose}
_ENTRY_TYPES = (BlockType.list_item, BlockType.table_row)


_TITLE_SMALL_WORDS = {"a", "an", "and", "the", "of", "or", "to", "for", "in", "on", "with", "at",
                      "by", "&", "-", "–", "vs", "per"}


def is_run_in_title(sentence: str) -> bool:
    """A paragraph's opening title in title case ("Venue.", "Post-Event Call.", "Control Hacker
    Data.") before the sentences that say the rule."""
    text = sentence.strip().strip("*_")
    if not text.endswith(".") or text.endswith(".."):
        return False
    words = text[:-1].split()
    return 1 <= len(words) <= 6 and words[0][:1].isupper() and all(
        w[:1].isupper() or w.lower() in _TITLE_SMALL_WORDS or not w[:1].isalpha()
        for w in words)


_SUCH_AS = re.compile(r"\b(such as|like|e\.g\.|for instance),?\s*:$|"
                      # "... should be included ... in the following format:": a sample
                      r"\bin the following (format|form|pattern|syntax|style|layout)\s*:$", re.I)


def slugify(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "section"


def policy_id(doc_id: str, text: str) -> str:
    """The content anchor of a statement (before duplicates get their suffix)."""
    return f"{doc_id}/p-{text_hash(text)}"


# a call-out's label set as a heading ("Note" in bold over a boxed paragraph in a PDF): the
# text under it stays in the section it interrupts ("Notes" and "Tips" sections are real)
_ADMONITION_LABEL = re.compile(r"(?:Note|Tip|Warning|Important|Caution|Hint|Attention|Danger)"
                               r":?", re.I)
# a requirement level set as a heading over a header's description ("**MUST**", "MUST (201,
# 30X)" in bold under "### Location" of an API standard): a tag of the text under it, which the
# statements' own words carry, not a section of its own; capitals only, as RFC 2119 writes it
_REQUIREMENT_TAG = re.compile(r"(?:NOT )?(?:MUST|SHALL|SHOULD|MAY|REQUIRED|RECOMMENDED|OPTIONAL)"
                              r"(?: NOT)?(?: ?\([^()]{1,40}\))?:?")


def _tag(heading: str) -> bool:
    """A heading that only labels the text under it: a call-out's or a requirement level's."""
    text = heading.strip()
    return bool(_ADMONITION_LABEL.fullmatch(text) or _REQUIREMENT_TAG.fullmatch(text))


def build_document(raw: RawDocument, doc_id: str, source: str, sha256: str,
                   fallback_title: str, settings: Settings | None = None) -> PolicyDocument:
    """Section tree from headings; statements from paragraphs, items, Q&A, call-outs, rows."""
    blocks = [b for b in raw.blocks if not (b.type == BlockType.heading and _tag(b.text))]
    blocks, controls = _controls(blocks)
    blocks, tasks = _task_items(blocks)
    title = raw.title
    h1 = [b for b in blocks if b.type == BlockType.heading and b.level == 1]
    if len(h1) == 1 and blocks and blocks[0] is h1[0]:
        # the one heading that opens the body is the title a reader sees, over a front matter's
        # ("title: Style Guide" names the page in a site's menu)
        title = h1[0].text
        blocks = blocks[1:]
    units = _run_in_terms(blocks, [_units(b) for b in blocks])
    values = [value for unit in units if unit and (parts := entry_parts(unit[0]))
              for value in dict.fromkeys((parts[1], _as_sentence(parts[0], parts[1])))]
    texts = list(dict.fromkeys([*(t for unit in units for t in unit), *values]))
    settings = settings or Settings()
    reader = addressee(texts, settings.addressee_share)
    clauses = dict(zip(texts, analyse(texts, reader), strict=True))
    builder = _TreeBuilder(doc_id, clauses, reader, settings)
    samples = _sample_pairs(blocks)
    for i, block in enumerate(blocks):
        builder.add(block, units[i], blocks[i + 1] if i + 1 < len(blocks) else None,
                    control=id(block) in controls | tasks, sample=id(block) in samples)
    document = PolicyDocument(id=doc_id, title=title or fallback_title, version=sha256[:12],
                              source=source, sha256=sha256, sections=builder.roots)
    if settings.second_reading:
        for policy in read_again(document, settings.norm_model, skip=builder.settled):
            policy.terms = terms_of(policy.text, policy.modality)
    resolve_refs(document)
    fill_actors(document)
    return document


def _as_sentence(head: str, value: str) -> str:
    """A dashed entry's value as the parser reads a sentence, from a capital ("TG1 - select
    Hardware Security Modules to use": "Select ..." is an order; "select" in lower case is read
    as an adjective). Read so only where it gives an order; the statement keeps the value's own
    first letter."""
    return value[:1].upper() + value[1:] if head.rstrip().endswith(("-", "–", "—")) else value


# a verdict over a sample ("Unacceptable: SystemInitiative, Sys Int" / "Acceptable: System
# Initiative" after "Always use trademarks in their exact form")
_VERDICT = re.compile(r"^[*_]*(?P<word>(?:un)?acceptable|(?:in)?correct|right|wrong|good|bad)"
                      r"[*_]*\s*:[*_]*\s+\S", re.I)
_BAD_VERDICTS = {"unacceptable", "incorrect", "wrong", "bad"}


def _sample_pairs(blocks: list[Block]) -> set[int]:
    """The ids of the blocks that judge a sample next to one judged the other way
    ("Unacceptable: X" then "Acceptable: Y"): a worked example of the rule above them, no rule
    of their own, as "Example:" is."""
    verdicts = [m.group("word").lower() in _BAD_VERDICTS if block.type != BlockType.heading and
                (m := _VERDICT.match(block.text)) is not None else None for block in blocks]
    out: set[int] = set()
    for i, verdict in enumerate(verdicts):
        if verdict is None:
            continue
        beside = [verdicts[j] for j in (i - 1, i + 1) if 0 <= j < len(verdicts)]
        if any(other is not None and other != verdict for other in beside):
            out.add(id(blocks[i]))
    return out


# a table's column that names who acts in each row
_ROLE_HEADER = re.compile(r"(?:roles?|who|party|parties|actor|responsible( party)?|owner|"
                          r"responsibility of|accountable)", re.I)


def _row_role(block: Block) -> str | None:
    """The party a row's role column names ("Level | Role | Responsibilities" / "1 |
    Maintainer | Participate in votes; ..."): who does what the row's cells order."""
    role = next((cell for header, cell in zip(block.headers, block.cells, strict=False)
                 if _ROLE_HEADER.fullmatch(header.strip()) and 0 < len(cell.split()) <= 4), None)
    return role.strip(" *_`").lower() if role is not None else None


# a control catalogue's record line ("Control: ISM-0252; Revision: 8; Updated: Mar-25;
# Applicable: NC, OS, P, S, TS; Essential 8: N/A"): three or more "Key: value" pairs, then
# perhaps the control's own sentence run on after it
_RECORD = re.compile(r"^(?P<key>[A-Z][\w/.-]*(?: [\w/.-]+){0,3}): [^;:]{1,60}"
                     r"(?:; [A-Z][\w/.-]*(?: [\w/.-]+){0,3}: [^;:]{1,60}){1,}; "
                     r"[A-Z][\w/.-]*(?: [\w/.-]+){0,3}: [^\s;:]+(?:, [^\s;:]+)*"
                     r"(?:\s+(?P<rest>[A-Z(\"“].*))?$", re.S)
_CONTROL_KEYS = {"control", "requirement", "control id", "requirement id"}


def _controls(blocks: list[Block]) -> tuple[list[Block], set[int]]:
    """The blocks without their record lines, and the ids of the blocks a record marks as a
    control ("Control: ISM-0252; Revision: 8; ..." over "Cybersecurity awareness training is
    undertaken annually by all personnel"): a catalogue states its controls in the present
    tense, each a requirement, so they take a duty's force where their own words say none."""
    out: list[Block] = []
    controls: set[int] = set()
    marked = False  # the record line before stood alone: it marks the next block
    for block in blocks:
        record = _RECORD.match(block.text) if block.type != BlockType.heading else None
        if record is None:
            if marked and block.type != BlockType.heading:
                controls.add(id(block))
            out.append(block)
            marked = False
            continue
        control = record.group("key").lower() in _CONTROL_KEYS
        rest = record.group("rest")
        marked = control and not rest
        if rest:
            kept = block.model_copy(update={"text": rest})
            out.append(kept)
            if control:
                controls.add(id(kept))
    return out, controls


# a task-list item's check box ("- [ ] Priority is set by the Product Owner", "[x] Tests pass")
_CHECK_BOX = re.compile(r"^\[[ xX]\]\s+")


def _task_items(blocks: list[Block]) -> tuple[list[Block], set[int]]:
    """The blocks with the check boxes of task-list items taken off, and the ids of those items:
    a checklist ("A ticket is done when it meets all of the following criteria.") states each
    criterion in the present tense, a requirement, as a catalogue's control is."""
    out: list[Block] = []
    tasks: set[int] = set()
    for block in blocks:
        box = _CHECK_BOX.match(block.text) if block.type == BlockType.list_item else None
        if box is not None:
            block = block.model_copy(update={"text": block.text[box.end():]})
            tasks.add(id(block))
        out.append(block)
    return out, tasks


def fill_actors(document: PolicyDocument) -> None:
    """A norm whose words name nobody ("Secrets must be stored safely", "Sponsored by two
    reviewers") binds the party its section's norms name most often, else the document's: the
    addressee a reader takes it to speak to."""
    overall = _main_actor(document.policies())
    for section in document.all_sections():
        main = _main_actor(section.policies) or overall
        for policy in section.policies:
            if policy.actor is None and _is_norm(policy.modality):
                policy.actor = main


def _main_actor(policies: list[Policy]) -> str | None:
    counts = Counter(p.actor for p in policies
                     if p.actor and _is_norm(p.modality) and not is_pronoun_actor(p.actor)
                     and names_party(p.actor))
    return counts.most_common(1)[0][0] if counts else None


def _is_norm(modality: Modality) -> bool:
    """Whether a statement of this modality states a norm (not a fact or a definition)."""
    return modality not in (Modality.informational, Modality.definition)


def _states_norm(clause: Clause) -> bool:
    """Whether a clause's own words say a norm (a modal or frame word, not a definition)."""
    return clause.explicit and _is_norm(clause.modality)


# a heading's number: "8. ", "2.1 ", "(a) ", "§ 327.19 "
_NUMBER = re.compile(rf"^\s*(?:{SECTION_SIGN_NUMBER}|\(?(?:\d{{1,3}}|[a-z])(?:\.\d+)*[.)]|"
                     r"\d{1,3}(?:\.\d+)+)\s+")
_TOPIC_HEADING = re.compile(r"^(what|how|when|where|why|who|which|\w+ing)$", re.I)


def states_rule(clause: Clause, heading: str) -> bool:
    """Whether a heading is itself a rule ("8. Plugins may not send executable code via
    third-party systems.", "Keep code (mostly) human readable."): a sentence with a party that
    says a norm in words, or any norm ended with a full stop; not a question or a lead-in."""
    text = heading.rstrip()
    words = _NUMBER.sub("", text).split()
    if text.endswith((":", "?")) or not _is_norm(clause.modality) or len(words) < 3 \
            or _TOPIC_HEADING.match(words[0]):
        return False
    if text.endswith("."):
        return clause.explicit or clause.imperative
    if _NUMBER.match(text) and clause.explicit and clause.passive:
        return True  # "1. Removal of packages should be avoided": a numbered rule
    return _states_norm(clause) and clause.actor is not None and not clause.imperative and \
        clause.action is not None  # not "Loomio may on Coordinator approval"


def _units(block: Block) -> list[str]:
    """What the parser reads of a block: its sentences; a table row's cells; a heading whole."""
    if block.type == BlockType.heading:
        return [block.text]
    if block.type == BlockType.table_row:
        return [c for c in block.cells if c]
    return split_sentences(block.text)


def _run_in_terms(blocks: list[Block], units: list[list[str]]) -> list[list[str]]:
    """Under a definitions heading, a paragraph that opens with its term as a sentence of its
    own ("Area. A discrete, specifically delineated space ...") is one entry: the term and its
    first sentence are read together."""
    candidates: list[int] = []
    glossary = False
    for i, (block, unit) in enumerate(zip(blocks, units, strict=True)):
        if block.type == BlockType.heading:
            glossary = bool(_GLOSSARY.search(block.text))
        elif glossary and len(unit) > 1 and _BARE_TERM.match(unit[0]) and \
                f"{unit[0]} {unit[1]}" in block.text:
            candidates.append(i)
    terms = {i for i, doc in zip(candidates, parse(units[i][0] for i in candidates),
                                 strict=True)
             if not any(t.pos_ in ("VERB", "AUX") for t in doc)}  # not "Disclosure requires X."
    return [[f"{unit[0]} {unit[1]}", *unit[2:]] if i in terms else unit
            for i, unit in enumerate(units)]


def resolve_refs(document: PolicyDocument) -> None:
    """Replace a reference whose name is a section title of the document by that section's ID;
    other names (documents elsewhere) are kept as written."""
    titles = {title_key(s.title): s.id for s in document.all_sections()}
    for policy in document.policies():
        policy.refs = [titles.get(title_key(REF_SUFFIX.sub("", name)),
                                  titles.get(title_key(name), name)) for name in policy.refs]


def _head_word(actor: str) -> str:
    """The last word of an actor, singular ("voting members" -> "member")."""
    word = actor.split()[-1].lower()
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


class _TreeBuilder:
    """Keeps a stack of open sections while blocks stream in."""

    def __init__(self, doc_id: str, clauses: dict[str, list[Clause]], reader: str | None,
                 settings: Settings):
        self.doc_id = doc_id
        self.settings = settings
        self.clauses = clauses
        self.reader = reader  # whom the document addresses ("you"), for inherited norms
        self.roots: list[Section] = []
        self.stack: list[Section] = []
        self.section_ids: set[str] = set()
        self.policy_ids: set[str] = set()
        self.in_preamble = False
        # open lead-ins, outermost first: force, statement, list depth (-1: a paragraph)
        self.lead_ins: list[tuple[Force | None, Policy, int]] = []
        self.flat: set[str] = set()  # lead-ins whose items came out as their siblings
        self.actors: list[str] = []  # actors named so far under the current heading
        self.procedure: Force | None = None  # "The process is as follows." under this heading
        self.headings: list[Force | None] = []  # the force of each open section's heading
        self.roles: list[str | None] = []  # the party each open section's heading names
        self.named: set[str] | None = None  # head words of the actors of stated norms
        self.offices: set[str] = set()  # roles named by a heading with an office code
        self.duty_roles: set[str] = set()  # roles named by a heading of duties
        self.ordinal: dict[str, int] = {}
        self.next_suffix: dict[str, int] = {}
        # statements a rule reads as no norm on purpose (an example, a goal, a run-in title, a
        # lead-in to sections): the second reading leaves them alone
        self.settled: set[str] = set()
        self.control = False  # the block being added is a control of a catalogue (a duty)
        self.sample = False  # the block being added judges a sample beside its opposite

    def add(self, block: Block, units: list[str], following: Block | None,
            control: bool = False, sample: bool = False) -> None:
        """Read one block into the tree (``control``: a catalogue's record line marked it;
        ``sample``: a verdict on a sample, beside its opposite)."""
        self.control, self.sample = control, sample
        if block.type == BlockType.heading:
            if self.in_preamble:  # text before the first heading is a sibling, not a parent
                self.stack, self.headings, self.roles, self.in_preamble = [], [], [], False
            own = self.clauses[block.text][0] if block.text in self.clauses else None
            section = self._open(block.text, block.level,
                                 heading_force(block.text, own, self.settings.heading_force))
            self.lead_ins, self.actors, self.procedure = [], [], None
            if own is not None and states_rule(own, block.text):
                self.ordinal[section.id] = 1
                section.policies.append(self._policy(own, block, section.id, 1))
            return
        if not self.stack:
            self.in_preamble = True
            self._open(PREAMBLE, 1, None)
        section = self.stack[-1]
        self.ordinal[section.id] = paragraph = self.ordinal.get(section.id, 0) + 1
        depth = block.level if block.type in _ENTRY_TYPES else -1
        aside = block.type in (BlockType.paragraph, BlockType.list_item) and \
            _WORKED_EXAMPLE.match(block.text) is not None
        while self.lead_ins and not aside and (
                depth <= self.lead_ins[-1][2] or self.lead_ins[-1][1].id in self.flat
                and block.type in _ENTRY_TYPES and not _FRAGMENT.match(block.text)):
            self.lead_ins.pop()  # a sibling of the lead-in's item closes it
        policies = self._policies(block, units, section, paragraph)
        self._context_definitions(policies, section)
        announces = following is not None and following.type in _ENTRY_TYPES and \
            following.level > depth
        # a list flattened in conversion: "No party may:" then, as its siblings, the items that
        # finish it in lower case ("give or promise any advantage ...;")
        flat = not announces and following is not None and block.type == BlockType.list_item \
            and following.type == BlockType.list_item and following.level == depth and \
            block.text.rstrip().endswith(":") and _FRAGMENT.match(following.text) is not None
        announces = announces or flat
        if policies and not announces and _SAMPLE_ORDER.match(policies[-1].text.strip()):
            policies[-1].modality, policies[-1].negated = Modality.informational, False
            self._settle(policies[-1])
        if policies and following is not None and following.type == BlockType.heading and \
                policies[-1].text.rstrip().endswith(":"):
            self._announce_sections(policies[-1])
        if policies and announces and (ends_lead_in(policies[-1].text) or ends_lead_in(
                block.text)):  # "... shall be filed and shall include:" split in two clauses
            if flat:  # its items sit at its own depth: the lead-in counts one above it
                self.flat.add(policies[-1].id)
            lead, earlier = policies[-1], policies[:-1]
            if earlier and lead.text[:1].islower() and names_items(earlier[-1].text) and \
                    not names_items(lead.text):  # "Each body can only include the following
                lead, earlier = earlier[-1], earlier[:-1]  # parts, and cannot have X:": the
                # items are what the clause that names them gives
            self._start_lead_in(lead, following, earlier, depth - 1 if flat else depth)
        elif block.type not in _ENTRY_TYPES and not aside:
            self.lead_ins = []
        if block.type not in _ENTRY_TYPES and any(announces_steps(p.text) for p in policies):
            self.procedure = Force(Modality.obligation, False, None, [], steps=True)
        section.policies.extend(policies)

    def _announce_sections(self, policy: Policy) -> None:
        """A statement ending in ':' before a heading announces the sections below; one that
        orders ("Please check for the following types of errors:") hands its force to their
        items, as a heading that gives none would. A rule with its own modal that announces
        nothing ("... may be prefixed with an underscore:" over a "Right:" heading) keeps its
        force."""
        clause = self.clauses.get(policy.text)
        single = clause[0] if clause and len(clause) == 1 else None
        if single is not None and single.explicit and single.modality != Modality.informational \
                and not _ANNOUNCING.search(policy.text):
            return  # a rule, then its samples under labels ("... may be prefixed with an
            # underscore:" then "Right:"), announces no section
        force = lead_in_force(single, policy.text) if single is not None else None
        if force is not None and force.modality in (Modality.obligation, Modality.prohibition) \
                and not force.examples and self.headings and self.headings[-1] is None:
            self.headings[-1] = force._replace(actor=force.actor or self.reader, across=True)
        policy.modality = Modality.informational
        self._settle(policy)

    def _policies(self, block: Block, units: list[str], section: Section,
                  paragraph: int) -> list[Policy]:
        if block.type == BlockType.table_row:
            return [self._row(block, units, section.id, paragraph)]
        entry = self.settings.entry_definitions and (
            block.type in _ENTRY_TYPES or key_value(block.text) is not None)
        force = self._force(block)
        if _EXAMPLE_BLOCK.match(block.text) or self.sample:  # "Example 2: An employee ..."
            force = Force(Modality.informational, False, None, [], examples=True)
        out: list[Policy] = []
        for n, unit in enumerate(units):
            title = self._clauses(unit, first=True)[0] if n == 0 and len(units) > 1 and \
                block.type == BlockType.paragraph and is_run_in_title(unit) else None
            if title is not None and (not title.imperative or len(unit.split()) > 1):
                # "**Venue.** We ask that you ...", "Use Restrictions. You agree not to ...": a
                # title ("Listen." is an order; an item's title under "The following are
                # prohibited:" names what is banned)
                out.append(self._settle(self._policy(title._replace(
                    modality=Modality.informational, explicit=False, negated=False, actor=None,
                    action=None), block, section.id, paragraph)))
                continue
            for clause in self._clauses(unit, first=n == 0):
                settled = False
                # a lead-in reaches the first statement of an item; later ones speak for
                # themselves
                if force is not None and force.examples:
                    if not (block.type in _ENTRY_TYPES and self.lead_in is force and
                            _states_norm(clause) and not clause.imperative):
                        # an example item that says a norm in its own words ("The code
                        # should compile cleanly") keeps it
                        clause = clause._replace(modality=Modality.informational,
                                                 explicit=False)
                        settled = True
                elif force is not None and force.modality == Modality.definition and \
                        n == 0 and not out and block.type in _ENTRY_TYPES:
                    # the items of "X includes:" define X, whatever their own words say; an
                    # order ("Key things to remember include:" / "Test the service") stays one
                    if not (clause.imperative or _states_norm(clause)):
                        clause = clause._replace(modality=Modality.definition, actor=None,
                                                 action=None)
                elif force is not None and force.as_conditions and n == 0 and not out:
                    self._attach_condition(clause.text)
                    clause = clause._replace(modality=Modality.informational, explicit=False)
                elif n == 0 and not out:
                    clause = self._inherit(clause, unit, force, entry)
                elif force is not None and force.steps and \
                        clause.modality == Modality.informational and not clause.text.endswith("?"):
                    clause = inherit(clause, force, entry=False)  # each step of a procedure
                if block.type in _ENTRY_TYPES and clause.imperative and \
                        names_goals(section.title):  # "Goals" / "Reward ongoing contributions"
                    clause = clause._replace(modality=Modality.informational, explicit=False,
                                             negated=False)
                    settled = True
                policy = self._policy(clause, block, section.id, paragraph)
                out.append(self._settle(policy) if settled else policy)
        return out

    def _settle(self, policy: Policy) -> Policy:
        """Mark a statement a rule read as no norm on purpose (see ``settled``)."""
        self.settled.add(policy.id)
        return policy

    def _clauses(self, unit: str, first: bool) -> list[Clause]:
        """The clauses of a sentence; of a ``Key: value`` line, those of its value, the first
        one given back the key so the statement stays verbatim."""
        parts = entry_parts(unit) if first else None
        if parts is None or not parts[1].strip():
            return self.clauses[unit]
        head, value, _ = parts
        found = self.clauses[value]
        capital = self.clauses[_as_sentence(head, value)]
        if capital[0].imperative and not found[0].imperative and found[0].actor is None and \
                capital[0].text.startswith(value[:1].upper()):  # no subject in lower case
            found = [capital[0]._replace(text=value[:1] + capital[0].text[1:]), *capital[1:]]
        return [found[0]._replace(text=head + found[0].text), *found[1:]]

    def _inherit(self, clause: Clause, unit: str, force: Force | None, entry: bool) -> Clause:
        """The first statement of a block with its key's, lead-in's or heading's force."""
        parts = entry_parts(unit)
        if parts is not None and (is_contact(parts[1]) or is_metadata(parts[0], parts[1])):
            # "Email: privacy@justice.gov.uk", "Source: ...", "Last updated: May 2026"
            return clause._replace(modality=Modality.informational, explicit=False, actor=None)
        own = parts[2] if parts is not None else None
        clause = inherit(clause, own or force, entry and parts is not None)
        if self.control and own is None and clause.negated and \
                clause.modality == Modality.obligation:  # "Foreign nationals do not have access
            clause = clause._replace(modality=Modality.prohibition)  # to X": they must not
        if (own or force) is not None and clause.actor is None and clause.explicit and \
                clause.modality != Modality.definition:
            clause = clause._replace(actor=self.reader)
        return clause

    def _force(self, block: Block) -> Force | None:
        """A control's duty, unless a lead-in's force reaches the item; the lead-in's force for a
        list item; else the nearest force heading's for items and ``Key: value`` lines."""
        heading = next((f for f in reversed(self.headings) if f is not None), None)
        lead_in = self.lead_in if block.type in _ENTRY_TYPES else None
        if self.control and lead_in is None:
            return Force(Modality.obligation, False, None, [])
        if lead_in is not None and lead_in.modality == Modality.informational and \
                heading is not None and not lead_in.as_conditions:
            return heading._replace(actor=lead_in.actor or heading.actor)  # "Not OK" + "You:"
        if lead_in is not None:
            return lead_in
        if block.type in _ENTRY_TYPES and self.procedure is not None:
            return self.procedure  # "The process is as follows." then its steps
        if block.type in _ENTRY_TYPES or key_value(block.text) is not None:
            return heading
        return None

    @property
    def lead_in(self) -> Force | None:
        """The force of the innermost open lead-in that gives one."""
        return next((force for force, _, _ in reversed(self.lead_ins) if force is not None),
                    None)

    @property
    def lead_in_policy(self) -> Policy | None:
        return self.lead_ins[-1][1] if self.lead_ins else None

    def _start_lead_in(self, policy: Policy, following: Block | None,
                       before: list[Policy], depth: int) -> None:
        """What the statement ending in ':' hands to the items after it: examples stay
        informational; fragments ("race,", "or age.") complete the lead-in's own norm; "This
        includes:" after a norm hands on that norm ("You must bill X. This includes:")."""
        clause = self.clauses.get(policy.text)
        force = relative_force(clause[0], policy.text, self.reader) if clause else None
        if force is None and clause and len(clause) == 1:
            force = lead_in_force(clause[0], policy.text)
        if force is not None and clause and clause[0].imperative and not clause[0].explicit \
                and policy.modality not in (clause[0].modality, Modality.informational):
            # "No employee shall:" / "(2) engage in work for a person engaged in:" / "(i) X":
            # the item took its own lead-in's force, and hands that on
            force = Force(policy.modality, policy.negated, policy.actor, list(policy.conditions))
        if force is not None and clause and force.actor and force.actor == clause[0].actor and \
                policy.actor and policy.actor.endswith(" " + force.actor):
            force = force._replace(actor=policy.actor)  # "Such employees may:" resolved
        norm = next((p for p in reversed(before) if p.modality != Modality.informational), None)
        if force is not None and force.modality == Modality.definition and norm is not None \
                and refers_back(policy.text) and norm.modality != Modality.definition:
            force = Force(norm.modality, norm.negated, norm.actor, list(norm.conditions))
        # "Developers must not do anything dishonest. [...] This includes the following
        # examples:": the examples are the banned acts (a plain "This includes:" after a
        # paragraph of its own defines the banned conduct instead, as the labels read it)
        prior = norm or next((p for p in reversed(self.stack[-1].policies[-3:])
                              if p.modality != Modality.informational), None)
        banned = prior is not None and prior.modality == Modality.prohibition and \
            refers_back(policy.text) and is_example_lead_in(policy.text)
        if banned and prior is not None:
            force = Force(prior.modality, prior.negated, prior.actor, list(prior.conditions))
        if (force is None or force.modality == Modality.informational) and norm is not None \
                and norm.modality != Modality.definition and _IMPLIES.match(policy.text.strip()):
            # "We recommend that organisations adopt X. At a very minimum this would imply
            # that:": the items are what the norm before asks
            force = Force(norm.modality, norm.negated, norm.actor, list(norm.conditions))
        if (force is None or force.modality == Modality.informational) and before and \
                names_ways(policy.text, before[-1].text):
            force = Force(Modality.informational, False, None, [], options=True)
        if force is None:
            force = Force(policy.modality, policy.negated, policy.actor, list(policy.conditions))
            if policy.modality == Modality.informational:
                force = None
        own = clause[0] if clause else None
        judged = judged_force(policy.text)
        if judged is not None and (own is None or not _states_norm(own)):
            force = judged  # "Examples of unacceptable behaviour include:"
        elif (is_example_lead_in(policy.text) and not (own is not None and _states_norm(own))
              or opens_with_examples(policy.text, own)) and not banned:
            # "For example:" illustrates; "Such employees may, for example:" lists norms
            force = Force(Modality.informational, False, None, [], examples=True)
        elif is_reasons_lead_in(policy.text) or _SUCH_AS.search(policy.text) and \
                own is not None and _states_norm(own) and own.modality != Modality.prohibition:
            # the items explain ("for the following reasons:") or name examples of the norm's
            # object ("using boundary controls, such as:"); the lead-in keeps its norm (not
            # "We will not accept behaviours such as:", whose items are the banned acts)
            self.lead_ins.append((Force(Modality.informational, False, None, [], examples=True),
                                  policy, depth))
            return
        elif following is not None and is_fragment(following.text, policy.text) and \
                force is not None and force.modality != Modality.definition and \
                not any(c.imperative for c in self.clauses.get(following.text, [])):
            # not "respect other users;" under "All visitors are expected to:": an act
            force = force._replace(as_conditions=True)
        inherited = depth >= 0 and self.lead_in is not None and \
            policy.modality != Modality.informational  # an item under a norm's lead-in
        if (inherited or self.control and policy.modality != Modality.informational) and \
                force is not None and force.modality == Modality.definition:
            # "(C) Periodic reviews of X, including -" under "shall provide for:": its items
            # are parts of the same duty
            force = Force(policy.modality, policy.negated, policy.actor, [])
        if depth < 0 and following is not None and following.type in _ENTRY_TYPES:
            depth = following.level - 1  # a paragraph over items of depth 2 ("1.2.1."): an
            # item of depth 1 ("2.3.") after them is no longer the paragraph's
        self.lead_ins.append((force, policy, depth))
        glossed = policy.modality == Modality.definition and key_value(policy.text) is not None
        if force is not None and not force.as_conditions and not inherited and not glossed \
                and not keeps_its_norm(force, policy.text):
            # its norm moves to the items; a glossary entry ("Root CA System: A system used
            # to:") still defines its term; "X should be addressed in one of the following
            # ways:" keeps its duty, its items are the ways
            policy.modality = Modality.informational

    def _attach_condition(self, text: str) -> None:
        """An item under "... unless:" is an exception of the lead-in's norm."""
        if self.lead_in_policy is None:
            return
        target = (self.lead_in_policy.exceptions if is_exception_lead_in(self.lead_in_policy.text)
                  else self.lead_in_policy.conditions)
        target.append(text.rstrip(" ;,."))

    def _row(self, block: Block, cells: list[str], section_id: str, paragraph: int) -> Policy:
        """A table row: the first cell that says a force in words; else a cell that is a force
        word ("Allowed", "Not permitted"); else the lead-in's or heading's force."""
        analysed = [c for cell in cells for c in self.clauses[cell]]
        clause = self._row_clause(block, cells, analysed)
        policy = self._policy(clause._replace(text=block.text), block, section_id, paragraph)
        policy.headers = list(block.headers)
        return policy

    def _row_clause(self, block: Block, cells: list[str], analysed: list[Clause]) -> Clause:
        # "Keyboard | $250" under "reimbursable amount"; a retention schedule's row: keep the
        # record (of the role a column names)
        column = next((f for header, cell in zip(block.headers, block.cells, strict=False)
                       if (f := allowance_force(header, cell)) is not None), None) or \
            retention_force(list(block.headers), list(block.cells))
        if column is not None and analysed:
            return analysed[0]._replace(modality=column.modality, explicit=False,
                                        negated=False, actor=column.actor or self.reader)
        own = next((c for c in analysed if c.explicit and c.modality != Modality.definition),
                   None)
        force = next((f for header, cell in zip(block.headers, block.cells, strict=False)
                      if (f := answer_force(header, cell)) is not None), None)
        if own is None and force is None:  # "Verify that X" in a cell, with no yes/no answer
            own = next((c for c in analysed if c.imperative and c.modality not in (
                Modality.definition, Modality.informational)), None)
        for cell in cells:
            force = force or heading_force(cell, None, self.settings.heading_force)
        base = analysed[0] if analysed else None
        if own is None and base is not None:
            own = inherit(base, force or self._force(block), entry=False)
        clause = own or base
        assert clause is not None
        role = _row_role(block)
        if role is not None and clause.actor in (None, "you", self.reader) and \
                clause.modality != Modality.informational:
            clause = clause._replace(actor=role)
        return clause

    def _context_definitions(self, policies: list[Policy], section: Section) -> None:
        """A sentence after "What is X?", the first one under a glossary heading, or one there
        that opens with a quoted term ('"City", the city of X.'), defines."""
        parent = self.stack[-2] if len(self.stack) > 1 else None
        glossary = parent is not None and bool(_GLOSSARY.search(parent.title))
        for i, policy in enumerate(policies):
            if policy.modality != Modality.informational or policy.text.endswith("?"):
                continue
            asked = _WHAT_IS.match(policies[i - 1].text) if i else None
            if asked:
                policy.modality, policy.terms = Modality.definition, [asked.group(1)]
            elif glossary and not section.policies and i == 0:
                policy.modality, policy.terms = Modality.definition, [section.title]
            elif i == 0 and _GLOSSARY.search(section.title) and \
                    (term := _RUN_IN_TERM.match(policy.text)):
                policy.modality, policy.terms = Modality.definition, [term.group(1)]
            elif _GLOSSARY.search(section.title) and \
                    (term := _QUOTED_OPENING.match(policy.text)):  # '"City", the city of X.'
                policy.modality, policy.terms = Modality.definition, [term.group(1).strip()]

    def _open(self, title: str, level: int, force: Force | None) -> Section:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
            self.headings.pop()
            self.roles.pop()
        section = Section(id=self._unique(f"{self.doc_id}/{slugify(title)}", self.section_ids),
                          title=title, level=level)
        (self.stack[-1].children if self.stack else self.roots).append(section)
        self.stack.append(section)
        self.headings.append(force)
        self.roles.append(self._role(title))
        return section

    def _role(self, title: str) -> str | None:
        """The party a heading names, if the document also names it as the actor of a norm it
        states in words ("Reviewer" over "Reviewers are able to ..."; not "Loaners")."""
        role = role_of(title) if title != PREAMBLE else None
        if role is None:
            return None
        if self.named is None:
            self.named = {_head_word(c.actor) for found in self.clauses.values() for c in found
                          if c.actor and _states_norm(c)}
        if is_coded_unit(title):  # "1.5. Officer Accessions Branch (AFPC/DPSIP)."
            self.offices.add(role)
            return role
        if names_duties(title):
            self.duty_roles.add(role)
            return role
        return role if _head_word(role) in self.named else None

    def _antecedent(self, actor: str | None, text: str) -> str | None:
        """The actor a statement names again with "such" or "these" ("Such employees may:"
        after "Less restricted federal employees may engage in ..."): the latest actor under
        the same heading with the same head noun and more words; for "they", "he or she",
        the latest actor under the heading."""
        if actor is None:
            return None
        if is_pronoun_actor(actor):  # "They can ...": the party named last under the heading
            return next((a for a in reversed(self.actors) if not is_pronoun_actor(a)
                         and a not in ("you", "we", "i")), actor)
        if re.search(rf"\b(such|these|those|the same)\s+{re.escape(actor)}\b", text, re.I):
            head = actor.split()[-1]
            found = next((a for a in reversed(self.actors)
                          if a.split()[-1] == head and len(a) > len(actor)), None)
            actor = found or actor
        self.actors.append(actor)
        return actor

    def _policy(self, clause: Clause, block: Block, section_id: str, paragraph: int) -> Policy:
        pid = self._unique(policy_id(self.doc_id, clause.text), self.policy_ids)
        modality = clause.modality
        role = next((r for r in reversed(self.roles) if r is not None), None)
        if role is not None and _is_norm(modality) and (
                clause.actor is None and not (clause.passive and role in self.offices)
                or clause.imperative and clause.actor in (None, "you", self.reader)
                or is_pronoun_actor(clause.actor)
                or role in self.duty_roles and clause.actor == self.reader and not clause.imperative
                and not speaks_to_reader(clause.text)):
            # "Reviewer" > "Focus on code quality"; an order under a lead-in that names its
            # party keeps it ("Committers wanting to become maintainers are expected to:");
            # under "Responsibilities of the Users" a norm on a thing ("Protective devices must
            # not be removed") is the users', not the reader's the document may address
            clause = clause._replace(actor=role)
        clause = clause._replace(actor=self._antecedent(clause.actor, clause.text))
        return Policy(id=pid, text=clause.text, modality=modality, section_id=section_id,
                      form=_FORMS[block.type], question=block.question,
                      span=Span(start_line=block.start_line, end_line=block.end_line),
                      paragraph=paragraph, actor=clause.actor,
                      negated=clause.negated and modality != Modality.informational,
                      action=clause.action, conditions=list(clause.conditions),
                      exceptions=list(clause.exceptions), refs=refs_of(clause.text),
                      terms=terms_of(clause.text, modality))

    def _unique(self, candidate: str, taken: set[str]) -> str:
        """``candidate``, else ``candidate-2``, ``-3``...; the next suffix to try is remembered
        so a title repeated thousands of times stays linear."""
        n = self.next_suffix.get(candidate, 2)
        name = candidate
        while name in taken:
            name, n = f"{candidate}-{n}", n + 1
        self.next_suffix[candidate] = n
        taken.add(name)
        return name
