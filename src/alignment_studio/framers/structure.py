"""From blocks to a section tree of individual policies with stable IDs and modalities.

Policy IDs are ``<section id>/p-<hash>``, the hash taken over the statement's normalised text:
re-parsing unchanged text gives the same IDs, and editing one paragraph changes only the IDs of
the statements inside it.

A block is split into sentences, and a sentence carrying two norms ("You must lock your screen
and you must not share your password.", "Employees must X; contractors must Y.") into clauses.
A statement's ``text`` is always a verbatim piece of the source: a list item under a lead-in
("You must never:") stores only the item's text, and takes its modality, actor and conditions
from the lead-in, whose own statement becomes informational (its norm lives in the items).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from alignment_studio.core.text import text_hash
from alignment_studio.framers.blocks import Block, BlockType, RawDocument
from alignment_studio.types import Form, Modality, Policy, PolicyDocument, Section, Span

PREAMBLE = "Preamble"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“'(]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"\b(ex|e\.g|i\.e|cf|vs|no|approx|incl)\.$", re.I)
_DEFINED_TERM = re.compile(r"[\"“]([^\"”]{2,60})[\"”]\s+(?:means|refers to|is defined as)")
_QUOTED_TERMS = re.compile(r"^(?:an?\s+|the\s+)?[\"“]([^\"”]{2,60})[\"”]"
                           r"(?:\s+or\s+[\"“]([^\"”]{2,60})[\"”])?", re.I)
_SUBJECT_TERM = re.compile(r"^(?:the\s+)?([\w()' /-]{2,50}?)\s+(?:is|are)\s+"
                           r"(?:when|defined as|considered)\b|^(?:the\s+)?([\w()' /-]{2,50}?)\s+"
                           r"(?:means|refers to)\b", re.I)
_WHAT_IS = re.compile(r"^what (?:is|are) (?:an? |the )?(.{2,60}?)\?$", re.I)
_GLOSSARY = re.compile(r"\b(glossary|definitions?|terms)\b", re.I)

_MODALS = (r"must|shall|should|may|might|can(?:not)?|can't|could|need|needs|have to|has to|"
           r"(?:is|are)(?: not)? (?:required|expected|entitled|allowed|permitted|responsible|"
           r"encouraged|prohibited|forbidden)")
# A subject of up to seven words (parentheticals allowed) right before a modal verb.
_SUBJECT_MODAL = re.compile(
    r"^(?!(?:even|if|when|whenever|while|unless|because|although|though|since|so|and|but|or|"
    r"as|once|before|after)\b)(?P<np>[a-z0-9][\w’'/-]*(?:\s+(?:\([^)]*\)|[\w’'/-]+)){0,6}?)\s+"
    r"(?:(?:will|would)\s+)?(?:(?:still|only|also|always|never|not|then)\s+)*"
    rf"(?:{_MODALS})\b", re.I)
_CONNECTOR = (r"(?:(?:or|and|but|so|also|just|then|first|however|generally|remember|please note"
              r"(?: that)?|note that|please)[,:]?\s+)")
_SUBORDINATE = (r"(?:if|when|whenever|for|to|as soon as|as|once|before|after|while|instead of|"
                r"in case of|in the event of|any time|during)")
_OBLIGATION_VERBS = (
    r"report|use|disclose|ensure|notify|contact|keep|protect|follow|submit|obtain|consult|"
    r"complete|review|request|ask|lock|store|return|tell|remove|delete|encrypt|enable|turn on|"
    r"change|reset|sign|declare|record|include|email|send|wait|check|add|install|set up|call|"
    r"phone|mark|click|pick|choose|be sure|make sure|start|inform|provide|update|verify|"
    r"confirm|save|share|post|get|apply|attach|accept|give|put|open|close|escalate|document")
_RECOMMENDATION_VERBS = r"try|consider"
_IMPERATIVE = re.compile(
    rf"^{_CONNECTOR}*(?:{_SUBORDINATE}\b[^;]*?,\s+{_CONNECTOR}*)?"
    rf"(?P<verb>{_OBLIGATION_VERBS}|{_RECOMMENDATION_VERBS})\b|:\s+(?P<colon>{_OBLIGATION_VERBS})\b",
    re.I)

# Order matters: the first modality whose pattern matches wins.
_MODALITY_PATTERNS: list[tuple[Modality, re.Pattern[str]]] = [
    (Modality.definition, re.compile(  # a short (quoted) term at the start, or a quoted term
        r"^(the )?[\"“']?[\w'-]+(\s+[\w'-]+){0,4}[\"”']?\s+(means(?! of)|refers to|is defined as|"
        r"are defined as|is when|are when)\b|[\"“][^\"”]{2,60}[\"”]\s+(means|refers to|"
        r"is defined as)\b|^(an? |the )?[\"“][^\"”]{2,60}[\"”]( or [\"“][^\"”]{2,60}[\"”])?"
        r"\s+(is|are)\b|^means\b|^[\w' -]{2,60}\bis considered\b", re.I)),
    (Modality.permission, re.compile(  # negated duties and explicit "OK" beat later keywords
        r"\b((is|are|am) not (required|obliged|expected) to|(do|does)(n't| not) (have|need) to|"
        r"(it's|it is) (always |totally |perfectly )?(ok|okay|fine|acceptable) to|go for it)\b",
        re.I)),
    (Modality.prohibition, re.compile(
        r"\b(must not|must never|may not|shall not|can ?not|can't|"
        r"(do not|don't)(?!\s+(want|expect|need|have to|worry)\b)|"
        r"are not (allowed|permitted)|is not (allowed|permitted)|not be (used|shared|disclosed)|"
        r"(is|are) (strictly )?(prohibited|forbidden)|prohibits?|no one may)\b"
        r"|(^|[,:;]\s*|\b(must|shall|may|should|can|you|please|and|so)\s+)never\b", re.I)),
    (Modality.obligation, re.compile(
        r"\b(must|shall|required|requires?|requirements?|have to|has to|need to|needs to|"
        r"will need|'ll (still )?need|(is|are) expected to|(is|are) responsible for|always|"
        r"(it's|it is) (critical|important|essential|vital|mandatory) (to|that)|"
        r"the only (approved|permitted|allowed|authorized))\b", re.I)),
    (Modality.recommendation, re.compile(
        r"\b(should|encourage[sd]?|recommend(s|ed)?|best practice|consider|avoid)\b", re.I)),
    (Modality.permission, re.compile(
        r"\b(may|can|you could|(is|are) (permitted|allowed|entitled) to|(is|are) free to|"
        r"it is fine to|it is acceptable to)\b", re.I)),
]

_CONDITION_WORDS = (r"if|when|whenever|before|after|while|once|as soon as|in case of|"
                    r"in the event (?:of|that)|any time|unless|except")
_CONDITION_LEAD = re.compile(rf"^(?:{_CONDITION_WORDS})\b", re.I)
# A leading adverbial phrase ("If X, ", "To limit this risk, ", "Per OPM guidance, ").
_ADVERBIAL_LEAD = re.compile(rf"^(?:{_CONDITION_WORDS}|to|for|per|in|instead of|as|at|by|"
                             r"following|with|during)\b", re.I)
_CONNECTORS = re.compile(rf"^{_CONNECTOR}*", re.I)
_CONDITION_INLINE = re.compile(
    r"\s(?P<c>(?:if|when|whenever|before|while|once|as soon as|in case of|in the event of|after)"
    r"\s[^,;.()]+)", re.I)
_EXCEPTION = re.compile(
    r"\b(?P<e>(?:unless|except(?: for| when| if| that| where)?|other than|"
    r"with the exception of|excluding)\s[^,;.()]+)", re.I)
_WITHOUT = re.compile(r"\b(?P<e>without\s[^,;.()]+)", re.I)
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:and|but|so)\s+|\s+and\s+(?=\w)", re.I)
_REF = re.compile(
    r"\b(?i:see|refer to|as described in|described in|as defined in|defined in|according to|"
    r"in accordance with|listed in|check out)\s+(?i:the\s+)?(?P<name>(?i:section)\s+[\d.]*\d"
    r"(?:\s+of\s+the\s+[^,;:!?()]+?)?|[A-Z0-9][^.,;:!?()]{2,80}?)"
    r"(?=\s+(?:if|for|to|when|which|that|on|about)\s+(?![A-Z])|[.,;:!?()]|$)")
_REF_SUFFIX = re.compile(r"\s+(policy|section|page|guide|document)$", re.I)


class _LeadIn(NamedTuple):
    """What a lead-in ("Employees must never:") hands to the list items after it."""

    modality: Modality
    actor: str | None
    conditions: list[str]


class _Facts(NamedTuple):
    modality: Modality
    actor: str | None
    conditions: list[str]
    exceptions: list[str]


def classify_modality(text: str) -> Modality:
    """Keyword rules on the main clause: definition, permission by negated duty, prohibition,
    obligation, recommendation, permission; then imperatives; questions are informational."""
    if text.rstrip().endswith("?"):
        return Modality.informational
    explicit = explicit_modality(text)
    if explicit is not None:
        return explicit
    return imperative_modality(text) or Modality.informational


def explicit_modality(text: str) -> Modality | None:
    """The modality a keyword states outright, or None (imperatives have no keyword)."""
    for modality, pattern in _MODALITY_PATTERNS:
        if pattern.search(text):
            return modality
    return None


def imperative_modality(text: str) -> Modality | None:
    """Obligation for "Report X", "If Y, send Z", "...: use Q"; recommendation for "Try X"."""
    match = _IMPERATIVE.search(text)
    if not match:
        return None
    verb = (match.group("verb") or "").lower()
    return Modality.recommendation if verb in {"try", "consider"} else Modality.obligation


def slugify(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "section"


def split_sentences(text: str) -> list[str]:
    """Sentences; a break after an abbreviation ("Ex.") or inside parentheses is undone."""
    out: list[str] = []
    for piece in (s.strip() for s in _SENTENCE_END.split(text)):
        if not piece:
            continue
        if out and (_ABBREVIATION.search(out[-1]) or out[-1].count("(") > out[-1].count(")")):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def split_clauses(sentence: str) -> list[str]:
    """Split a sentence where a second norm with its own subject or imperative starts.

    "; " and ", and|but|so " split when the right side is a norm clause; a bare " and " only
    when both sides are and the right one has its own subject and modal ("..., and you must
    not share"), so "notify X and provide Y" under one modal stays one statement.
    """
    for match in _CLAUSE_BREAK.finditer(sentence):
        left, right = sentence[:match.start()].strip(), sentence[match.end():].strip()
        if not left or not right:
            continue
        bare_and = match.group(0).strip().lower() == "and"
        if _continues_series(left, right):
            continue
        if bare_and:
            if not (_SUBJECT_MODAL.match(right) and _is_norm(left)):
                continue
        elif not _is_norm_clause(right):
            continue
        return [left.rstrip(",;"), *split_clauses(right)]
    return [sentence]


def _continues_series(left: str, right: str) -> bool:
    """True for the last item of a series ("use X, use Y, and use Z"): not a second norm."""
    first = right.split(maxsplit=1)[0].lower()
    verb = re.fullmatch(_OBLIGATION_VERBS, first, re.I) is not None
    return verb and f", {first} " in left.lower()


def _is_norm(text: str) -> bool:
    return classify_modality(text) != Modality.informational


def _is_norm_clause(text: str) -> bool:
    """A clause that can stand alone as a norm: subject + modal, or an imperative."""
    main = _strip_leading_condition(text)
    if _SUBJECT_MODAL.match(main) and _is_norm(main):
        return True
    return bool(re.match(rf"{_CONNECTOR}*(?:do not|don't|never|{_OBLIGATION_VERBS}|"
                         rf"{_RECOMMENDATION_VERBS})\b", main, re.I))


def _strip_leading_condition(text: str) -> str:
    """The main clause after connectors and a leading "If ..., " or "To do X, " phrase: it
    starts at the first comma or dash where a norm clause starts (else the first comma)."""
    text = _CONNECTORS.sub("", text)
    if not _ADVERBIAL_LEAD.match(text):
        return text
    breaks = [m.end() for m in re.finditer(r",\s+|\s+[—–-]\s+", text)]
    for end in breaks:
        rest = _CONNECTORS.sub("", text[end:])
        if _SUBJECT_MODAL.match(rest) or _IMPERATIVE.match(rest) or re.match(
                r"(do not|don't|never|it's|it is|go for it)\b", rest, re.I):
            return rest
    return text[breaks[-1]:] if breaks else text


def conditions_of(text: str) -> list[str]:
    """Clauses that say when a statement applies: "if ...", "when ...", "before ..."."""
    out: list[str] = []
    text = _CONNECTORS.sub("", text)
    main = _strip_leading_condition(text)
    if main != text:
        lead = text[:text.rindex(main)].strip().rstrip(",—–-").strip()
        if _CONDITION_LEAD.match(lead) and not re.match(r"(unless|except)\b", lead, re.I):
            out.append(lead)
    out.extend(m.group("c").strip() for m in _CONDITION_INLINE.finditer(main))
    return out


def exceptions_of(text: str, modality: Modality) -> list[str]:
    """Clauses that say when it does not apply; "without ..." counts only for prohibitions."""
    found = [m.group("e").strip() for m in _EXCEPTION.finditer(text)]
    if modality == Modality.prohibition:
        found += [m.group("e").strip() for m in _WITHOUT.finditer(text)]
    return found


def actor_of(text: str) -> str | None:
    """The subject noun phrase before the modal verb, lowercase; "you" for an imperative."""
    main = _strip_leading_condition(text)
    match = _SUBJECT_MODAL.match(main)
    if match:
        np = re.sub(r"\s*\([^)]*\)", "", match.group("np")).lower()
        np = re.sub(r"['’](ll|d|re|ve)$", "", np)
        np = re.sub(r"^(only|also|all)\s+", "", np).strip()
        return np if np not in {"it", "this", "that", "there"} else None
    negated = re.match(r"(do not|don't|never)\b", main, re.I)
    return "you" if negated or imperative_modality(text) else None


def _main_clause(text: str) -> str:
    """The statement without its conditions and exceptions, for classification."""
    main = _strip_leading_condition(re.sub(r"^\((.*)\)\W*$", r"\1", text.strip()))
    main = re.sub(r"(?<=\w)\s+\([^)]*\)", "", main)  # examples and asides in parentheses
    for match in _EXCEPTION.finditer(main):
        main = main.replace(match.group("e"), " ")
    return main


def facts_of(text: str, lead_in: _LeadIn | None = None) -> _Facts:
    """Modality, actor, conditions and exceptions of one statement, given a lead-in."""
    main = _main_clause(text)
    own = classify_modality(main) if not text.rstrip().endswith("?") else Modality.informational
    modality, actor = own, actor_of(text)
    conditions = conditions_of(text) if own != Modality.definition else []
    if lead_in is not None:
        if lead_in.modality == Modality.prohibition and explicit_modality(main) is None:
            modality = Modality.prohibition  # "share your password" under "You must never:"
        elif own == Modality.informational and not text.rstrip().endswith((".", "!", "?")):
            modality = lead_in.modality  # a fragment ("When you departed") under "log:"
        if _SUBJECT_MODAL.match(main) is None:
            actor = lead_in.actor or actor
        conditions = lead_in.conditions + conditions
    return _Facts(modality, actor, conditions, exceptions_of(text, modality))


def refs_of(text: str) -> list[str]:
    """Names of documents or sections a statement points to ("see the X policy")."""
    return [m.group("name").strip() for m in _REF.finditer(text)]


def terms_of(text: str, modality: Modality) -> list[str]:
    """Terms a definition defines: quoted ones first, else the subject of "X is when ..."."""
    terms = _DEFINED_TERM.findall(text)
    if modality != Modality.definition or terms:
        return terms
    quoted = _QUOTED_TERMS.match(text)
    if quoted:
        return [t for t in quoted.groups() if t]
    subject = _SUBJECT_TERM.match(text)
    found = [t for t in subject.groups() if t] if subject else []
    return [t for t in found if not re.match(r"(this|that|these|those|it)\b", t, re.I)]


def build_document(raw: RawDocument, doc_id: str, source: str, sha256: str,
                   fallback_title: str) -> PolicyDocument:
    """Section tree from headings; statements from paragraphs, items, Q&A and call-outs."""
    blocks = list(raw.blocks)
    title = raw.title
    h1 = [b for b in blocks if b.type == BlockType.heading and b.level == 1]
    if len(h1) == 1 and blocks and blocks[0] is h1[0]:
        title = title or h1[0].text
        blocks = blocks[1:]
    builder = _TreeBuilder(doc_id)
    for i, block in enumerate(blocks):
        builder.add(block, blocks[i + 1] if i + 1 < len(blocks) else None)
    document = PolicyDocument(id=doc_id, title=title or fallback_title, version=sha256[:12],
                              source=source, sha256=sha256, sections=builder.roots)
    resolve_refs(document)
    return document


def resolve_refs(document: PolicyDocument) -> None:
    """Replace a reference whose name is a section title of the document by that section's ID;
    other names (documents elsewhere) are kept as written."""
    titles = {_title_key(s.title): s.id for s in document.all_sections()}
    for policy in document.policies():
        policy.refs = [titles.get(_title_key(_REF_SUFFIX.sub("", name)),
                                  titles.get(_title_key(name), name)) for name in policy.refs]


def _title_key(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


class _TreeBuilder:
    """Keeps a stack of open sections while blocks stream in."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.roots: list[Section] = []
        self.stack: list[Section] = []
        self.section_ids: set[str] = set()
        self.policy_ids: set[str] = set()
        self.in_preamble = False
        self.lead_in: _LeadIn | None = None
        self.ordinal: dict[str, int] = {}
        self.next_suffix: dict[str, int] = {}

    def add(self, block: Block, following: Block | None = None) -> None:
        if block.type == BlockType.heading:
            if self.in_preamble:  # text before the first heading is a sibling, not a parent
                self.stack, self.in_preamble = [], False
            self._open(block.text, block.level)
            self.lead_in = None
            return
        if not self.stack:
            self.in_preamble = True
            self._open(PREAMBLE, 1)
        section = self.stack[-1]
        self.ordinal[section.id] = paragraph = self.ordinal.get(section.id, 0) + 1
        lead_in = self.lead_in if block.type == BlockType.list_item else None
        statements = _statements(block)
        # a lead-in reaches the first statement of an item; later sentences speak for themselves
        policies = [self._policy(text, form, block, section.id, paragraph,
                                 lead_in if i == 0 else None, shared)
                    for i, (text, form, shared) in enumerate(statements)]
        self._context_definitions(policies, section)
        announces = following is not None and following.type == BlockType.list_item
        if policies and announces and statements[-1][0].rstrip().endswith(":"):
            facts = facts_of(statements[-1][0].rstrip(": "), lead_in)
            self.lead_in = _LeadIn(facts.modality, facts.actor, facts.conditions)
            policies[-1].modality = Modality.informational  # its norm moves to the items
        elif block.type != BlockType.list_item:
            self.lead_in = None
        section.policies.extend(policies)

    def _context_definitions(self, policies: list[Policy], section: Section) -> None:
        """A sentence after "What is X?", or the first one under a glossary heading, defines."""
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

    def _open(self, title: str, level: int) -> Section:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        section = Section(id=self._unique(f"{self.doc_id}/{slugify(title)}", self.section_ids),
                          title=title, level=level)
        (self.stack[-1].children if self.stack else self.roots).append(section)
        self.stack.append(section)
        return section

    def _policy(self, text: str, form: Form, block: Block, section_id: str, paragraph: int,
                lead_in: _LeadIn | None, shared: list[str]) -> Policy:
        pid = self._unique(f"{section_id}/p-{text_hash(text)}", self.policy_ids)
        facts = facts_of(text, lead_in)
        return Policy(id=pid, text=text, modality=facts.modality, section_id=section_id,
                      form=form, question=block.question,
                      span=Span(start_line=block.start_line, end_line=block.end_line),
                      paragraph=paragraph, actor=facts.actor,
                      conditions=shared + facts.conditions,
                      exceptions=facts.exceptions, refs=refs_of(text),
                      terms=terms_of(text, facts.modality))

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


def _statements(block: Block) -> list[tuple[str, Form, list[str]]]:
    """Sentences, then clauses, of a block; every block form is split the same way. Clauses
    after the first of a sentence share its leading condition ("When you leave, you must X,
    and you may not Y")."""
    form = {BlockType.paragraph: Form.prose, BlockType.list_item: Form.list_item,
            BlockType.qa: Form.qa, BlockType.callout: Form.callout}[block.type]
    out: list[tuple[str, Form, list[str]]] = []
    for sentence in split_sentences(block.text):
        clauses = split_clauses(sentence)
        lead = conditions_of(clauses[0])[:1] if len(clauses) > 1 else []
        shared = [c for c in lead if clauses[0].lower().startswith(c.lower())]
        out.extend((clause, form, shared if i else []) for i, clause in enumerate(clauses))
    return out
