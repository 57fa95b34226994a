"""Demo agent for studio-resume: greets, unless told otherwise.

usage: python3 agent.py EVAL_ID OUTPUT_FILE
  crash/<EVAL_ID> exists -> exit 3 (an agentv execution_error)
  wrong/<EVAL_ID> exists -> a wrong answer (a quality failure)
Sleeps AGENT_DELAY seconds, or else the number in the file `delay`.
"""
import os
import sys
import time

eid, out = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
delay = os.environ.get("AGENT_DELAY")
if delay is None:
    try:
        with open(os.path.join(here, "delay")) as f:
            delay = f.read().strip()
    except OSError:
        delay = "0"
try:
    time.sleep(max(0.0, float(delay or 0)))
except ValueError:
    pass
if os.path.exists(os.path.join(here, "crash", eid)):
    sys.stderr.write("agent crashed on " + eid + "\n")
    sys.exit(3)
with open(out, "w") as f:
    f.write("nope" if os.path.exists(os.path.join(here, "wrong", eid)) else "Hello from " + eid)
