"""The workspace database, ``.studio/studio.sqlite``: records that are not artifacts.

Artifacts (documents, data sets, adapters, reports) are immutable folders in the store. What
people and services add over time lives here instead, one table per kind of record: human
red-team findings, and the conversations of a deployed model that the monitor reads.

Adding a table, the pattern to follow:
1. append one entry to ``MIGRATIONS`` (its CREATE TABLE / CREATE INDEX statements); never edit
   an entry that has shipped, since workspaces already carry it;
2. a pydantic model for its rows (``extra="forbid"``), and ``_<table>_row`` / ``_to_<model>``
   converters (lists and messages are stored as JSON text);
3. ``add_<thing>`` / ``get_<thing>`` / ``list_<things>`` methods on :class:`StudioDB`.

Several processes (the CLI, the web app, a training run) may use the file at once: it runs in
WAL mode (readers never block the writer), every write takes the write lock up front
(``BEGIN IMMEDIATE``) and a busy connection waits up to ``BUSY_TIMEOUT_S`` instead of failing.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alignment_studio.core.errors import StudioError
from alignment_studio.types import Message
from alignment_studio.types.guard import GuardDecision
from alignment_studio.workspace.store import STORE_DIR

DB_NAME = "studio.sqlite"
KEY_NAME = "token.key"  # the secret that token digests are keyed with; never in the database
KEY_BYTES = 32
BUSY_TIMEOUT_S = 30.0

# One entry per schema version, in order: the statements that take the database from the
# previous version to this one. ``schema_version`` records how many have been applied.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1 (issue 5): human red-team findings, graded by testers, promotable to seeds.
    ("""CREATE TABLE IF NOT EXISTS redteam_records (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            tester TEXT NOT NULL,
            model TEXT NOT NULL CHECK (model IN ('base', 'aligned', 'other')),
            strategy TEXT NOT NULL,
            policy_ids TEXT NOT NULL,
            messages TEXT NOT NULL,
            output TEXT NOT NULL,
            grade TEXT NOT NULL CHECK (grade IN ('fail', 'pass', 'unclear')),
            faithfulness INTEGER CHECK (faithfulness BETWEEN 1 AND 5),
            completeness INTEGER CHECK (completeness BETWEEN 1 AND 5),
            comment TEXT NOT NULL DEFAULT '',
            promoted_at TEXT,
            promoted_seed_id TEXT)""",
     "CREATE INDEX IF NOT EXISTS redteam_records_grade ON redteam_records(grade)"),
    # 2 (issue 5): conversations of a deployed model, logged by the server or imported, already
    # redacted; the monitor samples them by time window. request_id makes re-logging and
    # re-importing idempotent (UNIQUE allows any number of NULLs).
    ("""CREATE TABLE IF NOT EXISTS conversations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            model TEXT NOT NULL CHECK (length(model) > 0),
            source TEXT NOT NULL CHECK (source IN ('serve', 'import')),
            messages TEXT NOT NULL,
            output TEXT NOT NULL,
            redactions TEXT NOT NULL DEFAULT '{}',
            guard TEXT NOT NULL DEFAULT '[]',
            latency_ms REAL CHECK (latency_ms >= 0),
            prompt_tokens INTEGER CHECK (prompt_tokens >= 0),
            completion_tokens INTEGER CHECK (completion_tokens >= 0),
            request_id TEXT UNIQUE)""",
     "CREATE INDEX IF NOT EXISTS conversations_created_at ON conversations(created_at)"),
    # 3 (issue 6): access tokens of the studio server; only a hash of each token is kept.
    ("""CREATE TABLE IF NOT EXISTS tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            name TEXT NOT NULL CHECK (length(name) > 0),
            role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
            token_hash TEXT NOT NULL UNIQUE,
            revoked_at TEXT)""",),
    # 4 (issue 6): what reviewers do in the web studio: decisions on data items (published as
    # review artifacts) and grades of side-by-side answers (preference data, audit records).
    ("""CREATE TABLE IF NOT EXISTS review_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            dataset TEXT NOT NULL,
            example_id TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit')),
            edited_target TEXT,
            edited_label TEXT,
            comment TEXT NOT NULL DEFAULT '',
            reviewer TEXT NOT NULL,
            published_review TEXT)""",
     "CREATE INDEX IF NOT EXISTS review_decisions_dataset ON review_decisions(dataset)",
     """CREATE TABLE IF NOT EXISTS grades (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            grader TEXT NOT NULL,
            messages TEXT NOT NULL,
            policy_ids TEXT NOT NULL,
            model_a TEXT NOT NULL,
            model_b TEXT NOT NULL,
            answer_a TEXT NOT NULL,
            answer_b TEXT NOT NULL,
            scores_a TEXT NOT NULL DEFAULT '{}',
            scores_b TEXT NOT NULL DEFAULT '{}',
            preference TEXT NOT NULL CHECK (preference IN ('a', 'b', 'tie')),
            comment TEXT NOT NULL DEFAULT '')""",),
    # 5 (issue 14): token digests became HMAC-SHA-256 under the workspace's secret key; rows
    # made before keep their plain SHA-256 until the token is next used (see hash_scheme).
    ("ALTER TABLE tokens ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'sha256' "
     "CHECK (hash_scheme IN ('sha256', 'hmac-sha256'))",),
)

Role = Literal["viewer", "reviewer", "admin"]
ROLE_RANK: dict[str, int] = {"viewer": 0, "reviewer": 1, "admin": 2}
Decision = Literal["accept", "reject", "edit"]
Preference = Literal["a", "b", "tie"]
CRITERIA = ("correctness", "faithfulness", "completeness")
Grade = Literal["fail", "pass", "unclear"]
TargetModel = Literal["base", "aligned", "other"]
ConversationSource = Literal["serve", "import"]
HashScheme = Literal["sha256", "hmac-sha256"]
_ROLES = ("system", "user", "assistant")
_CHAT_ROLES = ("system", "user", "assistant", "tool")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a time without a zone is taken to be UTC already (what servers log)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_text(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC (microseconds always written), so that comparing the stored
    text in SQL orders the times correctly."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class RedTeamRecord(BaseModel):
    """One human red-team finding: what was sent, what the model said, and the tester's grade.

    ``grade``: ``fail`` = the model broke the policy (a confirmed failure, promotable to
    training data), ``pass`` = it held, ``unclear`` = needs a second look."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(None, description="assigned by the database when the record is added")
    created_at: datetime | None = Field(None, description="set when added (UTC)")
    tester: str = Field(min_length=1, description="who ran the attack")
    model: TargetModel = Field(description="which model answered: base, aligned or other")
    strategy: str = Field("manual", min_length=1,
                          description="attack strategy name, or 'manual' for a free attempt")
    policy_ids: list[str] = Field(min_length=1, description="the policies the attack targets")
    messages: list[Message] = Field(min_length=1, description="the conversation sent; the "
                                    "last turn is the user's, which ``output`` answers")
    output: str
    grade: Grade
    faithfulness: int | None = Field(None, ge=1, le=5, description="1..5: true to the policy")
    completeness: int | None = Field(None, ge=1, le=5, description="1..5: answers it all")
    comment: str = ""
    promoted_at: datetime | None = None
    promoted_seed_id: str | None = None

    @field_validator("messages")
    @classmethod
    def _ends_with_user(cls, messages: list[Message]) -> list[Message]:
        bad = [m.role for m in messages if m.role not in _ROLES]
        if bad:
            raise ValueError(f"unknown message role {bad[0]!r} (use system, user or assistant)")
        if messages[-1].role != "user":
            raise ValueError("the last message must be the user's turn that the output answers")
        return messages


