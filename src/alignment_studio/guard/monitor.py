"""Post-deployment monitoring: the audit that never ends while users exist.

The audit measures the aligned model on held-out items before deployment; what users then ask
differs from any test set, and it changes. The server logs conversations (redacted, opt-in)
into the workspace database, or logs are imported from a JSONL file; :func:`monitor` groups them
into time windows, screens a seeded sample of each with the violation detectors and the refusal
cue, and reports each rate with its Wilson interval, drift from a reference, and breaches of
thresholds.

Three rates per window, each a share of the screened conversations:

- ``input_flag_rate``: the input detector flags the request (the situation of the last user
  turn): users bring more policy-breaching requests, or attacks;
- ``output_flag_rate``: the output detector flags the answer: the model endorses breaches;
- ``refusal_rate``: the answer declines to help (:func:`~alignment_studio.auditors.metrics.
  is_refusal`, guard blocks included, since that is what users saw): over-refusal.

Drift is a two-sided two-proportion z-test of each window against the reference (the first
window, or the audit's rates), since a drop matters as much as a rise: fewer refusals may mean
a jailbreak spreads. Many windows times three rates are many tests, so the default ``drift_alpha``
is 0.01, not 0.05; and with few conversations in a window the normal approximation is rough, so
read a drift with its counts. A breach is a rate above its threshold; it is *sure* when even the
Wilson interval's lower bound is above it, otherwise the point estimate alone is.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alignment_studio.core.answers import is_refusal
from alignment_studio.core.errors import StudioError
from alignment_studio.core.yamlio import read_jsonl
from alignment_studio.guard.detector import ViolationDetector, answer_text, situation_text
from alignment_studio.guard.redact import merge_counts, redact_messages
from alignment_studio.guard.redact import redact as redact_text
from alignment_studio.scoring.stats import wilson
from alignment_studio.types import Interval, Message, RateScore
from alignment_studio.types.guard import GuardDecision
from alignment_studio.workspace.config import (
    MonitorSettings,
    MonitorThresholds,
)
from alignment_studio.workspace.db import Conversation, ConversationSource, StudioDB, utc_text

Metric = Literal["input_flag_rate", "output_flag_rate", "refusal_rate"]
METRICS: tuple[Metric, ...] = ("input_flag_rate", "output_flag_rate", "refusal_rate")
METRIC_LABELS: dict[str, str] = {"input_flag_rate": "input flag rate",
                                 "output_flag_rate": "output flag rate",
                                 "refusal_rate": "refusal rate"}
_REVIEW_LABELS = {"input_flag_rate": "input flagged", "output_flag_rate": "output flagged",
                  "refusal_rate": "refused"}
# Windows are counted from a Monday midnight (UTC), so weekly windows start on Mondays and a
# window's bounds never depend on which conversations happen to be stored.
ORIGIN = datetime(1970, 1, 5, tzinfo=timezone.utc)
# --- settings ---------------------------------------------------------------------------------

class ReferenceRate(BaseModel):
    """A reference rate: from a window or an audit with ``n`` items behind it, or a fixed
    target (``n`` None), which a window is then tested against as a known proportion."""

    model_config = ConfigDict(extra="forbid")
    rate: float = Field(ge=0, le=1)
    n: int | None = Field(None, ge=1)


# --- report -----------------------------------------------------------------------------------

class WindowStats(BaseModel):
    """One window: how many conversations it holds, how many were screened, their rates, and
    the IDs of the conversations behind each rate (for a reviewer to read)."""

    model_config = ConfigDict(extra="forbid")
    start: datetime
    end: datetime
    total: int = Field(description="conversations in the window")
    n: int = Field(description="conversations screened (the sample)")
    rates: dict[str, RateScore] = Field(default_factory=dict)
    flagged: dict[str, list[int]] = Field(default_factory=dict,
                                          description="metric -> IDs of the conversations it "
                                          "counted (flagged or refused)")


class DriftTest(BaseModel):
    """A window's rate against the reference rate."""

    model_config = ConfigDict(extra="forbid")
    window_start: datetime
    metric: str
    rate: float
    n: int
    reference_rate: float
    reference_n: int | None = Field(description="None for a fixed reference rate")
    z: float
    p_value: float
    drifted: bool
    direction: Literal["up", "down", "same"]


class Breach(BaseModel):
    """A window's rate above its threshold; ``sure`` when the interval's lower bound is too."""

    model_config = ConfigDict(extra="forbid")
    window_start: datetime
    metric: str
    rate: float
    threshold: float
    ci: Interval
    sure: bool


