"""The real chat server in a subprocess, for the web security and load tests: started on a free
loopback-reachable port with its own home, Gradio temp dir and data dir, and raw HTTP helpers for
Gradio's queue API (the routes a browser uses, including the ones gradio_client refuses to call)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO, free_port, stop_process, wait_until_answers

START_TIMEOUT_S = 180


def server_env(home: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        HF_HOME=str(home / ".cache" / "hf"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        GRADIO_TEMP_DIR=str(home / "gradio-tmp"),
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    env.update(extra or {})
    return env


@dataclass
class Server:
    name: str
    root: Path
    port: int
    process: subprocess.Popen
    log: Path
    env: dict = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def gradio_tmp(self) -> Path:
        return Path(self.env["GRADIO_TEMP_DIR"])

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS line")

    def stop(self) -> None:
        stop_process(self.process)


def start(name: str, root: Path, *args: str, env: dict | None = None) -> Server:
    """`report-assistant --data-dir ROOT/data chat --port P ARGS`; returns at once (see wait_ready)."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), root / "server.log"
    full_env = server_env(home, env)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "--data-dir",
                str(root / "data"),
                "chat",
                "--port",
                str(port),
                *args,
            ],
            cwd=REPO,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(name, root, port, process, log, full_env)


def wait_ready(server: Server) -> Server:
    """Until GET / answers (200, or 401/200 login page with a login configured)."""
    wait_until_answers(server.url, server.process, server.log, START_TIMEOUT_S, ready_statuses=(200, 401, 403))
    return server


# ------------------------------------------------------------------ raw HTTP (no path normalising)


def raw_get(port: int, path: str, headers: dict | None = None, method: str = "GET") -> tuple[int, bytes]:
    """One request with the path sent exactly as given (no client-side normalising or encoding)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post_json(port: int, path: str, payload, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def queue_call(
    port: int, api_name: str, data: list, headers: dict | None = None, timeout: float = 120
) -> tuple[str, object]:
    """POST /gradio_api/call/NAME then read its event stream: (last event name, its data)."""
    status, body = post_json(port, f"/gradio_api/call/{api_name}", {"data": data}, headers)
    if status != 200:
        return f"http-{status}", body.decode(errors="replace")
    event_id = json.loads(body)["event_id"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", f"/gradio_api/call/{api_name}/{event_id}", headers=headers or {})
        response = conn.getresponse()
        if response.status != 200:
            return f"http-{response.status}", response.read().decode(errors="replace")
        event, last = None, (None, None)
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event not in (None, "heartbeat"):
                last = (event, json.loads(line[6:]))
                if event in ("complete", "error"):
                    return last
        return last
    finally:
        conn.close()


def gradio_upload(port: int, files: list[tuple[str, bytes]], headers: dict | None = None) -> tuple[int, object]:
    """POST /gradio_api/upload as the browser does; file names are sent exactly as given.
    Returns (status, list of server paths or the error text)."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, content in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode("utf-8")
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            "/gradio_api/upload",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
        )
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        return response.status, (json.loads(text) if response.status == 200 else text)
    finally:
        conn.close()


def file_data(path: str) -> dict:
    """A Gradio FileData value naming a file already on the server (as the browser sends it)."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def document_ids(data_dir: Path) -> list[str]:
    """`report-assistant status --json`: the ids in the library."""
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "status", "--json"],
        cwd=data_dir.parent,
        env=server_env(data_dir.parent / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return sorted(d["id"] for d in json.loads(result.stdout)["documents"])


def listen_addresses(port: int) -> list[str]:
    """Local addresses with a socket in LISTEN state on this TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) != port or fields[3] != "0A":  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:  # four little-endian 32-bit words
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found
