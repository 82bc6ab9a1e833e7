"""Imports every package a Podium runtime's lockfile lists and checks its installed version.

Usage: python3 test_packages.py <lockfile.json> [--cuda]
Exits non-zero naming each package that is missing, fails to import or has another version; with
--cuda, also when PyTorch sees no GPU. Run at the end of each runtime's image build and by
test/parity/runtime-image.test.ts inside the CI variant (as DrivenData's runtime repositories do).
"""
import importlib
import importlib.metadata
import json
import sys

# Distributions whose import name differs from their name; None: nothing to import (data or a
# library another package loads, whose version is still checked).
IMPORT_NAMES = {
    "huggingface-hub": "huggingface_hub",
    "jinja2": "jinja2",
    "lazy-loader": "lazy_loader",
    "markupsafe": "markupsafe",
    "nvidia-cublas-cu12": None,
    "nvidia-cuda-cupti-cu12": None,
    "nvidia-cuda-nvrtc-cu12": None,
    "nvidia-cuda-runtime-cu12": None,
    "nvidia-cudnn-cu12": None,
    "nvidia-cufft-cu12": None,
    "nvidia-curand-cu12": None,
    "nvidia-cusolver-cu12": None,
    "nvidia-cusparse-cu12": None,
    "nvidia-nccl-cu12": None,
    "nvidia-nvjitlink-cu12": None,
    "nvidia-nvtx-cu12": None,
    "opencv-python-headless": "cv2",
    "opencv": "cv2",
    "openslide-bin": None,
    "openslide-python": "openslide",
    "pillow": "PIL",
    "python-dateutil": "dateutil",
    "pyvips-binary": None,
    "pywavelets": "pywt",
    "pyyaml": "yaml",
    "scikit-image": "skimage",
    "scikit-learn": "sklearn",
    "typing-extensions": "typing_extensions",
    "tzdata": None,
    "xgboost-cpu": "xgboost",
}


def installed_version(distribution: str, module: str | None) -> str | None:
    for name in (distribution, distribution.replace("-", "_")):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    # Debian's OpenCV ships no distribution metadata: the module's own version then.
    return getattr(sys.modules.get(module or ""), "__version__", None)


def main() -> int:
    lock = json.load(open(sys.argv[1]))
    problems = []
    for distribution, expected in lock["packages"].items():
        module = IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))
        if module is not None:
            try:
                importlib.import_module(module)
            except Exception as error:  # noqa: BLE001 - any failure to import is the finding
                problems.append(f"{distribution}: import {module} failed: {type(error).__name__}: {error}")
                continue
        found = installed_version(distribution, module)
        if found != expected:
            problems.append(f"{distribution}: {found or 'not installed'}, the lockfile says {expected}")
        else:
            print(f"ok {distribution}=={found}")
    python = ".".join(str(part) for part in sys.version_info[:3])
    if not python.startswith(lock["python"]):
        problems.append(f"python: {python}, the lockfile says {lock['python']}")
    if "--cuda" in sys.argv:
        import torch

        if not torch.cuda.is_available():
            problems.append("torch: CUDA is not available (run on a GPU instance with the NVIDIA runtime)")
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"{len(lock['packages']) - len(problems)} of {len(lock['packages'])} packages import at their locked version")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
