"""Monitoring: windows, z-tests, a synthetic three-day stream with real detectors, rendering,
logging and importing conversations."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from alignment_studio.core.errors import StudioError
from alignment_studio.guard.detector import ViolationDetector
from alignment_studio.guard.monitor import (
    MonitorReport,
    MonitorSettings,
    MonitorThresholds,
    ReferenceRate,
    group_by_window,
    import_conversations,
    log_conversation,
    monitor,
    one_proportion_z,
    render_monitor_markdown,
    sample_window,
    two_proportion_z,
    window_start,
    write_monitor,
)
from alignment_studio.types import Message
from alignment_studio.types.guard import GuardDecision
from alignment_studio.workspace.config import parse_window
from alignment_studio.workspace.db import Conversation, StudioDB

UTC = timezone.utc
DAY1 = datetime(2024, 5, 1, tzinfo=UTC)  # a Wednesday

# --- statistics and windows, by hand -------------------------------------------------------------


def test_two_proportion_z_by_hand() -> None:
    # 10/100 vs 20/100: pooled 0.15, se = sqrt(0.15 * 0.85 * 0.02) = 0.050498, z = 0.1 / se
    z, p = two_proportion_z(10, 100, 20, 100)
    assert z == pytest.approx(1.9803, abs=1e-4)
    assert p == pytest.approx(0.0477, abs=1e-4)  # 2 * (1 - Phi(1.9803))
    z, p = two_proportion_z(20, 100, 10, 100)
    assert z == pytest.approx(-1.9803, abs=1e-4) and p == pytest.approx(0.0477, abs=1e-4)
    # 4/40 vs 16/40: pooled 0.25, se = sqrt(0.25 * 0.75 * 0.05) = 0.096825, z = 0.3 / se
    z, p = two_proportion_z(4, 40, 16, 40)
    assert z == pytest.approx(3.0984, abs=1e-4)
    assert p == pytest.approx(0.00195, abs=2e-5)
    assert two_proportion_z(5, 50, 5, 50) == (0.0, 1.0)
    assert two_proportion_z(0, 10, 0, 30) == (0.0, 1.0)  # no variance at all
    with pytest.raises(ValueError, match="both samples need items"):
        two_proportion_z(0, 0, 1, 10)


def test_one_proportion_z_by_hand() -> None:
    # 30/100 against 0.2: se = sqrt(0.2 * 0.8 / 100) = 0.04, z = 0.1 / 0.04 = 2.5
    z, p = one_proportion_z(30, 100, 0.2)
    assert z == pytest.approx(2.5) and p == pytest.approx(0.01242, abs=1e-5)
    assert one_proportion_z(0, 20, 0.0) == (0.0, 1.0)
    assert one_proportion_z(1, 20, 0.0) == (math.inf, 0.0)
    assert one_proportion_z(19, 20, 1.0) == (-math.inf, 0.0)


@pytest.mark.parametrize(("text", "expected"), [
    ("1d", timedelta(days=1)), ("6h", timedelta(hours=6)), ("1w", timedelta(days=7)),
    (" 30m ", timedelta(minutes=30)), ("2 d", timedelta(days=2)),
])
def test_parse_window(text: str, expected: timedelta) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize("text", ["0d", "1y", "d", "-1d", "1.5h", "", "1dd"])
def test_bad_windows_are_one_line_errors(text: str) -> None:
    with pytest.raises(StudioError, match=f"got '{text}'") as err:
        parse_window(text)
    assert "\n" not in str(err.value)
    with pytest.raises(ValidationError, match="monitor window must be"):
        MonitorSettings(window=text)


def test_window_starts() -> None:
    moment = datetime(2024, 5, 1, 13, 45, tzinfo=UTC)
    assert window_start(moment, timedelta(hours=6)) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert window_start(moment, timedelta(days=1)) == DAY1
    assert window_start(moment, timedelta(weeks=1)) == datetime(2024, 4, 29, tzinfo=UTC)  # Mon
    assert window_start(datetime(2024, 5, 2, tzinfo=UTC), timedelta(days=1)) == DAY1 + \
        timedelta(days=1)  # a window's end belongs to the next one
    # 01:30 at +02:00 is 23:30 UTC of the day before
    late = datetime(2024, 5, 2, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert window_start(late, timedelta(days=1)) == DAY1


def conversation(id_: int, at: datetime, user: str = "May I keep a pen from a supplier?",
                 output: str = "Yes, that is allowed.", model: str = "aligned") -> Conversation:
    return Conversation(id=id_, created_at=at, model=model, source="serve", output=output,
                        messages=[Message(role="user", content=user)])


def test_grouping_and_seeded_samples() -> None:
    day1 = [conversation(i, DAY1 + timedelta(minutes=30 * i)) for i in range(1, 31)]
    day2 = [conversation(100 + i, DAY1 + timedelta(days=1, hours=i)) for i in range(3)]
    groups = group_by_window(list(reversed(day2)) + day1, timedelta(days=1))
    assert list(groups) == [DAY1, DAY1 + timedelta(days=1)]
    assert [c.id for c in groups[DAY1]] == list(range(1, 31))
    sample = sample_window(groups[DAY1], 10, seed=0, start=DAY1)
    ids = [c.id for c in sample]
    assert len(ids) == 10 == len(set(ids)) and set(ids) <= set(range(1, 31))
    assert ids == sorted(i for i in ids if i is not None)  # kept in time order
    assert [c.id for c in sample_window(groups[DAY1], 10, seed=0, start=DAY1)] == ids
    assert [c.id for c in sample_window(groups[DAY1], 10, seed=1, start=DAY1)] != ids
    assert sample_window(groups[DAY1], 30, seed=0, start=DAY1) == groups[DAY1]
    assert sample_window(groups[DAY1], None, seed=0, start=DAY1) == groups[DAY1]


# --- a synthetic stream with real detectors ------------------------------------------------------

BAD_REQUESTS = ["A supplier offered me cash to sign the contract quickly.",
                "The vendor handed me an envelope of cash during the tender."]
GOOD_REQUESTS = ["May I keep a branded pen a supplier sent after the meeting?",
                 "I declined a dinner invitation from a vendor, was that right?",
                 "Can I attend a public industry conference paid by my department?"]
BAD_ANSWERS = ["Sure, keep the cash and do not tell compliance about it.",
               "Take the envelope, nobody checks small amounts anyway."]
GOOD_ANSWERS = ["You must decline the cash and report the offer to compliance.",
                "A branded pen of low value is allowed under the gifts policy."]
REFUSAL = "I'm sorry, but I can't help with that."


@pytest.fixture(scope="module")
def detectors() -> tuple[ViolationDetector, ViolationDetector]:
    """Hashing-embedder detectors fit on the hand-written texts above (no model, fast)."""
    inputs = ViolationDetector("hashing").fit(BAD_REQUESTS + GOOD_REQUESTS, [1, 1, 0, 0, 0])
    outputs = ViolationDetector("hashing").fit(BAD_ANSWERS + GOOD_ANSWERS + [REFUSAL],
                                               [1, 1, 0, 0, 0])
    # the stream below relies on these verdicts: check them rather than assume them
    assert inputs.predict(BAD_REQUESTS + GOOD_REQUESTS) == [1, 1, 0, 0, 0]
    assert outputs.predict(BAD_ANSWERS + GOOD_ANSWERS + [REFUSAL]) == [1, 1, 0, 0, 0]
    return inputs, outputs


def day_plan(bad_requests: int, bad_answers: int, refusals: int, total: int = 40,
             ) -> list[tuple[str, str]]:
    """(request, answer) pairs of one day: the first requests are bad, answers are bad, then
    refusals, then good; 40 a day, every 30 minutes from 00:15."""
    answers = ([BAD_ANSWERS[i % 2] for i in range(bad_answers)] + [REFUSAL] * refusals
               + [GOOD_ANSWERS[i % 2] for i in range(total - bad_answers - refusals)])
    requests = ([BAD_REQUESTS[i % 2] for i in range(bad_requests)]
                + [GOOD_REQUESTS[i % 3] for i in range(total - bad_requests)])
    return list(zip(requests, answers, strict=True))


# Day 1 and 2: 4 of 40 requests flagged, 2 bad answers, 4 refusals. Day 3: the same requests,
# but 12 bad answers and 16 refusals.
PLAN = [day_plan(4, 2, 4), day_plan(4, 2, 4), day_plan(4, 12, 16)]


@pytest.fixture()
def stream(tmp_path: Path) -> tuple[StudioDB, list[Conversation]]:
    db = StudioDB(tmp_path)
    todo = [Conversation(created_at=DAY1 + timedelta(days=d, minutes=15 + 30 * i),
                         model="aligned", source="serve", output=answer,
                         messages=[Message(role="user", content=request)])
            for d, day in enumerate(PLAN) for i, (request, answer) in enumerate(day)]
    db.add_conversations(todo)
    return db, db.list_conversations()


def ids_where(day: int, test: str) -> list[int]:
    """The IDs the stream gave to day ``day``'s items of one kind (IDs 1..120 in plan order)."""
    found = []
    for d, plan in enumerate(PLAN):
        for i, (request, answer) in enumerate(plan):
            hit = {"input": request in BAD_REQUESTS, "output": answer in BAD_ANSWERS,
                   "refusal": answer == REFUSAL}[test]
            if d == day and hit:
                found.append(40 * d + i + 1)
    return found


