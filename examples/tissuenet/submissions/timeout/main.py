"""Expected: FAILED TIMEOUT, "Your code ran longer than this phase's time limit of <N> s and was stopped."
Sleeps forever, with a child process, to show the whole process tree is stopped."""
import subprocess
import time

subprocess.Popen(["sleep", "100000"])
while True:
    time.sleep(60)
