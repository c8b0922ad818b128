"""What changed between two versions of a policy document, statement by statement.

Policy IDs are content anchors (the hash of the statement's text within its document), so a
statement keeps its ID when its heading is renamed or its section moves, and gets a new one only
when its own text is edited; an ID alone cannot tell an edited statement from a new one. The
diff therefore matches on text, in four passes, and reports renamed sections and moved
statements as such:

1. sections: same section ID, else a rename (same level, mostly the same statements, or a close
   title), paired greedily best-first;
2. unchanged: the same text in the same (or renamed) section;
3. moved: the same text in another section;
4. changed: a leftover old and new statement in the same (or renamed) section whose word-level
   ``difflib`` ratio is at least ``CHANGE_RATIO``, paired greedily best-first, one to one.

Whatever is left is removed or added. Everything is listed in document order.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from alignment_studio.types import Policy, PolicyDocument, Section

CHANGE_RATIO = 0.6
SECTION_CONTENT = 0.5  # share of statements two sections must have in common to be a rename
SECTION_TITLE = 0.8  # or how alike their titles must be


class PolicyEntry(BaseModel):
    """An added or removed statement."""

    model_config = ConfigDict(extra="forbid")
    id: str
    section_id: str
    text: str


class PolicyChange(BaseModel):
    """One statement edited in place: the same policy with new wording."""

    model_config = ConfigDict(extra="forbid")
    old_id: str
    new_id: str
    section_id: str = Field(description="the section in the new version")
    old_text: str
    new_text: str
    similarity: float = Field(description="difflib ratio over words, 0..1")
    word_diff: str = Field(description="'[-removed words-] {+added words+}' inline")


class PolicyMove(BaseModel):
    """The same statement text, now under another section."""

    model_config = ConfigDict(extra="forbid")
    old_id: str
    new_id: str
    old_section_id: str
    new_section_id: str
    text: str


class PolicyKept(BaseModel):
    """An unchanged statement; the IDs differ only when its section was renamed."""

    model_config = ConfigDict(extra="forbid")
    old_id: str
    new_id: str


class SectionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str


class SectionRename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    old_id: str
    new_id: str
    old_title: str
    new_title: str


class DocumentDiff(BaseModel):
    """Statement-level differences from ``old`` to ``new`` (both ``doc@version``)."""

    model_config = ConfigDict(extra="forbid")
    old: str
    new: str
    added: list[PolicyEntry] = Field(default_factory=list)
    removed: list[PolicyEntry] = Field(default_factory=list)
    changed: list[PolicyChange] = Field(default_factory=list)
    moved: list[PolicyMove] = Field(default_factory=list)
    unchanged: list[PolicyKept] = Field(default_factory=list)
    sections_added: list[SectionEntry] = Field(default_factory=list)
    sections_removed: list[SectionEntry] = Field(default_factory=list)
    sections_renamed: list[SectionRename] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved
                    or self.sections_added or self.sections_removed or self.sections_renamed)

    def summary(self) -> str:
        """One line of counts, for the end of a report."""
        line = (f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} "
                f"changed, {len(self.moved)} moved, {len(self.unchanged)} unchanged")
        sections = [f"{len(items)} {what}" for what, items in (
            ("added", self.sections_added), ("removed", self.sections_removed),
            ("renamed", self.sections_renamed)) if items]
        return line + (f"; sections: {', '.join(sections)}" if sections else "")


def chunks(text: str) -> list[str]:
    """Whitespace-separated chunks with their punctuation, as git's word diff shows them (a
    display unit, not the house tokenizer: a diff must rebuild the text it marks up)."""
    return text.split()


def similarity(old: str, new: str) -> float:
    """difflib ratio over words (not characters, so 'race,' and 'age,' are not alike)."""
    return difflib.SequenceMatcher(None, chunks(old), chunks(new), autojunk=False).ratio()


def word_diff(old: str, new: str) -> str:
    """Inline word diff in git's ``--word-diff=plain`` notation."""
    a, b = chunks(old), chunks(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            out.append(f"{{+{' '.join(b[j1:j2])}+}}")
    return " ".join(out)


def _local(section_id: str, doc_id: str) -> str:
    """A section ID without its document prefix, so two files with other names compare."""
    prefix = doc_id + "/"
    return section_id[len(prefix):] if section_id.startswith(prefix) else section_id


def _greedy(candidates: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs, best score first (ties: earlier old, then earlier new)."""
    pairs: list[tuple[int, int]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return pairs


def _overlap(old: Section, new: Section) -> float:
    """Share of statements (by exact text) two sections have in common."""
    if not old.policies or not new.policies:
        return 0.0
    counts: dict[str, int] = defaultdict(int)
    for p in old.policies:
        counts[p.text] += 1
    common = 0
    for p in new.policies:
        if counts[p.text] > 0:
            counts[p.text] -= 1
            common += 1
    return common / max(len(old.policies), len(new.policies))


def match_sections(old: PolicyDocument, new: PolicyDocument) -> dict[str, str]:
    """Old section ID -> new section ID, for sections that survive (same ID or renamed)."""
    old_secs, new_secs = old.all_sections(), new.all_sections()
    new_by_local = {_local(s.id, new.id): s for s in new_secs}
    mapping = {s.id: new_by_local[_local(s.id, old.id)].id for s in old_secs
               if _local(s.id, old.id) in new_by_local}
    taken = set(mapping.values())
    left_old = [s for s in old_secs if s.id not in mapping]
    left_new = [s for s in new_secs if s.id not in taken]
    candidates: list[tuple[float, int, int]] = []
    for i, o in enumerate(left_old):
        for j, n in enumerate(left_new):
            if o.level != n.level:
                continue
            content = _overlap(o, n)
            title = difflib.SequenceMatcher(None, o.title.lower(), n.title.lower()).ratio()
            if content >= SECTION_CONTENT or title >= SECTION_TITLE:
                candidates.append((content + title / 10, i, j))
    for i, j in _greedy(candidates):
        mapping[left_old[i].id] = left_new[j].id
    return mapping


def _pair_exact(old: list[Policy], new: list[Policy],
                key_old: Callable[[Policy], object],
                key_new: Callable[[Policy], object]) -> list[tuple[int, int]]:
    """Pair equal keys one to one, in document order."""
    waiting: dict[object, list[int]] = defaultdict(list)
    for i, p in enumerate(old):
        waiting[key_old(p)].append(i)
    pairs = []
    for j, p in enumerate(new):
        queue = waiting.get(key_new(p))
        if queue:
            pairs.append((queue.pop(0), j))
    return pairs


def _pair_edited(old: list[Policy], new: list[Policy],
                 section_of: dict[str, str]) -> list[tuple[int, int, float]]:
    """Leftover statements of the same (mapped) section that read alike: edited ones."""
    new_by_section: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(new):
        new_by_section[p.section_id].append(j)
    candidates: list[tuple[float, int, int]] = []
    for i, o in enumerate(old):
        for j in new_by_section.get(section_of.get(o.section_id, ""), []):
            a, b = chunks(o.text), chunks(new[j].text)
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            if matcher.real_quick_ratio() < CHANGE_RATIO or matcher.quick_ratio() < CHANGE_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= CHANGE_RATIO:
                candidates.append((ratio, i, j))
    scores = {(i, j): r for r, i, j in candidates}
    return [(i, j, scores[(i, j)]) for i, j in _greedy(candidates)]


def diff_documents(old: PolicyDocument, new: PolicyDocument) -> DocumentDiff:
    """Added, removed, changed, moved and unchanged statements, and section changes."""
    section_of = match_sections(old, new)
    old_pol, new_pol = old.policies(), new.policies()
    kept = _pair_exact(old_pol, new_pol, lambda p: (section_of.get(p.section_id), p.text),
                       lambda p: (p.section_id, p.text))
    left_old, left_new = _leftovers(old_pol, new_pol, kept)
    moved = _pair_exact(left_old, left_new, lambda p: p.text, lambda p: p.text)
    rest_old, rest_new = _leftovers(left_old, left_new, moved)
    edited = _pair_edited(rest_old, rest_new, section_of)
    gone, came = _leftovers(rest_old, rest_new, [(i, j) for i, j, _ in edited])
    order = {p.id: n for n, p in enumerate(new_pol)}
    added, removed, renamed = _section_changes(old, new, section_of)
    return DocumentDiff(
        old=f"{old.id}@{old.version}", new=f"{new.id}@{new.version}",
        added=[PolicyEntry(id=p.id, section_id=p.section_id, text=p.text) for p in came],
        removed=[PolicyEntry(id=p.id, section_id=p.section_id, text=p.text) for p in gone],
        changed=sorted((PolicyChange(
            old_id=rest_old[i].id, new_id=rest_new[j].id, section_id=rest_new[j].section_id,
            old_text=rest_old[i].text, new_text=rest_new[j].text, similarity=round(r, 3),
            word_diff=word_diff(rest_old[i].text, rest_new[j].text)) for i, j, r in edited),
            key=lambda c: order[c.new_id]),
        moved=[PolicyMove(old_id=left_old[i].id, new_id=left_new[j].id,
                          old_section_id=left_old[i].section_id,
                          new_section_id=left_new[j].section_id, text=left_new[j].text)
               for i, j in moved],
        unchanged=[PolicyKept(old_id=old_pol[i].id, new_id=new_pol[j].id) for i, j in kept],
        sections_added=added, sections_removed=removed, sections_renamed=renamed)


def _leftovers(old: list[Policy], new: list[Policy],
               pairs: list[tuple[int, int]]) -> tuple[list[Policy], list[Policy]]:
    """The statements of each side that no pair uses, in document order."""
    used_old, used_new = {i for i, _ in pairs}, {j for _, j in pairs}
    return ([p for i, p in enumerate(old) if i not in used_old],
            [p for j, p in enumerate(new) if j not in used_new])


def _section_changes(old: PolicyDocument, new: PolicyDocument, section_of: dict[str, str],
                     ) -> tuple[list[SectionEntry], list[SectionEntry], list[SectionRename]]:
    """Sections added, removed and renamed (a surviving section whose title changed)."""
    came_from = {n: o for o, n in section_of.items()}
    titles = {s.id: s.title for s in old.all_sections()}
    added = [SectionEntry(id=s.id, title=s.title) for s in new.all_sections()
             if s.id not in came_from]
    removed = [SectionEntry(id=s.id, title=s.title) for s in old.all_sections()
               if s.id not in section_of]
    renamed = [SectionRename(old_id=came_from[s.id], new_id=s.id,
                             old_title=titles[came_from[s.id]], new_title=s.title)
               for s in new.all_sections()
               if s.id in came_from and titles[came_from[s.id]] != s.title]
    return added, removed, renamed