SETTINGS = MonitorSettings(window="1d", thresholds=MonitorThresholds(
    max_input_flag_rate=0.25, max_output_flag_rate=0.2, max_refusal_rate=0.2))


def test_the_third_day_breaches_and_drifts(
        stream: tuple[StudioDB, list[Conversation]],
        detectors: tuple[ViolationDetector, ViolationDetector]) -> None:
    _, conversations = stream
    report = monitor(conversations, *detectors, SETTINGS)
    days = [DAY1 + timedelta(days=d) for d in range(3)]
    assert [w.start for w in report.windows] == days
    assert [w.end for w in report.windows] == days[1:] + [DAY1 + timedelta(days=3)]
    assert [(w.total, w.n) for w in report.windows] == [(40, 40)] * 3
    assert report.conversations == 120 == report.screened and report.models == {"aligned": 120}
    rates = [{m: (s.successes, s.n) for m, s in w.rates.items()} for w in report.windows]
    assert rates == [
        {"input_flag_rate": (4, 40), "output_flag_rate": (2, 40), "refusal_rate": (4, 40)},
        {"input_flag_rate": (4, 40), "output_flag_rate": (2, 40), "refusal_rate": (4, 40)},
        {"input_flag_rate": (4, 40), "output_flag_rate": (12, 40), "refusal_rate": (16, 40)}]
    # Wilson for 16/40: centre 0.40876, half-width 0.14528 -> [0.2635, 0.5540]
    third = report.windows[2].rates["refusal_rate"].ci
    assert (third.low, third.high) == (pytest.approx(0.2635, abs=1e-4),
                                       pytest.approx(0.5540, abs=1e-4))

    # breaches: refusals 0.4 > 0.2 with the interval above it (sure); bad answers 0.3 > 0.2
    # but Wilson 12/40 starts at 0.1807, below 0.2 (point estimate only). Inputs: 0.1 < 0.25.
    assert [(b.window_start, b.metric, b.rate, b.sure) for b in report.breaches] == [
        (days[2], "output_flag_rate", 0.3, False), (days[2], "refusal_rate", 0.4, True)]
    assert report.breaches[0].ci.low == pytest.approx(0.1807, abs=1e-4)

    # drift against day 1: day 2 is identical (z = 0, p = 1); day 3 bad answers 2/40 -> 12/40
    # (pooled 0.175, z = 0.25 / 0.084963 = 2.9425) and refusals 4/40 -> 16/40 (z = 3.0984)
    assert report.reference == "first"
    assert report.reference_rates["refusal_rate"] == ReferenceRate(rate=0.1, n=40)
    tests = {(t.window_start, t.metric): t for t in report.drift}
    assert len(tests) == 6  # days 2 and 3, three rates each; day 1 is the reference
    assert all(tests[days[1], m].p_value == 1.0 and tests[days[1], m].direction == "same"
               for m in ("input_flag_rate", "output_flag_rate", "refusal_rate"))
    assert not tests[days[2], "input_flag_rate"].drifted
    output, refusal = tests[days[2], "output_flag_rate"], tests[days[2], "refusal_rate"]
    assert output.z == pytest.approx(2.9425, abs=1e-4) and output.p_value < 0.01
    assert refusal.z == pytest.approx(3.0984, abs=1e-4) and refusal.p_value < 0.01
    assert [(t.window_start, t.metric, t.direction) for t in report.drift if t.drifted] == [
        (days[2], "output_flag_rate", "up"), (days[2], "refusal_rate", "up")]

    # the conversations behind each rate, for a reviewer
    for d, window in enumerate(report.windows):
        assert window.flagged == {"input_flag_rate": ids_where(d, "input"),
                                  "output_flag_rate": ids_where(d, "output"),
                                  "refusal_rate": ids_where(d, "refusal")}
    assert report.windows[2].flagged["output_flag_rate"] == list(range(81, 93))


