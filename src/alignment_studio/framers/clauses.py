"""What one sentence says, read from its dependency parse (spaCy, see framers/nlp.py).

A sentence is cut into clauses where a second norm with its own subject, modal or imperative
starts ("Employees must X; contractors must Y", "..., and you must not Z"); verbs sharing one
modal stay together. Each clause gets:

- its **modality** from the modal or frame word of the main verb together with negation:
  "must" / "shall" / "need to" / "required to" -> obligation, and with a negation attached to the
  modal ("must not", "shall never", "No employee may") -> prohibition; a negated duty ("do not
  need to", "is not required") -> permission; "may" / "can" / "allowed to" / "it's OK to" ->
  permission, negated ("may not", "can't", "not allowed") -> prohibition; "should" / "encouraged"
  -> recommendation (negated too); "prohibited" / "forbidden" -> prohibition;
- **imperatives** ("Report X", "Don't post Y", "Never share Z", "Avoid W", "Try V");
- the **actor**: the subject; in the passive the by-agent, else whom the document addresses
  ("Repositories should be transferred" -> "you" in a document that speaks to "you");
- **conditions** (if, when, before ...) and **exceptions** (unless, except ...) as verbatim
  clauses, and the **action**: the verb's lemma and its object ("share" + "your password").

``explicit`` tells a modality said in words (a modal, frame word or negation) from one that is
only implied (an imperative, or nothing): under a lead-in or a heading that gives the force
("You must never:", "Not OK"), an item's explicit words win and an implied one takes the
lead-in's force.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from alignment_studio.framers.nlp import parse, pipeline
from alignment_studio.types import Action, Modality

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

_OBLIGE, _PERMIT, _ADVISE = Modality.obligation, Modality.permission, Modality.recommendation
_FORBID = Modality.prohibition
# Modal auxiliaries; a negation attached to them negates the act ("must not X" forbids X).
_MODALS = {"must": _OBLIGE, "shall": _OBLIGE, "should": _ADVISE, "ought": _ADVISE,
           "may": _PERMIT, "might": _PERMIT, "can": _PERMIT, "could": _PERMIT,
           "need": _OBLIGE}  # modal "need": only "need not" / "needn't" (a permission)
# Frame words whose negation negates the duty itself ("you do not need to X": you may skip X).
_DUTY_FRAMES = {"need", "have", "require", "expect", "oblige", "obligate", "mandate",
                "necessary", "required", "mandatory", "compulsory", "obligatory"}
_FRAMES: dict[str, Modality] = {
    "need": _OBLIGE, "have": _OBLIGE, "require": _OBLIGE, "expect": _OBLIGE, "oblige": _OBLIGE,
    "obligate": _OBLIGE, "mandate": _OBLIGE, "responsible": _OBLIGE, "liable": _OBLIGE,
    "accountable": _OBLIGE,
    "important": _ADVISE,
    "critical": _OBLIGE, "essential": _OBLIGE, "vital": _OBLIGE, "mandatory": _OBLIGE,
    "necessary": _OBLIGE, "required": _OBLIGE, "imperative": _OBLIGE, "compulsory": _OBLIGE,
    "obligatory": _OBLIGE, "crucial": _OBLIGE, "allow": _PERMIT, "permit": _PERMIT,
    "entitle": _PERMIT, "empower": _PERMIT,
    "authorize": _PERMIT, "authorise": _PERMIT, "ok": _PERMIT, "okay": _PERMIT, "fine": _PERMIT,
    "acceptable": _PERMIT, "permissible": _PERMIT, "free": _PERMIT, "welcome": _PERMIT,
    "eligible": _PERMIT, "encourage": _ADVISE, "discourage": _ADVISE, "recommend": _ADVISE,
    "advise": _ADVISE,
    "suggest": _ADVISE, "prefer": _ADVISE, "favor": _ADVISE, "favour": _ADVISE,
    "advisable": _ADVISE, "best": _ADVISE,
    "wise": _ADVISE, "better": _ADVISE, "prudent": _ADVISE, "sensible": _ADVISE,
    "useful": _ADVISE, "helpful": _ADVISE,
    "preferable": _ADVISE, "desirable": _ADVISE, "optional": _PERMIT, "safe": _PERMIT,
    "tolerate": _PERMIT, "accept": _PERMIT, "approve": _PERMIT, "reserve": _PERMIT,
    "paramount": _OBLIGE, "reimburse": _OBLIGE, "want": _ADVISE, "ask": _OBLIGE, "request": _OBLIGE,
    "urge": _ADVISE, "insist": _OBLIGE, "reimbursable": _PERMIT, "allowable": _PERMIT,
    "get": _PERMIT, "prohibit": _FORBID,
    "forbid": _FORBID, "ban": _FORBID, "bar": _FORBID, "disallow": _FORBID,
    "unacceptable": _FORBID, "prohibited": _FORBID, "forbidden": _FORBID,
    "appropriate": _PERMIT, "inappropriate": _FORBID, "commit": _OBLIGE, "illegal": _FORBID,
    "unlawful": _FORBID,
}
# Verbs whose object is what must not happen ("Avoid X", "must refrain from X").
_AVOID = {"avoid", "refrain", "restrain"}  # "users are to restrain from improper X"
_TRY = {"try", "consider"}
# verbs that hand a judgement to their predicate: "two styles are considered acceptable"
_JUDGED = {"consider", "deem"}
# Adjectives that judge the act, not the person: "X is fine", "It is critical that you X".
_ACT_ADJECTIVES = {"ok", "okay", "fine", "acceptable", "permissible", "important", "critical",
                   "essential", "vital", "mandatory", "necessary", "required", "imperative",
                   "compulsory", "obligatory", "crucial", "advisable", "unacceptable",
                   "prohibited", "forbidden", "best", "wise", "better", "reimbursable",
                   "prudent", "sensible", "preferable", "desirable", "optional", "safe",
                   "paramount", "appropriate", "inappropriate", "illegal", "unlawful",
                   "allowable"}
# Verbs that pass a duty on to a "that" clause ("we ask that you X", "ensure that staff Y").
_ASKING = {"ask", "insist", "request", "demand", "direct", "instruct", "remember", "note",
           "ensure", "sure", "understand", "acknowledge", "agree", "certify", "affirm"}
# Verbs of happening: "may"/"can" with them says what is possible, not what is allowed.
_HAPPENING = {"lose", "happen", "occur", "vary", "result", "cause", "indicate", "seem",
              "appear", "affect", "become", "contain", "mean", "differ", "change", "exist",
              "arise", "apply", "depend", "lead", "take", "feel"}
_ADVICE_NOUNS = {"idea", "rule", "practice", "way", "approach", "habit", "place", "time", "bet",
                 "option", "policy"}
_POINTING = {"see", "refer", "read", "visit", "learn", "head", "look"}
_DOCUMENT_WORDS = {"page", "guide", "policy", "site", "website", "link", "chart", "document",
                   "handbook", "calendar", "list", "sheet", "article", "faq", "wiki", "resource",
                   "directory", "regulation", "instruction"}
# what one is pointed to read ("Read the guide on passwords", "read these Terms carefully")
_READINGS = _DOCUMENT_WORDS | {"doc", "docs", "documentation", "section", "instruction",
                               "direction", "term", "guideline", "archive", "readme"}
_DETAILS = {"information", "detail", "details", "guidance", "help", "instructions", "advice",
            "assistance", "clarification"}
_EXAMPLE = re.compile(r"^(for (example|instance)|e\.g\.|example( \d+)?\s*:)", re.I)
_CONTACTING = {"contact", "ask", "email", "call", "reach", "message", "ping", "see", "visit",
               "consult"}
_STRENGTH = {_FORBID: 0, _OBLIGE: 1, _ADVISE: 2, _PERMIT: 3}
_ONLY_APPROVED = re.compile(r"\bthe only (approved|permitted|allowed|authori[sz]ed|acceptable)\b",
                            re.I)
_GO_FOR_IT = re.compile(r"\b(go for it|feel free)\b", re.I)
# whom a choice is left to ("up to each poster to decide", "up to staffer discretion")
_UP_TO_PARTY = r"up to (?:the |each |every |your |our |their )?{}"
_PARTY = (r"(?!(?:the|an?|discretion|date|now|speed|scratch|standard|par|one|two|three|four|five|"
          r"six|seven|eight|nine|ten|twelve|several|many|half)\b)[A-Za-z][\w-]*(?: [\w-]+){0,2}?")
_UP_TO_WHOM = _UP_TO_PARTY.format(f"(?P<who>{_PARTY})")
_UP_TO = _UP_TO_WHOM + r"(?:'s)? (?:discretion|to decide|to choose|whether)\b"
# "Feature backports are up to the discretion of the maintainers", "The name of the header is up
# to the API provider." (the choice the subject names is theirs)
_DISCRETION_OF = (r"up to the (?:sole |full )?discretion of "
                  r"(?:the |each |every |your |our |their )?{}\b")
_UP_TO_END = r"\s*(?:[.;,]|$)"
# leeway left to someone: "RubyGems.org retains full discretion to X", "It's up to each poster
# to decide whether to X", "decisions are up to staffer discretion", "It is possible to appeal"
_LEEWAY = re.compile(r"\bretains? (?:the |full |sole |all )?(?:right|rights|discretion)\b|"
                     r"\b(?:is|are|'s) (?:entirely |solely )?(?:" + _UP_TO + "|" +
                     _UP_TO_PARTY.format(_PARTY) + _UP_TO_END + "|" +
                     _DISCRETION_OF.format(_PARTY) + ")|"
                     r"^\W*it(?:'s| is) (?:also |still )?possible to\b", re.I)
_RULES = {"prohibition", "restriction", "requirement", "rule", "limit", "limitation", "policy",
          "ban", "provision", "section", "obligation"}
_DUTIES = {"responsibility", "duty", "obligation"}
_OPPORTUNITY = {"opportunity", "right", "option", "chance", "ability", "freedom", "choice",
                "authority", "power", "discretion", *_DUTIES}
_WILL = ("will", "'ll", "wo")  # "wo": the parser's half of "won't"
_NEGATIVE_SUBJECTS = {"no one", "nobody", "none", "nothing", "neither", "no-one"}
_VAGUE_ACTORS = {"it", "this", "that", "there", "which", "who", "these", "those", "what"}
# Nouns for who can act (people, their groups and organisations); with an agentive suffix or a
# proper noun or pronoun they tell an actor from a thing ("Blog posts should be short": the
# writer, not the post, is under the norm).
_AGENTS = {"employee", "staff", "team", "member", "people", "person", "folk", "folks", "user",
           "engineer", "being", "assembly",
           "lead", "steward", "admin", "author", "official", "agency", "office", "organization",
           "organisation", "department", "group", "guild", "everyone", "anyone", "someone",
           "individual", "partner", "government", "leadership", "management", "chief", "guest",
           "client", "personnel", "public", "party", "staffer", "bureau", "division", "unit",
           "committee", "board", "company", "firm", "contractor", "vendor", "supervisor",
           "everybody", "anybody", "somebody", "colleague", "coworker", "director", "head",
           "crew", "squad", "counsel", "expert", "specialist", "representative", "delegate",
           "family", "spouse", "child", "friend", "union", "agent", "peer", "adult",
           "student", "candidate", "intern", "fellow", "volunteer", "citizen", "resident",
           "project", "program", "programme", "initiative",  # a project: its team
           "city", "county", "town", "municipality", "council", "university", "college",
           "school", "library", "institute", "institution", "foundation", "association",
           "society", "ministry", "commission", "community", "administration", "owner",
           "scholar", "applicant", "recipient", "patron", "tenant", "faculty", "officer",
           "chairperson", "chairman", "chairwoman", "chair", "successor", "scribe", "proxy",
           "registrar", "bursar", "patient", "nurse",
           "doctor", "physician", "landlord", "customer", "sponsor", "beneficiary", "secretary",
           "president", "dean", "provost", "chancellor", "clerk", "judge", "trustee",
           "mentor", "mentee", "deputy", "coach", "tutor", "trainee", "apprentice", "guardian",
           "parent", "commander", "superintendent", "commissioner", "club", "charity",
           "hackspace", "makerspace", "collective", "lab", "laboratory"}
# the units a directive's responsibilities name in headings that give their office code ("1.5.
# Officer Accessions Branch (AFPC/DPSIP).", "HQ Air Force Reserve Command (AFRC).")
_UNITS = {"branch", "command", "commander", "center", "centre", "corps", "directorate",
         "headquarters", "secretariat", "superintendent", "office", "division", "bureau",
         "agency", "department", "administrator", "director", "officer", "secretary", "chief",
         "general", "commissioner", "board", "committee", "council", "commission"}
_THINGS = {"number", "computer", "server", "browser", "folder", "printer", "container", "error",
           "behavior", "behaviour", "order", "paper", "letter", "matter", "chapter", "cover",
           "filter", "register", "trigger", "answer", "power", "water", "paragraph", "layer",
           # programs named for what they do ("The compiler will not produce a warning")
           "compiler", "linker", "parser", "debugger", "loader",
           "formatter", "optimizer", "optimiser", "tokenizer", "renderer",
           "preprocessor", "assembler", "emulator", "simulator", "crawler", "indexer", "router",
           "adapter", "wrapper"}
_CONDITION_MARKS = {"if", "when", "whenever", "before", "after", "while", "once", "until",
                    "where", "wherever", "as", "upon", "during"}
_EXCEPTION_MARKS = {"unless", "except", "excluding", "other"}
_DEFINITION = re.compile(
    r"^(the )?[\"“']?[\w'-]+(\s+[\w'-]+){0,4}[\"”']?\s+(means(?! of)|"
    r"(?<!n't )(?<!n’t )(?<!not )(?<!you )(?<!they )(?<!we )(?<!i )mean(?! of| that| to)|"
    r"refers to|is defined as|"
    r"are defined as|is when|are when)\b|[\"“][^\"”]{2,60}[\"”]\s+(means|refers to|"
    r"is defined as|includes)\b|^(an? |the )?[\"“][^\"”]{2,60}[\"”]( or [\"“][^\"”]{2,60}[\"”])?"
    r"\s+(is|are)\b|^means\b|\bwe mean\b|^this (also )?includes\b|"
    r"^[\w-]{1,20} (is|are) (the|an?) [\"“][^\"”]{2,30}[\"”]|"  # 'X is the "major" number'
    r"^an? [\w -]{2,40}? (is|are) (an?|the|your|our) (\w+ ){0,3}(account|credential|term|"
    r"person|document|record|tool|system|service|category|kind|type|form|set|level|group)\b|"
    r"^(?-i:[A-Z][A-Z-]{2,})( [a-z]+)? (is|are) (an?|the|not an?)\b|"
    r"\b(is|are) (not |also )?(considered|deemed)( to be)?\b"
    r"(?! (acceptable|permissible|fine|okay|ok)\b)|"
    r"\b(is|are) (called|known as|referred to as)\b|"
    r"^an? [\w -]{2,40}? (is|are) (an?|the same as) (?!\w+ (idea|way|time|chance)\b)|"
    r"\b(will be|shall be|is|are) deemed\b|^the term\b|\bhas the (same )?meaning\b|"
    r"^[^=]{2,40}\s=\s|^(for (the )?purposes? of|as used in|in) this (section|part|subpart|"
    r"policy|chapter|agreement|document|article)\b[^,]*,[^,]{2,60}\b(is|are|means)\b|"
    r"^(?!this\b|it\b|that\b)[A-Z][\w -]{2,40} (includes|include)\b|"
    r"^[A-Z][\w -]{2,40} (is|are) (those|any) \w+( \w+)? (that|which|who|for which|in which)\b|"
    r"^(the )?(?-i:[A-Z])[\w'’ -]{1,40}? (is|are) (an? |the )?(\w+ ){0,3}(process|information|"
    r"data|status|practice|body|copy|record|set|group|collection|stage|phase) "
    r"(of|that|which|who|where)\b|"
    # "EIP stands for X", "Standards Track EIPs consist of three parts", "There are three
    # types of EIP: ..."
    r"^(the )?[\w'’ -]{1,40}? (stands|stand) for\b|"
    r"^(the )?(?-i:[A-Z])[\w'’ -]{1,40}? (consists?|is composed|are composed) of\b|"
    r"^there are (two|three|four|five|six|several|\d+) (main )?(types|kinds|categories|classes|"
    r"levels|stages|tiers) of\b|"
    r"^(generally, )?(?-i:[A-Z])[\w -]{2,40} (does|do) not include\b",
    re.I)
# a modal that defines rather than binds: "No person under the age of 10 years shall be
# considered publicly nude.", "Such term shall include any natural pit ..."
# what rules a person or a thing falls under: "Judges are subject to the Code of Conduct for
# United States Judges", "Use of the Site is subject to these terms" (a scope, no duty)
_GOVERNED_BY = re.compile(r"\b(is|are|remains?) (also )?subject to (the |this |these |their |its |"
                          r"any |all )?([\w-]+ ){0,2}(standards?|codes?|rules|polic(y|ies)|"
                          r"regulations|provisions|terms)\b", re.I)
_LEGAL_DEFINITION = re.compile(r"\bshall (not )?be (considered|deemed)\b|"
                               r"(^|, )(such|the|this|that) term( [\"“][^\"”]{1,40}[\"”])? "
                               r"(shall|will) (also )?(include|mean)\b|"
                               # "legal holiday shall mean X", "the following terms shall have
                               # the following meanings:", "shall have the same meaning as in X"
                               r"\b(shall|will) (also )?mean\b(?! that)|"
                               r"\b(shall|will) have the (same |following )?meanings?\b|"
                               # "the term 'maintainer' should be taken to mean 'active ...'"
                               r"\b(shall|should|will|is to|are to) be (taken|read|understood|"
                               r"construed|interpreted) to mean\b|"
                               r"^[+-]\d+ means\b",  # a vote's "+1 means 'yes'"
                               re.I)
_SUBJECTS = ("nsubj", "nsubjpass", "expl", "csubj", "csubjpass")
_LEXICON: dict[str, set[str]] = {}
# a plain-text file's inline markup ("**Don't** cross-post", "``#intros``"): not words
_EMPHASIS = re.compile(r"\*\*|``")
_REFERENCE = re.compile(r"(?<=[\w.])\(([A-Za-z0-9]{1,4})\)")
# RFC 2119's key words in capitals, which the parser takes for names ("The README SHOULD ...").
_KEY_WORDS = re.compile(r"\b(?:MUST|SHALL|SHOULD|MAY|REQUIRED|RECOMMENDED|OPTIONAL|NOT|NEVER|"
                        r"ALWAYS|DO|DOES|DON'T|DOESN'T|CANNOT|CAN'T|WON'T|SHOULDN'T)(?![\w'])")
# RFC 2119's "MAY" grants an option whatever its subject ("It MAY", read as a possibility in
# lower case)
_KEY_WORD_MAY = re.compile(r"\bMAY\b(?! NOT\b)")
# "Step 2) ", and a numbered heading's number: "8. ", "2.1 ", "(a) "
_STEP = re.compile(r"^(?:(?:step|stage|phase)\s+\d{1,2}[a-z]?\s*[).:\-–]\s+|"
                   # a run-in title, numbered or not: "(a) Election and Term - As soon as X, the
                   # council shall elect", "Rules of Procedure - The council shall adopt"
                   r"(?-i:(?:\(?[a-z0-9]{1,3}[.)]\s+)?[A-Z][\w'’]*(?:\s+(?:and|of|or|the|for|to|in|"
                   r"on|&|[A-Z][\w'’]*)){0,5})\s+[-–—]\s+(?=(?-i:[A-Z]))|"
                   r"(?:tip|important|warning|caution|reminder|hint|n\.\s?b\.?|nb):\s+(?=[A-Z])|"
                   r"\(?\d{1,2}(?:\.\d{1,2})*[.)]\s+(?=[A-Z])|\d{1,2}(?:\.\d{1,2})+\s+(?=[A-Z])|"
                   r"\([a-z]\)\s+(?=[A-Z])|(?:[a-z]|[ivx]{1,4})[.)]\s+(?=(?-i:[A-Z])|[\"“]))", re.I)
# ("a.      Bias for open", "iv. Development of X": a typed letter or roman number; a call-out's
# label, "Tip: You don't have to X", "Important: Keep X", "N.B.: The editors will help X")


class Clause(NamedTuple):
    """The analysis of one clause; ``text`` is a verbatim piece of the sentence."""

    text: str
    modality: Modality
    explicit: bool
    negated: bool
    actor: str | None
    passive: bool
    imperative: bool
    conditions: list[str]
    exceptions: list[str]
    action: Action | None


def analyse(sentences: list[str], addressee: str | None = "you") -> list[list[Clause]]:
    """The clauses of each sentence (batched through the parser, cached per sentence).

    The parser reads curly apostrophes as straight ones (it tags "can’t" wrongly otherwise);
    the statements keep the source's characters; bold marks and literal quotes of a plain-text
    file's markup are blanked. A step's label ("Step 2) Enter ...") is not
    read, so that the parser sees the order; the statement keeps it."""
    labels = [m.group() if (m := _STEP.match(s)) else "" for s in sentences]
    whole = sentences
    sentences = [s[len(label):] for s, label in zip(sentences, labels, strict=True)]
    sentences = [_trimmed(s) for s in sentences]
    plain = [_straight(s) for s in sentences]
    docs = parse(plain)
    out = [clauses_of(doc, text, addressee) for doc, text in zip(docs, plain, strict=True)]
    retry = [i for i, (doc, found) in enumerate(zip(docs, out, strict=True))
             if _verb_taken_for_noun(doc, found)]
    lowered = [plain[i][:1].lower() + plain[i][1:] for i in retry]
    for i, doc, text in zip(retry, parse(lowered), lowered, strict=True):
        again = clauses_of(doc, text, addressee)
        if not again[0].imperative and _known_verb(doc):
            again = [_imperative(doc, text)]
        if again[0].imperative:
            out[i] = [c._replace(text=plain[i][:1] + c.text[1:]) if c.text[:1] == text[:1]
                      else c for c in again]
    for i, doc in enumerate(docs):
        if any(c.modality != Modality.informational for c in out[i]):
            continue
        if _misread_order(doc):
            out[i] = [_imperative(doc[1:] if doc[0].lower_ in ("please", "always", "do") and
                                  doc[1].lower_ not in ("not", "n't") else doc, plain[i])]
        elif (verb := _pleaded(doc)) is not None and not _aside(doc[:], verb, None):
            out[i] = [_imperative(doc[verb.i:], plain[i])]
    _reread_unmarked_conditions(plain, docs, out, addressee)
    _reread_reduced_relative(plain, docs, out, addressee)
    _reread_after_a_lead(plain, out, addressee)
    _reread_without_asides(plain, docs, out, addressee)
    _reread_without_consulted(plain, out, addressee)
    _reread_before_a_dash(plain, out, addressee)
    for i, doc in enumerate(docs):
        out[i] = [_rule_reach(doc, c) for c in out[i]]
    for i, found in enumerate(out):
        if any(c.modality != Modality.informational for c in found):
            continue
        if (force := _checklist_force(plain[i])) is not None:
            out[i] = [Clause(plain[i], force, False, False, "you", False, True, [], [], None)]
        elif len(found) == 1 and _KEY_WORD_MAY.search(sentences[i]):  # "It MAY support
            out[i] = [found[0]._replace(modality=Modality.permission, explicit=True)]  # X"
    for i, text in enumerate(plain):
        if _KEY_WORDS_NOTICE.search(text):  # the words it defines are no norms of its own
            out[i] = [Clause(text, Modality.definition, True, False, None, False, False, [], [],
                             None)]
    return [[_relabel(_restore(c, text, source), source, full) for c in found]
            for found, text, source, full in zip(out, plain, sentences, whole, strict=True)]


# a standard's notice of its requirement levels ("The key words MUST, MUST NOT, ... and OPTIONAL in
# this document are to be interpreted as described in RFC 2119."): a definition, whole
_KEY_WORDS_NOTICE = re.compile(r"\bkey ?words\b.{0,300}?\b(?:are|is|be)\s+(?:to be\s+)?"
                               r"(?:interpreted|construed|read|understood)\b", re.I | re.S)


# what a rule or a law, not a person, "shall not" do: its reach ("Paragraphs 7 and 8 shall not
# apply where ...", "This Directive shall not affect ..."), or what it leaves a party free to do
# ("This Directive shall not preclude Member States from adopting ...")
_REACH = {"apply", "affect", "prejudice"}
_LEAVES_FREE = {"preclude", "prevent"}
_BANS = {"prohibition", "restriction", "ban"}  # "This prohibition does not apply to ...": allowed
_RULE_NOUNS = _RULES | {"article", "paragraph", "subsection", "subparagraph", "chapter",
                        "subchapter", "part", "clause", "directive", "regulation", "act", "law",
                        "condition", "term", "exemption", "exception", "disclaimer", "guideline",
                        "standard", "procedure", "measure", "code", "agreement", "this", "it"}


def _rule_reach(doc: Doc, clause: Clause) -> Clause:
    """A negated "shall not apply" / "does not affect" said of a rule is its scope: a
    definition, or a permission where the rule is a ban; "shall not preclude X from" said of a
    rule leaves X free to act: a permission of X. Negated still, as written."""
    verb = clause.action.verb if clause.action is not None else ""
    if not clause.negated or verb not in _REACH | _LEAVES_FREE or clause.modality not in (
            Modality.prohibition, Modality.permission):
        return clause
    start = doc.text.find(clause.text[:20])  # the clause's own verb, not an earlier one's
    token = next((t for t in doc if t.lemma_ == verb and t.idx >= start and
                  any(c.dep_ == "neg" for c in t.children)), None)
    if token is None:
        return clause
    subject = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or subject.lemma_.lower() not in _RULE_NOUNS:
        return clause  # "Employees shall not affect the outcome": a person's duty
    if verb in _LEAVES_FREE:
        party = next((c for c in token.children if c.dep_ == "dobj"), None)
        if party is None or not any(c.lower_ == "from" for c in token.children):
            return clause
        return clause._replace(modality=Modality.permission,
                               actor=" ".join(t.lower_ for t in party.subtree))
    if subject.lemma_.lower() in _BANS:  # the party the ban spoke to may
        return clause._replace(modality=Modality.permission)
    return clause._replace(modality=Modality.definition, actor=None)


# A checklist's question about the reader's own act ("Did you run make test?", "Have you read
# the patch again?"), perhaps with its weight after it ("(Recommended)", "(Optional)").
_CHECKLIST = re.compile(r"^(?:did|have) you\b(?! ever\b)[^?]*\?\s*(?:\((?P<weight>\w+)\))?\s*$",
                        re.I)
_WEIGHTS = {"recommended": _ADVISE, "optional": _PERMIT}


def _checklist_force(text: str) -> Modality | None:
    """The force of a checklist's question: an obligation to have done the act, or what its
    weight says; None for any other sentence."""
    match = _CHECKLIST.match(text.strip())
    if match is None:
        return None
    return _WEIGHTS.get((match.group("weight") or "").lower(), _OBLIGE)


def _trimmed(sentence: str) -> str:
    """The sentence without the markup around it ("**Don't be snarky.**"): a parser reads
    blanks before the first word as a word."""
    blanked = _blank_markup(sentence)
    start = len(blanked) - len(blanked.lstrip())
    return sentence[start:len(blanked.rstrip())] or sentence


def _relabel(clause: Clause, read: str, full: str) -> Clause:
    """The clause that is the whole sentence read gets the sentence with its step label."""
    return clause._replace(text=full) if read != full and clause.text == read.strip() else clause


_ASIDE = re.compile(r"\s*\([^()]{1,80}\)")
def _reread_without_asides(plain: list[str], docs: list[Doc], out: list[list[Clause]],
                           addressee: str | None) -> None:
    """A parenthesis can hide the norm from the parser ("Web administrator account holders
    (Drupal, CiviCRM or other) must also:"), or hold the verb it took for the sentence's own
    ("Don't leave trailing whitespace (a good editor can manage this for you)."): a sentence
    read as saying nothing, or read from inside a parenthesis, is read again without its
    parentheses, and that reading is kept when it is one clause that says a norm."""
    todo = [i for i, found in enumerate(out) if _ASIDE.search(plain[i]) and (
        all(c.modality == Modality.informational for c in found) or _root_in_aside(docs[i]))]
    bare = [_ASIDE.sub("", plain[i]) for i in todo]
    for i, doc, text in zip(todo, parse(bare), bare, strict=True):
        again = clauses_of(doc, text, addressee)
        if len(again) == 1 and again[0].modality != Modality.informational:
            out[i] = [again[0]._replace(text=plain[i])]


def _root_in_aside(doc: Doc) -> bool:
    """Whether the parser took a word inside parentheses for the sentence's main verb."""
    depth = 0
    for token in doc:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth = max(depth - 1, 0)
        elif token.dep_ == "ROOT":
            return depth > 0
    return False


# an aside between the party and its modal, as orders and statutes write it ("the Director of
# OMB, in consultation with the Secretary of Defense and the Attorney General, shall X")
_CONSULTED = re.compile(r",\s*(?:in (?:consultation|coordination|cooperation) with|acting through|"
                        r"after consult(?:ing|ation with)|with the (?:approval|concurrence|advice)"
                        r" of)\b[^;:]*?,(?=\s+(?:shall|must|will|may|should)\b)", re.I)


def _reread_without_consulted(plain: list[str], out: list[list[Clause]],
                              addressee: str | None) -> None:
    """A long aside of those consulted can hide the party from the parser ("Within 60 days,
    the Administrator, in consultation with the heads of other agencies as the Administrator
    deems appropriate, shall begin X"): a one-clause norm read without a party is read again
    without the aside, and the party found there is kept."""
    todo = [i for i, found in enumerate(out) if len(found) == 1 and found[0].explicit
            and found[0].actor in (None, addressee) and _CONSULTED.search(plain[i])]
    bare = [_CONSULTED.sub("", plain[i], count=1) for i in todo]
    for i, doc, text in zip(todo, parse(bare), bare, strict=True):
        again = clauses_of(doc, text, addressee)
        if again and again[0].actor not in (None, addressee) and \
                again[0].modality == out[i][0].modality:
            out[i] = [out[i][0]._replace(actor=again[0].actor)]


_DASHED = re.compile(r"^(?P<rule>[A-Z][^.!?:;]{3,80}?)\s+[-–—]\s+\S")


def _reread_before_a_dash(plain: list[str], out: list[list[Clause]],
                          addressee: str | None) -> None:
    """A run-in rule and its reason after a dash ("Communicate with empathy - Disagreements
    are a fact of life."): a sentence read as saying nothing is read again up to the dash,
    and that reading is kept when it is one clause that says a norm in its own words."""
    todo = {i: m.group("rule") for i, found in enumerate(out)
            if (m := _DASHED.match(plain[i])) is not None
            and all(c.modality == Modality.informational for c in found)}
    for (i, rule), doc in zip(todo.items(), parse(list(todo.values())), strict=True):
        again = clauses_of(doc, rule, addressee)
        if len(again) == 1 and again[0].modality != Modality.informational and (
                again[0].imperative or again[0].explicit):
            out[i] = [again[0]._replace(text=plain[i])]


# A lead that offers help ("If you have questions, ...", "For more information, ...").
_HELP_LINE = re.compile(r"\b(questions?|information|help|assistance|clarification|comments?|"
                        r"suggestions?|details?|guidance)\b", re.IGNORECASE)
# Words that open a condition, a time or a circumstance before a sentence's main clause.
_LEADS = {"if", "when", "whenever", "while", "once", "depending", "before", "after", "unless",
          "where", "until", "upon", "during", "for", "in", "as", "since", "because"}


# the main clause after a leading condition: its subject, then a modal ("the Project Partner
# must notify ...", which the parser hung under the condition as a relative clause)
_SUBJECT_MODAL = re.compile(r"^(?:the|a|an|each|every|any|all|this|that|such|your|our|their|its)"
                            r"\s+(?:[\w.'-]+\s+){0,4}(?:must|shall|should|may|cannot)\s")

_EXAMPLE_LEAD = re.compile(r"^(?:for example|for instance|e\.g\.)", re.I)


def _reread_after_a_lead(plain: list[str], out: list[list[Clause]],
                         addressee: str | None) -> None:
    """An order after a leading clause the parser hung it under ("Depending on the type of
    pull request it is, follow the rules listed previously"; "If you're creating a repo
    because ..., start the repo in the CISA organization"), or a norm the parser hung under
    the lead ("If X leaves, the Project Partner must notify us"): a sentence read as saying
    nothing that opens with a condition or a time is read again from a verb, or a subject and
    its modal, after one of its commas, and that reading is kept when it is an order or a
    norm; the lead becomes its condition."""
    todo: list[tuple[int, str, str]] = []  # (sentence, lead, the rest from the verb)
    for i, found in enumerate(out):
        words = plain[i].split(maxsplit=1)
        if not words or words[0].lower() not in _LEADS or any(
                c.modality not in (Modality.informational, Modality.definition) for c in found):
            continue
        for comma in re.finditer(r",\s+(?=[a-z])", plain[i]):
            rest = plain[i][comma.end():]
            verb = rest.split(maxsplit=1)[0]
            if verb in _lexicon("verb") and verb not in _POINTING | _NOTING | _LINKING or \
                    _SUBJECT_MODAL.match(rest) and not _EXAMPLE_LEAD.match(plain[i]):
                todo.append((i, plain[i][:comma.start()], rest))
                todo.append((i, plain[i][:comma.start()], rest[:1].upper() + rest[1:]))
    # each comma in turn ("For each code change, feature or a fix, create a new branch"), the
    # rest as written, then as a sentence's start: "record why on the ticket" is a noun phrase
    done: set[int] = set()
    for (i, lead, rest), doc in zip(todo, parse([rest for _, _, rest in todo]), strict=True):
        if i in done:
            continue
        again = clauses_of(doc, rest, addressee)
        if again[0].modality == Modality.informational and _taken_for_noun(doc) and \
                not _EXAMPLE_LEAD.match(plain[i]):
            again = [_imperative(doc, rest)]  # "Record why on the ticket": a noun to the parser
        defined = any(c.modality == Modality.definition for c in out[i])
        if len(again) == 1 and (again[0].imperative or _SUBJECT_MODAL.match(rest) and
                                not defined) and \
                again[0].modality != Modality.informational and not (
                    _HELP_LINE.search(plain[i]) and any(
                        t.lemma_.lower() in _CONTACTING | {"seek"} for t in doc[:2])):
            out[i] = [again[0]._replace(text=plain[i], conditions=[lead, *again[0].conditions])]
            done.add(i)


# verbs that open a clause as some other word ("..., except that:", "..., like a phone call")
_LINKING = {"except", "like", "even"}


def _taken_for_noun(doc: Doc) -> bool:
    """Whether the rest after a leading condition opens with an order the parser took for a
    noun ("Record why on the ticket"): a known verb (three tokens or more) that neither
    modifies a noun nor starts a list ("license or other written agreement", "contract
    restrictions") nor the subject of a finite verb."""
    return _known_verb(doc) and doc[0].tag_ in ("NN", "NNP", "VB", "VBP") and \
        doc[0].dep_ != "compound" and doc[1].tag_ != "CC" and not _opens_subject(doc)


def _opens_subject(doc: Doc) -> bool:
    """Whether the first word starts the subject of a finite main verb ("account or content
    deletion is not reversible"), not an order ("Reply to them saying that X")."""
    root = doc[:].root
    finite = root.tag_ in ("VBZ", "VBP", "VBD") or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBZ", "VBP", "VBD", "MD")
        for c in root.children)
    return finite and any(c.dep_ in ("nsubj", "nsubjpass") and doc[0] in c.subtree
                          for c in root.children)


