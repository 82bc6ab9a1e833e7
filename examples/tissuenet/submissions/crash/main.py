"""Expected: FAILED USER_ERROR, "main.py exited with code 1: ZeroDivisionError: division by zero"
(the last stderr line is shown where the phase's log policy allows; on a `logPolicy: none` phase
the message ends "(logs are not shown for this phase)")."""
print("loading model…")
print(1 / 0)