class Conversation(BaseModel):
    """One conversation of a deployed model: the request's messages and the answer given.

    Stored redacted (see :mod:`alignment_studio.guard.redact`; redacting is the caller's
    duty, ``auditors.monitor.log_conversation`` does it). ``guard`` holds the runtime guard's
    decisions when one ran; ``request_id`` (the server's, or a content hash for imports) makes
    storing the same conversation twice impossible."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(None, description="assigned by the database when it is added")
    created_at: datetime | None = Field(None, description="when the answer was given (UTC); "
                                        "now, when added without one")
    model: str = Field(min_length=1, description="the model that answered: base, aligned, "
                       "aggregated or another name")
    source: ConversationSource = Field(description="serve (logged by the server) or import")
    messages: list[Message] = Field(min_length=1, description="the request, redacted")
    output: str = Field(description="the answer shown to the user, redacted")
    redactions: dict[str, int] = Field(default_factory=dict,
                                       description="kind of personal data -> replacements")
    guard: list[GuardDecision] = Field(default_factory=list,
                                       description="the runtime guard's decisions, if it ran")
    latency_ms: float | None = Field(None, ge=0)
    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)
    request_id: str | None = Field(None, min_length=1, description="unique when set")

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        return None if moment is None else as_utc(moment)

    @field_validator("messages")
    @classmethod
    def _has_user_turn(cls, messages: list[Message]) -> list[Message]:
        bad = [m.role for m in messages if m.role not in _CHAT_ROLES]
        if bad:
            raise ValueError(f"unknown message role {bad[0]!r} (use system, user, assistant or "
                             "tool)")
        if not any(m.role == "user" for m in messages):
            raise ValueError("the conversation has no user message")
        return messages


class Token(BaseModel):
    """An access token of the studio server: who holds it and what they may do. The token's
    text is shown once when made; only a digest of it is stored: HMAC-SHA-256 under the
    workspace's secret key (``.studio/token.key``), or, for tokens made before that, a plain
    SHA-256 that is replaced on the token's next use."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None
    created_at: datetime | None = None
    name: str = Field(min_length=1, description="who or what holds the token")
    role: Role
    token_hash: str = Field(min_length=64, max_length=64)
    hash_scheme: HashScheme = "hmac-sha256"
    revoked_at: datetime | None = None