def _reread_unmarked_conditions(plain: list[str], docs: list[Doc], out: list[list[Clause]],
                                addressee: str | None) -> None:
    """A leading condition without its comma ("If an item cannot reach consensus a member can
    call a vote"): the parser takes the condition for the main clause and its "cannot" for the
    norm. Read again with a comma where the main clause's subject (or "please") begins; the
    second reading is kept when its norm sits after the comma."""
    todo: dict[int, tuple[str, int]] = {}  # sentence -> (text with the comma, its offset)
    for i, (doc, found) in enumerate(zip(docs, out, strict=True)):
        cut = _unmarked_condition_end(doc)
        if cut is not None and len(found) == 1:
            comma = len(plain[i][:cut].rstrip())
            todo[i] = (plain[i][:comma] + ", " + plain[i][cut:], comma)
    texts = [text for text, _ in todo.values()]
    for (i, (text, comma)), doc in zip(todo.items(), parse(texts), strict=True):
        again = clauses_of(doc, text, addressee)
        if len(again) == 1 and again[0].modality != Modality.informational and \
                doc[:].root.idx > comma:
            out[i] = [again[0]._replace(text=plain[i])]


def _reread_reduced_relative(plain: list[str], docs: list[Doc], out: list[list[Clause]],
                             addressee: str | None) -> None:
    """A party named with a participle after it ("Committers wanting to become maintainers
    are expected to:"): the parser takes the participle for the main verb and the norm for
    its complement. Read again without the participle's phrase ("Committers are expected
    to:"); that reading is kept when it is one clause that says a norm."""
    todo: dict[int, str] = {}
    for i, (doc, found) in enumerate(zip(docs, out, strict=True)):
        cut = _reduced_relative(doc)
        if cut is not None and len(found) == 1:
            todo[i] = plain[i][:cut[0]] + plain[i][cut[1]:]
    for (i, text), doc in zip(todo.items(), parse(list(todo.values())), strict=True):
        again = clauses_of(doc, text, addressee)
        if len(again) == 1 and again[0].modality != Modality.informational:
            out[i] = [again[0]._replace(text=plain[i])]


def _reduced_relative(doc: Doc) -> tuple[int, int] | None:
    """Where the participle's phrase the parser took for the main verb starts and ends: a
    root "-ing" verb after its subject, with a complement to its right that has its own
    auxiliary ("are expected") and no subject."""
    if len(doc) < 4:
        return None
    root = doc[:].root
    if root.tag_ != "VBG" or not any(c.dep_ == "nsubj" for c in root.lefts):
        return None
    main = next((c for c in root.rights if c.dep_ == "ccomp" and not any(
        g.dep_ in _SUBJECTS for g in c.children) and c.left_edge.dep_ in ("aux", "auxpass")),
        None)
    return (root.idx, main.left_edge.idx) if main is not None else None


def _unmarked_condition_end(doc: Doc) -> int | None:
    """Where the main clause of a sentence that opens with "If" / "When" and has no comma
    starts: the subject of a later clause the parser hung inside the condition, or "please"."""
    if len(doc) < 6 or doc[0].lower_ not in ("if", "when", "whenever", "once") or any(
            t.text in (",", ";", ":") for t in doc):
        return None
    for token in doc[3:]:
        if token.lower_ == "please" and token.dep_ == "intj":
            return token.idx
        if token.dep_ in ("nsubj", "nsubjpass") and token.head.dep_ in ("relcl", "ccomp") and \
                token.head.i > token.i and any(c.tag_ == "MD" for c in token.head.children):
            return token.left_edge.idx
    return None


def _misread_order(doc: Doc) -> bool:
    """An order the parser read as something else: a leading base-form verb taken for the
    subject of a later verb ("Give examples of what you felt was misconduct": "Give ... was";
    "Activate Find My iPhone": "Activate" the subject of "Find"; "Modify source to fix a bug":
    "Modify" a compound of "source"), "Do not X" with a verb the parser does not know, or
    "Please be ..." taken for a participle ("Please be understanding with ...")."""
    if len(doc) < 3:
        return False
    if doc[0].lower_ == "please" and doc[1].lower_ == "be":
        return True
    if doc[0].lower_ == "always" and doc[1].tag_ == "VB" and doc[1].dep_ != "ROOT":
        return True  # "Always use X ..., neither abbreviated, hyphenated": the parser hung it
    root = doc[:].root
    if doc[0].lower_ == "do" and doc[0].dep_ == "aux" and doc[1].i == root.i and \
            doc[1].tag_ in ("VB", "VBN", "VBD") and not _has_subject(root):
        return True  # "Do put punctuation inside quotation marks": an emphatic order
    if doc[0].tag_ == "VB" and doc[0].dep_ in ("advcl", "ccomp") and doc[0].head.i == root.i and \
            root.pos_ == "VERB" and not _has_subject(root) and doc[0].text[:1].isupper() and \
            doc[0].lower_ not in _POINTING | _NOTING and not any(
                c.tag_ == "MD" for c in root.children):
        return True  # "Address the user as you, refer to Twilio as we": two orders
    if doc[0].tag_ == "VB" and doc[0].dep_ == "nsubj" and doc[0].head.tag_ == "VB":
        return doc[0].lower_ not in _POINTING | _NOTING  # "Activate Find My iPhone"
    if doc[0].lower_ == "do" and doc[1].lower_ in ("not", "n't") and doc[2].lower_ != "hesitate":
        return True  # "Do not high-jack threads": an unknown verb the parser took for a noun
    return doc[0].tag_ == "VB" and (doc[0].dep_ in ("csubj", "csubjpass") or doc[0].dep_ ==
                                    "compound" and (_only_a_verb(doc[0]) or _verbless(doc))) and \
        doc[0].text[:1].isupper() and doc[0].lower_ not in _POINTING | _NOTING