class MonitorReport(BaseModel):
    """What :func:`monitor` found, window by window (written as monitor.json and monitor.md)."""

    model_config = ConfigDict(extra="forbid")
    settings: MonitorSettings
    conversations: int
    screened: int
    models: dict[str, int] = Field(default_factory=dict, description="model -> conversations")
    metrics: list[str] = Field(description="the rates computed (a missing detector drops one)")
    reference: Literal["first", "audit"]
    reference_rates: dict[str, ReferenceRate] = Field(default_factory=dict)
    windows: list[WindowStats] = Field(default_factory=list)
    drift: list[DriftTest] = Field(default_factory=list, description="every test made")
    breaches: list[Breach] = Field(default_factory=list)


# --- statistics -------------------------------------------------------------------------------

def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) of H0: both samples share one proportion, with the pooled standard
    error; z > 0 when the second proportion is higher. All-or-nothing in both samples leaves no
    variance to test against: z = 0, p = 1."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError(f"both samples need items, got n1={n1}, n2={n2}")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x2 / n2 - x1 / n1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def one_proportion_z(x: int, n: int, p0: float) -> tuple[float, float]:
    """(z, two-sided p) of H0: the proportion is exactly ``p0``. With ``p0`` 0 or 1 any other
    rate is impossible under H0: p = 0 then (z = +-inf), and p = 1 when the rate equals it."""
    if n <= 0:
        raise ValueError(f"the sample needs items, got n={n}")
    diff = x / n - p0
    if p0 in (0.0, 1.0):
        return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)
    z = diff / math.sqrt(p0 * (1 - p0) / n)
    return z, math.erfc(abs(z) / math.sqrt(2))


# --- windows and screening --------------------------------------------------------------------