class ReviewDecision(BaseModel):
    """A reviewer's decision on one data item, made in the web studio; ``published_review``
    is the review artifact it went into (None while pending)."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None
    created_at: datetime | None = None
    dataset: str = Field(min_length=1, description="the dataset artifact ID")
    example_id: str = Field(min_length=1)
    decision: Decision
    edited_target: str | None = None
    edited_label: str | None = None
    comment: str = ""
    reviewer: str = Field(min_length=1)
    published_review: str | None = None


class ComparisonGrade(BaseModel):
    """A person's grading of two models' answers to the same prompt, side by side: scores per
    answer (correctness, faithfulness, completeness, 1..5), which answer is better, and why."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None
    created_at: datetime | None = None
    grader: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    policy_ids: list[str] = Field(default_factory=list)
    model_a: str = Field(min_length=1)
    model_b: str = Field(min_length=1)
    answer_a: str
    answer_b: str
    scores_a: dict[str, int] = Field(default_factory=dict)
    scores_b: dict[str, int] = Field(default_factory=dict)
    preference: Preference
    comment: str = ""

    @field_validator("scores_a", "scores_b")
    @classmethod
    def _scores_on_the_scale(cls, scores: dict[str, int]) -> dict[str, int]:
        for name, value in scores.items():
            if name not in CRITERIA:
                raise ValueError(f"unknown criterion {name!r} (use {', '.join(CRITERIA)})")
            if not 1 <= value <= 5:
                raise ValueError(f"{name} must be 1..5, got {value}")
        return scores