def _verbless(doc: Doc) -> bool:
    """A sentence of five words or more, ended by a period, with no finite verb outside
    brackets: its leading base form ("Use angle brackets for C standard library headers.", a
    verb that is a noun too, which the parser made a compound) is the only verb it has."""
    depth, finite = 0, False
    for token in doc:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and token.tag_ in ("VBZ", "VBP", "VBD", "MD"):
            finite = True
    return not finite and doc.text.rstrip().endswith(".") and \
        sum(not t.is_punct for t in doc) >= 5


def _pleaded(doc: Doc) -> Token | None:
    """The verb "please" asks for when the parser hung it under something else ("Please fill
    out this form and Tech Ops will get you a device", "Note: If ..., please let the team
    know"): a base form without its own subject."""
    for token in doc:
        verb = token.head
        if token.lower_ == "please" and token.dep_ in ("intj", "advmod") and verb.tag_ == "VB" \
                and verb.i > token.i and not _has_subject(verb) \
                and verb.lower_ not in _POINTING | _NOTING:
            return verb
    return None


def _known_verb(doc: Doc) -> bool:
    """The first word is a verb in the pipeline's lexicon and reads as one: not a noun too,
    or followed by what follows a verb ("Abide by", "Default to", "Document and make"), or by
    a plural object or a participle in a sentence of four words or more with no finite verb
    ("Separate blocks of content by a blank line", "Indent using 4 spaces everywhere")."""
    verbs, nouns = _lexicon("verb"), _lexicon("noun")
    first = doc[0].lower_
    ending = (".", "!", ":") if _only_a_verb(doc[0]) else (".", "!")
    return first in verbs and doc.text.rstrip().endswith(ending) and len(doc) >= 3 and (
        first not in nouns or doc[1].tag_ in ("DT", "IN", "PRP$", "PRP", "RP", "CC", "TO",
                                              "JJ", "RB", "WRB") or
        doc[1].tag_ in ("NNS", "VBG") and sum(not t.is_punct for t in doc) >= 4 and
        not any(t.tag_ in ("VBZ", "VBP", "VBD", "MD") for t in doc) or
        # "plan travel ahead": a bare singular noun cannot be the subject of a plural verb
        doc[0].tag_ == "NN" and doc[0].dep_ == "nsubj" and doc[1].tag_ == "VBP")


def _only_a_verb(token: Token) -> bool:
    """A word the lexicon knows only as a verb ("navigate"), whatever the tagger said."""
    word = token.lower_
    return word in _lexicon("verb") and word not in _lexicon("noun") and \
        word not in _lexicon("adj")


def _lexicon(pos: str) -> set[str]:
    """Base forms the pipeline's lemmatizer knows for a part of speech (WordNet's lists)."""
    if pos not in _LEXICON:
        lemmatizer: Any = pipeline().get_pipe("lemmatizer")
        table = lemmatizer.lookups.get_table("lemma_index")
        _LEXICON[pos] = set(table[pos]) if pos in table else set()
    return _LEXICON[pos]


def _imperative(doc: Doc | Span, text: str) -> Clause:
    """The clause read as an order to the reader, its first word the verb ("Do not X": a
    prohibition of X)."""
    negated = len(doc) > 2 and doc[0].lower_ == "do" and doc[1].lower_ in ("not", "n't")
    lemma = doc[2 if negated else 0].lower_
    modality = _FORBID if negated or lemma in _AVOID else _ADVISE if lemma in _TRY else _OBLIGE
    obj = next((t for t in doc[1:] if t.dep_ in ("dobj", "pobj", "ROOT") and t.pos_ in (
        "NOUN", "PROPN")), None)
    action = Action(verb=lemma, object=obj.text if obj is not None else None)
    return Clause(text, modality, negated or lemma in _AVOID, negated, "you", False, True, [],
                  [], action)


def _verb_taken_for_noun(doc: Doc, found: list[Clause]) -> bool:
    """A capitalised imperative the tagger read as a noun or adjective ("Install Caulking.",
    "Abide by the code.", "Plan travel ahead of time": a bare singular noun is no subject of a
    plural verb): worth a second reading in lower case."""
    return len(doc) > 1 and all(c.modality == Modality.informational for c in found) and \
        doc[0].tag_ in ("NN", "NNP", "NNPS", "JJ", "VBD", "VBN") and doc[0].text[:1].isupper() and \
        (doc[0].dep_ not in ("nsubj", "nsubjpass") or doc[1].text == "," and
         doc[0].head.tag_ == "VB" or doc[0].tag_ == "NN" and doc[0].head.i == 1
         and doc[1].tag_ == "VBP") and not any(t.tag_ == "MD" for t in doc)


def _straight(text: str) -> str:
    """What the parser reads: straight apostrophes, RFC 2119 key words and shouted negations
    ("Please DON'T post", "NEVER a reason") in lower case, and
    paragraph references such as "§ 2635.302(a)" as one word ("2635.302_a_"); the length
    stays the same."""
    text = _unshouted(text.replace("’", "'").replace("‘", "'"))
    text = _KEY_WORDS.sub(lambda m: m.group().lower(), text)
    return _REFERENCE.sub(lambda m: f"_{m.group(1)}_", _blank_markup(text))


def _unshouted(text: str) -> str:
    """A sentence in capitals ("IN NO EVENT SHALL WE BE LIABLE ...", a licence's disclaimer)
    in sentence case, which the parser reads (it takes capitalised words for names); the
    length stays the same."""
    letters = [c for c in text if c.isalpha()]
    if len(text.split()) < 4 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    lowered = re.sub(r"\bi\b", "I", lowered)
    start = next((i for i, c in enumerate(lowered) if c.isalpha()), 0)
    return lowered[:start] + lowered[start:start + 1].upper() + lowered[start + 1:]


def _blank_markup(text: str) -> str:
    """The text with a plain-text file's bold marks and literal quotes as blanks (same
    length)."""
    return _EMPHASIS.sub(lambda m: " " * len(m.group()), text)



def _restore(clause: Clause, plain: str, source: str) -> Clause:
    """The clause with its texts cut from the source (same length as the plain text)."""
    if plain == source:
        return clause

    def back(piece: str) -> str:
        at = plain.find(piece)
        return source[at:at + len(piece)] if at >= 0 else piece

    action = clause.action
    if action is not None and action.object:
        action = action.model_copy(update={"object": back(action.object)})
    return clause._replace(text=back(clause.text), conditions=[back(c) for c in clause.conditions],
                           exceptions=[back(e) for e in clause.exceptions], action=action)


def classify_modality(text: str) -> Modality:
    """The modality of a one-clause text (convenience for tests and callers with one line)."""
    return analyse([text])[0][0].modality


def split_clauses(sentence: str) -> list[str]:
    """The verbatim clauses of one sentence."""
    return [c.text for c in analyse([sentence])[0]]


def clauses_of(doc: Doc, text: str, addressee: str | None) -> list[Clause]:
    """Split a parsed sentence into norm clauses and analyse each; a sentence cut short for
    the parser (over nlp.MAX_WORDS words) is analysed as one clause."""
    if not len(doc):
        return [Clause(text, Modality.informational, False, False, None, False, False, [], [],
                       None)]
    if len(doc.text) < len(text):
        return [_analyse(doc[:], text, addressee)]
    spans = _clause_spans(doc)
    out = [_analyse(span, span.text.strip(), addressee) for span in spans]
    norms = [i for i, c in enumerate(out) if c.modality != Modality.informational]
    if len(out) == 1 or not norms:
        return [_analyse(doc[:], text, addressee)]
    # a clause without a norm of its own joins the norm before it (or the first one after)
    groups: list[list[int]] = []
    for i in range(len(out)):
        if i in norms and (groups and any(j in norms for j in groups[-1])) or not groups:
            groups.append([i])
        else:
            groups[-1].append(i)
    if len(groups) == 1:
        return [out[norms[0]]._replace(text=text)]
    merged = []
    for group in groups:
        norm = next(i for i in group if i in norms)
        piece = doc.text[spans[group[0]].start_char:spans[group[-1]].end_char].strip()
        merged.append(out[norm]._replace(text=piece))
    shared = _leading_conditions(spans[groups[0][0]], merged[0])
    return [merged[0], *(c._replace(conditions=shared + c.conditions) for c in merged[1:])]


def _clause_spans(doc: Doc) -> list[Span]:
    """Cut at each coordinated or ';'-joined predicate that has its own subject, modal or
    negation; leading and trailing separators (',', ';', 'and', 'but', 'so') are dropped."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if len(roots) != 1:
        return [doc[:]]
    root = roots[0]
    cuts: set[int] = set()
    inverted = _inverted_should(doc[:])
    for head in _predicates(root):
        if inverted and head.head == root and head.i > root.i:
            continue  # "Should no one object, the motion may pass": the condition's main clause
        if head.i > root.i:
            cuts.add(head.left_edge.i)
        else:
            cuts.add(head.right_edge.i + 1)
    words = [i for i, t in enumerate(doc) if not t.is_punct]
    if words and doc[-1].text != ":":  # a lead-in keeps its items' party whole
        cuts.update(t.left_edge.i for t in doc if _trailing_relative(t, words[-1]))
    # a label before a colon ("Remember: ...", "Optional: ...") is no clause of its own
    cuts = {c for c in cuts if sum(1 for i in words if i < c) >= 3}
    bounds = [0, *sorted(cuts), len(doc)]
    spans = [_trim(doc, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    return [s for s in spans if s is not None] or [doc[:]]


def _predicates(root: Token) -> list[Token]:
    """Clause heads coordinated with the root (or with one another) that carry a norm of their
    own: a conjunct with its own subject, modal or negation, or an imperative after ', and';
    a concession with its own subject and modal (", although you can X"); any clause joined
    by ';' or ':'; and a verb with its own modal coordinated with a conjunct that shares the
    root's ("shall protect and conserve X and shall not use it")."""
    out: list[Token] = []
    nested: list[Token] = []
    todo = [root]
    while todo:
        head = todo.pop()
        for child in head.children:
            if child.dep_ == "acomp" and child.tag_ == "VBN" and head == root:
                todo.append(child)  # "are registered and need not register": look under it
                continue
            if child.dep_ not in ("conj", "ccomp", "parataxis", "advcl") or \
                    child.pos_ not in ("VERB", "AUX"):
                continue
            own = {c.dep_ for c in child.children}
            has_modal = any(c.tag_ == "MD" or c.dep_ == "neg" for c in child.children)
            if head.dep_ == "acomp":  # under "are registered": only a verb with its own modal
                has_modal = any(c.tag_ == "MD" or c.dep_ == "aux" and c.lower_ == "need"
                                for c in child.children)
            between = child.doc[min(child.i, head.i):max(child.i, head.i)]
            semicolon = any(t.text in (";", ":") and t.head in (head, child) for t in between)
            coordinated = own & set(_SUBJECTS) or has_modal or _comma_and(child)
            conceded = child.dep_ == "advcl" and own & set(_SUBJECTS) and (has_modal and any(
                c.dep_ == "mark" and c.lower_ in _CONCESSIVE for c in child.children) or
                _consequence(child))
            joined = child.dep_ in ("ccomp", "parataxis") and child.i < head.i and \
                bool(own & set(_SUBJECTS)) and _joined_before(child) and (any(
                    c.tag_ == "MD" or c.dep_ == "neg" for c in head.children) or (
                    head.tag_ == "VB" and not _has_subject(head)))  # "..., so don't X"
            # "It is preferable to X, however it is acceptable to Y": a second clause spliced
            # on after a comma
            later = child if child.i > head.i else head
            spliced = child.dep_ in ("ccomp", "parataxis") and bool(own & set(_SUBJECTS)) and \
                any(c.lower_ == "however" and c.i > min(child.i, head.i) and
                    child.doc[c.i - 1].text in (",", ";") for c in later.children)
            if child.dep_ == "conj" and coordinated or child.dep_ != "conj" and semicolon or \
                    conceded or joined or spliced:  # ", although you can choose to X"
                out.append(child)
                todo.append(child)
            elif child.dep_ == "conj" and head == root:  # "shall protect and conserve X and
                nested.append(child)  # shall not use it": a modal of its own under a conjunct
    for head in nested:
        out += [c for c in head.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
                and any(g.tag_ == "MD" for g in c.children)]
    return out


_CONCESSIVE = {"although", "though", "whereas"}


def _consequence(verb: Token) -> bool:
    """A clause after "so" that says what one must do as a consequence ("There is no CI in the
    private repository so you must build from source"), not a purpose ("so we can assess")."""
    return any(c.dep_ == "mark" and c.lower_ == "so" and c.nbor().lower_ != "that"
               for c in verb.children) and any(
        c.tag_ == "MD" and c.lower_ in _CONSEQUENT_MODALS for c in verb.children)


_CONSEQUENT_MODALS = {"must", "shall", "should", "need"}
_RELATIVES = {"who", "which"}


def _trailing_relative(verb: Token, last: int) -> bool:
    """A relative clause after a comma that ends the sentence and has its own modal ("...
    to the District Commander, who may assess a fee"): a norm of its own."""
    start = verb.left_edge.i
    return verb.dep_ == "relcl" and start > 0 and verb.doc[start - 1].text == "," and \
        verb.doc[start].lower_ in _RELATIVES and verb.right_edge.i >= last and \
        any(c.tag_ == "MD" for c in verb.children)


def _joined_before(clause: Token) -> bool:
    """A whole clause the parser hung under the next one, which ", so" / ", and" / ", but"
    opens ("You are not expected to know every system, so don't hesitate to ask")."""
    after = clause.right_edge.i + 1
    doc = clause.doc
    return after + 1 < len(doc) and doc[after].text == "," and \
        doc[after + 1].lower_ in ("so", "and", "but")


def _comma_and(verb: Token) -> bool:
    """An imperative joined by ', and' / ', but' / ', so' (a series without commas stays)."""
    before = verb.doc[max(verb.left_edge.i - 2, 0):verb.left_edge.i]
    words = [t.lower_ for t in before]
    shared = any(c.dep_ == "dobj" and c.i > verb.i for c in verb.head.children)
    return verb.tag_ == "VB" and words[-2:] in ([",", "and"], [",", "but"], [",", "so"]) and \
        not any(t.lower_ == "," and t.head == verb.head for t in verb.doc[:before.start]) and \
        not shared  # "SHALL have, and maintain, a set of X": one act on one object


def _trim(doc: Doc, start: int, end: int) -> Span | None:
    while start < end and (doc[start].is_punct or doc[start].dep_ == "cc" or start > 0 and (
            doc[start].lower_ == "so" and doc[start - 1].text == ",")):
        start += 1
    while end > start and doc[end - 1].text in (",", ";", ":") or (
            end > start and doc[end - 1].dep_ == "cc"):
        end -= 1
    return doc[start:end] if end > start else None


def _leading_conditions(span: Span, clause: Clause) -> list[str]:
    """Conditions written before the first clause's verb, which later clauses share."""
    head = span.root
    return [c for c in clause.conditions if span.text.find(c) < head.idx - span.start_char]


def _analyse(span: Span, text: str, addressee: str | None) -> Clause:
    head, lead = _main_head(span)
    passive = _passive(head)
    if text.rstrip().endswith("?"):
        return Clause(text, Modality.informational, False, False, None, passive, False, [], [],
                      None)
    force, explicit, negated, frame, imperative = _force(span, head)
    if _purpose(span):
        force = None  # "To make sure we can investigate your grievance:": what the items serve
    elif _NO_DUTY.search(span.text) or _UNDER_NO_DUTY.search(span.text):
        # "There should be no expectation to X", "You are under no obligation to X": optional
        force, explicit, negated = _PERMIT, True, True
    elif _ADVISED_ONLY.search(span.text):  # "You are encouraged, but not required, to X"
        force, explicit, negated = _ADVISE, True, False
    elif _VIOLATION_TO.search(span.text):  # "It shall be a violation of this part to X"
        force, explicit, negated = _FORBID, True, False
    elif force != _ADVISE and _not_barred(text) is not None:
        force, explicit, negated = _PERMIT, True, True  # "Nothing ... shall prevent X from Y"
    elif _NO_THING.search(span.text) and force in (_OBLIGE, _ADVISE) and not negated:
        force, negated = _flip(force, True, False), True  # "There should be no talk of prices"
    elif force is None and (phrase := _phrase_force(text)) is not None:
        force, explicit = phrase[0], True
        if negated and not phrase[1]:  # "No stakeholder is supposed to X": the subject negates
            force = _flip(force, True, False)
        else:
            negated = phrase[1]
    if force is None and _duty_statement(span, head):
        force = _OBLIGE  # "Approves appointment of X" under "1.5. Officer Accessions Branch"
    content = _content_verb(head, frame)
    if force is not None and (_EXAMPLE.match(text) or _aside(span, content, frame)):
        force = None  # an example, a pointer, a help line or an offer of help
    definition = (force is None and (_DEFINITION.search(text) is not None or
                                     _GOVERNED_BY.search(text) is not None or
                                     _scope(head) and not text.rstrip().endswith(":"))) \
        or _LEGAL_DEFINITION.search(text) is not None or force is None and (
            _negated_effect(head) or _legal_effect(head))
    if definition:
        force, explicit = Modality.definition, True
    if force in (_OBLIGE, _ADVISE) and not negated and _ensured_negation(_chain(head, span.end)):
        negated = True  # "Users shall ensure that systems are not abused": a negated duty
    if force == _OBLIGE and not negated and _settled(head):
        force = Modality.definition  # "The term of membership shall run through December 31"
    modality = force or Modality.informational
    if modality in (Modality.informational, Modality.definition) and not negated:
        negated = fact_negated(head)  # "X is not a security problem", "There are no fees"
    actor = None
    if modality not in (Modality.informational, Modality.definition):
        actor = "you" if imperative else _actor(head, frame, passive, addressee)
        if is_pronoun_actor(actor):
            actor = _named_before(span, head) or actor
        at = _AT_DISCRETION.search(text) if passive else None
        actor = _whose_duty(span) or _grantee(head) or _reserver(text) or _left_to(text) or \
            _not_barred(text) or (at.group("who").lower() if at else actor)
    elif modality == Modality.informational:
        actor = _doer(head)  # "GSA IT manages software updates": who acts, if anyone
    conditions, exceptions = _circumstances(span, head, modality)
    if lead is not None and lead not in conditions:
        conditions.insert(0, lead)
    action = _action(content, passive) if modality != Modality.informational else None
    return Clause(text, modality, explicit, negated, actor, passive, imperative, conditions,
                  exceptions, action)


# what a text says it does not bar: "Nothing in this chapter may be construed to prevent a
# governing body from X", "Nothing in these Terms will be construed as granting you any right",
# "It shall not be a violation of this chapter for a majority of the members to X"
_WHO = r"(?:the |a |an |any )?([^,;.:]{1,60}?)"  # one group in each form: the one left free
_LONG_WHO = r"(?:the |a |an |any )?([^,;.:]{1,100}?)"  # "a city employee who vacated a post"
_BAR = r"(?:prohibit|prevent|restrict|limit|preclude|bar)"
_NOT_BARRED = re.compile(
    r"^\W*(?:nothing|no provision)\b[^.;:]{0,120}?\b(?:" + _BAR + r"s?(?:,? or \w+)? " + _WHO +
    r" from|(?:as )?grant(?:s|ing)? " + _WHO + r" (?:any|a|the) (?:right|licen[cs]e|permission))\b|"
    r"^\W*it (?:shall|will|does|is) not (?:be |constitute )an? violation\b[^.;]{0,80}?\bfor " +
    _WHO + r" to\b|"
    # "This section shall not prevent a city employee who X from returning to Y"
    r"^\W*(?:this|these|such) (?:section|subsection|part|chapter|article|paragraph|policy|"
    r"provision|rule)s? (?:shall|will|does|do|may) not (?:be construed to )?" + _BAR + " " +
    _LONG_WHO + r" from\b", re.I)


def _not_barred(text: str) -> str | None:
    """Whom a text leaves free by saying that nothing in it bars them (see _NOT_BARRED), if
    it says so (each of its forms names the one left free)."""
    found = _NOT_BARRED.search(text)
    if found is None:
        return None
    who = next((g for g in found.groups() if g), "")
    return who.lower().replace("’", "'")


_RESERVER = re.compile(r"^(?:[^,]{0,60},\s*)?(?:[Tt]he\s+)?(?P<who>[A-Za-z][\w&.'’ -]{0,40}?)\s+"
                       r"reserves?\s+the\s+right\b")


def _reserver(text: str) -> str | None:
    """Who "reserves the right to X" (the parser often reads "reserves" as a plural noun)."""
    found = _RESERVER.match(text.strip())
    return found.group("who").lower().replace("’", "'") if found else None


# whom a choice or a duty is left to: "up to each poster to decide", "is up to the API
# provider.", "up to the discretion of the maintainers" (tried in this order)
_LEFT_TO = (re.compile(r"\b" + _UP_TO_WHOM + r"(?:'s)? (?:discretion|to \w+|whether)\b", re.I),
            re.compile(r"\b(?:is|are|'s) (?:entirely |solely )?" + _UP_TO_WHOM + _UP_TO_END, re.I),
            re.compile(_DISCRETION_OF.format(f"(?P<who>{_PARTY})"), re.I))
