"""Extraction: the ontology of parsed policy documents, built without a model.

Deterministic and offline: the same documents always give the same ontology. Concepts come from
definition passages, abbreviations (defined, or acronyms that spell one of the document's
terms), is-a patterns read from the dependency parse ("X such as A, B", "A is a X": see
``patterns``), capitalised names and the bundled general lexicon; is-a edges from definitions,
those patterns, compound heads and the lexicon; statement relations (performs, handles,
protects, reports to) from normative policies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alignment_studio.core.text import tokens
from alignment_studio.framers.ontology.abbreviations import (
    abbreviations,
    acronym_expansions,
    acronyms,
)
from alignment_studio.framers.ontology.builder import Builder, Context, policy_contexts
from alignment_studio.framers.ontology.definitions import (
    definitions,
    genus_of,
    heading_definitions,
)
from alignment_studio.framers.ontology.lexicon import Lexicon
from alignment_studio.framers.ontology.mentions import Matcher, surface_forms
from alignment_studio.framers.ontology.patterns import Hyponymy, hyponymies
from alignment_studio.framers.ontology.phrases import list_hyponyms, names
from alignment_studio.framers.ontology.syntax import ABBREVIATION_PARENS, item_terms, word_runs
from alignment_studio.framers.ontology.words import (
    DETERMINERS,
    STOP,
    VAGUE,
    fold,
    head_words,
    inflections,
    natural_case,
)
from alignment_studio.types import Modality, PolicyDocument, Section
from alignment_studio.types.ontology import (
    Category,
    Concept,
    ConceptSource,
    Ontology,
    Relation,
    RelationType,
)

_NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "first", "second", "third", "many", "several"}
_MODAL = {"must", "should", "shall", "may", "can", "will", "required", "need", "needs",
          "expected", "cannot"}
_PROTECTING = {"protect", "encrypt"}
_REPORTING = {"report", "send", "disclose"}


def build_ontology(documents: list[PolicyDocument], lexicon: Lexicon | None = None) -> Ontology:
    """The ontology of the documents: concepts they define or name, the lexicon's terms they
    mention (with the lexicon's ancestors of those terms), is-a edges and statement relations,
    every concept linked to every policy that mentions it."""
    lexicon = lexicon or Lexicon.bundled()
    builder = Builder(lexicon)
    contexts = list(policy_contexts(documents))
    _extract_terms(builder, documents, contexts)
    for entry in lexicon.entries:  # every term is a candidate; unmentioned ones are dropped
        if builder.find(entry.term) is None:
            builder.from_lexicon(entry, ConceptSource.lexicon)
    modifiers: dict[str, str] = {}  # compound concept -> the concept its modifier names
    for compound in _compounds(builder, contexts):
        cid = builder.add(compound)
        if named := builder.find(compound.split(" ", 1)[0]):
            modifiers[cid] = named
    matcher = Matcher({cid: surface_forms(d) for cid, d in builder.drafts.items()})
    found = {c.policy.id: matcher.find(c.policy.text) for c in contexts}
    for ctx in contexts:
        pid = ctx.policy.id
        bare = ABBREVIATION_PARENS.sub("", ctx.policy.text)  # 'payment card industry (PCI) ...'
        also = [h for h in matcher.find(bare) if bare != ctx.policy.text]
        for _, cid, _ in found[pid] + also:  # 'laptop password' mentions the laptop too
            for mentioned in (cid, modifiers.get(cid)):
                if mentioned and pid not in builder.drafts[mentioned].policy_ids:
                    builder.drafts[mentioned].policy_ids.append(pid)
    keep = {cid for cid, d in builder.drafts.items() if d.policy_ids or d.defined_in}
    for d in builder.drafts.values():  # mentioned lexicon terms count as the document's
        if d.policy_ids:
            d.source = ConceptSource.document
    _lexicon_edges(builder, keep)
    _head_edges(builder, keep)
    for ctx in contexts:
        _statement_edges(builder, ctx, found[ctx.policy.id])
    return _finish(builder, keep)


def _compounds(builder: Builder, contexts: list[Context]) -> list[str]:
    """Noun-noun compounds on a known head ('contractor supervisor', 'warehouse supervisor'):
    kept when the modifier is itself a known term or the compound recurs in two policies, so
    one-off adjectives ('lost laptop') do not become concepts."""
    matcher = Matcher({cid: surface_forms(d) for cid, d in builder.drafts.items()
                       if d.category != Category.action})
    verbs = {f for e in builder.lexicon.entries if e.category == Category.action
             for w in (e.term, *e.synonyms) if " " not in w for f in inflections(w)}
    skip = STOP | DETERMINERS | _MODAL | _NUMBERS | verbs
    seen: dict[str, set[str]] = {}
    for ctx in contexts:
        words = tokens(ctx.policy.text)
        for i, _, surface in matcher.find(ctx.policy.text):
            modifier = words[i - 1] if i > 0 else ""
            compound = f"{modifier} {surface}"
            if (modifier.isalpha() and modifier.islower() and len(modifier) > 2
                    and modifier not in skip and not modifier.endswith(("ed", "ly"))
                    and not surface[:1].isupper() and compound in ctx.policy.text):
                seen.setdefault(compound, set()).add(ctx.policy.id)
    return sorted(c for c, ids in seen.items() if builder.find(c) is None and (
        len(ids) >= 2 or builder.lexicon.entry(c.split(" ", 1)[0]) is not None))


def _extract_terms(builder: Builder, documents: list[PolicyDocument],
                   contexts: list[Context]) -> None:
    common = {w.lower() for c in contexts for w in tokens(c.policy.text) if w[:1].islower()}
    found: list[tuple[str, Hyponymy]] = []
    for ctx in contexts:
        pid, text = ctx.policy.id, ctx.policy.text
        defined = definitions(ctx)
        for term, body in defined:
            _add_definition(builder, natural_case(term.strip()), body, text, pid)
        for long, abbr in abbreviations(text):
            builder.add(long, synonyms=[abbr])
        found += [(pid, h) for h in hyponymies(text, bool(defined),
                                                fragment=ctx.policy.form.value == "list_item")]
        if listed := list_hyponyms(ctx):
            found.append((pid, Hyponymy(listed[0], tuple(listed[1]))))
        for name in names(text, common, lambda s: builder.lexicon.entry(s) is not None):
            builder.add(name)
    _add_acronyms(builder, contexts)
    for pid, h in found:
        _add_hyponymy(builder, h, pid)
    for document in documents:
        for top in document.sections:
            for section, above in _with_parents(top, None):
                for term, policy in heading_definitions(section, above):
                    cid = builder.add(natural_case(term))
                    builder.define(cid, policy.text, policy.id)


def _add_hyponymy(builder: Builder, h: Hyponymy, pid: str) -> None:
    """Is-a edges from children to parent; a new child takes its parent's category. 'Other X,
    like A' hangs A under the category 'other X' where the document named one ('... as
    secrets, privacy, and other X')."""
    other = f"other {h.parent}"
    parent = builder.add(other if h.other and builder.find(other) else h.parent)
    kind = builder.drafts[parent].category
    for member in h.children:
        known = builder.find(member)
        category = builder.drafts[known].category if known else builder.guess(member)
        if known is None and category == Category.action:
            category = Category.other  # 'press release' names no action, whatever 'release' is
        if _fits(category, kind, h.loose):
            child = builder.add(member, kind)
            builder.relate(child, RelationType.is_a, parent, [pid])


_GROUPS = {Category.asset: "thing", Category.information_type: "thing", Category.role: "person",
           Category.person: "person", Category.organisation: "organisation",
           Category.action: "act", Category.event: "act", Category.place: "place"}


def _fits(child: Category, parent: Category, loose: bool) -> bool:
    """Whether a child of this category can be a kind of the parent: an action is no kind of
    a thing ('pay (including overtime)'); after 'like'/'including', which may hang on another
    noun than the parser says, a person is no kind of a thing nor of an organisation ('...
    with family members or anyone else, including a relative's startup')."""
    if child == Category.action != parent:
        return False
    known = {child, parent} - {Category.other}
    return not (loose and len({_GROUPS[k] for k in known}) > 1)


def _add_acronyms(builder: Builder, contexts: list[Context]) -> None:
    """Acronyms the document uses but never defines, when they spell one of its terms."""
    texts = [c.policy.text for c in contexts]
    unknown = [a for a in acronyms(texts)
               if builder.find(a) is None and builder.lexicon.entry(a) is None]
    if not unknown:
        return
    lengths = {n for a in unknown for n in range(len(a), 2 * len(a))}
    terms = [d.label for d in builder.drafts.values()]
    terms += [run for x in texts for n in sorted(lengths) for run in word_runs(x, n)]
    for long, abbr in acronym_expansions(unknown, terms):
        builder.add(long, synonyms=[abbr])


def _with_parents(section: Section, parent: Section | None) -> Iterator[tuple[Section,
                                                                           Section | None]]:
    yield section, parent
    for child in section.children:
        yield from _with_parents(child, section)


def _add_definition(builder: Builder, term: str, body: str, text: str, pid: str) -> None:
    genus, members = genus_of(body)
    category = builder.lexicon.category(genus) if genus else None
    cid = builder.add(term, category)
    builder.define(cid, text, pid)
    if genus and tokens(genus)[0].lower() not in VAGUE:
        target = _known_suffix(builder, genus) or builder.add(genus)
        builder.relate(cid, RelationType.is_a, target, [pid])
    including = re.split(r",?\s+including\s+", body, maxsplit=1)
    for member in members + (item_terms(including[1]) if len(including) == 2 else []):
        builder.relate(builder.add(member, builder.drafts[cid].category), RelationType.is_a,
                       cid, [pid])


def _known_suffix(builder: Builder, phrase: str) -> str | None:
    """The concept named by the longest known tail of a phrase ('material non-public
    information' -> 'information'), so a long genus links to what is already there."""
    words = tokens(phrase)
    for k in range(len(words), 0, -1):
        tail = " ".join(words[-k:])
        if cid := builder.find(tail):
            return cid
        if entry := builder.lexicon.entry(tail):
            return builder.add(entry.term, source=ConceptSource.lexicon)
    return None


def _lexicon_edges(builder: Builder, keep: set[str]) -> None:
    """Is-a and part-of edges of the lexicon, climbing from every kept concept to the roots."""
    frontier = sorted(keep)
    while frontier:
        cid = frontier.pop()
        entry = builder.lexicon.entry(builder.drafts[cid].label)
        if entry is None:
            continue
        for kind, targets in ((RelationType.is_a, entry.is_a),
                              (RelationType.part_of, entry.part_of)):
            for target in targets:
                tid = builder.find(target) or builder.add(target, source=ConceptSource.lexicon)
                builder.relate(cid, kind, tid)
                if tid not in keep:
                    keep.add(tid)
                    frontier.append(tid)


def _head_edges(builder: Builder, keep: set[str]) -> None:
    """'contractor supervisor' is a 'supervisor': a compound is a kind of its known head."""
    for cid in sorted(keep):
        draft = builder.drafts[cid]
        head = head_words(draft.label)
        if len(tokens(draft.label)) < 2:
            continue
        for k in range(len(head) - (len(head) == len(tokens(draft.label))), 0, -1):
            target = _known_suffix(builder, " ".join(head[-k:]))
            if target and target != cid and Category.other not in (
                    draft.category, builder.drafts[target].category) and (
                    draft.category != builder.drafts[target].category):
                continue  # 'new hire' is no kind of the action 'hire'
            if target and target != cid:
                builder.relate(cid, RelationType.is_a, target, draft.policy_ids[:1])
                keep.add(target)
                break
    _lexicon_edges(builder, keep)


_ACTORS = {Category.role, Category.person, Category.organisation}
_OBJECTS = {Category.information_type, Category.asset}
_NORMS = {Modality.obligation, Modality.prohibition, Modality.permission,
          Modality.recommendation}


def _statement_edges(builder: Builder, ctx: Context, hits: list[tuple[int, str, str]]) -> None:
    """Who does what to which information: actors named before the modal verb perform the
    actions named after it; those actions handle (or protect) the objects that follow them;
    'report … to X' makes X whom the actors report to."""
    policy = ctx.policy
    if policy.modality not in _NORMS:
        return
    words = [fold(w) for w in tokens(policy.text)]
    modal = next((i for i, w in enumerate(words) if w in _MODAL), None)
    if modal is None:
        return
    category = {cid: builder.drafts[cid].category for _, cid, _ in hits}
    actors = [cid for i, cid, _ in hits if i < modal and category[cid] in _ACTORS]
    named = builder.find(policy.actor) if policy.actor else None
    if named and named not in actors and builder.drafts[named].category in _ACTORS:
        actors.insert(0, named)
    actions = [(i, cid) for i, cid, _ in hits if i > modal and category[cid] == Category.action]
    for a in actors:
        for _, act in actions:
            builder.relate(a, RelationType.performs, act, [policy.id])
    for n, (i, act) in enumerate(actions):
        end = actions[n + 1][0] if n + 1 < len(actions) else len(words)
        for j, cid, _ in hits:
            if i < j < end and category[cid] in _OBJECTS:
                kind = (RelationType.protects if builder.drafts[act].label in _PROTECTING
                        else RelationType.handles)
                builder.relate(act, kind, cid, [policy.id])
        if builder.drafts[act].label in _REPORTING:
            for j, cid, _ in hits:
                if j > i and category[cid] in _ACTORS and j > 0 and words[j - 1] in {"to", "the"}:
                    for a in actors:
                        builder.relate(a, RelationType.reports_to, cid, [policy.id])


def _finish(builder: Builder, keep: set[str]) -> Ontology:
    keep = {cid for cid in keep if builder.drafts[cid].policy_ids or builder.drafts[
        cid].defined_in or builder.lexicon.entry(builder.drafts[cid].label)}
    concepts = [Concept(id=cid, label=d.label, category=d.category, synonyms=d.synonyms,
                        definition=d.definition, defined_in=d.defined_in,
                        policy_ids=d.policy_ids, source=d.source)
                for cid, d in sorted(builder.drafts.items()) if cid in keep]
    relations = [Relation(source=s, type=t, target=o, evidence=e)
                 for (s, t, o), e in sorted(builder.edges.items(), key=lambda x: (
                     x[0][0], x[0][1].value, x[0][2]))
                 if s in keep and o in keep]
    return Ontology(concepts=concepts, relations=relations)