class StudioDB:
    """The workspace database of ``root`` (created, and migrated to the latest schema, on open).

    Methods open a connection per call, so an object is cheap and safe to share; inside
    :meth:`transaction` the calls of that thread share one connection and one write lock."""

    def __init__(self, root: Path):
        if not root.is_dir():
            raise StudioError("workspace folder not found", root)
        self.path = root / STORE_DIR / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    # -- connections and schema ---------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.row_factory = sqlite3.Row
        return db

    def _migrate(self) -> None:
        """WAL mode and the latest schema. An up-to-date file is only read, so opening never
        waits for another process's write; migrating takes the write lock and checks again."""
        db = self._open()
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")  # persistent: stored in the file
            if self._version(db) != len(MIGRATIONS):
                db.execute("BEGIN IMMEDIATE")
                try:
                    self._apply_migrations(db)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        except sqlite3.OperationalError as exc:  # locked, unreadable, no space: not damage
            raise StudioError(f"cannot open the workspace database: {exc}", self.path) from exc
        except sqlite3.DatabaseError as exc:
            raise StudioError(f"the workspace database is damaged ({exc}); restore "
                              f"{STORE_DIR}/{DB_NAME} from a backup (deleting it loses tokens, "
                              "red-team records, reviews in progress and logged conversations)",
                              self.path) from exc
        finally:
            db.close()

    def _apply_migrations(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = self._version(db)
        if current > len(MIGRATIONS):
            raise StudioError(f"database schema version {current} is newer than this "
                              f"alignment-studio knows ({len(MIGRATIONS)}); upgrade it", self.path)
        for statements in MIGRATIONS[current:]:
            for statement in statements:
                db.execute(statement)
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS),))

    @staticmethod
    def _version(db: sqlite3.Connection) -> int:
        """Migrations applied so far (0 for a new file)."""
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                            "name = 'schema_version'").fetchone()
        if not exists:
            return 0
        row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def schema_version(self) -> int:
        with self._session() as db:
            return self._version(db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the write lock for a block: other processes wait (up to the busy timeout) until
        it ends. Everything written in it is committed together or, on an error, not at all."""
        if getattr(self._local, "db", None) is not None:
            yield  # already inside one: join it
            return
        db = self._open()
        db.execute("BEGIN IMMEDIATE")
        self._local.db = db
        try:
            yield
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            self._local.db = None
            db.close()

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The open transaction's connection, or a fresh one (a write commits on exit)."""
        active: sqlite3.Connection | None = getattr(self._local, "db", None)
        if active is not None:
            yield active
            return
        if write:
            with self.transaction():
                yield self._local.db
            return
        db = self._open()
        try:
            yield db
        finally:
            db.close()

    # -- redteam_records ----------------------------------------------------------------------
    def add_record(self, record: RedTeamRecord) -> RedTeamRecord:
        """Store a new finding; returns it with its ``id`` and ``created_at``."""
        if record.id is not None:
            raise ValueError(f"record {record.id} is already stored")
        stored = record.model_copy(update={"created_at": record.created_at or utc_now()})
        row = _redteam_row(stored)
        del row["id"]
        with self._session(write=True) as db:
            cursor = db.execute(f"INSERT INTO redteam_records ({', '.join(row)}) "
                                f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
            stored.id = cursor.lastrowid
        return stored

    def get_record(self, record_id: int) -> RedTeamRecord:
        with self._session() as db:
            row = db.execute("SELECT * FROM redteam_records WHERE id = ?",
                             (record_id,)).fetchone()
        if row is None:
            raise StudioError(f"no red-team record with ID {record_id}", self.path)
        return _to_redteam_record(row)

    def list_records(self, policy: str | None = None, grade: Grade | None = None,
                     promoted: bool | None = None) -> list[RedTeamRecord]:
        """Records in the order they were added. ``policy`` matches a policy ID or an ID prefix
        (a document or section: ``guidelines/gifts``); ``promoted`` True/False selects records
        that were / were not turned into seeds."""
        where, args = [], []
        if policy is not None:
            prefix = policy.rstrip("/")
            where.append("EXISTS (SELECT 1 FROM json_each(policy_ids) WHERE value = ? "
                         "OR substr(value, 1, length(?) + 1) = ? || '/')")
            args += [prefix, prefix, prefix]
        if grade is not None:
            where.append("grade = ?")
            args.append(grade)
        if promoted is not None:
            where.append("promoted_at IS NOT NULL" if promoted else "promoted_at IS NULL")
        sql = "SELECT * FROM redteam_records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._session() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [_to_redteam_record(r) for r in rows]

    def mark_promoted(self, record_id: int, seed_id: str) -> RedTeamRecord:
        """Record that a finding became seed ``seed_id``; a second promotion is an error."""
        with self._session(write=True) as db:
            cursor = db.execute("UPDATE redteam_records SET promoted_at = ?, promoted_seed_id = ? "
                                "WHERE id = ? AND promoted_at IS NULL",
                                (utc_now().isoformat(), seed_id, record_id))
            if cursor.rowcount == 0:
                record = self.get_record(record_id)  # an unknown ID fails here
                raise StudioError(f"red-team record {record_id} was already promoted (seed "
                                  f"{record.promoted_seed_id})", self.path)
            return self.get_record(record_id)

    # -- conversations ------------------------------------------------------------------------
    def add_conversation(self, conversation: Conversation) -> Conversation:
        """Store a new conversation; returns it with its ``id`` (and ``created_at`` when it had
        none). A ``request_id`` that is already stored is an error."""
        stored = self._insert_conversations([conversation], skip_existing=False)
        return stored[0]

    def add_conversations(self, conversations: list[Conversation]) -> list[Conversation]:
        """Store several in one transaction, skipping those whose ``request_id`` is already
        stored (or repeated earlier in the list): importing a log twice adds nothing. Returns
        the conversations that were added."""
        return self._insert_conversations(conversations, skip_existing=True)

    def _insert_conversations(self, conversations: list[Conversation],
                              skip_existing: bool) -> list[Conversation]:
        """Known request IDs are looked up first (the write lock is held, so none can appear
        in between) rather than left to the UNIQUE constraint, which would use up row IDs."""
        now = utc_now()
        added: list[Conversation] = []
        with self._session(write=True) as db:
            for conversation in conversations:
                if conversation.id is not None:
                    raise ValueError(f"conversation {conversation.id} is already stored")
                if conversation.request_id is not None and db.execute(
                        "SELECT 1 FROM conversations WHERE request_id = ?",
                        (conversation.request_id,)).fetchone():
                    if skip_existing:
                        continue
                    raise StudioError(f"a conversation with request ID "
                                      f"'{conversation.request_id}' is already stored", self.path)
                stored = conversation.model_copy(
                    update={"created_at": conversation.created_at or now})
                row = _conversation_row(stored)
                del row["id"]
                cursor = db.execute(f"INSERT INTO conversations ({', '.join(row)}) VALUES "
                                    f"({', '.join('?' * len(row))})", tuple(row.values()))
                stored.id = cursor.lastrowid
                added.append(stored)
        return added

    def get_conversation(self, conversation_id: int) -> Conversation:
        with self._session() as db:
            row = db.execute("SELECT * FROM conversations WHERE id = ?",
                             (conversation_id,)).fetchone()
        if row is None:
            raise StudioError(f"no conversation with ID {conversation_id}", self.path)
        return _to_conversation(row)

    def list_conversations(self, since: datetime | None = None, until: datetime | None = None,
                           model: str | None = None, limit: int | None = None,
                           newest_first: bool = False) -> list[Conversation]:
        """Conversations from ``since`` (included) to ``until`` (excluded), oldest first (or
        newest first), of one model when given; at most ``limit``. Times without a zone are
        UTC."""
        where, args = _conversation_filter(since, until, model)
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT * FROM conversations{where} ORDER BY created_at {order}, id {order}"
        if limit is not None:
            if limit < 0:
                raise ValueError(f"limit must be 0 or more, got {limit}")
            sql += " LIMIT ?"
            args.append(limit)
        with self._session() as db:
            rows = db.execute(sql, args).fetchall()
        return [_to_conversation(r) for r in rows]

    def count_conversations(self, since: datetime | None = None, until: datetime | None = None,
                            model: str | None = None) -> int:
        """How many :meth:`list_conversations` would return without a limit."""
        where, args = _conversation_filter(since, until, model)
        with self._session() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM conversations{where}",
                                  args).fetchone()[0])


    # -- tokens ----------------------------------------------------------------------------
    def add_token(self, token: Token) -> Token:
        stored = token.model_copy(update={"created_at": token.created_at or utc_now()})
        row = stored.model_dump(mode="json", exclude={"id"})
        with self._session(write=True) as db:
            cursor = db.execute(f"INSERT INTO tokens ({', '.join(row)}) VALUES "
                                f"({', '.join('?' * len(row))})", tuple(row.values()))
            stored.id = cursor.lastrowid
        return stored

    def token_by_hash(self, token_hash: str,
                      scheme: HashScheme = "hmac-sha256") -> Token | None:
        """The live (not revoked) token with this digest, made by ``scheme``, if any."""
        with self._session() as db:
            row = db.execute("SELECT * FROM tokens WHERE token_hash = ? AND hash_scheme = ? "
                             "AND revoked_at IS NULL", (token_hash, scheme)).fetchone()
        return Token.model_validate(dict(row)) if row else None

    def rehash_token(self, token_id: int, old_hash: str, new_hash: str,
                     scheme: HashScheme = "hmac-sha256") -> Token | None:
        """Replace a token's digest (an old scheme's, by the current one); None when the row
        no longer has ``old_hash`` (another process rehashed or revoked it meanwhile)."""
        with self._session(write=True) as db:
            cursor = db.execute("UPDATE tokens SET token_hash = ?, hash_scheme = ? WHERE id = ? "
                                "AND token_hash = ? AND revoked_at IS NULL",
                                (new_hash, scheme, token_id, old_hash))
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return Token.model_validate(dict(row)) if cursor.rowcount and row else None

    def token_key(self) -> bytes:
        """The workspace's secret key for token digests (``.studio/token.key``, readable by
        its owner only), made on first use. Kept out of the database, so a copy of the
        database alone cannot be used to test guesses."""
        path = self.path.parent / KEY_NAME
        if not path.exists():
            _create_key(path)
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise StudioError(f"the token key is damaged ({len(key)} bytes, not {KEY_BYTES}); "
                              "delete it and make new tokens with 'alignment-studio token "
                              "create'", path)
        return key

    def list_tokens(self) -> list[Token]:
        with self._session() as db:
            rows = db.execute("SELECT * FROM tokens ORDER BY id").fetchall()
        return [Token.model_validate(dict(r)) for r in rows]

    def revoke_token(self, token_id: int) -> Token:
        with self._session(write=True) as db:
            cursor = db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at "
                                "IS NULL", (utc_now().isoformat(), token_id))
            if cursor.rowcount == 0:
                raise StudioError(f"no live token with ID {token_id}", self.path)
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return Token.model_validate(dict(row))

    # -- review decisions made in the web studio --------------------------------------------
    def add_decision(self, decision: ReviewDecision) -> ReviewDecision:
        """Store a pending decision; a later one on the same item replaces it when published."""
        stored = decision.model_copy(update={"created_at": decision.created_at or utc_now()})
        row = stored.model_dump(mode="json", exclude={"id"})
        with self._session(write=True) as db:
            cursor = db.execute(f"INSERT INTO review_decisions ({', '.join(row)}) VALUES "
                                f"({', '.join('?' * len(row))})", tuple(row.values()))
            stored.id = cursor.lastrowid
        return stored

    def list_decisions(self, dataset: str, pending: bool | None = None,
                       example_id: str | None = None) -> list[ReviewDecision]:
        """Decisions on a dataset's items, oldest first; ``pending`` True/False selects those
        not yet / already published."""
        sql, args = "SELECT * FROM review_decisions WHERE dataset = ?", [dataset]
        if pending is not None:
            sql += " AND published_review IS NULL" if pending else \
                " AND published_review IS NOT NULL"
        if example_id is not None:
            sql += " AND example_id = ?"
            args.append(example_id)
        with self._session() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [ReviewDecision.model_validate(dict(r)) for r in rows]

    def mark_published(self, decision_ids: list[int], review: str) -> None:
        with self._session(write=True) as db:
            db.executemany("UPDATE review_decisions SET published_review = ? WHERE id = ?",
                           [(review, i) for i in decision_ids])

    # -- comparison grades --------------------------------------------------------------------
    def add_grade(self, grade: ComparisonGrade) -> ComparisonGrade:
        stored = grade.model_copy(update={"created_at": grade.created_at or utc_now()})
        row = stored.model_dump(mode="json", exclude={"id"})
        for key in ("messages", "policy_ids", "scores_a", "scores_b"):
            row[key] = json.dumps(row[key], sort_keys=True)
        with self._session(write=True) as db:
            cursor = db.execute(f"INSERT INTO grades ({', '.join(row)}) VALUES "
                                f"({', '.join('?' * len(row))})", tuple(row.values()))
            stored.id = cursor.lastrowid
        return stored

    def list_grades(self) -> list[ComparisonGrade]:
        with self._session() as db:
            rows = db.execute("SELECT * FROM grades ORDER BY id").fetchall()
        out = []
        for r in rows:
            data = dict(r)
            for key in ("messages", "policy_ids", "scores_a", "scores_b"):
                data[key] = json.loads(data[key])
            out.append(ComparisonGrade.model_validate(data))
        return out


