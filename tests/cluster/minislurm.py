"""A throwaway single-node SLURM cluster on this machine, for the cluster tests.

    python tests/cluster/minislurm.py up [FOLDER]     start it; prints `export SLURM_CONF=...`
    python tests/cluster/minislurm.py down [FOLDER]   cancel its jobs, stop its daemons, remove FOLDER

(FOLDER defaults to $TMPDIR/minislurm-<uid>.)  The tests use ``MiniSlurm`` as a pytest fixture
(tests/cluster/conftest.py).

Debian's ``slurm-wlm`` and ``munge`` are installed with apt-get when missing (root only).  Every
file the cluster needs is written under FOLDER: the munge key and socket, slurm.conf, the
controller's state, the node's spool, the logs and ``pids.json``.  The three daemons (munged,
slurmctld, slurmd) run in the foreground of processes this module starts, on ports picked free;
the node is this host (``hostname -s``) with 2 CPUs in one partition, ``debug``.  Process
tracking is ``proctrack/linuxproc`` and tasks are not bound (``task/none``): no cgroups needed.
Stopping it cancels the cluster's jobs, then ends exactly the processes it started (the pids in
``pids.json``, each checked to still be that daemon of this folder), never others.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: the Debian packages and the programs they bring
PACKAGES = ("slurm-wlm", "munge")
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scancel", "scontrol",
            "sinfo")
SBIN = "/usr/sbin:/sbin"
CPUS = 2
PARTITION = "debug"


class Unavailable(Exception):
    """This machine cannot run the cluster (one line saying why)."""


def _which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":" + SBIN)


def ensure_installed(quiet: bool = True) -> None:
    """Install slurm-wlm and munge with apt-get when a program is missing; ``Unavailable``
    when the cluster cannot run here (not root, no apt-get, the install failed)."""
    if os.geteuid() != 0:
        raise Unavailable("not root (the cluster's daemons run as root, and apt-get installs "
                          f"{' and '.join(PACKAGES)})")
    missing = [p for p in PROGRAMS if _which(p) is None]
    if not missing:
        return
    what = f"{', '.join(missing)} not installed"
    if shutil.which("apt-get") is None:
        raise Unavailable(f"{what}, and there is no apt-get to install {' and '.join(PACKAGES)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    out = subprocess.DEVNULL if quiet else None
    cmd = ["apt-get", "install", "-y", "-q", *PACKAGES]
    if subprocess.run(cmd, env=env, stdout=out, stderr=out).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=out, stderr=out)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["no output"])[-1]
            raise Unavailable(f"{what}; apt-get install {' '.join(PACKAGES)} failed: {last}")
    missing = [p for p in PROGRAMS if _which(p) is None]
    if missing:
        raise Unavailable(f"{', '.join(missing)} still missing after installing "
                          f"{' '.join(PACKAGES)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


class MiniSlurm:
    """The cluster whose files are all in ``root`` (``up``, ``env``, ``down``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.host = socket.gethostname().split(".")[0]
        self.conf = self.root / "slurm.conf"
        self.pids_file = self.root / "pids.json"
        self._procs: dict[str, subprocess.Popen] = {}  # the daemons this process started

    # -- what client commands need -----------------------------------------------------------
    def env(self, base: dict | None = None) -> dict:
        """An environment in which sbatch, srun, squeue ... talk to this cluster."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = env.get("PATH", "") + ":" + SBIN
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 30) -> str:
        """A SLURM client command against this cluster; its stdout."""
        r = subprocess.run(list(args), env=self.env(), capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def steps_gone(self, job_id: str) -> bool:
        """No step of job ``job_id`` is left on the node: no slurmstepd process and no socket
        of it in slurmd's spool folder (slurmd refuses to launch the job again before)."""
        spool = self.root / "spool"
        sockets = [p for p in spool.glob(f"*_{job_id}.*")] if spool.is_dir() else []
        r = subprocess.run(["pgrep", "-f", rf"slurmstepd: \[{job_id}\."], capture_output=True)
        return not sockets and r.returncode == 1

    def log_lines(self, job_id: str, last: int = 30) -> str:
        """The controller's and slurmd's last log lines that name job ``job_id``."""
        pattern = re.compile(rf"(JobId={job_id}\b|job {job_id}\b|JOB {job_id}\b|\[{job_id}\.)")
        out = []
        for name in ("slurmctld", "slurmd"):
            path = self.root / "log" / f"{name}.log"
            lines = path.read_text(errors="replace").splitlines() if path.is_file() else []
            out += [f"{name}: {line}" for line in lines if pattern.search(line)][-last:]
        return "\n".join(out)

    # -- starting ----------------------------------------------------------------------------
    def _write_files(self) -> None:
        for d in ("munge", "state", "spool", "log"):
            (self.root / d).mkdir(parents=True, exist_ok=True, mode=0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o400)
        r = self.root
        self.conf.write_text("\n".join([
            "ClusterName=minislurm",
            f"SlurmctldHost={self.host}",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            f"AuthInfo=socket={r}/munge/munge.socket",
            f"StateSaveLocation={r}/state",
            f"SlurmdSpoolDir={r}/spool",
            f"SlurmctldPidFile={r}/slurmctld.pid",
            f"SlurmdPidFile={r}/slurmd.pid",
            f"SlurmctldLogFile={r}/log/slurmctld.log",
            f"SlurmdLogFile={r}/log/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "MpiDefault=none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "KillWait=10",  # seconds from SIGTERM to SIGKILL when a job is cancelled or requeued
            "MinJobAge=600",  # finished jobs stay visible to scontrol for the tests
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            f"NodeName={self.host} CPUs={CPUS} State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={self.host} Default=YES MaxTime=INFINITE "
            f"State=UP",
            "",
        ]))

    def _start(self, name: str, cmd: list[str]) -> int:
        log = open(self.root / "log" / f"{name}.out", "ab")
        proc = subprocess.Popen(cmd, env=self.env(), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._procs[name] = proc
        pids = self._pids()
        pids[name] = proc.pid
        self.pids_file.write_text(json.dumps(pids))
        return proc.pid

    def _pids(self) -> dict:
        try:
            return json.loads(self.pids_file.read_text())
        except (OSError, ValueError):
            return {}

    def up(self, timeout: float = 60) -> "MiniSlurm":
        """Write the files, start munged, slurmctld and slurmd, and wait until the node is
        idle (``RuntimeError`` naming the log, and every daemon stopped, when it is not)."""
        ensure_installed()
        self._write_files()
        m = self.root / "munge"
        try:
            self._start("munged", [_which("munged"), "--foreground", "--force",
                                   f"--socket={m}/munge.socket", f"--key-file={m}/munge.key",
                                   f"--pid-file={m}/munged.pid", f"--seed-file={m}/munged.seed",
                                   f"--log-file={self.root}/log/munged.log"])
            self._wait(lambda: (m / "munge.socket").exists(), 10, "munged's socket", "munged")
            self._start("slurmctld", [_which("slurmctld"), "-D", "-f", str(self.conf)])
            self._wait(lambda: self._answers("scontrol", "ping", want="UP"), timeout,
                       "slurmctld to answer", "slurmctld")
            self._start("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf), "-N",
                                   self.host])
            self._wait(lambda: self._answers("sinfo", "-h", "-N", "-o", "%T", want="idle"),
                       timeout, "the node to be idle", "slurmd")
        except BaseException:
            self.stop_daemons()
            raise
        return self

    def _answers(self, *cmd: str, want: str) -> bool:
        try:
            return want in self.run(*cmd, check=False, timeout=10)
        except subprocess.TimeoutExpired:
            return False

    def _wait(self, ready, timeout: float, what: str, daemon: str) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if ready():
                return
            if not self._alive(daemon):
                break
            time.sleep(0.2)
        log = self.root / "log" / f"{daemon}.log"
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        out = self.root / "log" / f"{daemon}.out"
        tail += out.read_text(errors="replace").strip().splitlines()[-3:] if out.exists() else []
        raise RuntimeError(f"minislurm: waited {time.monotonic() - t0:.0f} s for {what}; "
                           f"{daemon}: {' | '.join(tail) or 'no log'}")

    def _alive(self, name: str) -> bool:
        """Whether the daemon ``name`` this folder started is still that process."""
        if name in self._procs:  # started by this process (its /proc entry may not show the
            return self._procs[name].poll() is None  # daemon yet, just after the fork)
        pid = self._pids().get(name)
        if pid is None:
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":  # exited, not yet reaped
            return False
        return (bool(cmdline) and Path(cmdline[0].decode()).name == name
                and any(str(self.root).encode() in part for part in cmdline))

    # -- stopping ----------------------------------------------------------------------------
    def cancel_jobs(self, timeout: float = 30) -> None:
        """Cancel every job of this cluster and wait until none is left running."""
        if not self._alive("slurmctld"):
            return
        jobs = self.run("squeue", "-h", "-o", "%A", check=False).split()
        if not jobs:
            return
        self.run("scancel", *jobs, check=False)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if not self.run("squeue", "-h", "-t", "PD,R,CG,S,CF", "-o", "%A",
                            check=False).split():
                return
            time.sleep(0.5)

    def stop_daemons(self, timeout: float = 15) -> None:
        """SIGTERM to each daemon this folder started that is still running, SIGKILL after
        ``timeout`` seconds."""
        for name in ("slurmd", "slurmctld", "munged"):
            if not self._alive(name):
                continue
            pid = self._pids()[name]
            os.kill(pid, signal.SIGTERM)  # (a child of this process is reaped by _alive's poll)
            t0 = time.monotonic()
            while self._alive(name) and time.monotonic() - t0 < timeout:
                time.sleep(0.1)
            if self._alive(name):
                os.kill(pid, signal.SIGKILL)

    def down(self, remove: bool = True) -> None:
        """Cancel the jobs, stop the daemons, and remove the folder (``remove``)."""
        try:
            self.cancel_jobs()
        finally:
            self.stop_daemons()
        if remove and self.pids_file.is_file():
            shutil.rmtree(self.root, ignore_errors=True)


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"minislurm-{os.getuid()}"


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or argv[0] not in ("up", "down"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    cluster = MiniSlurm(argv[1] if len(argv) == 2 else default_folder())
    if argv[0] == "up":
        if any(cluster._alive(n) for n in ("munged", "slurmctld", "slurmd")):
            print(f"minislurm: already running in {cluster.root}", file=sys.stderr)
            return 1
        try:
            cluster.up()
        except Unavailable as e:
            print(f"minislurm: cannot run here: {e}", file=sys.stderr)
            return 1
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"export SLURM_CONF={cluster.conf}")
        print(f"minislurm: node {cluster.host} ({CPUS} CPUs, partition {PARTITION}) idle; "
              f"stop with: python {sys.argv[0]} down {cluster.root}", file=sys.stderr)
        return 0
    if not cluster.pids_file.is_file():
        print(f"minislurm: no cluster in {cluster.root}", file=sys.stderr)
        return 1
    cluster.down()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
