"""The workers' forkserver forked from the preloaded judge, then inside bubblewrap's sandbox (namespaces.py).

Each case runs a judge in a fresh Python (the forkserver is once per process):
it forks the forkserver as run_autograder does, starts a worker, and the
worker's code reports what it can reach.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graders.engine.isolation.sandbox import bwrap_works
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not bwrap_works(),
                                reason="bubblewrap cannot run here")

PROBE = '''import os, socket
def look(paths):
    files = {}
    for path in paths:
        try:
            open(path).read(1)
            files[path] = "read"
        except OSError as error:
            files[path] = type(error).__name__
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1)
        network = "connected"
    except OSError as error:
        network = type(error).__name__
    return {"files": files, "network": network, "token": "COURSE_SECRET_TOKEN" in os.environ,
            "mnt": os.readlink("/proc/self/ns/mnt"), "parent": os.getppid()}
'''

JUDGE = '''import json, os, sys
from pathlib import Path
from graders.engine.core.config import Limits
from graders.engine.isolation import namespaces, reaper, worker_backend
if sys.argv[2] == "refused":
    def refuse(holder):
        raise OSError("refused for this test")
    namespaces.join = refuse
forked = worker_backend.start_forkserver_here(("numpy",))
backend = worker_backend.WorkerBackend(Path(sys.argv[1]), Limits(), files=("probe.py",))
seen = backend.call(backend.getattr(backend.import_module("probe"), "look"), (json.loads(sys.argv[3]),), {})
print(json.dumps({**seen, "forked": forked, "sandbox": worker_backend._FORKSERVER.sandbox,
                  "judge": os.getpid(), "judge_mnt": os.readlink("/proc/self/ns/mnt"),
                  "forkserver_parent": reaper.parent(seen["parent"])}))
backend.close()
'''

SECRETS = [str(ROOT / "course.toml"), str(ROOT / "graders" / "a1_backprop" / "test_relu.py")]


def judge(tmp_path: Path, how: str) -> dict:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "probe.py").write_text(PROBE)
    os.chmod(tmp_path, 0o755)  # a worker under its own user id reaches its scratch copy
    env = {**os.environ, "COURSE_SANDBOX": "bwrap", "COURSE_SECRET_TOKEN": "s3cret", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", JUDGE, str(tmp_path / "submission"), how, json.dumps(SECRETS)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_a_forkserver_forked_from_the_judge_serves_from_inside_the_sandbox(tmp_path):
    seen = judge(tmp_path, "forked")
    assert seen["forked"] and seen["sandbox"] == "bwrap"
    assert seen["forkserver_parent"] == seen["judge"]  # forked, not a new Python: the judge's pages are shared
    assert seen["mnt"] != seen["judge_mnt"]
    assert set(seen["files"].values()) == {"FileNotFoundError"}, seen["files"]
    assert seen["network"] != "connected" and not seen["token"]


def test_a_forkserver_that_cannot_enter_the_sandbox_never_serves(tmp_path):
    seen = judge(tmp_path, "refused")
    assert not seen["forked"] and seen["sandbox"] == "bwrap"
    assert seen["forkserver_parent"] != seen["judge"]  # the usual one, started inside bubblewrap
    assert seen["mnt"] != seen["judge_mnt"]
    assert set(seen["files"].values()) == {"FileNotFoundError"}, seen["files"]
