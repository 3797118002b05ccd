"""The cluster tests' SLURM: one throwaway single-node cluster for the session (minislurm.py),
skipped in one line where this machine cannot run it."""

import tempfile

import pytest

from tests.cluster.minislurm import MiniSlurm, Unavailable, ensure_installed


@pytest.fixture(scope="session")
def slurm():
    try:
        ensure_installed()
    except Unavailable as e:
        pytest.skip(f"no SLURM cluster on this machine: {e}")
    cluster = MiniSlurm(tempfile.mkdtemp(prefix="minislurm-"))
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()
