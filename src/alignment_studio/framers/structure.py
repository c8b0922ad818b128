"""From blocks to a section tree of individual policies with stable IDs and modalities.

Policy IDs are ``<section id>/p-<hash>``, the hash taken over the statement's normalised text:
re-parsing unchanged text gives the same IDs, and editing one paragraph changes only the IDs of
the statements inside it.
"""

from __future__ import annotations

import hashlib
import re

from alignment_studio.framers.blocks import Block, BlockType, RawDocument
from alignment_studio.types import Form, Modality, Policy, PolicyDocument, Section, Span

PREAMBLE = "Preamble"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“'(]?[A-Z0-9])")
_DEFINED_TERM = re.compile(r"[\"“]([^\"”]{2,60})[\"”]\s+(?:means|refers to|is defined as)")

# Order matters: the first modality whose pattern matches wins.
_MODALITY_PATTERNS: list[tuple[Modality, re.Pattern[str]]] = [
    (Modality.definition, re.compile(  # a short (quoted) term at the start, or a quoted term
        r"^(the )?[\"“']?[\w'-]+(\s+[\w'-]+){0,4}[\"”']?\s+(means(?! of)|refers to|is defined as|"
        r"are defined as)\b|[\"“][^\"”]{2,60}[\"”]\s+(means|refers to|is defined as)\b", re.I)),
    (Modality.prohibition, re.compile(
        r"\b(must not|must never|may not|shall not|can ?not|can't|never|do not|don't|"
        r"are not (allowed|permitted)|is not (allowed|permitted)|not be (used|shared|disclosed)|"
        r"(is|are) (strictly )?(prohibited|forbidden)|prohibits?|no one may)\b", re.I)),
    (Modality.obligation, re.compile(
        r"\b(must|shall|required|have to|has to|need to|needs to|"
        r"will need to|(is|are) expected to|(is|are) responsible for|always)\b", re.I)),
    (Modality.recommendation, re.compile(
        r"\b(should|encourage[sd]?|recommend(s|ed)?|best practice|consider|avoid)\b", re.I)),
    (Modality.permission, re.compile(
        r"\b(may|can|(is|are) (permitted|allowed) to|(is|are) free to|it is fine to|"
        r"it is acceptable to)\b", re.I)),
]
_IMPERATIVE = re.compile(
    r"^(report|use|disclose|ensure|notify|contact|keep|protect|follow|submit|obtain|consult|"
    r"complete|review|request|ask|lock|store|return|tell|remove|delete|encrypt|enable|turn on|"
    r"change|reset|sign|declare|record|include)\b", re.I)


def classify_modality(text: str) -> Modality:
    """Keyword rules: definition, prohibition, obligation, recommendation, permission."""
    for modality, pattern in _MODALITY_PATTERNS:
        if pattern.search(text):
            return modality
    if _IMPERATIVE.match(text):
        return Modality.obligation
    return Modality.informational


def slugify(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "section"


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def text_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()[:length]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


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
    for block in blocks:
        builder.add(block)
    return PolicyDocument(id=doc_id, title=title or fallback_title, version=sha256[:12],
                          source=source, sha256=sha256, sections=builder.roots)


class _TreeBuilder:
    """Keeps a stack of open sections while blocks stream in."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.roots: list[Section] = []
        self.stack: list[Section] = []
        self.section_ids: set[str] = set()
        self.policy_ids: set[str] = set()
        self.in_preamble = False

    def add(self, block: Block) -> None:
        if block.type == BlockType.heading:
            if self.in_preamble:  # text before the first heading is a sibling, not a parent
                self.stack, self.in_preamble = [], False
            self._open(block.text, block.level)
            return
        if not self.stack:
            self.in_preamble = True
            self._open(PREAMBLE, 1)
        section = self.stack[-1]
        for text, form in _statements(block):
            section.policies.append(self._policy(text, form, block, section.id))

    def _open(self, title: str, level: int) -> Section:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        section = Section(id=self._unique(f"{self.doc_id}/{slugify(title)}", self.section_ids),
                          title=title, level=level)
        (self.stack[-1].children if self.stack else self.roots).append(section)
        self.stack.append(section)
        return section

    def _policy(self, text: str, form: Form, block: Block, section_id: str) -> Policy:
        pid = self._unique(f"{section_id}/p-{text_hash(text)}", self.policy_ids)
        return Policy(id=pid, text=text, modality=classify_modality(text), section_id=section_id,
                      form=form, question=block.question,
                      span=Span(start_line=block.start_line, end_line=block.end_line),
                      terms=_DEFINED_TERM.findall(text))

    @staticmethod
    def _unique(candidate: str, taken: set[str]) -> str:
        name, n = candidate, 2
        while name in taken:
            name, n = f"{candidate}-{n}", n + 1
        taken.add(name)
        return name


def _statements(block: Block) -> list[tuple[str, Form]]:
    if block.type == BlockType.paragraph:
        return [(s, Form.prose) for s in split_sentences(block.text)]
    form = {BlockType.list_item: Form.list_item, BlockType.qa: Form.qa,
            BlockType.callout: Form.callout}[block.type]
    return [(block.text, form)]
