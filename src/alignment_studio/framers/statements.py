"""From a block's text to statements: sentences, the force a statement inherits, references.

Clause analysis (framers/clauses.py) reads what a statement says by itself. Here a statement
also takes what its place in the document says:

- a **lead-in** ("Employees must never:", "Include the following:") hands its modality, actor,
  negation and conditions to the list items after it, unless an item says its own force in words
  ("You may ask a colleague" under "You must never:" stays a permission); a lead-in that ends in
  "unless:" / "except:" / "if:" keeps its norm, and its items become its exceptions/conditions;
- a **heading that gives the force** ("Not OK", "Don't", "Prohibited", "Allowed", "OK",
  "Requirements") does the same for list items, ``Key: value`` lines and table rows under it;
- a ``Term: gloss`` line that carries no force of its own is a **definition** of the term.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from alignment_studio.framers.clauses import Clause, modal_force, names_party
from alignment_studio.framers.nlp import parse
from alignment_studio.types import Modality

if TYPE_CHECKING:
    from alignment_studio.framers.second_reading import NormModel

# (also after a plain-text file's bold run-in: "**Don't be snarky.** We are all ...")
# the next sentence opens with a capital, a digit or a name written in camel case ("arXiv")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\*\*)|(?<=[.!?][\"'”’)]))\s+"
                           r"(?=(?:\*\*)?[\"“‘'(]?(?:[A-Z0-9]|[a-z]{1,3}[A-Z]))")
# "...each item.Size Limit: ..." - a sentence run on without a space (not "e.g.It", "U.S.")
_RUN_TOGETHER = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# (and a statute's history: "Oct. 21, 1968, Pub. L. 90-614", "D.C. Law 1-96")
_ABBREVIATION = re.compile(r"\b(ex|e\.g|i\.e|cf|vs|approx|incl|sec|para|art|u\.s|d\.c|pub|pub\. l|"
                           r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.$", re.I)
_MARKER_ONLY = re.compile(r"\(?(?:[a-zA-Z]|\d{1,3}|[ivx]{1,4})[.)]")  # "a.", "(b)", "2."
_NUMBER_SIGN = re.compile(r"\bno\.$", re.I)  # "No. 5" (but "No. Please don't ...")
# a glossary's lower-case term of one or two words: "bug: Something behaves unexpectedly",
# "security issue: A bug that ...", "modifies/…: Determines which parts ..."
_LOWER_KEY = re.compile(r"^(?P<key>[a-z][\w/…-]*(?: [a-z][\w/…-]*)?)\s*:\s+(?P<value>[A-Z].*)$")
# a key in code marks, as reStructuredText kept as text shows it ("`cmd`: A compilation
# command template", "``output``: The expected output")
_CODE_KEY = re.compile(r"^(?P<key>(?P<tick>`{1,2})[\w.$/-]+(?P=tick))\s*:\s+(?P<value>[A-Z].*)$")
_KEY_VALUE = re.compile(r"^(?P<key>[A-Z][\w’'/&()-]*(?:\s+[\w’'/&()-]+){0,4})\s*:\s+"
                        r"(?P<value>\S.*)$")
# a role or term, a dash, and its gloss or its rule in lower case ("Incident Commander - is the
# person in charge of the response", "Postmortem - when the Incident is over, perform a X")
_DASHED_KEY = re.compile(r"^(?P<key>[A-Z][\w’'/&()-]*(?:\s+[A-Z][\w’'/&()-]*){0,3})\s+[-–—]\s+"
                         r"(?P<value>[a-z].*)$")
# A glossary entry without a colon: the term in quotes, then its gloss ("`Work' Any work being
# distributed under this License.", a plain-text licence's term over its indented gloss).
_QUOTED_TERM = re.compile(r"^(?P<key>[`'\"“‘][A-Z][\w -]{0,40}?['\"”’])\s+(?P<value>[A-Z].*)$")
_NOT_A_TERM = re.compile(r"^(note|notes|example|examples|tip|tips|warning|important|caution|"
                         r"remember|reminder|q|a|question|answer|step \d+|example \d+)$", re.I)
# what an expense policy will not pay: "Ineligible Expenses", "Non-Reimbursable Car Expenses",
# "Expenses that are never reimbursable"
_NOT_CLAIMABLE = (r"\b(ineligible|non-?reimbursable|unallowable|non-?allowable|non-?claimable|"
                  r"(not|never) (reimbursable|covered|eligible|allowable|claimable))\b")
_FORCE_HEADINGS: list[tuple[Modality, bool, re.Pattern[str]]] = [
    (Modality.prohibition, True, re.compile(
        r"^(not (ok|okay|allowed|permitted|acceptable)|don'?t'?s?|do not|never|"
        r"what not to do|things (not to do|to avoid))\b|" + _NOT_CLAIMABLE + "|"
        r"\bnot (be )?(tolerated|accepted|allowed|permitted)$", re.I)),
    (Modality.prohibition, False, re.compile(
        r"^(prohibited|forbidden|unacceptable|banned|restricted|avoid)\b|"
        r"\b(prohibitions|prohibited (activities|actions|uses|conduct)|forbids?|prohibits?|"
        r"bans?)$", re.I)),
    (Modality.permission, False, re.compile(
        r"^(ok|okay|allowed|allowances?|permitted|approved|acceptable|optional|you (may|can)|"
        r"what you "
        r"(may|can) do)\b|\b(allowed|permitted) (activities|actions|uses)$|"
        r"^(your|user|users'?|member|members'?|participant|participants'?) rights$", re.I)),
    (Modality.obligation, False, re.compile(
        r"^(do'?s|must|required|requirements?|mandatory|what to do|your (duties|obligations|"
        r"responsibilities))$|^(responsibilities|duties|obligations|expectations)\b|"
        r"(?<!\bof )\b(obligations|duties)$", re.I)),  # not "Segregation of duties"
    (Modality.recommendation, False, re.compile(
        r"^((strongly|highly|mildly) )?(recommended|recommendations?|best practices?|"
        r"suggestions?|tips)$|"  # "Your First 30 Days: A Suggested Plan", "Recommended steps"
        r"\b(suggested|recommended) (plan|practices?|steps|approach|actions|process|workflow)$",
        re.I)),
]
# a section sign and its number ("§ 2635.302", "§ 52h.5", "§§ 1.10a-2"), for every reader
SECTION_SIGN_NUMBER = r"§+\s*\d+[a-z]?(?:[.-]\d+[a-z]?)*"
ASIDE_END = re.compile(r"\s*\([^()]*\)$")  # a trailing "(...)", for every reader
_LEAD_IN_END = r"\s*(:|—|–|-{1,2})$"  # a colon, or a dash as regulations write it
_CONDITION_LEAD_IN = re.compile(r"\b(unless|except( for)?|if|when|where|provided that|only if|"
                                r"regardless of|whether( \w+){0,3})" + _LEAD_IN_END, re.I)
_NOT_LEAD_IN = re.compile(r"\b(do not|does not|don['’]t|doesn['’]t|never|not)" + _LEAD_IN_END, re.I)
_EXCEPTION_LEAD_IN = re.compile(r"\b(unless|except( for)?)" + _LEAD_IN_END, re.I)
_DEFINING_LEAD_IN = re.compile(r"\b(includes?|including|means|covers?|comprises?|consists? of)"
                               r"\b[^:]{0,120}:$", re.I)
# "There are many ways to contribute, which may be one or more of the following:": the items
# are the kinds the lead-in names, whatever its "may" (a possibility, not a permission)
_KINDS_LEAD_IN = re.compile(r"\b(may|can|could|might) (also )?be (one|any|some|each)"
                            r"( or more| or several| or a combination)? of the following\b"
                            r"[^:]{0,40}:$", re.I)
# "include, but are not limited to:" announces its list as "include:" does
_NOT_LIMITED = r",? but (?:are )?not limited to"
# a list of what is to be done, announced as its contents: its items are duties
_DUTY_LIST = re.compile(r"\b(steps|considerations|requirements|responsibilities|duties|"
                        r"obligations|tasks|expectations)\b[^:.;]{0,60}\b(include|are)\b"
                        rf"( as follows| the following|{_NOT_LIMITED})?:$|"
                        r"^((additional|key|main) )?"
                        r"(requirements|responsibilities|duties|obligations):$", re.I)
# rules announced by a verb of saying ("one can formulate the releases requirements as:", "We
# summarise the rules below:"): the lead-in's own modal is about the saying, its items are duties
_STATED_DUTIES = re.compile(r"\b(formulate[sd]?|summari[sz]e[sd]?|list(ed)?|state[sd]?|set out|"
                            r"outline[sd]?|express(ed)?)\b[^:.;]{0,60}\b(requirements|rules|duties|"
                            r"obligations|responsibilities)( as follows| as| below)?:$", re.I)
# what a role is granted ("Privileges:", "Additional privileges:" in a contributor ladder)
_GRANTS_LEAD_IN = re.compile(r"^((additional|special|their|your|its) )?(privileges|perks)"
                             rf"( include({_NOT_LIMITED})?)?:$", re.I)
# whose duties a duty list names: "The Commissioner's specific responsibilities include:"
_DUTY_OWNER = re.compile(r"^(?:the\s+)?(?P<who>[A-Za-z][\w -]{1,40}?)['’]s?\s+(?:\([A-Z]+\)\s+)?"
                         r"(?:\w+\s+)?(?:responsibilities|duties|obligations|tasks)\b", re.I)
# a body named by its acronym: "As defined in the charter, TSC responsibilities include:"
_BODY_DUTIES = re.compile(r"\b(?P<who>(?-i:[A-Z]{2,6}))\s+(?:responsibilities|duties)\b", re.I)
_OPTIONS_LEAD_IN = re.compile(r"\b(options?|choices?|alternatives?)\b[^:]*:$|"
                              r"\b(may|can) (choose|select|pick)\b[^:]*:$", re.I)
# "X should be addressed in one, or a combination, of the following ways:": the duty is the
# lead-in's; each item is one way it may be met
_WAYS_LEAD_IN = re.compile(r"\b(one|either|any)\b(,? or (a combination|more|both),?)? of the "
                           r"following (ways|methods|means|approaches)\b[^:]*:$", re.I)
# "Here are a few ways to preserve what you've learned:", "There are many ways to contribute to
# Scrapy. Here are some of them:": the items are things one can do (not "ways to become
# eligible", whose items are conditions)
_SOME_WAYS = (r"\b(?:a few|some|several|many|multiple|various|other|\d+|two|three|four|five)\s+"
              r"(?:\w+\s+)?ways\s+(?:(?:in which\s+)?(?:you|we|they|one|people)\s+(?:can|could)\s+|"
              r"to\s+)(?!be\b|become\b)\w+")
_WAYS_NAMED = re.compile(_SOME_WAYS + r"[^:]*:$", re.I)
_WAYS_BEFORE = re.compile(_SOME_WAYS + r"[^:]*[.!]$", re.I)
_SOME_OF_THEM = re.compile(r"^(here are|these are|they are|some (of them|of these|are|include))\b"
                           r"[^:]*:$", re.I)
# "a Scholar must submit a Payment Request Form containing the following:": a norm complete in
# itself, whose items say what its object holds
_CONTENTS_LEAD_IN = re.compile(
    r"\b((containing|(that|which) contains?)( (at least )?the following( \w+)?)?|with (at least )?"
    r"the following( (features|information|fields|details|contents?))?( in it)?|"
    r"(an amount )?equal to)\s*:$", re.I)
_EXAMPLE_LEAD_IN = re.compile(r"\b(for example|for instance|e\.g\.|examples?|such as|"
                              r"like these|like this)\s*:$", re.I)
# "Meltano prohibits X for the following reasons:": the items give reasons; the norm is the
# lead-in's own
_REASONS_LEAD_IN = re.compile(r"\b(for|because of) (the following|these|several|two|three) "
                              r"(\w+ )?reasons\s*:$|\breasons? (are|include)( as follows)?\s*:$",
                              re.I)
# "Mergers hold the following prerogatives:", "The board has these duties:": the items are
# what the party may (or must) do
_HOLDS_LEAD_IN = re.compile(
    r"^(?:the )?(?P<who>[a-z][\w -]{1,40}?) (?:holds?|has|have|retains?|enjoys?|"
    r"(?:(?:is|are) (?:volunteering|agreeing|expected) to )?(?:takes? on|assumes?|accepts?)) "
    r"(?:the following|these|the)( \w+)? (?P<what>prerogatives|rights|powers|privileges|"
    r"responsibilities|duties)\b[^:]*:$", re.I)
# "Being in the flutter-hackers group gives you the following:", "Membership entitles members
# to:": the items are what the party may do or have
_GIVES_LEAD_IN = re.compile(r"\b(?:gives?|grants?|entitles?) (?P<who>you|members|users|"
                            r"contributors|participants|employees|staff)(?: to)?"
                            r"(?: the following| these)?(?: \w+)?\s*:$", re.I)
# "The steering council is a group of experienced contributors who:": the items say what the
# party does
_WHO_LEAD_IN = re.compile(r"^(?:the )?(?P<who>[a-z][\w -]{1,40}?) (?:is|are) (?:an?|the) "
                          r"[^:]*\bwho(?: \w+)?\s*:$", re.I)
# "Thus, following some basic rules will:": items that finish the sentence say what a thing
# (no party) will do, outcomes rather than orders
_OUTCOME_LEAD_IN = re.compile(r"\bwill\s*:+$", re.I)
# "You can help us do this by following these tips:", "Tips for using the board:": the items
# advise
_TIPS_LEAD_IN = re.compile(r"(\b(these|the following|some|a few|our|a couple of) |^)(\w+ )?(tips|"
                           r"suggestions|recommendations|best practices|pointers|hints)\b"
                           r"[^:]{0,60}:$", re.I)
# a procedure: "The election process works as follows:", "The procedure is as follows:"
_STEPS_LEAD_IN = re.compile(r"\b(?:works?|occurs?|occur|proceeds?|operates?|runs?|happens?|"
                            r"(?:is|are) conducted|(?:process|procedure)s? (?:is|are)) "
                            r"as follows\s*:$", re.I)
_STEPS_SENTENCE = re.compile(r"\b(process|procedure)\b[^.:;]{0,80}\b(is|are|works?|runs?) as "
                             r"follows\s*[.:]$", re.I)
_MARKUP = re.compile(r"`|(?<=\w)_(?=\W|$)")  # reStructuredText's `link`_ and Name_
_LEAD_IN_SUBJECT = re.compile(r"\b(?P<who>you|we|they|employees|staff|supervisors|managers|"
                              r"contractors|members)\s*:$", re.I)
_CLAUSE_STARTS = {"if", "when", "whenever", "for", "to", "the", "a", "an", "this", "that", "these",
                  "those", "it", "you", "we", "they", "in", "on", "at", "as", "by", "with",
                  "from", "of", "and", "or", "but", "once", "after", "before", "while", "unless",
                  "because", "since", "please", "there", "here", "i", "our", "your", "their"}
_ANSWER = re.compile(r"^(?P<answer>yes|no)\b[\s,.;:–—-]*", re.I)
_DEFINED_TERM = re.compile(r"[\"“]([^\"”]{2,60})[\"”]\s+(?:means|refers to|is defined as)")
_QUOTED_TERMS = re.compile(r"^(?:an?\s+|the\s+)?[\"“]([^\"”]{2,60})[\"”]"
                           r"(?:\s+or\s+[\"“]([^\"”]{2,60})[\"”])?", re.I)
_SUBJECT_TERM = re.compile(r"^(?:the\s+)?([\w()' /-]{2,50}?)\s+(?:is|are)\s+"
                           r"(?:when|defined as|considered|deemed)\b|^(?:the\s+)?"
                           r"([\w()' /-]{2,50}?)\s+(?:means|refers to)\b", re.I)
_REF = re.compile(
    r"\b(?i:see|refer to|as described in|described in|as defined in|defined in|according to|"
    r"in accordance with|listed in|check out)\s+(?i:the\s+)?(?P<name>(?i:section)\s+[\d.]*\d"
    r"(?:\s+of\s+the\s+[^,;:!?()]+?)?|[A-Z0-9][^.,;:!?()]{2,80}?)"
    r"(?=\s+(?:if|for|to|when|which|that|on|about)\s+(?![A-Z])|[.,;:!?()]|$)")
REF_SUFFIX = re.compile(r"\s+(policy|section|page|guide|document)$", re.I)
# a lead-in's subject that is a thing done, not someone who does it ("self-promotion")
_ABSTRACT = re.compile(r"(?<!administra)(?<!organiza)(?<!organisa)(?<!corpora)(?<!founda)"
                       r"(?<!institu)(?<!federa)(?<!associa)(?<!commis)(?<!coali)(?<!na)"
                       r"(tion|ment|ness|(?<!author)(?<!commun)(?<!univers)(?<!ent)ity|ance|"
                       r"ence|ism)s?$", re.I)  # not "administration", "authority"
_SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.I)


def speaks_to_reader(text: str) -> bool:
    """Whether a sentence names the reader ("you", "your", "yourself")."""
    return _SECOND_PERSON.search(text) is not None


class Settings(NamedTuple):
    """The few choices of the rules above that are numbers or switches. The defaults were set
    on the project's three 18F documents; bench/bench_structure.py picks them again leaving
    out each labelled document in turn, to show what choosing them on other documents gives."""

    addressee_share: float = 0.05  # share of "you" sentences: the reader is the addressee
    heading_force: bool = True  # "Not OK", "Allowed"... headings give their items a force
    entry_definitions: bool = True  # a "Term: gloss" line without force is a definition
    second_reading: bool = True  # the learned model may read a norm the rules missed
    norm_model: NormModel | None = None  # that model; None: the one shipped with the package


class Force(NamedTuple):
    """What a lead-in or a heading hands to the statements under it."""

    modality: Modality
    negated: bool
    actor: str | None
    conditions: list[str]
    as_conditions: bool = False  # "... unless:": the items are the lead-in's exceptions
    examples: bool = False  # "For example:": the items illustrate and carry no norm
    steps: bool = False  # "The election process works as follows:": every sentence binds
    across: bool = False  # "Check for the following:" before headings: their items' force
    options: bool = False  # "in one of the following ways:": each order is one allowed way


def split_sentences(text: str) -> list[str]:
    """Sentences; a break after an abbreviation ("Ex.") or inside parentheses is undone (not
    in a parenthesis that opens the sentence: its sentences are whole), and sentences run
    together without a space ("item.Size") are split."""
    out: list[str] = []
    for chunk in _RUN_TOGETHER.split(text):
        for piece in (s.strip() for s in _SENTENCE_END.split(chunk)):
            if not piece:
                continue
            if out and (_ABBREVIATION.search(out[-1]) or _MARKER_ONLY.fullmatch(out[-1])
                        or out[-1].count("(") > out[-1].count(")")
                        and not out[-1].startswith("(")  # "(It must be 8 long. Do not X.)"
                        or _NUMBER_SIGN.search(out[-1]) and piece[:1].isdigit()):
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
    return [part for sentence in out for part in _rules_in_series(sentence)]


_SERIES_PART = re.compile(r"(?<=;)\s+(?=[a-z])")
_MODAL_WORD = re.compile(r"\b(must|shall|should|may|will|can(not)?|need to|required)\b", re.I)


def _rules_in_series(sentence: str) -> list[str]:
    """"password authentication must be applied; encryption must be applied to the hard drive;
    it shall be deleted immediately after use;": rules in a series, each with its own modal, are
    sentences of their own (parts without one stay joined to the part before)."""
    parts = _SERIES_PART.split(sentence)
    if len(parts) < 3 or sum(_MODAL_WORD.search(p) is not None for p in parts) < 3:
        return [sentence]
    out: list[str] = []
    for part in parts:
        if out and _MODAL_WORD.search(part) is None:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def addressee(sentences: list[str], share: float = Settings().addressee_share) -> str | None:
    """"you" when the document speaks to its reader (by default one sentence in twenty says
    "you" or "your"): an agentless passive then binds the reader. Else None."""
    if not sentences:
        return None
    second = sum(1 for s in sentences if _SECOND_PERSON.search(s))
    return "you" if second >= share * len(sentences) else None


# a weight in brackets before an item ("(Optional) create a metadata file ...")
_WEIGHT_TAG = re.compile(r"^[(\[](?P<key>optional|recommended|required|mandatory)[)\]]\s*"
                         r"(?P<value>\S.*)$", re.I)


def entry_parts(text: str) -> tuple[str, str, Force | None] | None:
    """For a ``Key: value`` line, or an item after a weight in brackets ("(Optional) create
    ..."): the part before the value (kept verbatim in the statement),
    the value to analyse, and the force its key or a yes/no answer gives ("Optional: ...",
    "Required: ...", "Credit hours: No - not available" forbids, "Overtime: Yes" permits)."""
    tag = _WEIGHT_TAG.match(text)
    entry = (tag.group("key"), tag.group("value")) if tag else key_value(text)
    if entry is None:
        return None
    key, value = entry
    force = heading_force(key, None)
    answer = _ANSWER.match(value)
    if answer is not None:
        value = value[answer.end():]
        if force is None:
            yes = answer.group("answer").lower() == "yes"
            force = Force(Modality.permission if yes else Modality.prohibition, not yes, None,
                          [])
    return text[:len(text) - len(value)], value, force


_CONTACT = re.compile(r"^(\S+@\S+\.\w+|https?://\S+|#[\w-]+|\+?[\d ()-]{7,})\.?$")


_METADATA_KEY = re.compile(r"^(sources?|last (updated|modified|reviewed|revised|edited)( on)?|"
                          r"effective( date)?|date( (issued|modified|created|published))?|"
                          r"version|copyright|credits?|attribution|publisher|identifier|"
                          r"replaces|is replaced by|(status|description|type) of (the )?document)$",
                          re.I)
# who wrote the document ("Author: Ciaran McCreesh <ciaranm@gentoo.org>"), not a glossary's
# "Contributor: An individual who is a party to the agreement"
_BYLINE_KEY = re.compile(r"^(authors?|contributors?|creators?|editors?|maintainers?)$", re.I)
_NAMES = re.compile(r"^(?!(an?|the|any|all|each|every|one|someone|anyone|those|people|persons?)\b)"
                    r"[A-Z][\w.'’-]*( [A-Z][\w.'’-]*)*\s*(<[^>]+>)?\s*([,;&]|and|$)")


def is_metadata(head: str, value: str = "") -> bool:
    """Whether a ``Key: value`` line (``entry_parts``' first part and its value) is a line about
    the document, not a rule in it ("Source: ...", "Last updated: May 2026", "Effective date:
    September 30, 2019", "Author: Linux Australia Council")."""
    key = head.strip().rstrip(":").strip()
    return _METADATA_KEY.match(key) is not None or \
        _BYLINE_KEY.match(key) is not None and _NAMES.match(value.strip()) is not None


def is_contact(value: str) -> bool:
    """A value that is an address to reach ("Email: x@y.gov", "Slack: #channel")."""
    return _CONTACT.match(value.strip()) is not None


def stock_labelled(text: str) -> bool:
    """A line that opens with a call-out's stock label and its colon ("Example:
    ``--use-deprecated=legacy-resolver``", "Note: ..."): an aside, not a title or a term."""
    label, colon, rest = text.partition(":")
    return bool(colon and rest.strip()) and _NOT_A_TERM.match(label.strip()) is not None


def key_value(text: str) -> tuple[str, str] | None:
    """("Term", "gloss") for a ``Term: gloss`` line; None for prose, labels like "Note:" and
    clauses before a colon ("If it says Unit: ...")."""
    match = _KEY_VALUE.match(text) or _LOWER_KEY.match(text) or _QUOTED_TERM.match(text) or \
        _CODE_KEY.match(text) or _DASHED_KEY.match(text)
    if match is None or _NOT_A_TERM.match(match.group("key")) or \
            match.group("key").split()[0].lower() in _CLAUSE_STARTS:
        return None
    return match.group("key"), match.group("value")


_HEADING_NUMBER = re.compile(r"^(?:§+\s*)?(?:\d+[a-z]?(?:\.\d+[a-z]?)*|[A-Z]|[IVX]+)[.)]?"
                             r"\s+(?=[A-Za-z])")


_GOALS = re.compile(r"\b(goals?|objectives?|aims|mission)\b", re.I)


def names_goals(title: str) -> bool:
    """A section of goals ("Our primary goals", "Program Goals"): its items in the imperative
    ("Reward ongoing contributions", "Protect clients' information") name aims, not orders."""
    return _GOALS.search(title) is not None


def heading_force(title: str, clause: Clause | None, words: bool = True) -> Force | None:
    """The force a heading gives the items under it: its words ("Not OK", "Allowed"), or, for a
    heading written as a lead-in ("If you work a flexible schedule you:"), its analysis."""
    plain = _HEADING_NUMBER.sub("", " ".join(title.strip(" :.").split()))  # "1. Definitions"
    plain = ASIDE_END.sub("", plain)  # "Strongly Recommended (not counted toward rating)"
    for modality, negated, pattern in _FORCE_HEADINGS if words else []:
        if pattern.search(plain):
            return Force(modality, negated, None, [])
    if clause is not None and ends_lead_in(title):
        return lead_in_force(clause, title)
    return None


_ITEMS_NAMED = r"the following|as follows|listed below"  # words that name the items below
_FOLLOWING = re.compile(rf"\b({_ITEMS_NAMED}|below)\s*[.:]?$", re.I)
_NAMES_ITEMS = re.compile(rf"\b({_ITEMS_NAMED})\b", re.I)


def names_items(text: str) -> bool:
    """Whether a clause names the items below it ("Each body can only include the following
    parts")."""
    return _NAMES_ITEMS.search(text) is not None


# "..., you consent to our use of your data as described below.": a whole sentence that points
# at the text below, not a lead-in its items finish
_POINTS_BELOW = re.compile(r"\bas (described|explained|detailed|set out|outlined) below\.$", re.I)


# "Information which should not be posted includes:": a relative clause says what the items
# are under (must / may / should (not) be done to them).
_RELATIVE_NORM = re.compile(
    r"\b(which|that|who)\s+(?:\w+\s+){0,6}?(?P<modal>must|shall|should|may|can|cannot|can['’]t)"
    r"(?P<neg>\s+not|n['’]t)?\s+(?:\w+\s+)?be\s+(?:\w+ed|in place)\b", re.I)


_PARTIES = {"we", "you", "they"}
_RELATIVE_MODALS = {"must", "shall", "should", "may", "can"}


def _relative_party(text: str) -> tuple[str, str, bool] | None:
    """(party, modal, negated) of a relative clause with its own modal in a lead-in
    ("Circumstances in which we may disclose your Personal Data to third parties:", "the types
    of Personal Data we may collect and use:"): the items are what the party may (must) do so."""
    for token in parse([text])[0]:
        verb = token.head
        if token.tag_ == "MD" and token.lower_ in _RELATIVE_MODALS and verb.dep_ == "relcl":
            who = [c.lower_ for c in verb.children if c.dep_ == "nsubj" and c.lower_ in _PARTIES]
            if who:
                return who[0], token.lower_, any(c.dep_ == "neg" for c in verb.children)
    return None


def relative_force(clause: Clause, text: str, reader: str | None) -> Force | None:
    """The force a lead-in with no norm of its own carries in a relative clause about the
    items ("Sensitive information, which should not be posted, includes the following.";
    "Circumstances in which we may disclose your data:")."""
    if clause.explicit and clause.modality != Modality.definition:
        return None
    match = _RELATIVE_NORM.search(text)
    if match is None:
        party = _relative_party(text) if clause.modality == Modality.informational else None
        if party is None:
            return None
        who, modal, negated = party
        return Force(modal_force(modal, negated), negated, who, [])
    modal = match.group("modal").lower()
    negated = match.group("neg") is not None or modal.startswith(("cannot", "can'", "can’"))
    return Force(modal_force(modal[:3] if modal.startswith("can") else modal, negated),
                 negated, reader, [])


# a sentence broken off after its modal, its verbs in the items ("an implementation must" /
# "(i) meet X, and" / "(ii) be approved by Y.")
_OPEN_MODAL = re.compile(r"\b(must|shall|should|may|will)(\s+not)?$", re.I)
_AGREED_LEAD = re.compile(r"\bagrees?\s+(?:that\s+\w+\s+(?:will|shall)\s+)?(?P<neg>not\b)?\s*"
                          r"(?:to)?$", re.I)
_BARE_MODALS = {"must": Modality.obligation, "shall": Modality.obligation,
                "will": Modality.obligation, "should": Modality.recommendation,
                "may": Modality.permission}


def _lead_in_body(text: str) -> str:
    """A lead-in without the colon or dash that ends it."""
    return text.rstrip().rstrip(":—–-").rstrip()


def ends_lead_in(text: str) -> bool:
    """Whether a paragraph announces the items after it: it ends in a colon, or in a dash as
    regulations write it ("are prohibited from—", "except for -"), or in both as British
    handbooks write it ("for unofficial purposes, including:-"), or in a bare modal whose
    verbs the items give ("Employees must" / "- report X")."""
    end = text.rstrip()
    return end.endswith((":", "—", "–", " -", "--", ":-", ":–")) or \
        _FOLLOWING.search(end) is not None and _POINTS_BELOW.search(end) is None or \
        _OPEN_MODAL.search(end) is not None


_JUDGED = [(Modality.prohibition, re.compile(
    r"\b(unacceptable|prohibited|forbidden|banned|not (allowed|permitted|acceptable|tolerated))\b|"
    + _NOT_CLAIMABLE, re.I)),
           (Modality.permission, re.compile(r"\b(acceptable|allowed|permitted|approved|"
                                            r"reimbursable|eligible|allowable|claimable)\b", re.I)),
           # "Potential consequences for violating the code include:": what the enforcer may do
           (Modality.permission, re.compile(r"\b(consequences|sanctions|penalties|disciplinary "
                                            r"actions?|(possible|potential) (responses|actions|"
                                            r"outcomes|remedies))\b", re.I)),
           (Modality.obligation, re.compile(r"\b(expected|required|mandatory)\b", re.I))]


def judged_force(text: str) -> Force | None:
    """A lead-in that lists cases of what it judges ("Examples of unacceptable behaviour
    include:", "Prohibited activities include:", "Expected behaviours are:"): its items take
    that force."""
    end = text.rstrip()
    examples = _EXAMPLES_OF.search(end)
    if examples is not None:  # "The following are examples of expenses not covered:"
        subject = examples.group("what")
    elif not end.endswith(":") or not _DEFINING_LEAD_IN.search(end) and \
            not re.search(r"\b(are|is)\s*:$", end, re.I) and not _NAMED_LIST.match(end):
        return None
    else:  # "Prohibited activities include:", "Additional Reimbursable Expenses:"
        subject = re.split(r"\b(includes?|include|are|is)\b", end, maxsplit=1, flags=re.I)[0]
    if is_example_lead_in(subject):
        return None  # "Acceptable usage examples:" illustrates
    for modality, pattern in _JUDGED:
        if examples is not None and modality != Modality.prohibition:
            continue  # "Examples of permitted fair use:" illustrates
        if pattern.search(subject):
            negated = modality == Modality.prohibition and \
                _NEGATION_WORD.search(subject) is not None
            return Force(modality, negated, None, [])
    return None


_EXAMPLES_OF = re.compile(r"\bexamples? of (?P<what>[^:]{3,80}):$", re.I)
_NAMED_LIST = re.compile(r"^[A-Z][\w'’/&-]*(?: [\w'’/&-]+){0,5}:$")  # a list's name, no verb
_NEGATION_WORD = re.compile(r"\b(not|non|ineligible|unallowable)\b", re.I)


# A column whose values are what may be spent or claimed ("Reimbursable amount", "Allowance")
_ALLOWANCE_HEADER = re.compile(r"^(max(imum)? )?(reimbursable|allowed|allowable|eligible|covered)"
                               r"( \w+)?$|^(max(imum)? )?(allowance|reimbursement)( \w+)?$", re.I)
_NOTHING = {"", "no", "n/a", "na", "none", "-", "--", "—", "0", "$0", "not covered",
            "not reimbursable", "not allowed"}


def _header_words(header: str) -> str:
    """A column header's words, without its emphasis or closing colon ("**Retention Period:**")."""
    return " ".join(header.strip(" :*").split())


def allowance_force(header: str, cell: str) -> Force | None:
    """A row's amount under an allowance column ("reimbursable amount" / "$250"): the row
    is what may be claimed, whatever its other cells say about why."""
    if not _ALLOWANCE_HEADER.search(_header_words(header)):
        return None
    if cell.strip(" .*").lower() in _NOTHING:
        return None
    return Force(Modality.permission, False, None, [])


# A retention schedule's period column ("Retention Period", "Retain for", "Keep for"): each row
# is a duty to keep its record that long. A column naming a role ("Asset Officer", "Record
# owner") says who keeps it.
_RETENTION_HEADER = re.compile(r"^(minimum |required )?(retention( period| time| schedule)?|"
                               r"period of retention|retain( for)?|keep( for)?|how long to keep)$",
                               re.I)
_ROLE_HEADER = re.compile(r"^[a-z ]{0,30}\b(officer|owner|custodian|manager|holder|lead)$", re.I)


def retention_force(headers: list[str], cells: list[str]) -> Force | None:
    """A retention schedule's row ("Accounting records | 6 years | Hannah Sharpe | Archive"
    under "Record | Retention Period | Asset Officer | Action"): a duty to keep the record, of
    the role a column names (else of the reader, which the caller fills in)."""
    period = [cell for header, cell in zip(headers, cells, strict=False)
              if _RETENTION_HEADER.match(_header_words(header))]
    if not period or period[0].strip(" .*").lower() in _NOTHING:
        return None
    role = next((_header_words(h).lower() for h in headers
                 if _ROLE_HEADER.match(_header_words(h))), None)
    return Force(Modality.obligation, False, role, [])


_YES_NO = re.compile(r"^(yes|no|y|n)(?:$|[\s,;(:–—-])", re.I)
# a yes/no column's question ("Reimbursable by default?", "Required?"): its word's force
_QUESTION_WORDS = {"allowed": Modality.permission, "permitted": Modality.permission,
                   "reimbursable": Modality.permission, "covered": Modality.permission,
                   "eligible": Modality.permission, "acceptable": Modality.permission,
                   "ok": Modality.permission, "okay": Modality.permission,
                   "required": Modality.obligation, "mandatory": Modality.obligation,
                   "needed": Modality.obligation, "prohibited": Modality.prohibition,
                   "forbidden": Modality.prohibition}


def _question_column(header: str) -> Force | None:
    """The force a yes/no column asks about ("Reimbursable by default?" permits), if its
    header is a question in a few words."""
    question = _header_words(header)
    words = re.findall(r"[a-z]+", question.lower())
    if not question.endswith("?") or not 1 <= len(words) <= 5:
        return None
    found = next((_QUESTION_WORDS[w] for w in words if w in _QUESTION_WORDS), None)
    return Force(found, False, None, []) if found is not None else None


def answer_force(header: str, cell: str) -> Force | None:
    """A table cell answering its column's question: "Allowed?" / "Yes" gives the column's
    force, "No" its negation ("Required?" / "No": a negated duty, so a permission)."""
    column = heading_force(header, None) or _question_column(header)
    answered = _YES_NO.match(cell.strip(" .!*"))  # "Yes", "Yes (cheapest class)", "No, unless"
    if column is None or answered is None:
        return None
    answer = answered.group(1).lower()
    if answer.startswith("y"):
        return column
    flipped = {Modality.permission: Modality.prohibition, Modality.obligation: Modality.permission,
               Modality.prohibition: Modality.permission}.get(column.modality)
    return Force(flipped, True, None, []) if flipped is not None else None


def refers_back(text: str) -> bool:
    """A lead-in whose subject points at the sentence before ("This includes:"), not at a
    noun ("These spaces include:")."""
    return re.match(r"(this|these|that|it|they)\s+(?!(?!also\b)\w+\s+(includes?|covers?)\b)",
                    text.strip(), re.I) is not None


def names_ways(text: str, before: str) -> bool:
    """A lead-in that points at the ways to act the sentence before names ("There are many ways
    to contribute to Scrapy. Here are some of them:")."""
    return _SOME_OF_THEM.match(text.strip()) is not None and \
        _WAYS_BEFORE.search(before.rstrip()) is not None


def announces_steps(text: str) -> bool:
    """"The typical process for handling a report is as follows.": the list below (perhaps
    after a paragraph) is the procedure's steps, each a duty."""
    return _STEPS_SENTENCE.search(text.rstrip()) is not None


def is_reasons_lead_in(text: str) -> bool:
    """"... for the following reasons:": the items after it explain the lead-in's norm."""
    return _REASONS_LEAD_IN.search(text.rstrip()) is not None


def is_example_lead_in(text: str) -> bool:
    """"For example:", "Examples:", "such as:": the items after it illustrate."""
    return _EXAMPLE_LEAD_IN.search(text.rstrip()) is not None


_EXAMPLES_HEAD = re.compile(r"^\W*(some |a few |other |more |typical |common )?examples? of\b"
                            r"[^:]*:$", re.I)


def opens_with_examples(text: str, own: Clause | None) -> bool:
    """A lead-in whose subject is examples of what someone may do ("Examples of when a board
    may want to use an external library:"): its "may" describes the examples, the items
    illustrate (examples of what must not be done, "Examples of sensitive information that
    should not be deposited include:", are the banned things)."""
    return own is not None and own.modality == Modality.permission and not own.negated and \
        _EXAMPLES_HEAD.match(text.strip()) is not None


_ITEM_MODALS = {"may", "must", "shall", "should", "can", "cannot", "will"}


def is_fragment(text: str, lead_in: str = "") -> bool:
    """A list item that only continues its lead-in's sentence ("race,", "or age."); not an
    act under a lead-in that ends in its modal ("The Foundation may:" / "suspend your
    access;")."""
    words = text.split()
    if words and words[0][:1].isupper() and words[0].endswith("ing"):
        return False  # "Stealing property;": an act under "are prohibited from—"
    if words and words[0].lower() in _ITEM_MODALS:
        return False  # "May be an attorney;" under "The representative—": its own norm
    if _OPEN_MODAL.search(_lead_in_body(lead_in)):
        return False
    return len(words) <= 4 and (text.rstrip().endswith((",", ";")) or
                                words[0].lower() in ("or", "and"))


def lead_in_force(clause: Clause, text: str) -> Force | None:
    """A lead-in's force, or None when it gives none ("For example:"). A lead-in that lists
    what a term covers ("These spaces include:") makes its items definitions; one that offers
    options ("You have a few options:") makes them permissions; one whose items finish what a
    thing "will:" do keeps them informational."""
    party = _party_lead_in(clause, text)
    if party is not None:
        return party
    if _OUTCOME_LEAD_IN.search(text.rstrip()) and clause.modality == Modality.informational \
            and clause.actor is None:  # "Following these rules will:" / "Make everybody happier"
        return Force(Modality.informational, False, None, [], examples=True)
    end = _lead_in_body(text)
    open_modal = _OPEN_MODAL.search(end)
    if open_modal is not None and clause.modality == Modality.informational:
        # "To be eligible, an implementation must" / "(i) meet X": the parser found no verb
        modal, negated = open_modal.group(1).lower(), open_modal.group(2) is not None
        modality = _BARE_MODALS[modal]
        if negated and modality != Modality.recommendation:
            modality = Modality.prohibition
        return Force(modality, negated, clause.actor or _bare_subject(end[:open_modal.start()]),
                     list(clause.conditions))
    agreed = _AGREED_LEAD.search(end)
    if agreed is not None and clause.modality == Modality.informational:
        # "You agree that you will not:" / "You agree not to:" / "You agree to:"
        negated = agreed.group("neg") is not None
        return Force(Modality.prohibition if negated else Modality.obligation, negated,
                     clause.actor, list(clause.conditions))
    if _TIPS_LEAD_IN.search(text.rstrip()) and clause.modality not in (Modality.prohibition,
                                                                      Modality.obligation):
        return Force(Modality.recommendation, False, None, list(clause.conditions))
    if _DUTY_LIST.search(text.rstrip()) and not clause.imperative and (
            not clause.explicit or clause.modality == Modality.definition) or \
            _STATED_DUTIES.search(text.rstrip()) and not clause.negated:
        # "Key considerations in these scenarios include:", "Your responsibilities are:"
        owner = _DUTY_OWNER.match(text) or _BODY_DUTIES.search(text)
        return Force(Modality.obligation, False,
                     owner.group("who").lower() if owner is not None else None,
                     list(clause.conditions))
    if _KINDS_LEAD_IN.search(text.rstrip()):
        return Force(Modality.definition, False, None, [])
    granted = _GRANTS_LEAD_IN.search(text.strip()) is not None  # "Their privileges include:"
    if _DEFINING_LEAD_IN.search(text) and not clause.imperative and not granted and (
            not clause.explicit or clause.modality == Modality.definition):
        return Force(Modality.definition, False, None, [])
    if _WAYS_NAMED.search(text.rstrip()) and clause.modality == Modality.informational:
        # the items are options: an order among them permits, an item's own words stand
        return Force(Modality.informational, False, clause.actor, list(clause.conditions),
                     options=True)
    if _WAYS_LEAD_IN.search(text.rstrip()):
        return Force(Modality.permission, False, clause.actor, list(clause.conditions),
                     options=True)
    if (_OPTIONS_LEAD_IN.search(text) or granted) and (
            not clause.explicit or granted and clause.modality == Modality.definition):
        # "You have a few options:", "Privileges:", "Their privileges include:"
        return Force(Modality.permission, False, clause.actor, list(clause.conditions))
    subject = _LEAD_IN_SUBJECT.search(text)
    if clause.modality == Modality.informational and subject is not None:
        # "If you work a flexible schedule you:": the items' subject and condition
        return Force(Modality.informational, False, subject.group("who").lower(),
                     list(clause.conditions))
    if clause.modality in (Modality.informational, Modality.definition) and \
            not _CONDITION_LEAD_IN.search(text):
        if clause.modality == Modality.informational and clause.actor is not None:
            return Force(Modality.informational, False, clause.actor, [])  # "All drivers—"
        return None
    if clause.modality == Modality.obligation and _NOT_LEAD_IN.search(text):
        # "All Users SHALL ensure that they do not:": each item is forbidden
        return Force(Modality.prohibition, True, clause.actor, list(clause.conditions))
    return Force(clause.modality, clause.negated, clause.actor, list(clause.conditions),
                 as_conditions=_CONDITION_LEAD_IN.search(text.rstrip()) is not None
                 or _ends_in_condition(clause, text))


_BARE_SUBJECT = re.compile(r"^(?:(?:the|our|each|every|all|any)\s+)?(?P<who>[A-Za-z][\w'-]*"
                           r"(?:\s+[A-Za-z][\w'-]*){0,3})\s*$", re.I)


def _bare_subject(text: str) -> str | None:
    """The subject before a lead-in's bare modal ("Dryad will not:", "To be eligible, an
    applicant must"), which the parser, finding no verb, did not name."""
    match = _BARE_SUBJECT.match(text.rsplit(",", 1)[-1].strip())
    if match is None or match.group("who").split()[0].lower() in ("to", "it", "this", "that",
                                                                  "there", "they", "a", "an"):
        return None
    return match.group("who").lower()


# a condition the list completes: "unless that human being is", "if one of the following
# applies", "unless that person has completed one of the following"
_OPEN_CONDITION = re.compile(r"\b(is|are|has|have|includes?|involves?|meets?)\s*$|"
                             r"\b(the following|one of these|either|any of these)\b", re.I)


def _ends_in_condition(clause: Clause, text: str) -> bool:
    """"No person may operate X over a human being unless that human being is:": the colon
    ends the norm's own condition or exception, so the items complete it."""
    end = _lead_in_body(text)
    return any(len(c.split()) >= 3 and end.endswith(c.rstrip()) and _OPEN_CONDITION.search(c)
               for c in [*clause.conditions, *clause.exceptions])


def _party_lead_in(clause: Clause, text: str) -> Force | None:
    """The force of a lead-in that says nothing itself but names what its items are: a
    party's prerogatives or duties, what a party is a group of people who do, or the steps of
    a procedure."""
    if clause.modality not in (Modality.informational, Modality.definition):
        return None
    plain = _MARKUP.sub("", text.strip())
    holds = _HOLDS_LEAD_IN.search(plain)
    if holds is not None:
        duty = holds.group("what").lower() in ("responsibilities", "duties")
        return Force(Modality.obligation if duty else Modality.permission, False,
                     holds.group("who").lower(), list(clause.conditions))
    gives = _GIVES_LEAD_IN.search(plain)
    if gives is not None:
        return Force(Modality.permission, False, gives.group("who").lower(),
                     list(clause.conditions))
    who = _WHO_LEAD_IN.search(plain)
    if who is not None:
        return Force(Modality.obligation, False, who.group("who").lower(),
                     list(clause.conditions))
    if _STEPS_LEAD_IN.search(plain):
        return Force(Modality.obligation, False, None, [], steps=True)
    return None


def keeps_its_norm(force: Force, text: str) -> bool:
    """A lead-in that keeps its own norm as well as handing it on: one whose items are the ways
    to meet it ("in one of the following ways:") or what its object holds ("must submit a form
    containing the following:")."""
    return force.options or _CONTENTS_LEAD_IN.search(text.rstrip()) is not None


def is_exception_lead_in(text: str) -> bool:
    return _EXCEPTION_LEAD_IN.search(text.rstrip()) is not None


def inherit(clause: Clause, force: Force | None, entry: bool) -> Clause:
    """The clause with the force of its lead-in or heading where its own words say none; an
    ``entry`` (a ``Key: value`` line) with no force at all is a definition. A question ("(vi)
    May I charge for the copies?") takes no force: it asks, its answer rules."""
    if force is not None and clause.text.rstrip(" \"'”’)").endswith("?") and \
            clause.modality == Modality.informational:
        return clause
    if force is not None and force.options and clause.imperative:
        return clause._replace(modality=Modality.permission, negated=False,
                               conditions=force.conditions + clause.conditions)
    if clause.explicit and clause.modality != Modality.definition:
        if force is None or force.examples:
            return clause
        if force.across:  # a far lead-in's party does not act in a sentence of its own
            return clause._replace(conditions=force.conditions + clause.conditions)
        actor = clause.actor or force.actor
        if (clause.passive or clause.imperative) and clause.actor in (None, "you") and \
                force.actor:  # "Employees using email should:" / "Messages must not be sent";
            actor = force.actor  # "Each CSA shall:" / "Have the authority to X"
        return clause._replace(actor=actor, conditions=force.conditions + clause.conditions)
    if force is not None and force.modality == Modality.informational:
        return clause._replace(actor=clause.actor or force.actor,
                               conditions=force.conditions + clause.conditions)
    if force is not None and force.across and clause.modality == Modality.definition:
        return clause  # a definition in its own words under a far lead-in ("X includes Y")
    if force is not None and force.modality != Modality.informational:
        actor = clause.actor if clause.actor and not clause.imperative else force.actor
        if clause.imperative and (actor is None or force.across or _ABSTRACT.search(actor)
                                  and not names_party(actor)):
            actor = "you"  # "we expect self-promotion to follow these guidelines:" / "Be X"
        # "Required:" over "The source does not include compiled files.": a duty that
        # something not be so, negated as the item's own words are
        negated = force.negated or clause.negated and force.modality in (
            Modality.obligation, Modality.recommendation)
        return clause._replace(modality=force.modality, negated=negated, actor=actor,
                               explicit=True, conditions=force.conditions + clause.conditions)
    if entry and clause.modality in (Modality.informational, Modality.definition):
        return clause._replace(modality=Modality.definition, actor=None, action=None)
    return clause


def refs_of(text: str) -> list[str]:
    """Names of documents or sections a statement points to ("see the X policy")."""
    return [m.group("name").strip() for m in _REF.finditer(text)]


def terms_of(text: str, modality: Modality) -> list[str]:
    """Terms a definition defines: a ``Term:`` key, quoted ones, else the subject of "X is
    when ..."."""
    terms = _DEFINED_TERM.findall(text)
    if modality != Modality.definition or terms:
        return terms
    entry = key_value(text)
    if entry is not None:
        return [entry[0]]
    quoted = _QUOTED_TERMS.match(text)
    if quoted:
        return [t for t in quoted.groups() if t]
    subject = _SUBJECT_TERM.match(text)
    found = [t for t in subject.groups() if t] if subject else []
    return [t for t in found if not re.match(r"(this|that|these|those|it)\b", t, re.I)]
