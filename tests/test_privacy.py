"""No telemetry, no stray files: the app, run as a user runs it (a bare environment: no telemetry or
offline switches set by the caller), connects only to loopback and writes only into its data dir
and the system temp dir. The chat server is traced with strace (connect, bind and every call that
creates, renames or removes a file); without strace that test is skipped (Debian package: strace)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, free_port, wait_until_answers

pytestmark = pytest.mark.slow

QUESTION = "How many anchor institutions did the borough count?"
ANSWER = "The borough counted forty two anchor institutions in 2017."
START_TIMEOUT_S = 120
WRITE_CALLS = "openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir"


class Workspace:
    """An empty home, an empty working dir, a temp dir, a data dir, and a bare environment."""

    def __init__(self, root: Path):
        self.root = root
        self.home, self.cwd, self.tmp, self.data, self.docs = (root / n for n in ("home", "cwd", "tmp", "data", "docs"))
        for folder in (self.home, self.cwd, self.tmp, self.docs):
            folder.mkdir()
        (self.docs / "report.md").write_text(f"<!-- page 1 -->\n{ANSWER}\n", encoding="utf-8")
        # only what any shell has: none of HF_HUB_OFFLINE, ANONYMIZED_TELEMETRY, GRADIO_ANALYTICS_ENABLED,
        # XDG_* or MPLCONFIGDIR, so the app's own defaults are what is tested
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "PYTHONPATH": str(REPO),
        }

    def cli(self, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "assistant.cli", "--data-dir", str(self.data), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def leftovers(self) -> list[str]:
        """Everything in the home and working dirs (both must stay empty)."""
        return sorted(str(p) for folder in (self.home, self.cwd) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    space = Workspace(tmp_path_factory.mktemp("privacy"))
    ingest = space.cli("ingest", str(space.docs))
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    return space


def test_cli_ingest_and_ask_leave_home_and_working_dir_empty(workspace):
    assert workspace.leftovers() == [], "ingest wrote into HOME or the working dir"
    ask = workspace.cli("ask", QUESTION)
    assert ask.returncode == 0, ask.stdout + ask.stderr
    assert ask.stdout.startswith(ANSWER)
    assert workspace.leftovers() == [], "ask wrote into HOME or the working dir"
    assert (workspace.data / "documents.json").is_file()


def _children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _strace_or_skip() -> str:
    strace = shutil.which("strace")
    if not strace:
        pytest.skip("strace is not installed (Debian package 'strace'): cannot observe the server's connections")
    probe = subprocess.run(
        [strace, "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.strip()[:200]}")
    return strace


_SOCKADDR = re.compile(r"\{sa_family=(AF_[A-Z0-9]+)(.*?)\}")
_INET = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')


def _address(syscall_args: str) -> tuple[str, str]:
    match = _SOCKADDR.search(syscall_args)
    if not match:
        return "?", syscall_args[:120]
    family, rest = match.groups()
    inet = _INET.search(rest)
    return family, (inet.group(1) or inet.group(2)) if inet else rest.strip(", ")


def _is_loopback(host: str) -> bool:
    return host.startswith("127.") or host == "::1" or host.startswith("::ffff:127.")


def _outbound(trace: str) -> list[str]:
    """Every connect() that targets anything but loopback or a local (AF_UNIX) socket."""
    bad = []
    for line in trace.splitlines():
        if " connect(" not in line:
            continue
        family, host = _address(line)
        if family in ("AF_UNIX", "AF_UNSPEC"):  # local sockets; AF_UNSPEC only dissolves a UDP association
            continue
        if family in ("AF_INET", "AF_INET6") and _is_loopback(host):
            continue
        bad.append(line.strip())
    return bad


_PATH_ARG = re.compile(r'(?:(AT_FDCWD|\d+)(?:<([^>]*)>)?, )?"((?:[^"\\]|\\.)*)"')  # strace -y: fd<path>
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")


def _written_paths(trace: str, cwd: Path) -> set[str]:
    """Paths the traced processes created, opened for writing, renamed or removed (successfully,
    or still unfinished when the trace ended)."""
    paths = set()
    for line in trace.splitlines():
        call = re.match(r"\d+\s+(\w+)\((.*)", line)
        if not call or call.group(1) not in WRITE_CALLS.split(",") or re.search(r"= -1 ", line):
            continue
        name, args = call.groups()
        if name in ("open", "openat") and not _WRITE_FLAGS.search(args):
            continue
        for _dirfd, dirpath, path in _PATH_ARG.findall(args):
            base = Path(dirpath) if dirpath else cwd
            paths.add(os.path.normpath(path if path.startswith("/") else base / path))
            if name in ("open", "openat", "creat"):
                break  # only the first string is a path
    return paths


def _outside(paths: set[str], allowed: list[Path]) -> list[str]:
    roots = [str(p) for p in allowed]
    return sorted(
        p
        for p in paths
        if not any(p == r or p.startswith(r + "/") for r in roots)
        and not p.startswith(("/dev/", "/proc/self/"))  # /dev/null, /dev/shm semaphores
        and "/__pycache__/" not in p
    )  # Python's own bytecode cache


def test_chat_server_connects_only_to_loopback_and_writes_only_data_and_temp(workspace):
    strace = _strace_or_skip()
    port = free_port()
    trace_file, log = workspace.root / "server.strace", workspace.root / "server.log"
    command = [
        strace,
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-y",
        "-s",
        "512",
        "-e",
        f"trace=connect,bind,{WRITE_CALLS}",
        "-o",
        str(trace_file),
        sys.executable,
        "-m",
        "assistant.cli",
        "--data-dir",
        str(workspace.data),
        "chat",
        "--port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}/"
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=workspace.cwd,
            env=workspace.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until_answers(url, server, log, START_TIMEOUT_S)

        from gradio_client import Client

        answer = Client(url, verbose=False).predict(QUESTION, "", "extractive", api_name="/ask")
        assert answer["answer"].startswith(ANSWER) and answer["citations"]
    finally:
        # strace does not pass a SIGTERM on (it waits for its tracee): stop the traced server itself
        tracees = _children_of(server.pid)
        for pid in tracees:
            os.kill(pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in _children_of(server.pid):
                os.kill(pid, signal.SIGKILL)
            server.kill()
            server.wait(timeout=30)
    assert tracees and not any(Path(f"/proc/{pid}").exists() for pid in tracees), "the chat server outlived the test"

    trace = trace_file.read_text(errors="replace")
    assert f'sin_port=htons({port}), sin_addr=inet_addr("127.0.0.1")' in trace, (
        "the trace does not show the server binding its port: strace did not follow it"
    )
    outbound = _outbound(trace)
    assert outbound == [], "connections beyond loopback:\n" + "\n".join(outbound[:20])
    outside = _outside(_written_paths(trace, workspace.cwd), [workspace.data, workspace.tmp])
    assert outside == [], "written outside the data dir and the temp dir:\n" + "\n".join(outside[:40])
    assert workspace.leftovers() == [], "the chat server wrote into HOME or the working dir"