def window_start(moment: datetime, size: timedelta) -> datetime:
    """The start of the window holding ``moment``: windows are [start, start + size)."""
    return ORIGIN + ((moment - ORIGIN) // size) * size


def group_by_window(conversations: Sequence[Conversation], size: timedelta,
                    ) -> dict[datetime, list[Conversation]]:
    """Conversations by window start, windows in time order, conversations in their order."""
    groups: dict[datetime, list[Conversation]] = {}
    for conversation in conversations:
        if conversation.created_at is None:
            raise StudioError("a conversation without a time cannot be put in a window")
        groups.setdefault(window_start(conversation.created_at, size), []).append(conversation)
    return dict(sorted(groups.items()))


def sample_window(items: Sequence[Conversation], k: int | None, seed: int,
                  start: datetime) -> list[Conversation]:
    """At most ``k``, drawn without replacement, kept in their order. The generator is seeded
    with the window's start too, so a window's sample stays the same when later windows fill."""
    if k is None or len(items) <= k:
        return list(items)
    rng = random.Random(f"{seed}:{start.isoformat()}")
    return [items[i] for i in sorted(rng.sample(range(len(items)), k))]


def _screen(items: Sequence[Conversation], input_detector: ViolationDetector | None,
            output_detector: ViolationDetector | None) -> dict[str, list[bool]]:
    """metric -> one verdict per conversation, each detector called once for the window."""
    found: dict[str, list[bool]] = {}
    if input_detector is not None:
        texts = [situation_text(c.messages) for c in items]
        found["input_flag_rate"] = [bool(y) for y in input_detector.predict(texts)]
    if output_detector is not None:
        answers = [answer_text(c.output) for c in items]
        found["output_flag_rate"] = [bool(y) for y in output_detector.predict(answers)]
    found["refusal_rate"] = [is_refusal(c.output) for c in items]
    return found


def _window_stats(start: datetime, size: timedelta, items: Sequence[Conversation],
                  settings: MonitorSettings, input_detector: ViolationDetector | None,
                  output_detector: ViolationDetector | None) -> WindowStats:
    sample = sample_window(items, settings.sample_per_window, settings.seed, start)
    verdicts = _screen(sample, input_detector, output_detector)
    rates: dict[str, RateScore] = {}
    flagged: dict[str, list[int]] = {}
    for metric, hits in verdicts.items():
        successes = sum(hits)
        rates[metric] = RateScore(key=metric, n=len(sample), successes=successes,
                                  rate=successes / len(sample), ci=wilson(successes, len(sample)))
        flagged[metric] = [c.id for c, hit in zip(sample, hits, strict=True)
                           if hit and c.id is not None]
    return WindowStats(start=start, end=start + size, total=len(items), n=len(sample),
                       rates=rates, flagged=flagged)


# --- drift and breaches -----------------------------------------------------------------------

def drift_test(window: WindowStats, metric: str, reference: ReferenceRate,
               alpha: float) -> DriftTest:
    """One window's rate against a reference: two-proportion when the reference has a count,
    one-proportion against a fixed rate otherwise."""
    score = window.rates[metric]
    if reference.n is None:
        z, p = one_proportion_z(score.successes, score.n, reference.rate)
    else:
        z, p = two_proportion_z(round(reference.rate * reference.n), reference.n,
                                score.successes, score.n)
    direction: Literal["up", "down", "same"] = (
        "up" if score.rate > reference.rate else "down" if score.rate < reference.rate
        else "same")
    return DriftTest(window_start=window.start, metric=metric, rate=score.rate, n=score.n,
                     reference_rate=reference.rate, reference_n=reference.n, z=z, p_value=p,
                     drifted=p < alpha, direction=direction)


def breaches_of(window: WindowStats, thresholds: MonitorThresholds) -> list[Breach]:
    """The window's rates above their thresholds."""
    found = []
    for metric, score in window.rates.items():
        limit = thresholds.limit(metric)
        if limit is not None and score.rate > limit:
            found.append(Breach(window_start=window.start, metric=metric, rate=score.rate,
                                threshold=limit, ci=score.ci, sure=score.ci.low > limit))
    return found


def _references(settings: MonitorSettings,
                given: Mapping[str, float | ReferenceRate] | None,
                ) -> dict[str, ReferenceRate]:
    """The audit's rates, checked against the settings; empty for the first-window mode."""
    if settings.reference == "first":
        if given:
            raise StudioError("reference rates were given but monitor.reference is 'first': "
                              "set it to 'audit' to test against them")
        return {}
    if not given:
        raise StudioError("monitor.reference is 'audit' but no audit rates were given")
    unknown = sorted(set(given) - set(METRICS))
    if unknown:
        raise StudioError(f"unknown reference rate '{unknown[0]}' (use {', '.join(METRICS)})")
    try:
        return {m: r if isinstance(r, ReferenceRate) else ReferenceRate(rate=r)
                for m, r in given.items()}
    except ValidationError as exc:
        raise StudioError(f"bad reference rate: {_validation_problem(exc)}") from None


def _first_window_rates(window: WindowStats) -> dict[str, ReferenceRate]:
    return {m: ReferenceRate(rate=s.rate, n=s.n) for m, s in window.rates.items()}


def monitor(conversations: Sequence[Conversation], input_detector: ViolationDetector | None,
            output_detector: ViolationDetector | None, settings: MonitorSettings,
            reference_rates: Mapping[str, float | ReferenceRate] | None = None,
            ) -> MonitorReport:
    """Rates per window, drift from the reference and threshold breaches.

    ``conversations`` are stored ones (with IDs, so a reviewer can find them), usually of one
    model: a mix measures the mix. A missing detector drops its rate. ``reference_rates`` (metric
    -> rate, or :class:`ReferenceRate` with the audit's item count) is needed, and only allowed,
    when ``settings.reference`` is ``audit``; with ``first`` every later window is tested
    against the first one."""
    if not conversations:
        raise StudioError("no conversations to monitor: log some with the server or import a "
                          "file first")
    if any(c.id is None for c in conversations):
        raise StudioError("monitor reads stored conversations: every one needs its ID")
    fixed = _references(settings, reference_rates)
    size = settings.window_size
    windows = [_window_stats(start, size, items, settings, input_detector, output_detector)
               for start, items in group_by_window(conversations, size).items()]
    reference = fixed or _first_window_rates(windows[0])
    tested = windows if settings.reference == "audit" else windows[1:]
    drift = [drift_test(w, m, reference[m], settings.drift_alpha)
             for w in tested for m in w.rates if m in reference]
    return MonitorReport(
        settings=settings, conversations=len(conversations), screened=sum(w.n for w in windows),
        models=dict(Counter(c.model for c in conversations)), metrics=list(windows[0].rates),
        reference=settings.reference, reference_rates=reference, windows=windows, drift=drift,
        breaches=[b for w in windows for b in breaches_of(w, settings.thresholds)])


# --- rendering --------------------------------------------------------------------------------

def _label(start: datetime, size: timedelta) -> str:
    """A window's name: its date when windows are whole days, else its date and time."""
    if size % timedelta(days=1) == timedelta(0):
        return start.strftime("%Y-%m-%d")
    return start.strftime("%Y-%m-%d %H:%M")


def _ci(interval: Interval) -> str:
    return f"[{interval.low:.3f}, {interval.high:.3f}]"


def _breach_line(breach: Breach, size: timedelta) -> str:
    how = ("sure: the whole interval is above it" if breach.sure
           else "point estimate only: the interval reaches below it")
    return (f"- {_label(breach.window_start, size)}: {METRIC_LABELS[breach.metric]} "
            f"{breach.rate:.3f} {_ci(breach.ci)} > {breach.threshold:.3f} ({how})")


def _drift_line(test: DriftTest, size: timedelta) -> str:
    return (f"- {_label(test.window_start, size)}: {METRIC_LABELS[test.metric]} "
            f"{test.direction} from {test.reference_rate:.3f} to {test.rate:.3f} "
            f"(z = {test.z:.2f}, p = {test.p_value:.4f})")


def _metric_table(report: MonitorReport, metric: str, size: timedelta) -> list[str]:
    tests = {t.window_start: t for t in report.drift if t.metric == metric}
    limit = report.settings.thresholds.limit(metric)
    breached = {b.window_start for b in report.breaches if b.metric == metric}
    title = METRIC_LABELS[metric] + (f" (threshold {limit:.3f})" if limit is not None else "")
    lines = [f"## {title[0].upper()}{title[1:]}", "",
             "| window | conversations | screened | rate | 95 % CI | p vs reference | note |",
             "|---|---:|---:|---:|---|---:|---|"]
    for window in report.windows:
        score = window.rates[metric]
        test = tests.get(window.start)
        notes = ["breach"] if window.start in breached else []
        if test is not None and test.drifted:
            notes.append(f"drift {test.direction}")
        p = f"{test.p_value:.4f}" if test else "reference" if report.reference == "first" else "–"
        lines.append(f"| {_label(window.start, size)} | {window.total} | {window.n} | "
                     f"{score.rate:.3f} | {_ci(score.ci)} | {p} | {', '.join(notes)} |")
    return lines + [""]


def _reference_line(report: MonitorReport, size: timedelta) -> str:
    if report.reference == "first":
        return f"Reference: the first window ({_label(report.windows[0].start, size)})."
    rates = ", ".join(f"{METRIC_LABELS[m]} {r.rate:.3f}" + (f" (n={r.n})" if r.n else "")
                      for m, r in report.reference_rates.items())
    return f"Reference: the audit's rates: {rates}."


def _sampling(settings: MonitorSettings) -> str:
    if settings.sample_per_window is None:
        return "all of each window"
    return f"at most {settings.sample_per_window} per window, seed {settings.seed}"


def render_monitor_markdown(report: MonitorReport) -> str:
    """Breaches and drift first (what needs a look), then one table per rate over the windows,
    then the conversations behind each rate for a reviewer."""
    size = report.settings.window_size
    models = ", ".join(f"{m} {n}" for m, n in sorted(report.models.items()))
    lines = [f"# Monitoring: {report.conversations} conversations in {len(report.windows)} "
             f"windows of {report.settings.window}", "",
             f"Screened: {report.screened} ({_sampling(report.settings)}). Models: {models}. "
             f"{_reference_line(report, size)} Drift: two-sided "
             f"z-test, p < {report.settings.drift_alpha:g}.", "", "## Breaches", ""]
    lines += [_breach_line(b, size) for b in report.breaches] or ["None."]
    lines += ["", "## Drift", ""]
    lines += [_drift_line(t, size) for t in report.drift if t.drifted] or ["None."]
    lines.append("")
    for metric in report.metrics:
        lines += _metric_table(report, metric, size)
    lines += ["## Conversations to review (IDs)", ""]
    review = [f"- {_label(w.start, size)}: " + "; ".join(
        f"{_REVIEW_LABELS[m]} {', '.join(map(str, ids))}" for m, ids in w.flagged.items() if ids)
        for w in report.windows if any(w.flagged.values())]
    lines += review or ["None."]
    return "\n".join(lines).rstrip() + "\n"


def write_monitor(report: MonitorReport, folder: Path) -> None:
    """monitor.json (everything) and monitor.md (for reading)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "monitor.json").write_text(report.model_dump_json(indent=2) + "\n",
                                         encoding="utf-8")
    (folder / "monitor.md").write_text(render_monitor_markdown(report), encoding="utf-8")


# --- logging and importing --------------------------------------------------------------------

def redacted_conversation(messages: Sequence[Message], output: str, *, model: str,
                          source: ConversationSource, redact: bool = True,
                          **fields: object) -> Conversation:
    """A :class:`Conversation` with its messages and output redacted (``redact=False`` stores
    them as given, for text known to hold no personal data)."""
    counts: dict[str, int] = {}
    if redact:
        messages, in_messages = redact_messages(messages)
        done = redact_text(output)
        output, counts = done.text, merge_counts(in_messages, done.counts)
    return Conversation.model_validate({"messages": list(messages), "output": output,
                                        "model": model, "source": source,
                                        "redactions": counts, **fields})


def log_conversation(db: StudioDB, messages: Sequence[Message], output: str, *, model: str,
                     source: ConversationSource = "serve",
                     guard: Sequence[GuardDecision] = (), latency_ms: float | None = None,
                     prompt_tokens: int | None = None, completion_tokens: int | None = None,
                     request_id: str | None = None, created_at: datetime | None = None,
                     redact: bool = True) -> Conversation:
    """Redact and store one conversation (what the server calls after each answer). A
    ``request_id`` already stored is an error: the server's IDs are unique."""
    return db.add_conversation(redacted_conversation(
        messages, output, model=model, source=source, redact=redact, guard=list(guard),
        latency_ms=latency_ms, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        request_id=request_id, created_at=created_at))


class LoggedLine(BaseModel):
    """One line of a conversation log to import."""

    model_config = ConfigDict(extra="forbid")
    messages: list[Message] = Field(min_length=1)
    output: str
    created_at: datetime | None = None
    model: str | None = Field(None, min_length=1)
    request_id: str | None = Field(None, min_length=1)
    latency_ms: float | None = Field(None, ge=0)
    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)


