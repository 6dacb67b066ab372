"""How many torch threads embed fastest on this machine? (MiniLM, 600 segments)

Usage:  .venv/bin/python benchmarks/topics_threads.py
Each setting runs in a fresh process because OMP_WAIT_POLICY is read when torch loads.
Measured on the 2-core project machine: 1 thread 4.3 s, 2 threads 3.3 s, 2 threads with
OMP_WAIT_POLICY=PASSIVE 2.8 s, hence toolkit.embeddings.backends.configure_torch_threads.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import os, sys, time
sys.path.insert(0, {repo!r})
import torch
torch.set_num_threads(int(sys.argv[1]))
from toolkit.embeddings.backends import MiniLMEmbedder
model = MiniLMEmbedder(use_cache=False)
texts = [f"I found it hard to get to interviews because the bus number {{i}} never comes on "
         "time and childcare costs" for i in range(600)]
model.encode(texts[:32])
t0 = time.perf_counter()
model.encode(texts)
print(f"threads={{sys.argv[1]}} OMP_WAIT_POLICY={{os.environ.get('OMP_WAIT_POLICY', 'unset')}}: "
      f"{{time.perf_counter() - t0:.2f}} s")
"""


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = CHILD.format(repo=repo)
    for threads, policy in (("1", None), ("2", "ACTIVE"), ("2", "PASSIVE")):
        env = dict(os.environ)
        env.pop("OMP_WAIT_POLICY", None)
        if policy:
            env["OMP_WAIT_POLICY"] = policy
        out = subprocess.run(
            [sys.executable, "-c", code, threads], env=env, capture_output=True, text=True
        )
        print(out.stdout.strip() or out.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
