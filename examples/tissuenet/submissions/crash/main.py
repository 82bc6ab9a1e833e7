"""Expected: FAILED USER_ERROR, "main.py exited with code 1: ZeroDivisionError: division by zero"
on a smoke run and for organisers; a team whose run used hidden data reads only "main.py exited
with an error…", since the error text is output of code that saw the hidden data."""
print("loading model…")
print(1 / 0)
