"""Situations told as short third-person stories, built from a rule's action.

A rule's action ("accept outside employment or consulting work from a supplier") is told done
("Sofia, a recruiter in the Lisbon office, accepted outside employment ...") or not done ("...
did not accept ..."), in past tense (verb forms from lemminflect, the verbs found by the
dependency parse, coordinated ones too), with a name, a role, a place and one of several
phrasings chosen per policy. The label follows from the rule and the story together: doing
what a prohibition forbids violates it, doing what an obligation asks complies. Because the
same phrasings serve every rule, a reader of the situation alone cannot tell its label; the
frame stage's leak check measures that.
"""

from __future__ import annotations

import functools

from alignment_studio.core.text import text_hash
from alignment_studio.framers.nlp import parse
from alignment_studio.framers.wording import third_person
from alignment_studio.types import Label, Modality, Policy

NAMES = ["Alex", "Priya", "Jordan", "Mei", "Samuel", "Fatima", "Diego", "Hannah", "Kwame",
         "Sofia", "Lena", "Tomasz", "Aisha", "Marco", "Yuki", "Ravi", "Chloe", "Omar", "Ingrid",
         "Tunde"]
ROLES = ["an engineer", "a sales manager", "a product designer", "a finance analyst",
         "a support lead", "a recruiter", "a data scientist", "a procurement officer",
         "an account executive", "a team lead", "an intern", "a project manager"]
PLACES = ["in the Lisbon office", "on the payments team", "working from home",
          "at the regional office", "on a client project", "in the operations group",
          "during the quarter-end rush", "on a business trip"]
DONE = ["{who} {past}.", "Last week {who} {past}.", "On Tuesday {who} {past}.",
        "After a long meeting, {who} {past}."]
NOT_DONE = ["{who} did not {base}.", "Last week {who} decided not to {base}.",
            "On Tuesday {who} did not {base}.", "After a long meeting, {who} chose not to {base}."]
# Words that narrow a rule to a time, a permission or a case: a story that leaves the
# qualifier out does not say whether the rule was kept (needs_info), told like the others.
QUALIFIERS = {"without", "within", "before", "after", "unless", "except", "during", "if",
              "when"}


# Actors a story about one employee may stand for; a rule for "managers" or "the startup"
# is not told of a random employee.
ADDRESSEES = {None, "you", "employee", "employees", "staff", "everyone", "all employees",
              "each employee", "every employee", "personnel", "workers", "team members"}
_LEADS = ("if", "when", "whenever", "once", "after")


