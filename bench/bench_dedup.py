"""Speed, peak memory and accuracy of exact + near-duplicate removal on 100,000 synthetic items.

Items are scenario Examples built from the real 18F policies (their own actions, random names,
roles, circumstances and times); about 5% are injected near-duplicates of an earlier item with a
word or two changed and 2% exact copies. Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_dedup.py [N [THRESHOLD [SHINGLE_WORDS]]]
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

from alignment_studio.core.prompts import Prompts
from alignment_studio.framers.examples import ExampleFactory
from alignment_studio.framers.generate import extract_action, is_enforceable
from alignment_studio.framers.parse import read_document
from alignment_studio.framers.quality import (
    QualitySettings,
    drop_exact_duplicates,
    drop_near_duplicates,
)
from alignment_studio.types import Example, Label, Policy, Provenance

POLICIES = Path(__file__).resolve().parents[1].parent / "shared" / "policies" / "18f"
NAMES = ("Alex Priya Jordan Mei Samuel Fatima Diego Hannah Kwame Sofia Tomasz Aiko Lena Omar "
         "Rosa Ivan Chloe Malik Nora Pedro Yusuf Grace Hugo Leila Arjun Bea Kofi Ines Ravi "
         "Tess Emil Zara Noah Mira Felix Dana Otto Vera Luis Ana").split()
ROLES = ["an engineer", "a sales manager", "a product designer", "a finance analyst",
         "a support lead", "a recruiter", "a data scientist", "a procurement officer",
         "a contractor", "an intern", "a team lead", "a program analyst", "a lawyer",
         "an accountant", "a researcher", "a content strategist"]
VERBS = [(Label.violating, "decided to"), (Label.violating, "went ahead and chose to"),
         (Label.violating, "quietly agreed to"), (Label.compliant, "was asked to {a} but refused"),
         (Label.compliant, "considered whether to {a} and checked with Legal before doing so"),
         (Label.needs_info, "asked a colleague if it was fine to")]
CONTEXTS = ["during a busy product launch", "while working remotely from a cafe",
            "after a long meeting with a vendor", "on a trip to a partner office",
            "while covering for a manager on leave", "at the end of the fiscal quarter",
            "during an all-hands meeting", "while onboarding a new team",
            "after a customer escalation", "on the first day of a new project",
            "while preparing a conference talk", "during a security review",
            "while helping a friend at another agency", "after reading a news article",
            "during a late-night incident", "while drafting a blog post",
            "at a community meetup", "before a public hearing", "after a reorganisation",
            "during a hiring sprint"]
TIMES = ["on Monday morning", "last week", "yesterday afternoon", "in early spring",
         "over the weekend", "just before a holiday", "two days ago", "this morning",
         "late on Friday", "in the middle of the night", "at lunchtime", "last month"]
ADJECTIVES = ("annual quarterly regional federal internal public draft revised pilot joint "
              "shared legacy secure mobile open digital national local interim urgent").split()
NOUNS = ("budget report grant contract dashboard survey audit proposal roadmap workshop "
         "website dataset procurement review launch migration training newsletter forum "
         "prototype").split()
ORGS = ("Treasury Interior Labor Commerce Energy Education Transportation Agriculture Justice "
        "Defense State Veterans Housing Census NASA GSA OPM SBA EPA FEMA").split()
REASONS = ["to meet a deadline", "to help a colleague", "to save the team some money",
           "to impress a new client", "because a friend asked", "to finish a report early",
           "to avoid a long approval process", "because nobody else was available",
           "to keep a partner happy", "to test a new idea", "because it seemed harmless",
           "to catch up on a backlog", "to prepare for an audit", "to support an event",
           "because the manager was away", "to speed up a release", "to answer a reporter",
           "to win a bid", "to close a ticket", "to cover a gap in the schedule"]
FILLER = ["urgent", "small", "new", "shared", "old", "second", "internal", "external",
          "quick", "formal", "private", "senior"]


def scenario_texts(rng: random.Random, actions: list[tuple[Policy, str]], n: int,
                   ) -> list[tuple[Policy, str, Label]]:
    out: list[tuple[Policy, str, Label]] = []
    for _ in range(n):
        policy, action = rng.choice(actions)
        label, verb = rng.choice(VERBS)
        phrase = verb.format(a=action) if "{a}" in verb else f"{verb} {action}"
        detail = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} for {rng.choice(ORGS)}"
        text = (f"{rng.choice(NAMES)}, {rng.choice(ROLES)} working on the {detail}, "
                f"{rng.choice(TIMES)} {rng.choice(CONTEXTS)} and {rng.choice(REASONS)}, {phrase}.")
        out.append((policy, text, label))
    return out


def edit(rng: random.Random, text: str) -> str:
    """One or two words replaced or removed (never the first: a different person)."""
    words = text.split()
    for _ in range(rng.choice([1, 2])):
        pos = rng.randrange(1, len(words))
        if rng.random() < 0.5:
            words[pos] = rng.choice(FILLER)
        else:
            del words[pos]
    return " ".join(words)


def synthesise(n: int, seed: int = 7) -> tuple[list[Example], set[str]]:
    """``n`` items and the IDs of the injected near-duplicates."""
    rng = random.Random(seed)
    policies = [p for f in sorted(POLICIES.glob("*.md")) if f.name != "LICENSE.md"
                for p in read_document(f).policies() if is_enforceable(p)]
    actions = [(p, a) for p in policies if (a := extract_action(p))]
    factory = ExampleFactory(Prompts(None), "18F")
    prov = Provenance(source="teacher", generator="bench")
    n_near, n_exact = n * 5 // 100, n * 2 // 100
    base = [factory.scenario(p, text, label, "Synthetic.", prov)
            for p, text, label in scenario_texts(rng, actions, n - n_near - n_exact)]
    near: list[Example] = []
    for original in rng.sample(base, n_near):
        situation = original.messages[-1].content.split("Situation: ", 1)[1].split("\n\n")[0]
        policy = next(p for p, _ in actions if p.id == original.policy_ids[0])
        assert original.label is not None
        near.append(factory.scenario(policy, edit(rng, situation), original.label, "Synthetic.",
                                     prov))
    exact = [x.model_copy() for x in rng.sample(base, n_exact)]
    tail = near + exact
    rng.shuffle(tail)
    return base + tail, {x.id for x in near}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.8
    k = int(sys.argv[3]) if len(sys.argv) > 3 else QualitySettings().shingle_words
    settings = QualitySettings(near_dup_threshold=threshold, shingle_words=k)
    start = time.perf_counter()
    items, injected = synthesise(n)
    built = time.perf_counter() - start
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    exact = drop_exact_duplicates(items)
    mid = time.perf_counter()
    near = drop_near_duplicates(exact.kept, settings)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {d.example.id for d in near.dropped if d.example is not None}
    hits = len(found & injected)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(injected) if injected else 0.0
    print(f"{len(items)} items built in {built:.1f} s ({len(injected)} near-duplicates and "
          f"{len(items) - len(exact.kept)} exact duplicates injected or collided)")
    print(f"exact: {mid - start:.2f} s; near (MinHash {settings.num_perm} perms, LSH, Jaccard "
          f">= {threshold} on {k}-word shingles): {seconds - (mid - start):.2f} s")
    print(f"total {seconds:.2f} s, {len(items) / seconds:,.0f} items/s; peak RSS {peak:.0f} MB "
          f"(before dedup {rss_before:.0f} MB)")
    print(f"near-duplicates: {len(found)} dropped, precision {precision:.3f}, recall "
          f"{recall:.3f} against the injected ground truth")


if __name__ == "__main__":
    main()