def test_against_the_audit_every_window_is_tested(
        stream: tuple[StudioDB, list[Conversation]],
        detectors: tuple[ViolationDetector, ViolationDetector]) -> None:
    _, conversations = stream
    settings = SETTINGS.model_copy(update={"reference": "audit"})
    report = monitor(conversations, *detectors, settings,
                     {"refusal_rate": 0.5, "output_flag_rate": ReferenceRate(rate=0.05, n=40)})
    assert {t.metric for t in report.drift} == {"refusal_rate", "output_flag_rate"}
    assert len(report.drift) == 6  # three windows, two rates with a reference
    first = {t.metric: t for t in report.drift if t.window_start == DAY1}
    # 4/40 against a fixed 0.5: z = (0.1 - 0.5) / sqrt(0.25 / 40) = -5.0596, a drop
    assert first["refusal_rate"].z == pytest.approx(-5.0596, abs=1e-4)
    assert first["refusal_rate"].direction == "down" and first["refusal_rate"].drifted
    assert first["refusal_rate"].reference_n is None
    # 2/40 against the audit's 2 of 40: no change
    assert first["output_flag_rate"].p_value == 1.0 and not first["output_flag_rate"].drifted
    third = next(t for t in report.drift
                 if t.window_start == DAY1 + timedelta(days=2) and t.metric == "output_flag_rate")
    assert third.z == pytest.approx(2.9425, abs=1e-4) and third.drifted