class ImportResult(BaseModel):
    """What an import did: lines read, conversations added, and repeats skipped."""

    model_config = ConfigDict(extra="forbid")
    read: int
    added: int
    duplicates: int
    ids: list[int] = Field(default_factory=list, description="IDs of the added conversations")


CONTENT_PREFIX = "import-"


def content_id(conversation: Conversation, created_at: datetime | None) -> str:
    """An ID for a logged line without one: a hash of the *redacted* content (with the time and
    model), so importing a file again matches it. Hashing the raw text instead would let anyone
    holding the database test guesses of what was redacted."""
    payload = json.dumps({"created_at": utc_text(created_at) if created_at else None,
                          "model": conversation.model, "output": conversation.output,
                          "messages": [m.model_dump() for m in conversation.messages]},
                         sort_keys=True, ensure_ascii=False)
    return CONTENT_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _validation_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _parse_row(data: dict[str, Any], path: Path, number: int, model: str) -> Conversation:
    try:
        line = LoggedLine.model_validate(data)
        conversation = redacted_conversation(
            line.messages, line.output, model=line.model or model, source="import",
            created_at=line.created_at, latency_ms=line.latency_ms,
            prompt_tokens=line.prompt_tokens, completion_tokens=line.completion_tokens)
    except ValidationError as exc:
        raise StudioError(_validation_problem(exc), path, number) from None
    request_id = line.request_id or content_id(conversation, conversation.created_at)
    return conversation.model_copy(update={"request_id": request_id})