# "Your membership may be revoked at the discretion of The Directors": theirs to do (in the
# passive; "At the discretion of the SAOP, sub-agencies may X" permits the sub-agencies)
_AT_DISCRETION = re.compile(r"\bat the (?:sole |full |absolute )?discretion of "
                            r"(?:the |each |your |our )?(?P<who>[A-Za-z][\w-]*(?: (?!(?:if|when|"
                            r"or|and|for|to|in|on|after|before|unless|as|of|who|which|that)\b)"
                            r"[\w-]+){0,2})", re.I)
# "it is up to the mentee to take responsibility for X": a duty left to someone
_LEFT_DUTY = re.compile(r"\b(?:is|'s) (?:entirely |solely )?" + _UP_TO_PARTY.format(_PARTY) +
                        r" to (?!decide|choose|determine whether)\w+", re.I)


def _left_to(text: str) -> str | None:
    """Whom a choice is left to ("It's up to each poster to decide whether to X")."""
    found = next((m for pattern in _LEFT_TO if (m := pattern.search(text)) is not None), None)
    return found.group("who").lower() if found else None


def _grantee(head: Token) -> str | None:
    """Who receives a grant ("you grant MLH permission to X", "We grant Member Events a
    licence"): the one permitted."""
    if head.lemma_.lower() != "grant":
        return None
    objects = [c for c in head.children if c.dep_ in ("dative", "dobj")]
    to = next((g for c in head.children if c.dep_ == "prep" and c.lower_ == "to"
               for g in c.children if g.dep_ == "pobj"), None)  # "you grant to Gratipay a X"
    who = next((c for c in objects if c.dep_ == "dative"), None) or to or \
        (objects[0] if len(objects) > 1 else None) or next(
            (c for o in objects for c in o.children if c.dep_ == "compound"
             and c.pos_ == "PROPN"), None)  # "grant MLH permission", read as one noun
    if who is None or who.pos_ not in ("NOUN", "PROPN", "PRON"):
        return None
    return "you" if who.lower_ == "you" else _noun_phrase(who)


_POSSESSORS = {"our": "we", "your": "you"}


def _whose_duty(span: Span) -> str | None:
    """X of "the responsibility/duty/obligation of X" ("It is the sole responsibility of the
    plugin developer to ensure ...") or of "X's responsibility" ("the Editor's duty")."""
    for token in span:
        if token.dep_ in ("dobj", "pobj"):
            continue  # "To carry out the statutory responsibilities of the agency, an NTSB
            # investigator may-": what the act serves, not whose duty the norm is
        if token.lemma_.lower() in _DUTIES or token.lemma_.lower() in ("role", "job", "task") \
                and token.dep_ == "nsubj" and token.head.lemma_ == "be":  # "The initial role
            # of the STC is to X": the STC
            owner = next((g for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                          for g in c.children if g.dep_ == "pobj"), None) or next(
                (c for c in token.children if c.dep_ == "poss"), None)
            if owner is not None and owner.pos_ in ("NOUN", "PROPN") and _agentive(owner):
                return _noun_phrase(owner)
            if owner is not None and owner.lower_ in _POSSESSORS:
                return _POSSESSORS[owner.lower_]  # "it's our responsibility to X": ours
        if token.lower_ == "expectation":  # "It is our expectation that staff will X": staff
            expected = next((g for c in token.children if c.dep_ in ("acl", "ccomp", "relcl")
                             for g in c.children if g.dep_ == "nsubj"), None)
            if expected is not None and expected.pos_ in ("NOUN", "PROPN") and \
                    _agentive(expected):
                return _noun_phrase(expected)
    return None


# Set phrases that say a norm whatever the parse (the small parser misreads "reserves" as a
# plural noun, "not acceptable - online" as an adjective of "online"); read only when the
# parse found no force.
_NOT_AN_AIM = (r"^(?!(this|it|that|there|what|which|here)\b)"
               r"(?!.*\b(purpose|goal|aim|objective|intent|intention|mission|idea|point|plan|"
               r"vision|hope|way|trick|answer|solution|best|easiest|simplest|step|option|"
               r"choice|challenge|problem|question|rule of thumb|concern|focus|priority|"
               r"task)s?\b[^,.;]{0,50}\b(is|are) "
               r"(not )?to\b)(?!.*\b(if|whether|when|unless)\b[^,]*\b(is|are) (not )?to\b)")
_IS_TO = (r".*(?<!\bit )(?<!\bthis )(?<!\bthat )(?<!\bthey )\b(is|are) TO (?!(be|the|an?|our|your|"
          r"their|this|that|these|those|its|his|her|my|any|all|each|some)\b)[a-z]+")
_PHRASE_FORCES: list[tuple[re.Pattern[str], Modality, bool]] = [
    # "Our preference is for each file to bear a header", "our overwhelming bias is to open
    # source it": what the organisation prefers (before "X is to Y", a duty)
    (re.compile(r"\b(our|my|the|the (company|team|organi[sz]ation|project)['’]s) (\w+ )?"
                r"(preference|bias|inclination) is (for|to|that)\b", re.I), _ADVISE, False),
    # "It is a requirement that there be sign off from the Digital team for X"
    (re.compile(r"(^|, )it is (a |an )?(\w+ )?(requirement|mandatory|compulsory|obligatory) "
                r"(that|to|for)\b", re.I), _OBLIGE, False),
    # "It is our expectation that conduct will reflect X", "Our expectation is that you X"
    (re.compile(r"(^|, )(it is|it['’]s) (our|my|the \w+['’]s) (\w+ )?expectation that\b|"
                r"(^|, )(our|my) (\w+ )?expectation is that\b", re.I), _OBLIGE, False),
    (re.compile(r"\breserves? the right not to\b", re.I), _PERMIT, True),
    (re.compile(r"\breserves? the right to\b", re.I), _PERMIT, False),
    (re.compile(r"\bthere (is|are) no (\w+ )?(need|requirement|obligation|expectation|limit|"
                r"restriction)s?\b|"
                r"^it(['’]s| is) not (a requirement|required|necessary|mandatory) (that|to|for)\b|"
                r"^no\b[^.,;]{0,40}\b(is |are )?(needed|required|necessary)\b", re.I), _PERMIT,
     True),
    (re.compile(r"\b(is|are) (also )?able to\b", re.I), _PERMIT, False),
    # "Staff are not able to undertake investigations" (not "If you are unable to X, ...")
    (re.compile(r"^(?!.*\b(if|when|whenever|unless|such that)\b.*\b(is|are) (not |un)able)"
                r".*\b(is|are) (not |un)able to\b", re.I), _FORBID, True),
    (re.compile(r"\b(is|are) not (acceptable|allowed|permitted|tolerated)\b", re.I), _FORBID,
     True),
    # "It is not possible to cast an abstain vote": the rules leave no way to (read only when
    # the sentence opens with it, not "If it is not possible to X, ..."; not the writer's
    # "It is not possible to list every case")
    (re.compile(r"^it(['’]s| is) not possible to (?!(list|describe|cover|anticipate|foresee|"
                r"enumerate|predict|detail|mention|know|say|give)\b)", re.I), _FORBID, True),
    # "Records are never to be destroyed without approval", "Data is not to be shared"
    (re.compile(_NOT_AN_AIM + r".*\b(is|are) (not|never) to be (\w+ed|paid|kept|made|sent|done|"
                r"given|taken)\b", re.I), _FORBID, True),
    (re.compile(r"\b(is|are) to be (\w+ed|paid|kept|made|sent|done|given|taken)\b", re.I),
     _OBLIGE, False),
    (re.compile(r"\bassumes? (full |all )?responsibility\b", re.I), _OBLIGE, False),
    # "Researchers and students hold the primary responsibility for taking care of the data"
    (re.compile(r"^(?!.*\b(not|neither|nor|never|no)\b).*\b(holds?|bears?|shares?|carr(y|ies)) "
                r"(the |a |an )?(\w+ )?(responsibility|responsibilities|duty|duties|obligations?) "
                r"(for|of|to)\b", re.I), _OBLIGE, False),
    # "The systems managers are bound by oaths of secrecy with respect to X": sworn to keep it
    (re.compile(r"\b(is|are) (also )?bound by (an? |the |their )?(oaths?|dut(y|ies)|"
                r"obligations?|rules?) of (professional )?(secrecy|confidentiality)\b", re.I),
     _OBLIGE, False),
    (_LEFT_DUTY, _OBLIGE, False),  # "it is up to the OSCO to make this determination"
    # "It is the sole responsibility of the developer to ensure X", "Security is the ultimate
    # responsibility of the developer", "your next responsibility will be to present X", "It is
    # the Editor's duty to X", "It's your responsibility to X", "Quality is the whole team's
    # responsibility: there is no separate QA gate"
    (re.compile(r"(\b(is|are|remains?|will be)|['’]s) ((the|your|their|our|his|her|its) |"
                r"(the |each |every |an? )?(\w+ )?([\w-]+s['’]/)?[\w-]+(['’]s|s['’]) )(\w+ )?"
                r"(responsibility|duty|obligation)( (of|to)\b|\s*([.:;]|$))", re.I),
     _OBLIGE, False),
    (re.compile(r"\b(is|are|am) not supposed to\b", re.I), _FORBID, True),
    (re.compile(r"\b(is|are|am) (also |only )?supposed to\b", re.I), _OBLIGE, False),
    # "PLCs are not to approve X", "Staff are to report Y" (not "The aim is to X")
    (re.compile(_NOT_AN_AIM + _IS_TO.replace("TO", "(not|never) to"), re.I), _FORBID, True),
    # "users are to refrain from improper communication": what they are to keep from
    (re.compile(_NOT_AN_AIM + _IS_TO.replace("TO", "to (avoid|refrain|restrain)\\b"), re.I),
     _FORBID, False),
    (re.compile(_NOT_AN_AIM + _IS_TO.replace("TO", "to"), re.I), _OBLIGE, False),
]


_ADVISED_ONLY = re.compile(r"\b(encouraged|recommended|advised|invited|welcome)\b,? (but|though) "
                           r"(is |are )?not (required|obliged|obligated|mandatory)\b", re.I)
# "You are under no obligation to answer the door": a duty waived
_UNDER_NO_DUTY = re.compile(r"\b(is|are|am|be) under no (\w+ )?(obligation|duty|requirement)\b",
                            re.I)
_NO_DUTY = re.compile(r"^(\w+, )?there(['’]s| (is|are|should be|will be|shall be)) no (\w+ )?"
                      r"(need|requirement|obligation|expectation)s? (to|that|for)\b", re.I)


_VIOLATION_TO = re.compile(r"^it (shall|will|is|would) (be )?(an? )?(violation|offen[cs]e|breach|"
                          r"infringement)\b[^.;]{0,60}?\bto (?!the\b|this\b|any\b|a\b)\w+", re.I)
# "There should be no communications about prices": what the rule wants absent
_NO_THING = re.compile(r"^(\w+, )?there (should|must|shall|ought to) (\w+ )?be no\b"
                       r"(?! (more|less|fewer|later|earlier|sooner) than\b)", re.I)


_SANCTIONS = {"action", "removal", "suspension", "termination", "discipline", "sanction",
              "ban", "revocation", "dismissal", "penalty", "fine", "prosecution", "warning",
              "expulsion", "deletion", "moderation", "loss", "denial", "forfeiture", "citation",
              "impoundment", "eviction", "exclusion"}


_SANCTION_VERBS = {"remove", "suspend", "ban", "terminate", "close", "delete", "revoke", "expel",
                   "disable", "block", "bar", "dismiss", "fire", "discipline", "exclude"}


def _sanctioned(head: Token) -> bool:
    """"Violations may result in disciplinary action", "... can result in plugins being
    removed", "can lead to removal from the network": a sanction the rule's enforcer may impose
    (a permission; with "will", a duty), not a possible outcome ("This may result in
    delays")."""
    lemma = head.lemma_.lower()
    return lemma in ("result", "lead") and any(
        c.dep_ == "prep" and c.lower_ == ("in" if lemma == "result" else "to") and any(
            n.lemma_.lower() in _SANCTIONS or any(
                v.lemma_.lower() in _SANCTION_VERBS and v.tag_ in ("VBN", "VBG")
                for v in n.subtree)
            for g in c.children if g.dep_ in ("pobj", "pcomp")
            for n in (g, *g.conjuncts)) for c in head.children)


_SETTLING_VERBS = {"run", "renew", "expire", "lapse", "terminate", "commence", "constitute"}
_SETTLED_STATES = {"effective", "valid", "void", "null", "binding", "final", "applicable",
                   "ineffective", "invalid"}


def _settled(head: Token) -> bool:
    """What the text settles about a thing with "shall"/"will", not a duty of anyone ("The
    effective date shall be the date of approval", "the termination shall be effective on
    receipt", "such term shall automatically renew", "Any violation shall constitute a separate
    violation", "Any such resignation shall take effect at the time specified"): a thing as
    subject, and a state, an identity or a verb of a term's course."""
    if not any(c.dep_ == "aux" and c.lower_ in ("shall", "will") for c in head.children):
        return False
    subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
    if subject is None or _agentive(subject) or subject.lower_ in _VAGUE_ACTORS:
        return False
    lemma = head.lemma_.lower()
    if lemma == "be":
        return any(c.dep_ == "acomp" and c.lower_ in _SETTLED_STATES or c.dep_ == "attr" and any(
            d.dep_ == "det" and d.lower_ == "the" for d in c.children)
            and c.lemma_.lower() not in _DUTIES for c in head.children)
    return lemma in _SETTLING_VERBS or lemma == "take" and any(  # "shall take effect on X"
        c.dep_ == "dobj" and c.lower_ == "effect" for c in head.children)


def _phrase_force(text: str) -> tuple[Modality, bool] | None:
    """(modality, negated) of a set phrase in the text, if any (see _PHRASE_FORCES)."""
    return next(((modality, negated) for pattern, modality, negated in _PHRASE_FORCES
                 if pattern.search(text)), None)


def _purpose(span: Span) -> bool:
    """A sentence that is only a purpose ("To make sure we can help:"): its root is the
    infinitive it opens with, and no main clause follows."""
    return len(span) > 2 and span[0].lower_ == "to" and span[1].tag_ == "VB" and \
        span.root == span[1] and _order_after_purpose(span) is None


def _order_after_purpose(span: Span) -> Token | None:
    """"To receive reimbursement, send the receipts": the order the parser hung under the
    purpose's infinitive as its conjunct."""
    if len(span) < 4 or span[0].lower_ != "to" or span.root != span[1]:
        return None
    return next((c for c in span.root.children if c.dep_ == "conj" and c.tag_ == "VB"
                 and any(t.text == "," for t in span.doc[span.root.i:c.i])), None)


def _main_head(span: Span) -> tuple[Token, str | None]:
    """The head of the main clause, and a leading condition the parser took for the main
    clause ("In the event that X is pushed, revoke the credentials": the parse roots at
    "pushed", the order is "revoke")."""
    root = span.root
    if (order := _order_after_purpose(span)) is not None:
        return order, None
    if root.pos_ in ("NOUN", "PROPN") and (ruled := _ruled_verb(span)) is not None:
        return ruled, None
    said = _leading_ccomp(span) or _after_participle(span) or _meant_rule(span)
    if said is not None:
        return said, None
    if (main := _main_after_mark(span)) is not None:
        return main, span.doc[span.start:main.left_edge.i].text.strip(" ,")
    first = span[0].lower_ if len(span) else ""
    inverted = _inverted_should(span)
    leads = first in _CONDITION_MARKS - {"as", "where"} or first in ("in", "unless") and \
        len(span) > 2 and \
        span[2].lower_ in ("event", "case") or inverted
    comma = next((t for t in span if t.text == "," and t.i > root.i), None)
    if not leads or comma is None:
        return root, None
    after = next((t for t in span[comma.i - span.start + 1:] if t.head == root
                  and t.pos_ in ("VERB", "AUX") and t.dep_ in ("dep", "conj", "parataxis")), None)
    if after is None or after.tag_ not in ("VB", "MD") and not (inverted and any(
            c.tag_ == "MD" for c in after.children)):
        return root, None
    return after, span.doc[span.start:comma.i].text


def _inverted_should(span: Span) -> bool:
    """A condition written as an inversion ("Should no alternative reach this quorum, another
    vote may be called"; "Should you have questions, contact X"): "should" opens the sentence
    before a subject and a comma closes the condition; a list item's "should update X" has no
    subject of its own."""
    return len(span) > 3 and span[0].lower_ == "should" and span[0].tag_ == "MD" and \
        span[1].pos_ in ("DET", "PRON", "NOUN", "PROPN", "ADJ", "NUM") and \
        any(t.text == "," for t in span[2:])


