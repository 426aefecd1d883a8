"""The package's own test run: parallel by default, and tests that share an xdist_group share a worker."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = '''
import pytest

@pytest.mark.parametrize("i", range(4))
def test_alone(i):
    pass

@pytest.mark.xdist_group("together")
@pytest.mark.parametrize("i", range(4))
def test_grouped(i):
    pass
'''


@pytest.mark.long  # a nested xdist run: up to a minute on a busy machine
def test_a_default_run_keeps_each_xdist_group_on_one_worker(tmp_path: Path):
    """No -n given: tests/conftest.py starts workers with --dist loadgroup, and each worker tags grouped tests.

    A worker that does not know the run is grouped (pytest-xdist reads its own command line), or a pytest
    whose node ids pytest-xdist cannot tag (pytest 9.2, pytest-xdist#1386), spreads a group over the workers:
    /proc scans and tight time limits then overlap other tests, and shared fixtures are built once per worker.
    """
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_cmdline_main, pytest_configure_node\n")
    (tmp_path / "test_probe.py").write_text(PROBE)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    ran = re.findall(r"\[(gw\d+)\].*PASSED \S*::(test_\w+)\[\d\](@together)?", result.stdout)
    assert len(ran) == 8, result.stdout[-2000:]
    grouped = [(worker, tag) for worker, name, tag in ran if name == "test_grouped"]
    assert {tag for _, tag in grouped} == {"@together"}, "grouped tests' ids are not tagged: not grouped"
    assert len({worker for worker, _ in grouped}) == 1, grouped
