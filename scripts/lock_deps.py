"""Write a lock file (every package pinned, with its SHA-256) for one requirements file.

``python scripts/lock_deps.py requirements.txt requirements.lock``: pip resolves the
requirements for this interpreter and platform (``pip install --dry-run --report``, with
nothing installed and nothing from the local environment), and each resolved
distribution is written as ``name==version --hash=sha256:...`` in name order, so the same
input on the same platform gives the same file. The hash is that of the exact file pip
chose from PyPI; ``pip install --require-hashes -r LOCK`` refuses any other.

(``pip-compile --generate-hashes`` does the same for every platform, but it downloads and
hashes every wheel of every release file to do so, which took longer than CI allows.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def resolve(requirements: Path) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "",
               "PIP_CONSTRAINT": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",  # noqa: S603
                        "--ignore-installed", "--index-url", "https://pypi.org/simple",
                        "--report", str(report), "-r", str(requirements)],
                       check=True, env=env, cwd=requirements.parent)
        data = json.loads(report.read_text())
    pins = []
    for item in data["install"]:
        meta = item["metadata"]
        hashes = item["download_info"].get("archive_info", {}).get("hashes", {})
        if "sha256" not in hashes:
            raise SystemExit(f"no sha256 for {meta['name']} {meta['version']}")
        pins.append((meta["name"].lower().replace("_", "-"), meta["version"], hashes["sha256"]))
    return sorted(pins)


def main() -> None:
    source, lock = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    pins = resolve(source)
    lines = [f"# Every package for {source.name}, pinned with its hash: made by",
             "# scripts/lock-deps.sh (do not edit; re-run it). Python "
             f"{sys.version_info.major}.{sys.version_info.minor} on Linux x86_64.", ""]
    lines += [f"{name}=={version} \\\n    --hash=sha256:{digest}" for name, version, digest in pins]
    lock.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
