"""Wall time and peak memory of `alignment-studio demo` (targets: full <= 20 min and 4 GB,
--quick <= 5 min), run in a fresh temporary workspace. Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_demo.py [--quick]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    quick = "--quick" in sys.argv
    script = Path(sys.executable).with_name("alignment-studio")
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(script), "demo", "--dir", str(Path(tmp) / "ws")] + (["--quick"] if quick
                                                                         else [])
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True)
        wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    mode = "quick" if quick else "full"
    target_s = 300 if quick else 1200
    print(f"demo ({mode}): exit {done.returncode}, wall {wall:.0f} s (target <= {target_s} s, "
          f"ratio {wall / target_s:.2f}), peak RSS {peak_mb:.0f} MB (target <= 4096 MB, "
          f"ratio {peak_mb / 4096:.2f})")
    if done.returncode:
        print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