def test_without_detectors_only_refusals_are_measured(
        stream: tuple[StudioDB, list[Conversation]]) -> None:
    _, conversations = stream
    report = monitor(conversations, None, None, SETTINGS)
    assert report.metrics == ["refusal_rate"]
    assert all(list(w.rates) == ["refusal_rate"] for w in report.windows)
    assert [b.metric for b in report.breaches] == ["refusal_rate"]


def test_sampling_caps_each_window(stream: tuple[StudioDB, list[Conversation]]) -> None:
    _, conversations = stream
    settings = SETTINGS.model_copy(update={"sample_per_window": 10})
    report = monitor(conversations, None, None, settings)
    assert [(w.total, w.n) for w in report.windows] == [(40, 10)] * 3
    assert report.screened == 30 and report.conversations == 120
    again = monitor(conversations, None, None, settings)
    assert again == report
    # the first day's sample does not change when the later days are left out
    alone = monitor(conversations[:40], None, None, settings)
    assert alone.windows[0] == report.windows[0]


def test_reference_settings_must_agree(stream: tuple[StudioDB, list[Conversation]]) -> None:
    _, conversations = stream
    with pytest.raises(StudioError, match="monitor.reference is 'first'"):
        monitor(conversations, None, None, SETTINGS, {"refusal_rate": 0.1})
    audit = SETTINGS.model_copy(update={"reference": "audit"})
    with pytest.raises(StudioError, match="no audit rates were given"):
        monitor(conversations, None, None, audit)
    with pytest.raises(StudioError, match="unknown reference rate 'over_refusal'"):
        monitor(conversations, None, None, audit, {"over_refusal": 0.1})
    with pytest.raises(StudioError, match="bad reference rate: rate: Input should be less"):
        monitor(conversations, None, None, audit, {"refusal_rate": 1.5})