def narratives(policy: Policy, action: str) -> list[tuple[Label, str, str]]:
    """(label, situation, rationale) stories for one rule: the action done, not done, and
    (obligations and prohibitions) not known. ``action`` is the rule's action in the third
    person, as ``generate.extract_action`` gives it. A leading condition ("If you learn of an
    opportunity, ...") is told first ("... learned of an opportunity and ...")."""
    forms = verb_forms(action)
    if forms is None or (policy.actor or "you").lower() not in ADDRESSEES - {None}:
        return []
    past = forms[0]
    key = int(text_hash(policy.id, 8), 16)
    name = NAMES[key % len(NAMES)]
    who = f"{name}, {ROLES[(key // 7) % len(ROLES)]} {PLACES[(key // 11) % len(PLACES)]},"
    values = {"who": who, "past": past, "base": action}
    lead = leading_condition(policy)
    unknown: str | None = None
    missing = ""  # what the needs_info story leaves out
    if lead:  # told without its condition, whether the rule applied is not known
        done = f"{who} {lead} and {past}."
        not_done = f"{who} {lead} but did not {action}."
        unknown = _told(DONE if policy.modality == Modality.prohibition else NOT_DONE,
                        key // 5, values)
        missing = condition_text(policy) or ""
    else:
        done = _told(DONE, key, values)
        not_done = _told(NOT_DONE, key // 3, values)
        bare = core_action(action)
        bare_forms = verb_forms(bare[0]) if bare else None
        if bare and bare_forms:  # told without its qualifier ("within 30 days")
            unknown = _told(DONE, key // 5, {**values, "past": bare_forms[0]})
            missing = bare[1]
    subject = f"{name} {past}"
    undecided = [] if unknown is None or not missing else [
        (Label.needs_info, unknown, "The rule depends on a detail the situation leaves out: "
         f"{missing}.")]
    if policy.modality == Modality.prohibition:
        return [(Label.violating, done, f"{subject}, which the policy forbids."),
                (Label.compliant, not_done, f"{name} did not {action}, as the policy "
                 "requires."), *undecided]
    if policy.modality in (Modality.obligation, Modality.recommendation):
        asks = "requires" if policy.modality == Modality.obligation else "recommends"
        return [(Label.compliant, done, f"{subject}, as the policy {asks}."),
                (Label.violating, not_done, f"The policy {asks} this, and {name} did not "
                 f"{action}."), *undecided]
    if policy.modality == Modality.permission:
        return [(Label.compliant, done, "The policy allows this."),
                (Label.compliant, not_done, "The policy allows this but does not require it.")]
    return []


def core_action(action: str) -> tuple[str, str] | None:
    """(the action without its last narrowing phrase, that phrase): "own shares without
    written approval" -> ("own shares", "without written approval"); None when the action has
    no such phrase or too little is left."""
    doc = parse([f"They {action}"])[0]
    head = doc[1] if len(doc) > 1 else None
    if head is None:
        return None
    phrases = [c for c in head.subtree if c.i > head.i and c.dep_ in ("prep", "advcl")
               and (c.lower_ in QUALIFIERS or any(t.lower_ in QUALIFIERS and t.dep_ == "mark"
                                                  for t in c.children))]
    if not phrases:
        return None
    cut = phrases[-1]
    start = cut.left_edge.i
    if doc[start].lower_ == "even":  # "even if ...": it widens the rule, it does not narrow it
        return None
    kept = (doc[1:start].text + " " + doc[cut.right_edge.i + 1:].text).strip(" ,;.")
    if len(kept.split()) < 2 or kept == action:
        return None
    return kept, doc[start:cut.right_edge.i + 1].text


def _opening(policy: Policy) -> str | None:
    """The condition the rule's text starts with ("If you learn of X"), if any."""
    return next((c for c in policy.conditions if policy.text.lower().startswith(c.lower())),
                None)


def condition_text(policy: Policy) -> str | None:
    """The rule's opening condition, in the third person ("if they learn of X")."""
    first = _opening(policy)
    return third_person(first[0].lower() + first[1:]) if first else None


def leading_condition(policy: Policy) -> str | None:
    """The rule's opening condition told in the past of its reader ("If you learn of X" ->
    "learned of X"), or None."""
    first = _opening(policy)
    if first is None:
        return None
    marker, _, rest = first.partition(" ")
    if marker.lower() not in _LEADS or not rest.lower().startswith("you "):
        return None
    forms = verb_forms(third_person(rest[4:]))
    return forms[0] if forms else None


def _told(frames: list[str], key: int, values: dict[str, str]) -> str:
    text = frames[key % len(frames)].format(**values)
    return text[0].upper() + text[1:]


@functools.lru_cache(maxsize=4096)
def verb_forms(action: str) -> tuple[str, str] | None:
    """(past tense, past participle) of an action phrase: its head verb and the verbs
    coordinated with it inflected ("disclose X and step away" -> "disclosed X and stepped
    away"); None when the phrase does not start with a verb."""
    from lemminflect import getInflection

    doc = parse([f"They {action}"])[0]
    head = doc[1] if len(doc) > 1 else None
    if head is None or head.pos_ not in ("VERB", "AUX") or head.tag_ not in ("VBP", "VB"):
        return None
    verbs = [head, *(t for t in head.conjuncts if t.tag_ in ("VB", "VBP"))]
    out = []
    for tag in ("VBD", "VBN"):
        words = [t.text_with_ws for t in doc[1:]]
        for verb in verbs:
            forms = getInflection(verb.lemma_, tag)
            if not forms:
                return None
            words[verb.i - 1] = forms[0] + verb.whitespace_
        out.append("".join(words).strip())
    return out[0], out[1]
