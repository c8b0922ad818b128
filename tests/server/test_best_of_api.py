"""Best of n through the OpenAI-compatible API: a request's ``best_of`` or ``serve.best_of_n``
samples several answers from the (scripted) model and returns the one the violation detector
finds least violating; usage counts every sample."""

from __future__ import annotations

from pathlib import Path

import httpx
import openai
import pytest
from serving import add_token, app_for, running

from alignment_studio.backends.fake import FakeBackend
from alignment_studio.stages import detect
from alignment_studio.workspace import Workspace
from alignment_studio.workspace.config import ServeSettings

VIOLATING = "I will take the cash gift from the supplier and tell no one about it."
CLEAN = "I decline the gift and tell my manager, as the gifts policy asks."


@pytest.fixture()
def ranked_ws(echo_ws: Path) -> Path:
    """The echo workspace with trained detectors, the output one ranking CLEAN above
    VIOLATING."""
    ws = Workspace(echo_ws)
    output = detect.detector_of(ws, detect.detectors(ws), "output")
    assert output is not None
    violating, clean = output.predict_proba([VIOLATING, CLEAN])
    assert violating > clean
    return echo_ws


def ask(url: str, token: str, **body: object) -> httpx.Response:
    return httpx.post(f"{url}/chat/completions", headers={"Authorization": f"Bearer {token}"},
                      json={"model": "base", "messages": [{"role": "user", "content": "gift?"}],
                            **body}, timeout=60)


def test_a_request_best_of_returns_the_best_sample(ranked_ws: Path) -> None:
    token = add_token(ranked_ws)
    backend = FakeBackend(outputs=[VIOLATING, CLEAN, VIOLATING])
    with running(app_for(ranked_ws, ServeSettings(models=["base"]), backend)) as url:
        api = openai.OpenAI(base_url=url, api_key=token, max_retries=0, timeout=60)
        reply = api.chat.completions.create(model="base", messages=[
            {"role": "user", "content": "May I keep the gift?"}], extra_body={"best_of": 2})
        greedy = ask(url, token)
        streamed = ask(url, token, stream=True, best_of=2)
        too_many = ask(url, token, best_of=99)
    assert reply.choices[0].message.content == CLEAN
    assert reply.usage is not None
    assert reply.usage.completion_tokens == len(VIOLATING.split()) + len(CLEAN.split())
    assert greedy.json()["choices"][0]["message"]["content"] == VIOLATING  # one sample: as is
    assert len(backend.history) == 3
    assert streamed.status_code == 400 and streamed.json()["error"]["param"] == "best_of"
    assert too_many.status_code == 400 and too_many.json()["error"]["param"] == "best_of"


def test_serve_best_of_n_is_the_default_for_requests(ranked_ws: Path) -> None:
    token = add_token(ranked_ws)
    backend = FakeBackend(outputs=[VIOLATING, VIOLATING, CLEAN, VIOLATING, "one"])
    settings = ServeSettings(models=["base"], best_of_n=True)  # reward.best_of_n: 4
    with running(app_for(ranked_ws, settings, backend)) as url:
        chosen = ask(url, token)
        own = ask(url, token, best_of=1)
    assert chosen.json()["choices"][0]["message"]["content"] == CLEAN
    assert own.json()["choices"][0]["message"]["content"] == "one"  # the request's own wins
    assert len(backend.history) == 5


def test_best_of_without_a_ranker_is_a_400(echo_ws: Path) -> None:
    token = add_token(echo_ws)
    with running(app_for(echo_ws, ServeSettings(models=["base"]),
                         FakeBackend(default="fine"))) as url:
        refused = ask(url, token, best_of=3)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["param"] == "best_of" and "reward" in error["message"]
