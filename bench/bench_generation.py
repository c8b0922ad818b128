"""Generation throughput of the hf backend on the embedded model: batched vs one prompt at a
time, same prompts, same machine, one run. Prints tokens/s of each and their ratio.

    .venv/bin/python bench/bench_generation.py [N_PROMPTS] [MAX_NEW_TOKENS]
"""

from __future__ import annotations

import asyncio
import sys
import time

from alignment_studio.backends.base import GenerationConfig
from alignment_studio.backends.hf import HFBackend
from alignment_studio.types import Message

TOPICS = ["gifts from suppliers", "insider trading", "passwords", "social media posts",
          "government officials", "competitor pricing", "conflicts of interest", "speaking up"]


def prompts(n: int) -> list[list[Message]]:
    return [[Message(role="user", content=f"In one sentence, what should an employee know "
                                          f"about {TOPICS[i % len(TOPICS)]}? ({i})")]
            for i in range(n)]


def timed(backend: HFBackend, batch: list[list[Message]], config: GenerationConfig) -> tuple[
        float, int]:
    start = time.perf_counter()
    outputs = asyncio.run(backend.generate_batch(batch, config))
    return time.perf_counter() - start, sum(o.completion_tokens for o in outputs)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    new_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 48
    config = GenerationConfig(max_new_tokens=new_tokens)
    batch = prompts(n)
    batched = HFBackend(batch_size=n)
    timed(batched, batch[:2], config)  # warm-up
    t_batch, tok_batch = timed(batched, batch, config)
    single = HFBackend(batch_size=1)
    t_one, tok_one = timed(single, batch, config)
    print(f"{n} prompts x {new_tokens} new tokens")
    print(f"batched:        {tok_batch / t_batch:6.1f} tokens/s ({t_batch:.1f} s)")
    print(f"one at a time:  {tok_one / t_one:6.1f} tokens/s ({t_one:.1f} s)")
    print(f"ratio batched / sequential: {(tok_batch / t_batch) / (tok_one / t_one):.2f}")


if __name__ == "__main__":
    main()