def _trailing_should(span: Span, modal: Token) -> bool:
    """A condition by inversion after a comma ("X is kept, should the owner leave"; "but
    should you be dealing with Y, you must ask us"): "should", then the subject of its verb,
    then the verb; not a question."""
    if modal.lower_ != "should" or modal.i == 0 or span.text.rstrip().endswith("?"):
        return False
    before = modal.doc[modal.i - 1]
    subject = next((c for c in modal.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return before.text in (",", ";", "but", "and") and subject is not None and \
        modal.i < subject.i < modal.head.i


def _meant_rule(span: Span) -> Token | None:
    """The rule a "This means that" sentence draws ("This also means that speakers cannot give
    talks about paid products", "This means you need to stay on top of deadlines"): the clause
    with a duty, a ban or advice is the norm; "This means that your data may be stored in X"
    explains."""
    root = span.root
    if root.lemma_.lower() != "mean" or not any(
            c.dep_ == "nsubj" and c.lower_ in ("this", "that", "it") for c in root.children):
        return None
    for said in (c for c in root.children if c.dep_ == "ccomp" and c.pos_ in ("VERB", "AUX")):
        negated = any(c.dep_ == "neg" for c in said.children)
        if said.lemma_.lower() == "need" and any(c.dep_ == "xcomp" for c in said.children) or \
                any(c.tag_ == "MD" and (c.lower_ in ("must", "shall", "should", "need") or
                                        c.lower_ in ("can", "ca") and negated)
                    for c in said.children):
            return said
    return None


def _main_after_mark(span: Span) -> Token | None:
    """The main clause after a leading condition written without a comma, which the parser
    took for the root ("Before an outcome can be made it must be approved by X": rooted at
    "made", the duty is "approved"): a later clause with its own subject and modal."""
    root = span.root
    if not len(span) or span[0].dep_ not in ("mark", "prep", "advmod") or span[0].head != root or \
            span[0].lower_ not in _CONDITION_MARKS:
        return None
    return next((c for c in root.children if c.dep_ in ("ccomp", "dep", "conj", "parataxis")
                 and root.i < c.i < span.end and c.pos_ in ("VERB", "AUX")
                 and any(d.dep_ in ("nsubj", "nsubjpass") for d in c.children)
                 and any(d.tag_ == "MD" and d.dep_ == "aux" for d in c.children)
                 and not any(d.dep_ == "mark" for d in c.children)), None)  # not "X decides that"


def _leading_ccomp(span: Span) -> Token | None:
    """A whole clause with its own subject and a modal or frame word that the parser hung
    under a later verb with a subject of its own ("Developers are required to create tests
    for any bugs fixed and any new features added": rooted at "added"; "Agencies must
    implement X so that ..., records can be found"): that clause is the sentence's main one.
    Not an inverted condition ("Should authors abandon X, we will Y"), nor a reason before a
    frame ("X may change, so we recommend Y"), nor a clause that opens with something other
    than its subject ("To the extent CISA has the rights to do so, CISA will X")."""
    root = span.root
    shares = not _has_subject(root) and any(c.tag_ == "MD" for c in root.children)
    # "The Organization shall not participate in X, will not engage in Y": rooted at "engage"
    if _key(root) in _FRAMES or not shares and not any(
            c.dep_ in ("nsubj", "nsubjpass") and c.i < root.i for c in root.children):
        return None
    said = next((c for c in root.children if c.dep_ == "ccomp" and c.pos_ in ("VERB", "AUX")
                 and span.start <= c.left_edge.i and c.right_edge.i < root.i), None)
    subject = None if said is None else next(
        (c for c in said.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if said is None or subject is None or subject.left_edge.i != said.left_edge.i or any(
            c.lower_ in ("so", "but", "and", "because", "therefore", "thus", "hence")
            and said.right_edge.i < c.i < root.i for c in root.children):
        return None  # "We want X, so we've come up with Y": the "so" clause is the main one
    modal = next((c for c in said.children if c.tag_ == "MD" and c.lower_ in _MODALS), None)
    if modal is not None and modal.i > subject.i or \
            modal is None and _key(said) in _FRAMES and _is_frame(said):
        return said
    return None


def _after_participle(span: Span) -> Token | None:
    """The modal clause the parser hung under a participle it took for the main verb, where
    the participle is an adjective of that clause's subject ("Whenever the Members meet,
    *written* notice of the meeting shall be transmitted ...": rooted at "written")."""
    root = span.root
    if root.tag_ not in ("VBN", "VBD") or any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass")
                                              for c in root.children):
        return None
    return next((c for c in root.rights if c.dep_ == "ccomp" and any(
        g.tag_ == "MD" and g.lower_ in _MODALS for g in c.children) and any(
        g.dep_ in ("nsubj", "nsubjpass") and g.left_edge.i == root.i + 1 for g in c.children)),
        None)


def _ruled_verb(span: Span) -> Token | None:
    """A modal verb's head inside a sentence the parser rooted at its subject ("Directors,
    officers and employees designated as insiders must not trade ...": parsed as a noun with
    "insiders must not trade" as a clause hung under "designated")."""
    return next((t for t in span if t.pos_ in ("VERB", "AUX") and t.tag_ != "MD" and any(
        c.tag_ == "MD" and c.lower_ in _MODALS for c in t.children) and not _relative(t)), None)


def _relative(verb: Token) -> bool:
    """A verb that heads a relative clause ("a hotline, by which employees may report X")."""
    return any(c.tag_ in ("WDT", "WP", "WP$") or c.dep_ == "prep" and any(
        g.tag_ in ("WDT", "WP", "WP$") for g in c.children) for c in verb.children)


def _force(span: Span, head: Token) -> tuple[Modality | None, bool, bool, Token | None, bool]:
    """(modality, said explicitly, negated, frame word, imperative) of the clause's head."""
    chain = _chain(head, span.end)
    negated = _negated(chain) or _negative_subject(head) or _after_nor(span)
    modal = next((t for t in (c for h in chain for c in h.children)
                  if t.tag_ == "MD" and t.lower_ in _MODALS
                  or t.lower_ == "ca" and t.dep_ == "aux"  # "can't" (not "The CA shall")
                  or t.lower_ == "need" and t.dep_ == "aux"), None)  # "You needn't ask"
    if modal is not None and _ensured_ability(chain, modal, negated):
        modal = None  # "Make sure texts can bypass your settings": the order is to make sure
    if modal is not None and modal.i == span.start and _inverted_should(span) and any(
            t.text == "," for t in span.doc[modal.i:head.i]):
        modal = None  # "Should X travel on Y, such an expense is eligible": parsed as one verb
    if modal is not None and _trailing_should(span, modal):
        modal = None  # "Backups are kept a month, should the owner leave": a condition
    if modal is None and head.tag_ == "MD" and head.lower_ in _MODALS:  # "You must never:"
        modal = head
        negated = negated or any(c.dep_ == "neg" or c.lower_ in ("never", "not")
                                 for c in head.children)
    if _GO_FOR_IT.search(span.text) or _LEEWAY.search(span.text) and not negated:
        return _PERMIT, True, False, None, False  # "feel free to", "it is up to you whether"
    if _banned(span, head):  # "No shaming.", "No food in the lab."
        return _FORBID, True, True, None, True
    # not a frame inside what an order makes sure of ("Ensure that the proposal has been
    # accepted" orders; "accepted" permits nothing)
    # not a gerund one is told to consider or try ("consider allowing extra time": advice)
    frame = next((h for h in _before_ensured(chain) if _key(h) in _FRAMES and _is_frame(h)
                  and not (h.tag_ == "VBG" and h.head.lemma_.lower() in _TRY)), None)
    if frame is not None:  # "allowed and encouraged": the stronger word of the two
        frame = min([frame, *(c for c in frame.conjuncts if _key(c) in _FRAMES)],
                    key=lambda t: _STRENGTH[_FRAMES[_key(t)]])
    if frame is not None and (frame == head and frame.pos_ == "VERB" or frame.head == head and
                              head.lemma_ == "be" and frame.pos_ == "ADJ") and \
            _is_imperative(span, head):
        frame = None  # "Encourage others to X", "Require MFA", "Be sensible": an order to you
    avoid = any(h.lemma_.lower() in _AVOID for h in chain)
    if frame is not None and (modal is None or modal.lower_ in ("will", "would") or
                              modal.lower_ in ("may", "might", "could") and (
                                  frame.pos_ == "ADJ" or frame.pos_ == "VERB"
                                  and _key(frame) in _DUTY_FRAMES
                                  and not (_passive(frame) and modal.dep_ == "aux"
                                           and modal.head == frame)
                                  # "Bags may be required to be opened": it may happen
                                  and not (
                                      frame == head and _key(frame) not in ("need", "have")
                                      and any(c.dep_ == "nsubj" and _agentive(c)
                                              for c in head.children)))
                              # "Hunting shall be allowed in park areas": it is allowed;
                              # "Any voter shall be eligible to hold the office": a right
                              # "It shall be unlawful for any person to X": X is banned
                              or modal.lower_ == "shall" and not negated and
                              (frame.lemma_.lower() in ("allow", "permit", "authorize", "authorise")
                               or _key(frame) in ("eligible", "entitle")
                               or _FRAMES[_key(frame)] == _FORBID)
                              or _key(frame) in _DUTY_FRAMES
                              and _MODALS.get(modal.lower_) == _OBLIGE):
        base = _FRAMES[_key(frame)]
        chance = _opportunity(frame)
        if chance is not None:  # "have the right to X" permits; "have a duty to X" obliges
            base = _OBLIGE if chance.lemma_.lower() in _DUTIES else _PERMIT
            negated = negated or any(c.dep_ == "det" and c.lower_ == "no"
                                     for c in chance.children)  # "has no obligation to X"
        if negated and chance is None and frame.tag_ != "VBG" and _negated_after(chain, frame):
            # "You are expected to not share X", "allowed to not attend": the frame holds; what
            # it requires or allows is the negative act ("It is illegal not to bill": a duty)
            late = _OBLIGE if base == _FORBID else _flip(base, base == _OBLIGE, avoid)
            return late, True, True, frame, False
        if negated and _imposing(frame, modal):  # the one who must not require is the actor
            return _FORBID, True, True, None, False
        if negated and (_key(frame) in _DUTY_FRAMES or _no_duty_of(frame, modal)) and \
                base == _OBLIGE:
            return _PERMIT, True, True, frame, False
        return _flip(base, negated, avoid), True, negated, frame, False
    if modal is not None and negated and any(c.lower_ in ("merely", "only", "just", "simply")
                                             and c.i > modal.i for h in chain
                                             for c in h.children) and any(
            c.lower_ == "but" for h in chain for c in h.children):
        negated = False  # "must not merely be open, but also visible": both are required
    if modal is not None and not negated and any(c.dep_ == "dobj" and (c.lower_ == "nothing" or any(
            d.dep_ == "det" and d.lower_ == "no" for d in c.children) and not any(
            t.text == "(" for t in head.doc[head.i:c.i])) for c in head.children):
        negated = True  # "must do nothing that would ...", "shall receive no compensation"
    if modal is not None:
        base = _MODALS.get(modal.lower_, _PERMIT)
        if modal.lower_ in ("may", "can", "could", "might") and _sanctioned(head):
            return _PERMIT, True, negated, None, False  # "Violations may result in removal"
        if base == _PERMIT and _epistemic(modal, head):
            return None, False, negated, None, False
        if negated and base == _OBLIGE and modal.lower_ == "need":
            return _PERMIT, True, True, None, False
        return _flip(base, negated, avoid), True, negated, None, False
    if _is_imperative(span, head):
        lemma = head.lemma_.lower()
        fact = next((c for c in head.children if c.dep_ == "ccomp"), None)
        if lemma in _NOTING and head.i + 1 < len(head.doc) and head.doc[head.i + 1].text == ":" \
                and fact is not None and not any(g.tag_ == "MD" for g in fact.children):
            return None, False, False, None, True  # "Note: This document is in progress"
        if lemma in _NOTING and not negated and fact is not None and not _reminder(lemma, fact) \
                and not any(c.dep_ == "xcomp" for c in head.children) and any(
                g.dep_ == "mark" and g.lower_ == "that" for g in fact.children) and not any(
                g.tag_ == "MD" for g in fact.children):
            return None, False, False, None, True  # "Remember that it is impossible to X"
        if _pointer(span, head) or lemma in ("thank", "welcome") and not any(
                c.dep_ == "dobj" and (lemma == "welcome" or c.lower_ != "you")
                for c in head.children):
            # "Thank you for helping X", "Welcome to the Project": no order
            return None, False, negated, None, True
        if lemma == "try" and not negated and any(
                c.dep_ == "xcomp" and c.tag_ == "VB" for c in head.children):
            # "Try to keep titles short": an order put kindly; "Try to avoid X" bans X
            tried = next(c for c in head.children if c.dep_ == "xcomp" and c.tag_ == "VB")
            if tried.lemma_.lower() in _AVOID:
                return _FORBID, True, False, None, True
            return _OBLIGE, False, False, None, True
        if lemma in _TRY and not any(c.dep_ == "neg" for c in head.children):
            return _ADVISE, negated, negated, None, True  # "Please try not using X": advice
        if not negated and _leading_dont(span, head):
            negated = True  # "Do not exceed X, run Y, place Z": parsed as rooted at "place"
        if negated or lemma in _AVOID:
            return _FORBID, negated or lemma in _AVOID, negated, None, True
        chance = _opportunity(head) if lemma == "have" else None
        if chance is not None and chance.lemma_.lower() not in _DUTIES:
            return _PERMIT, True, False, None, True  # "Have the authority to X" (an item of
            # "Each CSA shall:"): the power to X, not a duty
        if any(c.lower_ == "optionally" for c in head.children):
            return _PERMIT, True, False, None, True  # "Optionally, include all the names": a
            # choice the standard leaves open
        return _OBLIGE, False, False, None, True
    if negated and head.lemma_.lower() == "apply" and any(
            c.dep_ == "nsubj" and _rule_word(c) for c in head.children):
        return _PERMIT, True, True, None, False  # "The prohibitions do not apply to X"
    if any(c.lower_ == "always" for c in head.children) and _has_subject(head):
        return _OBLIGE, True, negated, None, False
    if any(c.lower_ == "never" for c in head.children) and head.tag_ in ("VBZ", "VBP") and \
            head.lemma_.lower() not in _NOT_REFUSALS | _HAPPENING | {"be", "expire"} and any(
                c.dep_ == "nsubj" and c.lower_ not in ("it", "this", "that", "there", "which")
                for c in head.children):
        return _FORBID, True, True, None, False  # "Hyphens never have a space either side"
    pledge = next((c for h in chain for c in h.children if c.dep_ == "aux"
                   and c.lower_ in _WILL), None)
    if pledge is not None and any(c.dep_ == "nsubj" and (c.lower_ == "i" or c.lower_ == "we"
                                  and head.lemma_.lower() not in _NOT_COMMITMENTS)
                                  for c in head.children):
        return (_FORBID if negated else _OBLIGE), True, negated, None, False  # "I will not X"
    if pledge is not None and not negated and _sanctioned(head):
        return _OBLIGE, True, False, None, False  # "X will result in disciplinary action"
    if pledge is not None and _committed(head):  # "CISA will provide reports"
        return (_FORBID if negated else _OBLIGE), True, negated, None, False
    if pledge is not None and _you_will(head):  # "you will post a notice" in an agreement
        return (_FORBID if negated else _OBLIGE), True, negated, None, False
    agreed = _agreed(head)
    if agreed is not None:  # "You agree to X", "you agree not to X", "agree that you will not"
        return (_FORBID if agreed else _OBLIGE), True, agreed, None, False
    if not negated and _undertaken(head):  # "You represent and warrant that X"
        return _OBLIGE, True, False, None, False
    if head.lemma_.lower() == "grant" and _has_subject(head) and not _passive(head) and any(
            c.dep_ in ("dative", "dobj") for c in head.children):
        return (_FORBID if negated else _PERMIT), True, negated, None, False  # a licence
    if head.lemma_.lower() in ("violate", "breach", "contravene") and not negated and any(
            c.dep_ in ("csubj", "nsubj") and c.tag_ == "VBG" for c in head.children):
        return _FORBID, True, False, None, False  # "Working overtime without approval violates X"
    if pledge is None and _declared(head):  # "I am volunteering solely for X", "I release Y"
        return (_FORBID if negated else _OBLIGE), True, negated, None, False
    if _disclaimed(head, negated):  # "We do not guarantee X", "makes no warranty that X"
        return _PERMIT, True, True, None, False
    if negated and _refusal(head):  # "CISA does not offer out-of-band scans"
        return _FORBID, True, True, None, False
    if negated and _withheld(head):  # "Your email address is not shared with the authority"
        return _FORBID, True, True, None, False
    if _ONLY_APPROVED.search(span.text):  # "X is the only approved method of Y"
        return _OBLIGE, True, negated, None, False
    if any(c.lower_ in ("ideally", "preferably") for c in head.children) or _advice(head) \
            or _preferred_subject(head):
        return _ADVISE, True, negated, None, False
    return None, False, negated, None, False


# What a party "will" do that is a state or a receipt, not a commitment ("will receive pay").
_NOT_COMMITMENTS = _HAPPENING | {"be", "have", "receive", "get", "need", "want", "like", "see",
                                 "know", "find", "hear"}


_NOT_REFUSALS = {"know", "mean", "matter", "count"}
# what a term covers: "The term employee does not include contractors" defines, refuses nothing
_SCOPE_VERBS = {"include", "cover", "contain", "comprise", "constitute", "encompass"}


# what a rule, a status or an act does not do to the reader's rights and duties ("This section
# does not cover X", "approval of travel does not mean approval of Y", "The regulations do not
# supersede Z", "Your use of the marks does not transfer rights")
_EFFECT_VERBS = _SCOPE_VERBS | {"apply", "supersede", "affect", "confer", "transfer", "relieve",
                                "authorize", "authorise", "foreclose", "grant", "limit", "waive",
                                "mean", "imply", "replace", "create", "alter", "modify", "override",
                                "protect", "expire", "entitle"}


def _legal_effect(head: Token) -> bool:
    """What terms settle in the present: "Access to the Services constitutes acceptance of this
    Agreement" (a definition of what an act amounts to; "X makes no warranty" is left
    informational, as the labels of terms of service read it)."""
    return head.lemma_.lower() == "constitute" and head.tag_ in ("VBZ", "VBP") and \
        not any(c.dep_ == "aux" and c.tag_ == "MD" for c in head.children)


def _negated_effect(head: Token) -> bool:
    """A present-tense "X does not V" whose verb says what a rule or an act covers or brings
    about ("This section does not apply to Y"): a negated definition of its scope or effect."""
    aux = [c.lower_ for c in head.children if c.dep_ == "aux"]
    subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return head.lemma_.lower() in _EFFECT_VERBS and head.tag_ == "VB" and \
        any(a in ("does", "do") for a in aux) and any(c.dep_ == "neg" for c in head.children) \
        and subject is not None and subject.lower_ not in ("you", "we", "i", "they", "he", "she") \
        and not (head.lemma_.lower() == "mean" and subject.pos_ == "PRON")  # "That doesn't mean
    # everything gets lost": a reassurance


def _duty_statement(span: Span, head: Token) -> bool:
    """A sentence that opens with its verb in the third person and no subject ("Approves
    appointment of former officers", "Selects, appoints, or designates persons"): a directive
    lists what the office its heading or lead-in names does, each line one of its duties. The
    tagger often reads such a verb as a plural noun; a word that can only be a verb is taken
    for one, a word that can also be a noun ("Reports directly to X") only where it heads the
    sentence and governs an adverb, an object or a verb joined to it."""
    from lemminflect import getAllLemmas

    words = [t for t in span if not t.is_punct and not t.is_space]
    first = words[0] if words else None
    if first is None or len(words) < 3 or not first.text[:1].isupper() or \
            not first.lower_.endswith("s") or first.dep_ in ("nsubj", "nsubjpass"):
        return False
    long = [t for t in words if len(t) > 3 and t.is_alpha]
    if sum(t.text[:1].isupper() for t in long) * 2 > len(long):
        return False  # a title ("Checks, Drafts, and Orders of Payment")
    verb = getAllLemmas(first.lower_, upos="VERB").get("VERB")
    if not verb or verb[0] in _EFFECT_VERBS | _HAPPENING | _NOT_DUTIES:
        return False
    if first.tag_ == "VBZ":
        return first == head and not _has_subject(head)
    if getAllLemmas(first.lower_, upos="NOUN"):
        return first == head and any(  # not "Gifts and meals": a joined verb, not a noun
            c.dep_ in ("advmod", "dobj", "dative") or c.dep_ == "conj" and (
                c.tag_ == "VBZ" or any(g.dep_ == "dobj" for g in c.children))
            for c in first.children)
    return first == span.root or first.head == span.root and first.dep_ in (
        "compound", "amod", "nmod")  # "Appoints persons selected under X": "persons" the root


# present-tense verbs that describe rather than assign ("Seems", "Depends on", "Refers to")
_NOT_DUTIES = {"be", "have", "seem", "depend", "refer", "contain", "look", "sound", "mean",
               "describe", "explain", "show", "list", "outline", "summarize", "summarise",
               "provide", "thank"}


_SCOPED = _RULES | {"part", "subpart", "chapter", "paragraph", "code", "guideline", "standard",
                    "document", "handbook", "manual", "procedure", "directive", "regulation",
                    "agreement", "this", "it", "conduct"}


def _scope(head: Token) -> bool:
    """"This part applies to the operation of ...", "Our code of conduct applies to all
    spaces": what a rule covers, said as a fact (a definition of its scope)."""
    if head.lemma_.lower() != "apply" or any(c.dep_ in ("neg", "aux") and c.tag_ in ("RB", "MD")
                                             for c in head.children):
        return False
    subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
    to = any(c.dep_ == "prep" and c.lower_ in ("to", "on", "within", "throughout")
             for h in (head, *(p for p in head.children if p.dep_ == "punct"))
             for c in h.children)  # "apply to X", "apply, regardless of Y, on all lands"
    words = {v for t in subject.subtree for w in re.split(r"[-/ ]", t.lower_)
             for v in (re.sub(r"\W", "", w), re.sub(r"\W", "", w).rstrip("s"))} \
        if subject is not None else set()
    return to and bool(words & _SCOPED)


def _ensured_ability(chain: list[Token], modal: Token, negated: bool) -> bool:
    """"can"/"may" inside what an order asks to make sure of ("Ensure that visitors can
    find the exit")."""
    if negated or _MODALS.get(modal.lower_) != _PERMIT or modal.head not in chain[1:]:
        return False
    return any(h.lemma_.lower() in ("ensure", "sure", "verify", "confirm")
               for h in chain[:chain.index(modal.head)])


def _banned(span: Span, head: Token) -> bool:
    """A sign's prohibition: a sentence of no verb that is "No" and what it bans."""
    words = [t for t in span if not t.is_punct and not t.is_space]
    return bool(words) and words[0].lower_ == "no" and words[0].head == head and \
        head.dep_ == "ROOT" and head.pos_ in ("NOUN", "PROPN") and \
        not any(t.pos_ in ("VERB", "AUX") and t.dep_ != "amod" for t in span)


def _refusal(head: Token) -> bool:
    """A party's standing "do not" ("We do not support PGP", "TTS does not penalize
    employees"): what the organisation or the reader does not do, said as its practice."""
    aux = [c.lower_ for c in head.children if c.dep_ == "aux"]
    subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
    return head.tag_ == "VB" and head.dep_ == "ROOT" and any(a in ("do", "does") for a in aux) \
        and subject is not None and (subject.lower_ == "we" or subject.pos_ == "PROPN" or (
            subject.pos_ == "NOUN" and _agentive(subject)
            and head.lemma_.lower() not in _SCOPE_VERBS)) and \
        head.lemma_.lower() not in _NOT_COMMITMENTS | _HAPPENING | _NOT_REFUSALS


# what a party's terms say it does not promise: "We do not guarantee that the Service will
# always be available", "X makes no warranties or representations", "We give no guarantees"
_PROMISES = {"guarantee", "warrant", "warranty", "representation", "promise", "assurance"}


def _disclaimed(head: Token, negated: bool) -> bool:
    """A disclaimer: a party that does not promise or guarantee something leaves itself free
    not to deliver it (a waived duty: a permission, negated as written), not a ban."""
    subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
    if any(c.tag_ == "MD" for c in head.children) or subject is None or not (
            subject.lower_ in ("we", "i") or subject.pos_ == "PROPN" or _agentive(subject)):
        return False  # not "This policy does not promise a refund", "X is not guaranteed"
    if negated and head.lemma_.lower() in ("guarantee", "warrant", "promise"):
        return True
    if head.lemma_.lower() == "disclaim" and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _LIABILITIES for c in head.children):
        return True  # "The University disclaims all responsibility for any loss"
    if head.lemma_.lower() in ("accept", "assume", "take", "bear") and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _LIABILITIES and (negated or any(
                d.dep_ == "det" and d.lower_ == "no" for d in c.children))
            for c in head.children):
        return True  # "We accept no liability for X", "they take no responsibility for Y"
    return head.lemma_.lower() in ("make", "give", "offer", "provide") and any(
        c.dep_ == "dobj" and c.lemma_.lower() in _PROMISES and (negated or any(
            d.dep_ == "det" and d.lower_ == "no" for d in c.children)) for c in head.children)


_LIABILITIES = {"liability", "responsibility"}


# what is done with data that a privacy policy says it does not do
_DATA_HANDLING = {"share", "disclose", "sell", "publish", "store", "retain", "pass", "rent",
                  "transfer", "release", "reveal", "divulge", "transmit", "trade", "lease"}


def _withheld(head: Token) -> bool:
    """A standing negative practice with data, said in the present passive ("Your email
    address is not shared with the public authority", "Improperly managed data is not stored
    indefinitely"): the organisation's commitment not to, as "will not be shared" is."""
    return head.dep_ == "ROOT" and head.tag_ == "VBN" and \
        head.lemma_.lower() in _DATA_HANDLING and \
        any(c.dep_ == "auxpass" and c.lower_ in ("is", "are") for c in head.children) and \
        not any(c.tag_ == "MD" or c.dep_ == "mark" or c.lower_ == "automatically"
                for c in head.children)  # not "Because X is not automatically transferred"


# words that put a verb in the past ("I set the alarm yesterday": "set" is no present)
_PAST_TIME = {"yesterday", "ago", "previously", "earlier", "last", "formerly"}


def _declared(head: Token) -> bool:
    """A first-person declaration in the present of terms a person signs ("I am volunteering
    solely for my own purposes", "I release DemocracyLab from all liability", "I have not
    promised any compensation", "I am at least 18 years old"): what the signer undertakes."""
    aux = [c.lower_ for c in head.children if c.dep_ in ("aux", "auxpass")]
    present = head.tag_ == "VBP" or head.tag_ in ("VBG", "VBN") and \
        any(a in ("am", "have") for a in aux)
    return present and not any(c.tag_ == "MD" for c in head.children) and \
        any(c.dep_ == "nsubj" and c.text == "I" for c in head.children) and \
        not any(t.lower_ in _PAST_TIME for t in head.subtree) and \
        head.lemma_.lower() not in _MUSING | _NOTING | _NOT_REFUSALS | {"hope", "want", "like",
                                                                        "know", "see", "agree"}


_NOT_PLEDGED = _NOT_COMMITMENTS | {"earn", "accrue", "notice", "learn", "enjoy", "lose", "gain",
                                   "forfeit"}


def _passive(head: Token) -> bool:
    """A passive verb ("must be approved", "is covered by")."""
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in head.children)