def test_nothing_to_monitor_and_unstored_conversations() -> None:
    with pytest.raises(StudioError, match="no conversations to monitor"):
        monitor([], None, None, SETTINGS)
    unstored = Conversation(created_at=DAY1, model="aligned", source="serve", output="ok",
                            messages=[Message(role="user", content="hi")])
    with pytest.raises(StudioError, match="needs its ID"):
        monitor([unstored], None, None, SETTINGS)


@pytest.mark.parametrize(("change", "needle"), [
    ({"drift_alpha": 0}, "greater than 0"), ({"sample_per_window": 0}, "greater than or equal"),
    ({"reference": "last"}, "reference"), ({"thresholds": {"max_refusal_rate": 1.5}}, "less than"),
    ({"thresholds": {"min_verdict_rate": 0.5}}, "Extra inputs"), ({"windows": "1d"}, "Extra"),
])
def test_bad_settings(change: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        MonitorSettings.model_validate(change)


def test_markdown_and_files(stream: tuple[StudioDB, list[Conversation]],
                            detectors: tuple[ViolationDetector, ViolationDetector],
                            tmp_path: Path) -> None:
    _, conversations = stream
    report = monitor(conversations, *detectors, SETTINGS)
    text = render_monitor_markdown(report)
    assert text.startswith("# Monitoring: 120 conversations in 3 windows of 1d\n")
    breaches, drift = text.index("## Breaches"), text.index("## Drift")
    tables = text.index("## Input flag rate (threshold 0.250)")
    assert breaches < drift < tables < text.index("## Refusal rate (threshold 0.200)")
    assert ("- 2024-05-03: refusal rate 0.400 [0.263, 0.554] > 0.200 (sure: the whole interval "
            "is above it)") in text
    assert ("- 2024-05-03: output flag rate 0.300 [0.181, 0.454] > 0.200 (point estimate only: "
            "the interval reaches below it)") in text
    assert "- 2024-05-03: refusal rate up from 0.100 to 0.400 (z = 3.10, p = 0.0019)" in text
    assert "| 2024-05-01 | 40 | 40 | 0.100 | [0.040, 0.231] | reference |  |" in text
    assert "| 2024-05-03 | 40 | 40 | 0.400 | [0.263, 0.554] | 0.0019 | breach, drift up |" in text
    assert "## Conversations to review (IDs)\n\n- 2024-05-01: input flagged 1, 2, 3, 4; " in text
    bad, refused = (", ".join(map(str, ids_where(2, kind))) for kind in ("output", "refusal"))
    assert text.endswith(f"output flagged {bad}; refused {refused}\n")

    out = tmp_path / "reports" / "monitor"
    write_monitor(report, out)
    assert MonitorReport.model_validate_json((out / "monitor.json").read_text()) == report
    assert (out / "monitor.md").read_text() == text


def test_quiet_report_says_none(stream: tuple[StudioDB, list[Conversation]]) -> None:
    _, conversations = stream
    report = monitor(conversations[:80], None, None, MonitorSettings(window="6h"))
    text = render_monitor_markdown(report)
    assert "## Breaches\n\nNone." in text and "## Drift\n\nNone." in text
    assert report.windows[0].start == DAY1 and "| 2024-05-01 00:00 |" in text
    assert len(report.windows) == 8  # two days of 6-hour windows, each with traffic


# --- logging and importing ------------------------------------------------------------------------

def test_log_conversation_redacts(tmp_path: Path) -> None:
    db = StudioDB(tmp_path)
    decision = GuardDecision(stage="output", flagged=True, probability=0.91, action="warn",
                             message="Note: check the policy.")
    stored = log_conversation(
        db, [Message(role="user", content="I'm ana@example.com, call +1 415 555 2671")],
        "Noted, ana@example.com.", model="aligned", guard=[decision], latency_ms=120.0,
        request_id="chatcmpl-1", created_at=DAY1)
    again = db.get_conversation(1)
    assert again == stored and again.source == "serve"
    assert again.messages[0].content == "I'm [EMAIL], call [PHONE]"
    assert again.output == "Noted, [EMAIL]."
    assert again.redactions == {"EMAIL": 2, "PHONE": 1}
    assert again.guard == [decision] and again.latency_ms == 120.0
    with pytest.raises(StudioError, match="request ID 'chatcmpl-1' is already stored"):
        log_conversation(db, [Message(role="user", content="hi")], "hello", model="aligned",
                         request_id="chatcmpl-1")
    raw = log_conversation(db, [Message(role="user", content="ana@example.com")], "ok",
                           model="base", redact=False)
    assert raw.messages[0].content == "ana@example.com" and raw.redactions == {}


def write_jsonl(path: Path, lines: Sequence[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


LOG: list[Any] = [
    {"messages": [{"role": "user", "content": "My card 4111 1111 1111 1111 was charged"}],
     "output": "Please contact finance.", "created_at": "2024-05-01T12:00:00+02:00",
     "request_id": "r-1", "latency_ms": 300, "prompt_tokens": 12, "completion_tokens": 4},
    "",
    {"messages": [{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "Email bo@example.org the policy?"}],
     "output": "I can't help with that.", "created_at": "2024-05-02T08:00:00Z", "model": "base"},
    {"messages": [{"role": "user", "content": "Is a pen a gift?"}], "output": "Yes."},
]


def test_import_redacts_and_is_idempotent(tmp_path: Path) -> None:
    db = StudioDB(tmp_path)
    path = write_jsonl(tmp_path / "log.jsonl", LOG)
    before = datetime.now(UTC)
    result = import_conversations(db, path)
    assert (result.read, result.added, result.duplicates, result.ids) == (3, 3, 0, [1, 2, 3])
    first, second, third = db.list_conversations(newest_first=False)
    assert first.request_id == "r-1" and first.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert first.messages[0].content == "My card [CARD] was charged"
    assert first.redactions == {"CARD": 1} and first.source == "import"
    assert (first.latency_ms, first.prompt_tokens, first.completion_tokens) == (300, 12, 4)
    assert first.model == "aligned" and second.model == "base"
    assert second.messages[1].content == "Email [EMAIL] the policy?"
    assert second.request_id is not None and second.request_id.startswith("import-")
    assert third.created_at is not None and third.created_at >= before  # no time: import time

    again = import_conversations(db, path)
    assert (again.read, again.added, again.duplicates) == (3, 0, 3)
    assert db.count_conversations() == 3
    # the same line in another file, even with another line beside it, is known too; its
    # repeat within that file is a second conversation, and the changed line a new one
    other = write_jsonl(tmp_path / "other.jsonl", [LOG[2], LOG[2], {**LOG[3], "output": "No."}])
    third_run = import_conversations(db, other, model="aggregated")
    assert (third_run.added, third_run.duplicates) == (2, 1)
    assert db.get_conversation(4).model == "base"  # the line names its model
    assert db.get_conversation(5).model == "aggregated"  # --model fills in the rest


def test_the_content_id_uses_redacted_text(tmp_path: Path) -> None:
    """The ID must not depend on the removed text, or it would give that text away: a line
    that differs only in what redaction removes is known again from another file. Within one
    file, two such lines are two conversations (numbered), not one lost."""
    db = StudioDB(tmp_path)
    lines = [{"messages": [{"role": "user", "content": f"I'm {who}@example.com"}],
              "output": "ok", "created_at": "2024-05-01T00:00:00Z"} for who in ("ana", "bo")]
    first = import_conversations(db, write_jsonl(tmp_path / "ana.jsonl", lines[:1]))
    second = import_conversations(db, write_jsonl(tmp_path / "bo.jsonl", lines[1:]))
    assert (first.added, second.added, second.duplicates) == (1, 0, 1)
    both = import_conversations(db, write_jsonl(tmp_path / "both.jsonl", lines))
    assert (both.added, both.duplicates) == (1, 1)
    ids = [c.request_id for c in db.list_conversations()]
    assert ids[1] == f"{ids[0]}#1"


@pytest.mark.parametrize(("bad", "problem"), [
    ('{"messages": [{"role": "user", "content": "hi"}], "output": ', "not valid JSON"),
    ('[1, 2]', "each line must be one JSON object"),
    ({"messages": [{"role": "user", "content": "hi"}]}, "output: Field required"),
    ({"messages": [{"role": "user", "content": "hi"}], "ouput": "x", "output": "y"},
     "ouput: Extra inputs are not permitted"),
    ({"messages": [{"role": "system", "content": "hi"}], "output": "y"},
     "messages: the conversation has no user message"),
    ({"messages": [{"role": "user"}], "output": "y"}, "messages.0.content: Field required"),
    ({"messages": [{"role": "user", "content": "hi"}], "output": "y", "created_at": "May 1st"},
     "created_at: Input should be a valid datetime"),
])
def test_a_bad_line_imports_nothing(tmp_path: Path, bad: object, problem: str) -> None:
    db = StudioDB(tmp_path)
    path = write_jsonl(tmp_path / "log.jsonl", [LOG[0], "", bad, LOG[3]])
    with pytest.raises(StudioError) as err:
        import_conversations(db, path)
    message = str(err.value)
    assert message.startswith(f"{path}:3: ") and problem in message and "\n" not in message
    assert db.count_conversations() == 0


def test_missing_and_unreadable_logs(tmp_path: Path) -> None:
    db = StudioDB(tmp_path)
    with pytest.raises(StudioError, match="conversation log not found"):
        import_conversations(db, tmp_path / "nope.jsonl")
    binary = tmp_path / "log.jsonl"
    binary.write_bytes(b'{"output": "\xff"}\n')
    with pytest.raises(StudioError, match="not valid UTF-8 text"):
        import_conversations(db, binary)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert import_conversations(db, empty).read == 0


def test_identical_lines_of_one_file_stay_separate_and_reimport_adds_nothing(
        tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    db = StudioDB(root)
    same = {"messages": [{"role": "user", "content": "mail me at a1@x.com"}], "output": "ok",
            "created_at": "2026-11-10T08:00:00Z"}
    other = {**same, "messages": [{"role": "user", "content": "mail me at b2@y.org"}]}
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in (same, other, same)))
    first = import_conversations(db, log)
    # all three redact to the same text at the same time, yet they are three conversations
    assert (first.read, first.added, first.duplicates) == (3, 3, 0)
    again = import_conversations(db, log)
    assert (again.added, again.duplicates) == (0, 3)
    assert db.count_conversations() == 3
