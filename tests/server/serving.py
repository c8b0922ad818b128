"""Shared pieces of the serving tests: a workspace whose student is the fake "echo" model (it
answers with the last user turn, so every answer shows which request it belongs to), tokens,
and a real uvicorn server on a free loopback port (see tests/http_server.py). Imported by name:
"from conftest import" would be ambiguous beside the other folders' conftest.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from alignment_studio.backends import BackendSpec, FakeSpec
from alignment_studio.backends.base import GenerationConfig, ModelOutput, Progress
from alignment_studio.backends.fake import FakeBackend, echo_last_user
from alignment_studio.server.app import create_app
from alignment_studio.server.auth import create_token
from alignment_studio.server.http import uvicorn_config
from alignment_studio.server.pool import ModelPool
from alignment_studio.stages.init import init_workspace
from alignment_studio.types import Message
from alignment_studio.workspace.config import ServeSettings, StudioConfig
from alignment_studio.workspace.db import Role, StudioDB
from alignment_studio.workspace.store import ArtifactStore
from http_server import serve


class BatchRecorder(FakeBackend):
    """The echo model, recording the size of every ``generate_batch`` call it gets."""

    def __init__(self) -> None:
        super().__init__(responder=echo_last_user)
        self.batches: list[int] = []

    async def generate_batch(self, batch: Sequence[Sequence[Message]], config: GenerationConfig,
                             progress: Progress | None = None) -> list[ModelOutput]:
        self.batches.append(len(batch))
        return await super().generate_batch(batch, config, progress)


def make_workspace(root: Path, example_policy: Path, example_seeds: Path,
                   student: BackendSpec | None = None) -> Path:
    """A workspace on the bundled example with the fake echo student (unless ``student`` is
    given) and no teacher calls."""
    shutil.copy(example_policy, root.parent / "guidelines.md")
    shutil.copy(example_seeds, root.parent / "seeds.yaml")
    config = StudioConfig(name="serve-test")
    config.student = student or FakeSpec(model="echo")
    config.teacher = FakeSpec()
    config.frame.teacher_policies = 0
    init_workspace(root, [root.parent / "guidelines.md"], [root.parent / "seeds.yaml"], config)
    return root


def add_token(root: Path, role: Role = "viewer", name: str = "tester") -> str:
    text, _ = create_token(StudioDB(root), name, role)
    return text


def add_model_artifact(root: Path) -> str:
    """Record a trained-model artifact in the catalog, as ``instruct`` does (the fake student
    ignores its adapter folder): what 'aligned' serves. Returns its ID."""
    store = ArtifactStore(root)
    with store.build("model", "test-model") as tmp:
        (tmp / "model_ref.json").write_text(json.dumps({"base": "echo"}))
        (tmp / "adapter").mkdir()
        (tmp / "adapter" / "adapter_config.json").write_text("{}")
        return store.commit(tmp, "model", "test-model", [], {}).id


def app_for(root: Path, settings: ServeSettings | None = None,
            backend: FakeBackend | None = None, **state: Any) -> FastAPI:
    """The server of ``root``; with ``backend``, every served name answers with it."""
    settings = settings or ServeSettings(models=["base"])
    if backend is not None:
        state["pool"] = ModelPool(settings.models, lambda name: backend, settings.batch_size,
                                  settings.batch_wait_ms)
    return create_app(root, settings, **state)


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port), with the settings ``serve`` uses
    (the header deadline among them); yields the API base URL (…/v1)."""
    config = uvicorn_config(app, app.state.settings, lifespan="off", timeout_graceful_shutdown=1)
    with serve(app, config) as url:
        yield url