def _you_will(head: Token) -> bool:
    """"You will post a clear notice", "you will not share X": the reader's undertaking in an
    agreement (an act, not "you will receive an email")."""
    return head.tag_ == "VB" and not _passive(head) and \
        head.lemma_.lower() not in _NOT_PLEDGED and \
        not any(c.lower_ == "automatically" for c in head.children) and \
        any(c.dep_ == "nsubj" and c.lower_ == "you" for c in head.children)


def _agreed(head: Token) -> bool | None:
    """Whether what a party agrees to is negated ("You agree to see that X": False; "you agree
    not to X", "You agree that you will not acquire X": True); None when the clause is not an
    agreement to act. "You accept and agree to be bound by X" and "You acknowledge and agree
    that you waive X" agree in their second verb; "You hereby agree to the terms of X" and "The
    Participant accepts the Code of Conduct" bind the party to a text's terms."""
    if not _has_subject(head) or any(c.dep_ == "neg" for c in head.children):
        return None
    agree = head if head.lemma_.lower() in _PROMISING else next(
        (c for c in head.children if c.dep_ == "conj" and c.lemma_.lower() == "agree"
         and head.lemma_.lower() in ("accept", "acknowledge", "understand")), None)
    if agree is None:  # "The Participant accepts the Code of Conduct"
        return False if head.lemma_.lower() == "accept" and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _TERMS_WORDS for c in head.children) \
            else None
    for child in agree.children:
        if child.dep_ == "xcomp" and (child.tag_ == "VB" or child.tag_ == "VBN" and any(
                c.dep_ == "auxpass" for c in child.children)):  # "agree to be bound by X"
            return any(c.dep_ == "neg" for c in child.children)
        if child.dep_ == "ccomp" and (any(c.dep_ == "aux" and c.lower_ in ("will", "shall")
                                          for c in child.children) or _undertaken(child)):
            return any(c.dep_ == "neg" for c in child.children)
        if child.dep_ == "prep" and child.lower_ == "to" and any(
                c.dep_ == "pobj" and c.lemma_.lower() in _TERMS_WORDS for c in child.children):
            return False
    return None


# Verbs by which a party binds itself to an act as "agree" does ("The Licensee undertakes not to
# sublicense X", "You promise to keep Y secret", "Each director pledges to act in good faith").
_PROMISING = {"agree", "promise", "undertake", "pledge", "covenant"}
# the texts a party agrees to or accepts ("the terms of the Privacy Policy", "these Terms")
_TERMS_WORDS = {"term", "terms", "condition", "policy", "rule", "code", "agreement",
                "guideline", "provision"}


# What the reader undertakes by saying it in an agreement: "You represent and warrant that you
# have the rights", "You hereby consent to X", "You waive any objection to Y".
_UNDERTAKINGS = {"represent", "warrant", "consent", "waive", "certify"}


def _undertaken(head: Token) -> bool:
    """"You represent and warrant that X", "You consent and waive any objection": the reader's
    undertaking (not "We do not represent X", nor "This represents the standard")."""
    return head.lemma_.lower() in _UNDERTAKINGS and head.pos_ == "VERB" and any(
        c.dep_ == "nsubj" and c.lower_ == "you" for c in head.children)


def _committed(head: Token) -> bool:
    """A commitment made with "will" ("CISA will provide reports", "The committee will review
    the report", "such information will not be released by the Government", "Reports will be
    handled confidentially"): a party (a name or an agent noun) as subject or by-agent doing an
    act, or a thing the act is done to, as the labelling guideline reads "will"."""
    if head.lemma_.lower() in _NOT_COMMITMENTS or head.pos_ not in ("VERB", "AUX"):
        return False
    by = _by_agent(head)
    if by is not None and (by.pos_ == "PRON" or _agentive(by)):
        return by.pos_ != "PRON"  # "Reports will be investigated by the people responsible"
    # "The link will be provided by email": a means, not who acts; read as without it
    # "Travel will be provided by X and will not be deducted from Y": the first verb's subject
    owner = head.head if head.dep_ == "conj" and not any(
        c.dep_ in ("nsubj", "nsubjpass") for c in head.children) else head
    party = next((c for c in owner.children if c.dep_ == "nsubj"), None)
    if party is None:  # "Reports will be handled confidentially": said of a named thing
        return head.tag_ == "VBN" and any(c.dep_ == "nsubjpass" and (
            c.pos_ in ("NOUN", "PROPN") or c.lower_ in ("they", "he", "she", "them"))
            for c in owner.children)  # "they will be removed upon a Council vote"
    return party.pos_ in ("PROPN", "NOUN") and _agentive(party)


_PREFERRED = {"preferred", "favored", "favoured", "recommended"}


def _preferred_subject(head: Token) -> bool:
    """"Our preferred format for dates is RFC3339", "The recommended editor is X": a choice the
    document advises."""
    return head.lemma_ == "be" and any(
        c.dep_ == "nsubj" and any(a.dep_ == "amod" and a.lower_ in _PREFERRED
                                  for a in c.children) for c in head.children)


def _advice(head: Token) -> bool:
    """Advice said with a judging noun or "best": "It is a good idea to X", "A good rule is to
    X", "Best practice is to X", "Feedback is best delivered face to face"."""
    if head.tag_ == "VBN" and any(c.lower_ in ("best", "better") and c.dep_ == "advmod"
                                  for c in head.children):
        return True
    if head.lemma_.lower() != "be" or not any(c.dep_ == "xcomp" for c in head.children):
        return False
    nouns = [c for c in head.children if c.dep_ in ("nsubj", "attr")]
    return any(n.lemma_.lower() in _ADVICE_NOUNS and any(
        a.lower_ in ("good", "best", "better", "wise", "smart", "recommended") for a in n.children)
        for n in nouns)


def _epistemic(modal: Token, head: Token) -> bool:
    """'may'/'can'/'could' that say what is possible, not what is allowed: "might"; "could"
    without "you"; a pronoun subject ("these can indicate", "it may be phishing"); a verb of
    happening ("evidence may be lost", "rates can vary")."""
    word = modal.lower_
    subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if word == "might":  # "We might contact you with a newsletter": what a party may do
        return not (subject is not None and subject.dep_ == "nsubj" and
                    (subject.lower_ in ("we", "you") or _agentive(subject) and
                     subject.pos_ != "PRON" and not any(  # not "Some people might ask X"
                         c.lower_ in _HOW_MANY | {"some", "many", "most", "few"}
                         for c in subject.children)) and head.dep_ in ("ROOT", "conj") and
                    head.lemma_.lower() not in _NOT_COMMITMENTS | _MUSING)
    if word == "could" and (subject is None or subject.lower_ != "you"):
        return True
    agent = _by_agent(head) if subject is not None and subject.dep_ == "nsubjpass" else None
    if agent is not None and _agentive(agent) and not _vague(agent):
        return False  # "it can no longer be modified by the depositor": the depositor's limit
    if subject is not None and _vague(subject) and _party_referred(subject) is None:
        return True
    lemma = head.lemma_.lower()
    if lemma in _HOLDING and word in ("may", "can") and any(c.dep_ == "neg" for c in head.children):
        return False  # "Plugins may not contain X", "Names cannot contain spaces": a limit
    if lemma in _DOINGS and subject is not None and (_agentive(subject)
                                                     or subject.dep_ == "nsubjpass"):
        return False  # "Employees may take an active part", "Leave can be taken by either"
    if subject is not None and subject.dep_ == "nsubj" and not _agentive(subject) and \
            head.pos_ == "VERB" and head.tag_ not in ("VBN", "VBD") and not any(
                c.dep_ in ("dobj", "xcomp", "ccomp", "attr", "acomp")
                                            for c in head.children):
        return True  # "The app may not work on older devices": a thing that may not happen
    if subject is not None and subject.dep_ == "nsubj" and not _agentive(subject) and (
            lemma in _EFFECTS or lemma == "be" and any(
                c.dep_ == "acomp" and c.lemma_.lower() in _APPRAISALS for c in head.children)):
        return True  # "A note can help clarify X", "Screenshots can be useful": what may come
    return lemma in _HAPPENING


# what a thing may bring about ("Exclamation marks can increase anxiety")
_EFFECTS = {"help", "trigger", "increase", "eclipse"}
# what a thing may be worth ("Running coverage locally can be useful")
_APPRAISALS = {"helpful", "useful", "interesting", "relevant", "valuable", "beneficial", "hard",
               "difficult", "easy", "inaccurate", "unreliable", "revealing", "ephemeral", "key"}


# Verbs of a mind, not an act: "you might think it funny", "you might intend X".
_MUSING = {"think", "intend", "feel", "wish", "incur", "notice", "wonder", "expect", "believe"}
# Verbs that point at a fact ("Remember that X", "Note that Y"): no norm unless the fact is one.
_NOTING = {"remember", "note", "understand", "recognize", "recognise", "realize", "realise"}
# Adjectives of importance: a norm only with what is important ("It is important to X").
_IMPORTANCE = {"important", "critical", "essential", "vital", "crucial", "paramount"}
# Verbs of happening whose negation with "may"/"can" sets a limit ("may not contain").
_HOLDING = {"contain", "include"}
# Verbs of happening that are also acts when someone does them.
_DOINGS = {"take", "apply", "change", "lead"}


def _reminder(lemma: str, fact: Token) -> bool:
    """"Remember that you are representing our community": an order to bear a person's
    standing in mind (not "Remember that it is impossible to X", a fact noted)."""
    return lemma == "remember" and not any(
        c.dep_ in ("nsubj", "expl") and c.lower_ in ("it", "there") for c in fact.children)


def _pointer(span: Span, head: Token) -> bool:
    """An imperative that only points elsewhere ("See the X policy", "Refer to Y for more
    detail", "Check out Z") or offers help ("Contact HR if you have questions")."""
    lemma = head.lemma_.lower()
    particle = {c.lower_ for c in head.children if c.dep_ == "prt"}
    if lemma == "look" and particle & {"down", "after", "out", "forward"}:
        return False  # "never look down on someone", "look after your equipment"
    if lemma == "read":  # "Read more about X", "Read the guide", not "Read the ahelp"
        return any(c.lower_ in ("more", "about", "up") or c.dep_ == "prep" and c.lower_ == "for"
                   for c in head.children) or any(
            t.lemma_.lower() in _READINGS or "." in t.text[1:-1] or "/" in t.text
            for c in head.children if c.dep_ == "dobj" for t in c.subtree)
    if lemma in _POINTING or lemma == "check" and "out" in particle:
        return True
    words = [t.lower_ for t in span]
    asking = any(t.lemma_.lower() == "question" and not _asked(t, head)
                 for t in span) or any(  # not "Ask the player questions that are important"
        a in ("more", "further", "additional") and b in ("information", "detail", "details",
                                                      "guidance", "help")
        for a, b in zip(words, words[1:], strict=False))
    return lemma in _CONTACTING and asking


def _asked(question: Token, head: Token) -> bool:
    """Questions the order is about ("Ask the player questions", "Ask follow up questions"):
    the verb's object or its complement's, not a condition's ("if you have questions")."""
    node = question
    while node.dep_ in ("dobj", "xcomp") and node != head:
        node = node.head
    return node == head


def _aside(span: Span, verb: Token, frame: Token | None) -> bool:
    """What reads like a norm but is none: "you can refer to / find / see X" (a pointer),
    "feel free to ask if you have questions" (a help line), "HR can help" (an offer),
    "you can do this by clicking" (a method), "This is necessary" (about another sentence)."""
    lemma = verb.lemma_.lower()
    words = [t.lower_ for t in span]
    helpline = any(t.lemma_.lower() == "question" and t.head != verb for t in span) or any(
        a in ("more", "further", "additional", "detailed") and b in _DETAILS
        for a, b in zip(words, words[1:], strict=False))
    offer = any(c.dep_ == "nsubj" and c.lower_ != "you" for c in verb.children) and not any(
        c.dep_ == "neg" or c.tag_ == "MD" and c.lower_ in ("must", "shall", "should") or
        c.dep_ == "nsubj" and any(d.lower_ == "no" for d in c.children) or
        c.tag_ == "MD" and c.lower_ in _WILL and _committed(verb)
        for c in verb.children)  # not "No employee shall assist any person": a ban, nor "The
    # current editors will help new editors": a commitment
    if lemma in _CONTACTING | _POINTING and helpline or lemma in ("help", "assist") and offer:
        return True  # "HR can help", not "Help new perspectives be heard"
    modal = any(c.tag_ == "MD" and c.lower_ in ("can", "may") for c in verb.children)
    documents = any(t.lemma_.lower() in _DOCUMENT_WORDS for t in verb.subtree)
    if modal and (lemma in ("see", "find", "read", "visit") or lemma in _POINTING and documents):
        return True
    if lemma == "do" and any(c.dep_ == "dobj" and _vague(c)
                             for c in verb.children) and any(
            c.dep_ == "prep" and c.lower_ == "by" for c in verb.children):
        return True
    if lemma == "follow" and any(t.lower_ == "below" or t.lower_ == "following" and
                                 t.dep_ == "amod" for t in span):
        return True  # "Follow the steps below": announces a list
    return frame is not None and frame.pos_ == "ADJ" and not any(
        c.dep_ in ("xcomp", "ccomp") for h in (frame, frame.head) for c in h.children) and any(
        c.dep_ == "nsubj" and c.lower_ in ("this", "that", "these", "those")
        for c in frame.head.children)


def modal_force(modal: str, negated: bool) -> Modality:
    """The force of a modal auxiliary ("must", "should", "can", ...), negated or not."""
    return _flip(_MODALS[modal.lower()], negated, False)


def _flip(base: Modality, negated: bool, avoid: bool) -> Modality:
    """A negation (or "avoid"/"refrain") turns a duty or a permission into a prohibition; a
    negated recommendation stays one ("should not"), a negated prohibition permits."""
    if base == _FORBID:
        return _PERMIT if negated else _FORBID
    if (negated or avoid) and base in (_OBLIGE, _PERMIT):
        return _FORBID
    return base


def _chain(head: Token, end: int | None = None) -> list[Token]:
    """The head and the verbs it hands its force down to ("need to X", "are required to X",
    "it is OK to X", "we ask that you X", "be sure to X"); a "that" clause only after a frame
    word ("It is critical that ...", "we require that ..."); never past token ``end``."""
    out = [head]
    node = head
    for _ in range(4):
        frame = _key(node) in _FRAMES or node.lemma_.lower() in (*_ASKING, "make")
        nxt = next((c for c in node.children if (c.dep_ in ("xcomp", "acomp")
                    or c.dep_ == "ccomp" and frame or c.dep_ == "oprd" and node.lemma_.lower()
                    in _JUDGED) and node.i < c.i < (end or len(c.doc))),
                   None)
        if nxt is None:
            break
        out.append(nxt)
        if nxt.dep_ == "acomp" and node.lemma_ == "be" and _key(nxt) in _FRAMES and not any(
                c.dep_ in ("xcomp", "ccomp") for c in nxt.children) and any(
                c.dep_ in ("nsubj", "expl") and c.lower_ == "it" for c in node.children):
            # "It is important not to share X": the act hangs on "is", beside the adjective
            act = next((c for c in node.children if c.dep_ == "xcomp"
                        and nxt.i < c.i < (end or len(c.doc))), None)
            if act is not None:
                out.append(act)
                nxt = act
        node = nxt
    return out


# a frame's participle the tagger took for an adjective after an adverb ("You are highly
# encouraged to review code"), with the verb it stands for
_PARTICIPLES = {"encouraged": "encourage", "discouraged": "discourage",
                "recommended": "recommend", "advised": "advise", "expected": "expect",
                "required": "require"}


def _key(token: Token) -> str:
    """The word looked up in the frame table: the lemma, but a superlative or comparative as
    written ("best", whose lemma is "good"), and a frame's participle read as an adjective
    with "to" and a verb after it as its verb."""
    if token.tag_ == "JJ" and token.lower_ in _PARTICIPLES and token.dep_ == "acomp" and any(
            c.dep_ == "xcomp" for c in token.children):
        return _PARTICIPLES[token.lower_]
    return token.lower_ if token.tag_ in ("JJS", "JJR") else token.lemma_.lower()


