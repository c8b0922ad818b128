"""kill -9 in the middle of teacher generation: the rerun continues without redoing or
duplicating finished calls. The teacher is a real OpenAI-compatible HTTP server that counts
requests; the frame stage runs as a real ``alignment-studio`` process."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from alignment_studio.backends import OpenAISpec
from alignment_studio.stages.init import init_workspace
from alignment_studio.workspace.config import StudioConfig
from http_server import serve

SCRIPT = Path(sys.executable).with_name("alignment-studio")


def teacher_app(prompts: list[str]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> dict[str, Any]:
        body = await request.json()
        prompt = body["messages"][-1]["content"]
        prompts.append(prompt)
        await asyncio.sleep(0.15)
        n = len(prompts)
        reply = ({"question": f"May I keep the gift my supplier sent me, case {n}?"}
                 if '{"question"' in prompt else
                 {"situation": f"Robin accepted an envelope of cash from a vendor, case {n}.",
                  "rationale": "Cash gifts break the rule."})
        return {"id": f"c{n}", "object": "chat.completion", "created": 0, "model": "t",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": json.dumps(reply)}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    return app


def test_kill_9_mid_generation_then_rerun_continues(tmp_path: Path,
                                                    example_policy: Path) -> None:
    prompts: list[str] = []
    with serve(teacher_app(prompts)) as base_url:
        config = StudioConfig(organization="Acme")
        config.teacher = OpenAISpec(model="t", base_url=base_url,
                                     concurrency=2, api_key_env="STUDIO_KILL_TEST_KEY")
        config.frame.teacher_policies = 12  # 24 calls, 8 per chunk
        ws = tmp_path / "ws"
        init_workspace(ws, [example_policy], [], config)
        env = {"STUDIO_KILL_TEST_KEY": "k", "PATH": "/usr/bin:/bin"}
        proc = subprocess.Popen([str(SCRIPT), "frame", str(ws)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        journal = None
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            found = list((ws / ".studio" / "work").glob("dataset-*/teacher.jsonl"))
            if found and found[0].read_text().count("\n") >= 8:
                journal = found[0]
                break
            time.sleep(0.02)
        assert journal is not None, proc.communicate()[1][-2000:]
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        done = len(journal.read_text().splitlines())
        assert 8 <= done < 24
        asked_before = len(prompts)

        rerun = subprocess.run([str(SCRIPT), "frame", str(ws)], capture_output=True, text=True,
                               timeout=300, env=env)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert f"resuming, {done} of 24 calls already done" in rerun.stderr
        assert len(prompts) - asked_before == 24 - done  # nothing finished was asked again
    folder = next((ws / ".studio" / "artifacts").glob("dataset-*"))
    rows = [json.loads(x) for x in (folder / "dataset.jsonl").read_text().splitlines()]
    kept = [r for r in rows if r["provenance"]["source"] == "teacher"
            and r["book"] == "guardian"]  # not their closed-book twins
    drops = [json.loads(x) for x in (folder / "dropped.jsonl").read_text().splitlines()]
    filtered = [d for d in drops if (d["example"] or {}).get("provenance", {}).get("source")
                == "teacher"]
    assert len(kept) == len({r["id"] for r in kept})  # no item twice
    assert len(kept) + len(filtered) == 24  # every call became one item, kept or dropped
    assert not [d for d in drops if d["stage"] == "teacher"]  # every reply was valid