def read_conversation_log(path: Path, model: str = "aligned") -> list[Conversation]:
    """Every line of a JSONL log as a redacted conversation (blank lines are skipped); the first
    bad line stops the whole read with ``path:line: problem``."""
    parsed = [_parse_row(row, path, number, model)
              for number, row in read_jsonl(path, "conversation log")]
    return _distinct_content_ids(parsed)


def _distinct_content_ids(conversations: list[Conversation]) -> list[Conversation]:
    """Lines of one file that redact to the same content at the same time are still separate
    conversations (two people can ask the same thing in the same second): the n-th repeat gets
    ``#n`` after its content ID. The numbering follows the file, so importing it again gives
    the same IDs and adds nothing."""
    seen: Counter[str] = Counter()
    out = []
    for c in conversations:
        rid = c.request_id or ""
        if rid.startswith(CONTENT_PREFIX):
            seen[rid] += 1
            if seen[rid] > 1:
                c = c.model_copy(update={"request_id": f"{rid}#{seen[rid] - 1}"})
        out.append(c)
    return out


def import_conversations(db: StudioDB, path: Path, model: str = "aligned") -> ImportResult:
    """Import a JSONL log of conversations (``messages``, ``output``, optional ``created_at``,
    ``model``, ``request_id``, ``latency_ms``, ``prompt_tokens``, ``completion_tokens``),
    redacted on the way in, all in one transaction. Nothing is imported when any line is bad,
    and importing the same file again adds nothing: a line is known by its ``request_id``, or by
    a hash of its time, model and redacted content (numbered when a file repeats one). Lines
    without a time get the import's time; ``model``
    names the model of lines that do not say."""
    conversations = read_conversation_log(path, model)
    added = db.add_conversations(conversations)
    return ImportResult(read=len(conversations), added=len(added),
                        duplicates=len(conversations) - len(added),
                        ids=[c.id for c in added if c.id is not None])