def _is_frame(token: Token) -> bool:
    """A frame word used as such: "need"/"have" with "to"+verb, adjectives and passives."""
    lemma = token.lemma_.lower()
    if lemma == "need" and any(c.dep_ == "auxpass" for c in token.children):
        return True  # "No approval is needed to X"
    if lemma in ("need", "have"):
        return any(c.dep_ in ("xcomp", "dobj") for c in token.children) and (
            lemma == "need" or any(c.dep_ == "xcomp" for c in token.children)
            or _opportunity(token) is not None)
    if lemma in ("prefer", "favor", "favour", "suggest", "recommend", "advise", "encourage",
                 "discourage", "require", "expect", "ban", "bar"):
        return token.pos_ == "VERB"
    if lemma == "approve":  # "Zoom is approved for OFFICIAL", not "approved by your manager"
        return token.tag_ == "VBN" and not any(c.dep_ == "agent" for c in token.children)
    if lemma in _IMPORTANCE or lemma in ("illegal", "unlawful", "useful", "helpful"):
        # "It is paramount that X", "It is unlawful (for any person) to X"; not "Context is
        # important"
        return any(c.dep_ in ("ccomp", "xcomp") or c.dep_ == "advcl" and lemma in (
            "illegal", "unlawful") and any(m.dep_ in ("mark", "aux") and m.lower_ in ("for", "to")
                                            for m in c.children)
                   for h in (token, token.head) for c in h.children) or token.head.lemma_ != "be"
    if lemma == "reserve":  # "reserves the right to X"
        return _opportunity(token) is not None
    if lemma == "empower":  # "The TSC is empowered to X", not "Open source empowers developers"
        return any(c.dep_ == "xcomp" for c in token.children)
    if lemma in ("tolerate", "accept", "reimburse"):
        # "will not be tolerated", "Tips will be reimbursed", "we do not tolerate X"
        return token.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in token.children) or \
            lemma == "tolerate" and any(c.dep_ == "nsubj" and c.lower_ in ("we", "i")
                                        for c in token.children)
    if lemma in ("appropriate", "inappropriate"):  # "X is not appropriate", "it may be
        # appropriate to X"; not "appropriate action", "whatever is most appropriate"
        be = token.head if token.dep_ == "acomp" else token
        return be.lemma_ == "be" and (lemma == "inappropriate" or any(
            c.dep_ == "neg" for c in be.children) or any(
            c.dep_ in ("xcomp", "ccomp") or c.dep_ == "prep" and c.lower_ == "for"
            for h in (token, be) for c in h.children))
    if lemma == "commit":  # "The team commits to X", "The Library is committed to X-ing"
        # the participle may hang as an adjective complement of "is" ("OpenSAFELY is committed
        # to X-ing"): then the party and a "not" are the copula's
        party = next((c for h in (token, token.head) if h == token or token.dep_ == "acomp"
                      for c in h.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        denied = any(c.dep_ == "neg" for h in (token, token.head) for c in h.children)
        pledged = token.tag_ != "VBN" or party is not None and _agentive(party) \
            and not denied  # not "The item is committed to CVS", "We are not committed to X"
        return pledged and any(c.dep_ == "prep" and c.lower_ == "to" and any(
            g.dep_ in ("pcomp", "pobj") or g.tag_ == "VBG" for g in c.children)
            for c in token.children) or any(
            c.dep_ in ("xcomp", "advcl") and c.tag_ == "VBG" or c.dep_ == "xcomp"
            for c in token.children)
    if lemma == "safe":  # "it is safe to X", not "the server is safe"
        return any(c.dep_ == "xcomp" for c in token.children) or any(
            c.dep_ in ("advcl", "xcomp") and any(g.lower_ == "to" for g in c.children)
            for c in token.head.children)
    if lemma in ("want", "get"):  # "you will want to X", "you get to keep X"
        return any(c.dep_ == "xcomp" for c in token.children) and not any(
            c.dep_ in ("dobj", "nsubj") and c.i > token.i for c in token.children) and not any(
            g.dep_ == "nsubj" for c in token.children if c.dep_ == "xcomp" for g in c.children)
    if lemma in ("ask", "request", "urge", "insist"):
        # "we ask that you X", "we urge everyone to X" - not "ask questions"
        return any(c.dep_ in ("xcomp", "ccomp") for c in token.children)
    return True


def _opportunity(token: Token) -> Token | None:
    """The object of "have the opportunity / right / option to X" (a permission)."""
    return next((c for c in token.children if c.dep_ == "dobj"
                 and c.lemma_.lower() in _OPPORTUNITY), None)


# verbs of making sure, and of choosing: a "not" after them is in what is made sure of or
# chosen ("You can choose not to permit cookies": a permission to decline)
_ENSURING = {"ensure", "sure", "verify", "confirm", "choose", "decide", "elect", "opt"}


def _before_ensured(chain: list[Token]) -> list[Token]:
    """The chain up to a verb of making sure or of choosing: a "not" in what is made sure of
    ("ensure that passwords are not shared") is the content of a duty, not a negated one, and
    one in what is chosen ("you can choose not to accept cookies") that of a permission."""
    cut = next((n for n, t in enumerate(chain) if t.lemma_.lower() in _ENSURING), None)
    return chain if cut is None else chain[:cut + 1]


def _ensured_negation(chain: list[Token]) -> bool:
    """Whether what the duty makes sure of is negative ("ensure X does not contain Y")."""
    kept = _before_ensured(chain)
    return len(kept) < len(chain) and _negated(chain[len(kept):])


def _negated(chain: list[Token]) -> bool:
    """A negation written before the verb it negates ("must not X", "never X", "not allowed
    to X"); a "not" after it negates an object or an alternative ("use X, not Y"). A "not"
    right after the modal counts wherever the parser hung it ("may not, directly, accept")."""
    for token in _before_ensured(chain):
        for child in token.children:
            if child.i < token.i and (child.dep_ == "neg" or child.lower_ in ("never", "not")
                                      or _no_case(child) or child.dep_ == "preconj"
                                      and child.lower_ == "neither"):  # "has neither been X"
                return True
            if child.dep_ == "nsubjpass" and token.tag_ == "VBN" and _not_all(child):
                return True  # "Not all records are required to be deleted": a waived duty
            if child.lower_ == "longer" and 0 < child.i < token.i and \
                    child.doc[child.i - 1].lower_ == "no":  # "can no longer be resurrected"
                return True
            if child.dep_ == "neg" and child.i == token.i + 1 and token.lemma_ == "be" and (
                    token == chain[0] or any(c.dep_ == "acomp" and c in chain
                                             for c in token.children)):
                return True  # "is not acceptable", "are never OK", "Remember that X is not OK"
            if child.tag_ == "MD" and child.i + 1 < len(child.doc) and \
                    child.doc[child.i + 1].lower_ in ("not", "n't", "never"):
                return True
    return False


def _not_all(subject: Token) -> bool:
    """A subject opened by "not all" or "not every" ("Not all employees ...")."""
    words = [t.lower_ for t in subject.subtree][:2]
    return words in (["not", "all"], ["not", "every"])


def _leading_dont(span: Span, head: Token) -> bool:
    """A series of orders opened by "Do not" or "Never" that the parser rooted at a later
    verb of the series ("Do not exceed rate limits, run automated processes, place a load on X"):
    the negation covers the series."""
    words = [t for t in span if not t.is_punct]
    if len(words) < 4:
        return False
    if words[0].lower_ == "do" and words[1].lower_ in ("not", "n't"):
        verb = words[2]
    elif words[0].lower_ == "never":
        verb = words[1]
    else:
        return False
    return verb.tag_ == "VB" and verb.i < head.i and verb.head == head and \
        verb.dep_ in ("advcl", "conj", "dep", "ccomp") and \
        any(t.text == "," for t in span.doc[verb.i:head.i])


def _negated_after(chain: list[Token], frame: Token) -> bool:
    """Whether the negation falls only on a verb after the frame word ("We need to be careful
    to not make X", "You have to not exceed Y"), not on the frame ("You do not need to X")."""
    cut = chain.index(frame) + 1 if frame in chain else len(chain)
    return cut < len(chain) and not _negated(chain[:cut]) and _negated(chain[cut:])


def _no_duty_of(frame: Token, modal: Token | None) -> bool:
    """"You are not responsible for fixing every bug", "We are not liable for any loss": a
    party told, in the present ("will" too, for liability), that a task or a loss is not its
    duty (not "X shall not be responsible for any loss", a disclaimer the labels read as a
    prohibition, nor the order "Don't feel responsible for X")."""
    be = frame.head if frame.dep_ == "acomp" else None
    lemma = frame.lemma_.lower()
    return (lemma in ("responsible", "accountable") and modal is None or lemma == "liable" and (
        modal is None or modal.lower_ == "will")) and be is not None and \
        be.lemma_ == "be" and _has_subject(be)


def _imposing(frame: Token, modal: Token | None) -> bool:
    """A party told by a duty's modal not to impose one ("Managers must not require employees
    to X", "You must not expect others to Y"): an active frame verb with its own subject under
    "must"/"shall" is forbidden, not waived as in "X is not required"."""
    return modal is not None and _MODALS.get(modal.lower_) == _OBLIGE and \
        modal.lower_ != "need" and frame.pos_ == "VERB" and \
        frame.lemma_.lower() not in ("need", "have") and not _passive(frame) and \
        _has_subject(frame)


def fact_negated(head: Token) -> bool:
    """A statement of fact said through a negation: "X is not a security problem", "Accounts
    do not expire", "There are no fees for X", "Libera Chat accepts no liability"."""
    return any(c.dep_ == "neg" or c.lower_ == "never" or c.dep_ in (
        "nsubj", "nsubjpass", "dobj", "attr") and (c.lower_ in _NEGATIVE_SUBJECTS or any(
            d.dep_ in ("det", "preconj") and d.lower_ in ("no", "neither") for d in c.children))
        for c in head.children)


_NO_CASE_NOUNS = {"way", "circumstance", "circumstances", "time", "case", "point", "event"}


def _no_case(token: Token) -> bool:
    """"under no circumstances", "at no time", "in no way", "in no case": a phrase that negates
    the verb it modifies."""
    return token.dep_ == "prep" and token.lower_ in ("in", "under", "at") and any(
        g.lower_ in _NO_CASE_NOUNS and any(d.lower_ == "no" and d.dep_ == "det" for d in g.children)
        for g in token.children)


def _negative_subject(head: Token) -> bool:
    """'No employee may ...', 'No one should ...', 'Nobody can ...', 'No more than a fourth
    of the members may ...'; a verb coordinated after the subject's verb shares it ("No
    person entering or on the property may carry ...")."""
    if head.dep_ == "conj" and not _has_subject(head) and head.head.i < head.i:
        return _negative_subject(head.head)
    for child in head.children:
        if child.dep_ not in ("nsubj", "nsubjpass"):
            continue
        words = " ".join(t.lower_ for t in child.subtree)
        if any(words.startswith(n) for n in _NEGATIVE_SUBJECTS) or \
                words.startswith(("no more than", "not more than")):
            return True
        if any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in child.children):
            return True
    return False


def _after_nor(span: Span) -> bool:
    """A clause that "nor" joins to a negated one ("..., nor may they give tickets away"): it
    is negated too, though the word is left outside the clause."""
    edges = [span.doc[i] for i in (span.start - 1, span.start) if 0 <= i < len(span.doc)]
    return any(t.lower_ == "nor" for t in edges)


def _has_subject(token: Token) -> bool:
    return any(c.dep_ in _SUBJECTS for c in token.children)


def _passive_order(head: Token) -> bool:
    """An order in the passive, its "be" bare ("(f) Not be found guilty of an offense", "Be
    prepared to show your badge")."""
    return head.tag_ == "VBN" and any(c.dep_ == "auxpass" and c.tag_ == "VB" and c.lower_ == "be"
                                      for c in head.children)


def _is_imperative(span: Span, head: Token) -> bool:
    """A base-form verb without subject or modal that starts its clause (after connectors,
    'please', adverbs, a leading condition or 'Don't')."""
    if _has_subject(head):
        return False
    if head.tag_ not in ("VB", "VBP", "NN", "NNP") and not _only_a_verb(head) and not (
            head.tag_ == "VBD" and head.lower_ == head.lemma_.lower() and head.dep_ == "ROOT"
    ) and not _passive_order(head):
        return False  # "Since TTS spans time zones, set expectations": "set" read as a past
    words = [t for t in span if not t.is_punct]
    if len(words) < 2 and not (words == [head] and head.tag_ == "VB" and _only_a_verb(head)
                               and span[-1].text in (".", "!")):
        return False  # "Listen." is an order; a one-word heading or label is not
    if head.tag_ in ("NN", "NNP") and not _only_a_verb(head) and (
            head.i != span.start or not any(c.dep_ in ("dobj", "dative") for c in head.children)):
        return False  # a verb the tagger took for a noun: "Report suspicious emails"
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in head.children):
        return False
    between = head.doc[min(head.i, head.head.i):max(head.i, head.head.i)]
    if head.dep_ == "conj" and _has_subject(head.head) and not any(
            t.text == "," for t in between):  # "IT will triage and let you know"
        return False
    if any(c.tag_ == "MD" and c.dep_ in ("aux", "auxpass") for c in head.children):
        return False
    before = span[:head.i - span.start]
    commas = [t.i for t in before if t.text == ","]
    for token in before:
        if token.head == head and token.dep_ in _SUBJECTS:
            return False
        if token.dep_ == "ROOT" and token != head and not (commas and token.i < commas[-1]):
            return False
    return head.dep_ in ("ROOT", "conj", "ccomp", "parataxis", "dep") or head == span.root


def _allowed_by_agreement(head: Token) -> Token | None:
    """The party the reader agrees may act ("You agree that Penn State may migrate X", "you
    agree that we can place cookies"), not the reader."""
    if head.lemma_.lower() != "agree":
        return None
    said = next((c for c in head.children if c.dep_ == "ccomp" and any(
        a.dep_ == "aux" and a.lower_ in ("may", "can") for a in c.children)), None)
    party = next((c for c in said.children if c.dep_ == "nsubj"), None) if said else None
    return party if party is not None and party.lower_ != "you" and _agentive(party) else None


def _refusing_asker(frame: Token | None) -> Token | None:
    """Who pledges never to ask or press for something ("We will never ask you to X", "Staff
    will not pressure volunteers to Y"): the subject, not the one who would be asked ("will not
    require members to X" leaves the members free: theirs is the permission)."""
    if frame is None or frame.pos_ != "VERB" or frame.lemma_.lower() not in (
            "ask", "request", "force", "compel", "pressure"):
        return None
    if not any(c.dep_ == "neg" or c.lower_ == "never" for c in frame.children) or not any(
            c.dep_ == "aux" and c.lower_ in (*_WILL, "shall") for c in frame.children):
        return None
    subject = next((c for c in frame.children if c.dep_ == "nsubj"), None)
    return subject if subject is not None and _agentive(subject) else None


def _decided_rule(head: Token) -> Token | None:
    """The rule a past decision reports ("we agreed that the following features MUST be
    included"): the ruled clause, whose actor is not the one who decided."""
    if head.lemma_.lower() not in ("agree", "decide", "resolve") or head.tag_ != "VBD":
        return None
    return next((c for c in head.children if c.dep_ == "ccomp" and any(
        a.tag_ == "MD" and a.lower_ in ("must", "shall", "should") for a in c.children)), None)


def _acronym_subject(head: Token) -> Token | None:
    """An office's acronym or a name in mixed capitals opening the sentence just before the
    modal ("OPM may establish X", "DRMacIver must approve X"), which the tagger took for an
    adverb or a modifier, not the subject."""
    first = head.sent[0]
    modal = first.nbor() if first.i + 1 < len(head.doc) else None
    named = (first.is_upper and 2 <= len(first) <= 6) or (
        sum(c.isupper() for c in first.text) >= 3 and first.text[:1].isupper()
        and not first.is_upper)  # "DRMacIver must approve X"
    if first.is_alpha and named and first.head == head and \
            first.text not in ("NB", "PS", "OK", "FYI", "ASAP", "TBD") and \
            first.dep_ in ("advmod", "npadvmod", "dep", "intj") and modal is not None and \
            modal.tag_ == "MD" and modal.head == head:
        return first
    return None


def _actor(head: Token, frame: Token | None, passive: bool,
           addressee: str | None) -> str | None:
    """Who must, may or must not act; None when the text does not say and nobody is
    addressed.

    The subject, except where it is not the one who acts: in the passive the by-agent (else the
    addressee); with an active frame verb ("We encourage teams to X", "GSA allows X", "The
    policy forbids X") the one told (its object or the subject of its complement), else the
    addressee; with an adjective about the act ("X is fine", "It is critical that you X") the
    subject of the complement, else the addressee."""
    lemma = _key(frame) if frame is not None else ""
    refuser = _refusing_asker(frame)
    if refuser is not None:  # "We will never ask you to send your password": our commitment
        return _noun_phrase(refuser)
    ruled = _decided_rule(head)
    if ruled is not None:  # "we agreed that the features MUST be included": the packager
        return _actor(ruled, None, _passive(ruled), addressee)
    allowed = _allowed_by_agreement(head)
    if allowed is not None:  # "You agree that Penn State may migrate the Work": Penn State
        return _noun_phrase(allowed)
    if frame is not None and frame.dep_ == "ccomp" and frame.head.lemma_.lower() == "make":
        made = next((c for c in frame.children if c.dep_ == "nsubj"), None)
        if made is not None:  # "The law makes *you* responsible for X"
            return addressee if made.lower_ == "you" and addressee else _noun_phrase(made)
    if frame is None and passive:
        obj = _by_agent(head)
        held = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
        if obj is not None and head.lemma_.lower() in _HELD_BY and held is not None and \
                _agentive(held) and not _vague(held):
            return _noun_phrase(held)  # "Committers must be covered by an agreement"
        if obj is not None and (obj.pos_ == "PRON" or obj.text.isupper() or _agentive(obj)):
            return _noun_phrase(obj)  # not "provided by email": a means, not who acts
    if frame is not None and lemma == "commit":  # "The NumFOCUS team commits to X": the team
        subject = next((c for h in (frame, frame.head) for c in h.children
                        if c.dep_ in ("nsubj", "nsubjpass")), None)
        return _noun_phrase(subject) if subject is not None else addressee
    if frame is not None and (frame.pos_ == "VERB" and lemma not in ("need", "have")
                              and not passive or lemma in _ACT_ADJECTIVES):
        return _told(frame) or addressee
    complement = frame is not None and any(  # "prohibited from (parking)", "from—"
        c.dep_ in ("xcomp", "ccomp") or c.dep_ == "prep" and (c.lower_ == "from" or any(
            g.dep_ == "pcomp" for g in c.children)) for c in frame.children)
    done = _passive_complement(frame) if lemma in ("need", "have") else None
    if done is not None:  # "incidents need to be reported": the subject is what is acted on;
        by = _by_agent(done)  # "The DMP has to be reviewed by the supervisors": they act
        if by is not None and (by.pos_ == "PRON" or by.text.isupper() or _agentive(by)):
            return _noun_phrase(by)
        return addressee
    subject = next((c for c in map(_hyphen_end, head.children)  # "Non-members": in pieces
                    if c.dep_ in ("nsubj", "csubj")
                    or c.dep_ == "nsubjpass" and (complement or not passive or _supposed(head)
                                                  or _entitled(frame) and _agentive(c)
                                                  or _admitted(head, frame) and _agentive(c))),
                   None)  # "Employees are entitled to:" (a lead-in): the employees
    if subject is None and head.pos_ in ("NOUN", "PROPN") and any(
            c.tag_ == "MD" for c in head.children):
        subject = head  # "The Contractor shall -": a lead-in with its modal and no verb
    if subject is None and head.dep_ == "conj":  # "... and must not X" shares the subject
        return _actor(head.head, frame, passive, addressee)
    acronym = _acronym_subject(head) if subject is None else None
    if acronym is not None:
        return acronym.lower_  # "OPM may establish X": "OPM" tagged an adverb
    if subject is not None and _vague(subject):
        subject = _party_referred(subject) or subject  # "If the Foundation ..., it may X"
    if subject is None or _vague(subject):
        inner = next((c for c in _chain(head)[1:] for c in c.children
                      if c.dep_ == "nsubj"), None)  # "we ask that you X"
        subject = inner if inner is not None and not _vague(inner) else None
    if subject is None:
        held = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
        if passive and addressee is None and held is not None and _yours(held):
            return "you"  # "Your files should be protected": the reader's, though not addressed
        return addressee if passive or _expletive(head) or frame is not None else None
    if subject.dep_ == "csubj" and subject.tag_ in ("VBN", "VBD", "VBG"):
        # "All officers authorized to exercise X must adhere to Y", "the Secretary acting
        # through the Director shall X": the parser took the participle of a reduced relative
        # for the subject, and the noun for its subject
        subject = next((c for c in subject.children if c.dep_ == "nsubj"
                        and c.pos_ in ("NOUN", "PROPN")), subject)
    if _rule_word(subject) or subject.dep_ == "csubj" or subject.tag_ == "VBG":
        return addressee  # "The prohibitions do not apply", "Working overtime violates X"
    words = " ".join(t.lower_ for t in subject.subtree)
    if any(words.startswith(n) for n in ("no one", "nobody", "no-one", "nothing", "none")):
        return None
    owner = next((c for c in subject.children if c.dep_ == "poss" and c.pos_ != "PRON"
                  and _agentive(c)), None)
    if owner is not None and not _agentive(subject):
        return _noun_phrase(owner)  # "The Contractor's control system shall": the Contractor
    if not _agentive(subject) and _yours(subject):
        return "you"  # "Your files are personal but should be protected": the reader's
    body = _body_of_share(subject)
    if body is not None:  # "A simple majority within the SC may call X": the SC
        return _noun_phrase(body)
    if addressee is not None and not _agentive(subject) and not (
            frame is not None and frame.lemma_.lower() in _PERSON_FRAMES
            and subject.lemma_.lower() not in _THINGS):
        return addressee  # "Blog posts should offer something": the writer is under the norm
    return _noun_phrase(subject)  # "On-call engineers are responsible for X": the engineers


def _passive_complement(frame: Token | None) -> Token | None:
    """The passive a frame verb's complement is ("need to *be reported*"), if any."""
    if frame is None:
        return None
    return next((c for c in frame.children if c.dep_ == "xcomp" and any(
        g.dep_ == "auxpass" for g in c.children)), None)


def _yours(noun: Token) -> bool:
    """Whether a thing is the reader's ("your files")."""
    return any(c.dep_ == "poss" and c.lower_ == "your" for c in noun.children)


# adjectives said of a party, never of its work: their subject acts whatever the noun
_PERSON_FRAMES = {"responsible", "accountable", "free", "entitled", "eligible", "liable"}


