"""Expected: FAILED USER_ERROR, "main.py exited with code 1: FileNotFoundError: … '../labels.csv'"
— only the code folder, the read-only data mount and system libraries exist in the sandbox;
labels are never fetched by the inference job at all."""
from pathlib import Path

for path in ["/root/.bashrc", "/etc/shadow", "/work"]:
    print(path, "visible" if Path(path).exists() else "not visible")
print(Path("../labels.csv").read_text())
