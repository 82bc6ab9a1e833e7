"""Expected: FAILED USER_ERROR — a fork bomb for five seconds, then main.py exits with an error.
The run's process limit stops the bomb, the sandbox's end takes every process with it, and the
platform keeps serving (the stack answers /health and scores the next submission)."""
import os
import sys
import time

MAIN = os.getpid()
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    try:
        if os.fork() == 0:
            continue  # every child forks too
    except OSError:
        time.sleep(0.01)
if os.getpid() != MAIN:
    os._exit(0)  # children leave quietly; main.py's own process reports
sys.exit("fork bomb finished")