# A share of a body that acts for it ("a majority of the Board", "a quorum of members")
_SHARES = {"majority", "supermajority", "minority", "quorum", "half", "third", "two-thirds",
           "unanimity", "plurality"}


def _supposed(head: Token) -> bool:
    """"Stakeholders are supposed to X": the subject of the passive acts, as with "required"."""
    return head.lemma_.lower() == "suppose" and any(c.dep_ == "xcomp" for c in head.children)


def _body_of_share(subject: Token) -> Token | None:
    """The body whose share is the subject ("A two-thirds majority of the Board": the Board),
    the group a quantifier picks from ("Each of the editors", "Two of the members"), or None."""
    if subject.lemma_.lower() in _SHARES:
        return next((g for c in subject.children if c.dep_ == "prep" and c.lower_ in (
            "of", "within", "in") for g in c.children if g.dep_ == "pobj"), None)
    if subject.tag_ in ("DT", "CD"):  # "Each of the editors", "All but one of the editors"
        return next((g for t in subject.subtree if t.dep_ == "prep" and t.lower_ == "of"
                     for g in t.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN")),
                    None)
    return None


# passives whose by-phrase names what holds the subject, not who acts ("bound by the code")
_HELD_BY = {"cover", "bind", "govern", "guide", "insure", "employ", "sponsor"}


def _admitted(head: Token, frame: Token | None) -> bool:
    """"Non-members are only allowed in the space", "Guests are welcome at X": a permission
    about where its subject may be, who is then the one permitted."""
    word = frame if frame is not None else head
    return word.lemma_.lower() in ("allow", "permit", "welcome", "admit") and \
        any(c.dep_ == "prep" and c.lower_ in ("in", "into", "at", "on", "inside")
            for c in word.children)


def _entitled(frame: Token | None) -> bool:
    """A passive frame about its subject's own acts: "entitled to", "expected to X", not
    "approved for" (a thing approved)."""
    return frame is not None and any(c.dep_ == "xcomp" or c.lower_ == "to"
                                     for c in frame.children)


def _rule_word(token: Token) -> bool:
    """A word for a rule ("policy", "GSA Policies": a proper noun keeps its plural lemma)."""
    word = token.lower_
    return bool({token.lemma_.lower(), word, re.sub(r"ies$", "y", word), word.rstrip("s")}
                & _RULES)


def _doer(head: Token) -> str | None:
    """The subject of a statement that states no norm, when it names someone who acts."""
    subject = next((c for c in head.children if c.dep_ == "nsubj"
                    or c.dep_ == "nsubjpass" and any(o.dep_ == "dobj" for o in head.children)),
                   None)  # the passive's subject when it receives ("employees are given X")
    by = _by_agent(head)
    if by is not None and by.pos_ != "PRON" and _agentive(by):
        return _noun_phrase(by)  # "The roll of voters is maintained by the DSF Board"
    if subject is None and head.pos_ == "NOUN" and head.dep_ == "ROOT" and \
            head.doc.text.rstrip().endswith(("—", "–", "-", ":")) and head.doc[0].tag_ != "VBG":
        subject = head  # "All vehicle drivers entering the property—" over its items
    if subject is None or _vague(subject) or not _agentive(subject):
        return None
    return _noun_phrase(subject)


def _by_agent(head: Token) -> Token | None:
    """The noun of a passive's "by" phrase ("maintained by *the DSF Board*"), if any; a "by"
    phrase after passives joined by "and" is theirs all ("reviewed and signed by the manager")."""
    agent = next((c for c in head.children if c.dep_ == "agent"), None) or next(
        (c for conj in head.children if conj.dep_ == "conj" and conj.tag_ == "VBN"
         and not any(g.dep_ in ("nsubj", "nsubjpass") for g in conj.children)
         for c in conj.children if c.dep_ == "agent"), None)
    nouns = [c for c in agent.children if c.dep_ == "pobj"] if agent else []
    # "by a Super-majority of X" is parsed as three objects ("Super", "-", "majority")
    vote = next((n for n in nouns if n.lemma_.lower() in _VOTES), None)
    return _whose_vote(vote or nouns[0]) if nouns else None


_VOTES = {"majority", "super-majority", "supermajority", "vote", "ballot", "quorum", "consensus",
          "decision", "resolution", "approval"}


def _whose_vote(noun: Token) -> Token:
    """The body behind a vote ("approved by a Super-majority of the Committee": the
    Committee), else the noun itself."""
    words = {noun.lower_, noun.lemma_.lower(), *(c.lower_ for c in noun.children
                                                 if c.dep_ in ("compound", "amod"))}
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    body = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if body is not None and words & _VOTES:
        return _whose_vote(body)
    return noun


def _party_referred(pronoun: Token) -> Token | None:
    """The party "it" or "they" names again in its sentence: the subject of a clause before it
    that heads its own ("If the Foundation grants a postponement, it may impose conditions";
    "Once reviewers agree, they must record the decision"; "If a member project is expelled
    it may reapply for membership"), or that a relative pronoun
    stands for ("to the District Commander, who may assess a fee")."""
    if pronoun.lower_ in _RELATIVES and pronoun.dep_ == "nsubj" and \
            pronoun.head.dep_ == "relcl" and _agentive(pronoun.head.head):
        return pronoun.head.head
    if pronoun.lower_ not in ("it", "they") or pronoun.dep_ != "nsubj":
        return None
    plural = pronoun.lower_ == "they"
    verb = pronoun.head
    if not any(c.dep_ == "dobj" for c in verb.children) and (
            verb.lemma_.lower() in _HAPPENING or verb.lemma_ == "be" or verb.pos_ != "VERB"):
        return None  # an act (done to something), not "it can be useful to X"
    for token in pronoun.doc[:pronoun.i]:
        if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ in ("NOUN", "PROPN") and \
                _agentive(token) and \
                token.head.head == verb and token.head.dep_ == "advcl" and \
                (token.tag_ in ("NNS", "NNPS")) == plural:
            return token
    return None


def _vague(token: Token) -> bool:
    """A pronoun that names nobody ("it", "this"); "IT" in capitals is the IT department, and
    "those" with a clause of its own names people ("Those who break the rules", "Those taking
    advantage of the code")."""
    if _described_those(token) is not None:
        return False
    return token.lower_ in _VAGUE_ACTORS and token.text != "IT"


def _described_those(token: Token) -> Token | None:
    """The clause that says who "those" are ("those who wish to speak"), if it is such."""
    if token.lower_ != "those":
        return None
    return next((c for c in token.children if c.dep_ in ("acl", "relcl")), None)


def _agentive(token: Token) -> bool:
    """Whether a subject names someone who can act: a pronoun, a proper noun (an agency, a
    team), a noun for people or their groups, or an agent noun made from a verb the lexicon
    knows ("approver", "supervisor", "consultant", "designee", "specialist", "verifier")."""
    if token.i == token.sent.start and _only_a_verb(token):
        return False  # "Solicit, accept or receive X": a verb the tagger took for a name
    if any(t.text.endswith("()") for t in token.subtree):
        return False  # "tmpnam() is insecure": a function of the code, not a party
    if token.pos_ in ("PRON", "PROPN") or token.tag_ in ("PRP", "NNP", "NNPS") or \
            token.is_alpha and token.text[:1].islower() and any(c.isupper() for c in token.text):
        return True  # a name in mixed case the tagger took for a noun ("arXiv", "eLife")
    if token.text[:1].isupper() and token.text.isalnum() and any(c.isdigit() for c in token.text):
        return True  # a committee's or body's code name the tagger took for a noun ("TC39")
    lemma = token.lemma_.lower().rsplit("-", 1)[-1]  # "non-member", "co-author": the noun
    if lemma in _AGENTS or token.lower_.rsplit("-", 1)[-1] in _AGENTS:
        return True
    if lemma in _THINGS or len(lemma) < 5:
        return False
    if lemma.endswith(("ist", "ian", "mate")) or lemma.endswith("ee") and len(lemma) >= 6:
        return True
    verbs = _lexicon("verb")
    for suffix in ("er", "or", "ant", "ent"):
        if lemma.endswith(suffix):
            stem = lemma[:-len(suffix)]
            return any(v in verbs for v in (stem, stem + "e", stem + "ate", lemma[:-1],
                                            stem[:-1] if stem[-1:] == stem[-2:-1] else "",
                                            stem[:-1] + "y" if stem.endswith("i") else ""))
    return False


def _told(frame: Token) -> str | None:
    """Whom a frame word puts under the norm: "We encourage *teams* to X", "we expect
    *everyone* to X", "It is OK *for contractors* to X", "we ask that *you* X"."""
    for child in frame.children:
        if child.dep_ in ("dobj", "dative") and (any(c.dep_ in ("xcomp", "ccomp")
                                                     for c in frame.children) or any(
                c.dep_ == "acl" and c.tag_ == "VB" and any(a.lower_ == "to" for a in c.children)
                for c in child.children)):  # "we require events to set X" (read as events-to)
            return _noun_phrase(child)
        if child.dep_ in ("xcomp", "ccomp") and not _quoted(child):
            inner = next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")
                          and not _vague(c)), None)
            if inner is not None and _agentive(inner):
                return _noun_phrase(inner)  # not "we ask that any use of the logos be X"
            by = _by_agent(child) if inner is not None and inner.dep_ == "nsubjpass" else None
            if by is not None and (by.pos_ == "PRON" or _agentive(by)):
                return _noun_phrase(by)  # "we recommend that the plan be approved by the board"
        if child.dep_ == "prep" and child.lower_ == "for" and child.i > frame.i and any(
                c.dep_ in ("xcomp", "ccomp") for h in (frame, frame.head) for c in h.children):
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and not _vague(obj):
                return _noun_phrase(obj)
    return None


def _expletive(head: Token) -> bool:
    return any(c.dep_ == "expl" or c.lower_ in ("it", "there") and c.dep_ == "nsubj"
               for c in head.children)


def _quoted(clause: Token) -> bool:
    """A clause in quotation marks (the words someone is to say: 'will ask "Does anyone
    object?"'), whose subject is not the one told."""
    start = clause.left_edge.i
    return start > 0 and clause.doc[start - 1].text in ('"', "“", "'", "``")


def _hyphen_end(token: Token) -> Token:
    """The last piece of a hyphenated word the tagger split into sibling subjects ("Non",
    "-", "members"): the word's head noun."""
    return _hyphen_piece(token, 1)


def _hyphen_start(token: Token) -> Token:
    """The first piece of the hyphenated word ``token`` ends ("Non" of "Non-members")."""
    return _hyphen_piece(token, -1)


def _hyphen_piece(token: Token, step: int) -> Token:
    """Walk from ``token`` over "-" pieces glued to it (no space either side) that share its
    head, forward (step 1) or back (step -1), to the word's last or first piece."""
    doc = token.doc
    while 0 <= token.i + 2 * step < len(doc):
        dash, piece = doc[token.i + step], doc[token.i + 2 * step]
        left = token if step > 0 else piece
        if dash.text != "-" or left.whitespace_ or dash.whitespace_ or \
                piece.head != token.head or step > 0 and piece.dep_ != token.dep_:
            break
        token = piece
    return token


# Words before a noun that say which or how many, not who ("such employees", "sufficient
# members of the committee")
_HOW_MANY = {"such", "sufficient", "enough", "several"}


def _noun_phrase(token: Token) -> str:
    """The head noun with its compounds and adjectives, lower case, without articles or
    possessives ("each new employee" -> "new employee"); coordinated nouns are kept."""
    keep = [t for c in token.lefts if c.dep_ not in ("det", "poss", "predet", "punct", "cc",
                                                      "advmod", "case", "preconj", "neg")
            and c.lower_ not in _HOW_MANY  # "such employees": the ones just named
            for t in c.subtree if not t.is_punct and t.dep_ not in ("det", "poss")]
    words = [t for t in (*keep, token) if not t.is_space]
    first = _hyphen_start(token)  # "non-members" whole, where the tagger split it
    whole = token.doc[first.i:token.i + 1] if not any(t in keep for t in
                                                        token.doc[first.i:token.i]) else token
    phrase = " ".join([*(t.lower_ for t in words[:-1]), whole.text.lower()])
    conj = next((c for c in token.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")),
                None)
    if conj is not None:  # "an individual or organization", "neither X nor Y": "X or Y"
        joint = "or" if any(c.dep_ in ("cc", "preconj") and c.lower_ in ("or", "nor", "either",
                                                                        "neither")
                            for c in token.children) else "and"
        phrase = f"{phrase} {joint} {_noun_phrase(conj)}"
    clause = _described_those(token)
    if clause is not None:  # "those who wish to speak"
        phrase = " ".join(t.lower_ for t in token.doc[token.i:clause.right_edge.i + 1]
                          if not t.is_punct)
    return phrase.replace("’", "'")


def _content_verb(head: Token, frame: Token | None) -> Token:
    """The verb that names the act: the complement of a frame ("required to *submit*")."""
    if frame is None:
        for token in _chain(head)[1:]:
            if token.pos_ in ("VERB", "AUX"):
                return token
        return head
    nxt = next((c for c in frame.children if c.dep_ in ("xcomp", "ccomp") and c.pos_ == "VERB"),
               None)
    for child in frame.children:  # "responsible for approving", "need approval to work"
        inner = next((c for c in child.children if c.dep_ in ("pcomp", "acl")
                      and c.pos_ == "VERB"), None)
        if nxt is None and child.dep_ in ("prep", "dobj") and inner is not None:
            nxt = inner
    if nxt is None and frame != head:
        nxt = next((c for c in head.children if c.dep_ in ("xcomp", "ccomp")
                    and c.pos_ == "VERB"), None)
    return nxt if nxt is not None else head


def _action(verb: Token, passive: bool) -> Action | None:
    """The act as a lemma and its object ("share" + "your password")."""
    if verb.pos_ not in ("VERB", "AUX") and verb.tag_ not in ("VB", "VBP"):
        return None
    particle = next((c for c in verb.children if c.dep_ == "prt"), None)
    lemma = verb.lemma_.lower() + (f" {particle.lower_}" if particle is not None else "")
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "attr", "oprd")), None)
    if obj is None and passive:
        obj = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    text = None
    if obj is not None and not _vague(obj):
        tokens = [t for t in obj.subtree if not (t.dep_ == "relcl" or t.is_punct)]
        text = " ".join(t.text for t in tokens[:8])
    return Action(verb=lemma, object=text)


def _circumstances(span: Span, head: Token, modality: Modality) -> tuple[list[str], list[str]]:
    """Conditions ('if ...', 'when ...', 'before ...') and exceptions ('unless ...', 'except
    ...', and 'without ...' for prohibitions) attached to the clause's verbs."""
    conditions: list[str] = []
    exceptions: list[str] = []
    covered: set[int] = set()
    chain = _chain(head, span.end)
    for token in span:
        if token.i in covered:
            continue
        word = token.lower_
        phrase: Span | None = None
        target = conditions
        if token.dep_ in ("mark", "advmod") and token.head.dep_ == "advcl" and \
                token.head.head in chain:
            phrase = _subtree(token.head, span)
            if word in _EXCEPTION_MARKS:
                target = exceptions
            elif word not in _CONDITION_MARKS:
                phrase = None
        elif token.i == span.start and token.head.dep_ == "advcl" and token.head.head in chain \
                and _inverted_should(span):  # "Should no candidate win, a ballot may be held"
            phrase = _subtree(token.head, span)
        elif token.dep_ == "prep" and token.head in chain:
            excepting = word in ("except", "excluding") or _multiword(token, ("other", "than"))
            if excepting or word == "without" and modality == _FORBID:
                phrase, target = _subtree(token, span), exceptions
            elif word in ("before", "after", "during", "upon") or _in_case(token):
                phrase = _subtree(token, span)
        if phrase is not None:
            covered.update(range(phrase.start, phrase.end))
            target.append(phrase.text.strip(" ,;"))
    return conditions, exceptions


def _subtree(token: Token, span: Span) -> Span:
    start = max(token.left_edge.i, span.start)
    end = min(token.right_edge.i + 1, span.end)
    return token.doc[start:end]


def _multiword(token: Token, words: tuple[str, str]) -> bool:
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return token.lower_ == words[0] and nxt is not None and nxt.lower_ == words[1]


def _in_case(token: Token) -> bool:
    """'in case of X', 'in the event of X'."""
    obj = next((c for c in token.children if c.dep_ == "pobj"), None)
    return token.lower_ == "in" and obj is not None and obj.lower_ in ("case", "event")


_ROLE_DUTIES = re.compile(r"^(the )?(roles?|responsibilit(y|ies)|duties|obligations|"
                          r"expectations|requirements)\b.*\b(of|for) ", re.I)
_PRONOUN_ACTORS = {"they", "he", "she", "he or she", "she or he", "they/them", "it"}


def role_of(heading: str) -> str | None:
    """Whom a heading names as the party its section is about: a heading that is a noun for
    people ("Reviewer", "Subproject Owner", "Voting members") or names their duties
    ("Responsibilities and Expectations of the CPC"). The statements under it that name no
    actor of their own (a verbless item, an order, "they") are that party's."""
    text = heading.strip(" :.")
    unit = _coded_unit(heading)
    if unit is not None:
        return unit
    if not text or len(text.split()) > 8:
        return None
    doc = parse([_straight(text)])[0]
    if any(t.tag_ in ("MD", "VBZ", "VBP", "VBD") for t in doc):
        return None  # a sentence, not a name
    duty = _ROLE_DUTIES.match(text)
    if duty is not None:
        tail = [t for t in doc if t.idx >= duty.end() and t.pos_ in ("NOUN", "PROPN")]
        head = next((t for t in tail if t.dep_ == "pobj"), tail[-1] if tail else None)
        return _noun_phrase(head) if head is not None and _agentive(head) else None
    doc = parse([_straight(text.lower())])[0]  # "Subproject Owner": title case reads as names
    root = doc[:].root
    owner = next((c for c in root.children if c.dep_ in ("compound", "amod", "poss")), None)
    if root.lemma_ in _DUTY_NOUNS and owner is not None:
        root = owner  # "Contractor Responsibilities", "Maintainer Role"
    if root.pos_ not in ("NOUN", "PROPN") or root.pos_ == "PROPN" and owner is None or any(
            t.pos_ in ("ADP", "VERB", "AUX", "PRON") or t.text in ("&", "/", "?")
            for t in doc) or not _agentive(root) or any(t.like_num for t in doc):
        return None  # "291-005-0055 User Password Management and Responsibilities"
    return _noun_phrase(root)


_NAME_WORD = r"(?:[A-Z][\w'’-]*|of|the|and|for)"
_CODED_UNIT = re.compile(rf"(?:\d+(?:\.\d+)*\.?\s+)?(?P<name>{_NAME_WORD}(?: {_NAME_WORD}){{0,7}}) "
                         r"\((?P<code>[A-Z][A-Z/&. -]{1,30})\)[.:]?")


_DUTY_NOUNS = ("responsibility", "duty", "obligation", "role")
_DUTY_HEADING = re.compile(r"\b(role|responsibilit(y|ies)|duties|obligations)$", re.I)


def names_duties(heading: str) -> bool:
    """Whether a heading says its section holds a party's duties ("Responsibilities of the
    SIG Lead", "Maintainer Role"), so that the party need not be named elsewhere as well."""
    text = heading.strip(" :.")
    return _ROLE_DUTIES.match(text) is not None or _DUTY_HEADING.search(text) is not None


def is_coded_unit(heading: str) -> bool:
    """Whether a heading names an office by its name and code (see _coded_unit)."""
    return _coded_unit(heading) is not None


def _coded_unit(heading: str) -> str | None:
    """An office a directive's heading names with its office code ("1.5. Officer Accessions
    Branch (AFPC/DPSIP).", "HQ Air Force Reserve Command (AFRC)."): its name, lower case."""
    match = _CODED_UNIT.fullmatch(heading.strip())
    if match is None or match.group("name").split()[-1].lower() not in _UNITS:
        return None
    return match.group("name").lower()


def _named_before(span: Span, head: Token) -> str | None:
    """The party a leading clause of the sentence names, for the pronoun that acts after it
    ("If staff members are sick, *they* are encouraged to stay home")."""
    named = next((t for t in span if t.i < head.i and t.dep_ in ("nsubj", "nsubjpass")
                  and t.pos_ in ("NOUN", "PROPN") and t.head.dep_ == "advcl"
                  and t.head.head == head and _agentive(t)), None)
    return _noun_phrase(named) if named is not None else None


@functools.lru_cache(maxsize=4096)
def names_party(actor: str) -> bool:
    """Whether an actor phrase names someone who can act ("steering council", "DSF board"),
    not a thing the parser took for the subject ("history", "term")."""
    doc = parse([actor])[0]
    return _agentive(doc[:].root)


def is_pronoun_actor(actor: str | None) -> bool:
    """An actor that is a pronoun standing for someone named before ("They can ...")."""
    return actor is not None and actor.lower() in _PRONOUN_ACTORS
