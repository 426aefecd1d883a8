"""Does every dependency install from a wheel on the platforms students use?

For each platform and Python version, evaluate pyproject.toml's environment
markers for that platform (pip would evaluate them for the machine it runs on),
then ask pip to fetch exactly those requirements as wheels for that platform:

    python .ci/check_wheels.py                  # every platform, Python 3.11 and 3.13
    python .ci/check_wheels.py --python 3.12 --platform macos-arm64

It downloads the wheels (TensorFlow is ~250 MB each) into a temporary folder
that is deleted afterwards, and prints one line per platform and Python with
the TensorFlow wheel it found. Exit status 1 if any combination has no wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from graders.engine.core.dependencies import project_requirements  # noqa: E402 - after the path is set
PLATFORMS = {  # name -> (marker environment, pip --platform tags)
    "linux-x86_64": ({"sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux"},
                     ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    "linux-aarch64": ({"sys_platform": "linux", "platform_machine": "aarch64", "platform_system": "Linux"},
                      ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]),
    "macos-arm64": ({"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"},
                    ["macosx_14_0_arm64"]),
    "windows-amd64": ({"sys_platform": "win32", "platform_machine": "AMD64", "platform_system": "Windows"},
                      ["win_amd64"]),
}


def requirements_for(environment: dict[str, str], extras: tuple[str, ...]) -> list[Requirement]:
    """The project's direct requirements (base plus extras, expanded) that apply in ``environment``."""
    found = [Requirement(line) for line in project_requirements(ROOT / "pyproject.toml", extras)]
    return [r for r in found if r.marker is None or r.marker.evaluate(environment)]


def check(platform: str, python: str, extras: tuple[str, ...]) -> tuple[bool, str]:
    environment, tags = PLATFORMS[platform]
    environment = {**environment, "python_version": python, "python_full_version": f"{python}.0"}
    wanted = [f"{r.name}{r.specifier}" for r in requirements_for(environment, extras)]
    with tempfile.TemporaryDirectory(prefix="wheels-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-cache-dir",
                   "--only-binary=:all:", "--python-version", python, "-d", folder,
                   *(arg for tag in tags for arg in ("--platform", tag)), *wanted]
        result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
        wheels = sorted(p.name for p in Path(folder).glob("*.whl"))
    if result.returncode != 0:
        return False, result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "pip failed"
    tensorflow = [w for w in wheels if w.startswith("tensorflow")]
    return True, f"{len(wheels)} wheels; " + (", ".join(tensorflow) or "no TensorFlow asked for")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS))
    parser.add_argument("--python", action="append", help="default: 3.11 and 3.13")
    parser.add_argument("--extras", default="instructor", help="comma-separated extras to add (default: instructor)")
    args = parser.parse_args()
    extras = tuple(e for e in args.extras.split(",") if e)
    failures = 0
    for platform in args.platform or list(PLATFORMS):
        for python in args.python or ["3.11", "3.13"]:
            ok, detail = check(platform, python, extras)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {platform:14} Python {python}: {detail}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
