"""Expected: FAILED USER_ERROR, "main.py exited with code 1: urllib.error.URLError: <urlopen error
[Errno -3] Temporary failure in name resolution>" — the sandbox has no network at all (no DNS,
no loopback services of the host, no cloud metadata endpoint)."""
import urllib.request

print(urllib.request.urlopen("https://example.com", timeout=5).read()[:100])