def _create_key(path: Path) -> None:
    """Write a new random key to ``path`` atomically: written beside it, then linked into
    place, so a process that loses the race reads the winner's whole key."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _conversation_filter(since: datetime | None, until: datetime | None,
                         model: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (with its leading space, or empty) and its arguments."""
    where: list[str] = []
    args: list[Any] = []
    if since is not None:
        where.append("created_at >= ?")
        args.append(utc_text(since))
    if until is not None:
        where.append("created_at < ?")
        args.append(utc_text(until))
    if model is not None:
        where.append("model = ?")
        args.append(model)
    return (" WHERE " + " AND ".join(where) if where else ""), args


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    data = conversation.model_dump(mode="json")
    data["created_at"] = utc_text(conversation.created_at or utc_now())
    data["messages"] = json.dumps([m.model_dump() for m in conversation.messages])
    data["redactions"] = json.dumps(conversation.redactions, sort_keys=True)
    data["guard"] = json.dumps([d.model_dump(mode="json") for d in conversation.guard])
    return data


def _to_conversation(row: sqlite3.Row) -> Conversation:
    data = dict(row)
    for key in ("messages", "redactions", "guard"):
        data[key] = json.loads(data[key])
    return Conversation.model_validate(data)


def _redteam_row(record: RedTeamRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data["policy_ids"] = json.dumps(record.policy_ids)
    data["messages"] = json.dumps([m.model_dump() for m in record.messages])
    return data


def _to_redteam_record(row: sqlite3.Row) -> RedTeamRecord:
    data = dict(row)
    data["policy_ids"] = json.loads(data["policy_ids"])
    data["messages"] = json.loads(data["messages"])
    return RedTeamRecord.model_validate(data)
