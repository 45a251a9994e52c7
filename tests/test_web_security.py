"""The chat server under attack: binding, login, anonymous library changes, monitoring routes, the
file route, upload abuse and stored XSS. Three real servers for the module, started together from one
pre-ingested store (the default corpus plus a hostile Markdown document):

  local   the default: bound to 127.0.0.1, no login
  login   --host 0.0.0.0 with REPORT_ASSISTANT_AUTH_USERNAME/PASSWORD
  shared  --host 0.0.0.0 without a login, REPORT_ASSISTANT_MAX_FILE_MB=1

The tests only ever connect through 127.0.0.1. Run with `pytest -s` to see the file-route matrix."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from chat_server import (
    document_ids,
    file_data,
    gradio_upload,
    listen_addresses,
    post_json,
    queue_call,
    raw_get,
    server_env,
    start,
    wait_ready,
)
from conftest import CHROMIUM, CHROMIUM_ARGS, CORPUS, REPO

pytestmark = pytest.mark.slow

USER, PASSWORD = "officer", "correct horse battery staple"
NEEDS_LOGIN = "needs a login"
REFUSED = (403, 404)
XSS_DOC_ID = "beacon-policy"
XSS_DOC = """<!-- page 1 -->
# Beacon policy notes

The beacon policy document says <script>window.__pwned=1</script> councils should publish their lighthouse \
procurement spend every quarter.

The beacon policy document also says <img src=x onerror="window.__pwned=2"> councils should audit their \
lighthouse anchor institutions every year.

The beacon policy map ![x](http://198.51.100.7/beacon.png) shows how councils should chart their lighthouse \
suppliers.
"""
XSS_QUESTION = "What does the beacon policy document say councils should do with lighthouse procurement?"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One store ingested by the CLI, copied to three servers started side by side (~40 s in all)."""
    root = tmp_path_factory.mktemp("web-security")
    (root / "xss").mkdir()
    (root / "xss" / f"{XSS_DOC_ID}.md").write_text(XSS_DOC, encoding="utf-8")
    (root / "ingest-home").mkdir()
    ingest = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--data-dir",
            str(root / "template"),
            "ingest",
            str(CORPUS),
            str(root / "xss"),
        ],
        cwd=root,
        env=server_env(root / "ingest-home"),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    plans = {
        "local": ((), {}),
        "login": (
            ("--host", "0.0.0.0"),
            {"REPORT_ASSISTANT_AUTH_USERNAME": USER, "REPORT_ASSISTANT_AUTH_PASSWORD": PASSWORD},
        ),
        "shared": (("--host", "0.0.0.0"), {"REPORT_ASSISTANT_MAX_FILE_MB": "1"}),
    }
    started = {}
    try:
        for name, (args, env) in plans.items():
            shutil.copytree(root / "template", root / name / "data")
            started[name] = start(name, root / name, *args, env=env)
        for server in started.values():
            wait_ready(server)
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="module")
def local(servers):
    return servers["local"]


@pytest.fixture(scope="module")
def login(servers):
    return servers["login"]


@pytest.fixture(scope="module")
def shared(servers):
    return servers["shared"]


def _markdown_result(data) -> str:
    """The first output of the upload/remove handlers (the result Markdown)."""
    assert isinstance(data, list) and data, data
    return data[0]


# ------------------------------------------------------------------ 1. binding


def test_default_server_listens_on_loopback_only(local, shared):
    assert listen_addresses(local.port) == ["127.0.0.1"], listen_addresses(local.port)
    # the flag does what it says (this server is still only ever contacted through 127.0.0.1)
    assert listen_addresses(shared.port) == ["0.0.0.0"], listen_addresses(shared.port)
    if shutil.which("ss"):
        lines = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout.splitlines()
        mine = [line.split()[3] for line in lines if line.split() and line.split()[3].endswith(f":{local.port}")]
        assert mine == [f"127.0.0.1:{local.port}"], mine


# ------------------------------------------------------------------ 2. login


def _login_cookie(port: int, password: str = PASSWORD) -> tuple[int, str]:
    import http.client
    import urllib.parse

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/login",
            body=urllib.parse.urlencode({"username": USER, "password": password}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        cookies = [c.split(";")[0] for k, c in response.getheaders() if k.lower() == "set-cookie"]
        return response.status, "; ".join(cookies)
    finally:
        conn.close()


def test_login_guards_every_route(login):
    from gradio_client import Client

    ids = document_ids(login.data_dir)
    secrets = [i.encode() for i in ids] + [b"Powerful Communities", b"Shropshire", b'"dependencies":[{']

    status, body = raw_get(login.port, "/")
    assert status in (200, 401, 403), status  # 200 only as the login page
    assert not [s for s in secrets if s in body], "the login page gives away the library or the app"
    assert b"auth_required" in body or status != 200
    # Gradio 6 embeds the public API description (/ask's parameters and docstring) in the login page
    # although /gradio_api/info needs the login: nothing of the library, and no private endpoint
    api_info = re.search(rb"window\.gradio_api_info = (\{.*?\});?</script>", body, re.S)
    if api_info:
        assert list(json.loads(api_info.group(1))["named_endpoints"]) == ["/ask"]
    status, body = raw_get(login.port, "/gradio_api/runs")  # run history is switched off (run_history=False)
    assert (status in (401, 403, 404) or b"auth_required" in body) and not [s for s in secrets if s in body]
    for path in (
        "/config",
        "/gradio_api/info",
        "/gradio_api/openapi.json",
        "/gradio_api/queue/data?session_hash=x",
        "/gradio_api/file=/etc/passwd",
    ):
        status, body = raw_get(login.port, path)
        assert status in (401, 403), (path, status, body[:200])
        assert not [s for s in secrets if s in body] and b"named_endpoints" not in body, path
    upload_status, _ = gradio_upload(login.port, [("x.md", b"<!-- page 1 -->\nAnything.\n")])
    assert upload_status in (401, 403)
    for api_name, data in (
        ("ask", ["What did the Shropshire pilot do?", "", "extractive"]),
        ("remove", ["pcse-summary"]),
    ):
        status, body = post_json(login.port, f"/gradio_api/call/{api_name}", {"data": data})
        assert status in (401, 403), (api_name, status, body[:200])
    with pytest.raises(Exception):
        Client(login.url, verbose=False)  # the client cannot even read the config without the login
    assert _login_cookie(login.port, "wrong password")[0] == 400

    client = Client(login.url, auth=(USER, PASSWORD), verbose=False)
    try:
        answer = client.predict("What did the Shropshire pilot do?", "", "extractive", api_name="/ask")
    finally:
        client.close()
    assert answer["citations"] and not answer["abstained"], answer

    # a logged-in user may change the library of a shared page (through the browser's own queue route)
    status, cookie = _login_cookie(login.port)
    assert status == 200 and "access-token" in cookie
    event, data = queue_call(login.port, "remove", ["case-study-dorset"], headers={"Cookie": cookie})
    assert event == "complete" and "Removed `case-study-dorset`" in _markdown_result(data), (event, data)
    assert document_ids(login.data_dir) == sorted(set(ids) - {"case-study-dorset"})


# ------------------------------------------------------------------ 3. anonymous library changes


def test_anonymous_library_changes_on_a_shared_page_change_nothing(shared):
    before = document_ids(shared.data_dir)
    assert "pcse-summary" in before
    event, data = queue_call(shared.port, "remove", ["pcse-summary"])
    assert event == "complete" and NEEDS_LOGIN in _markdown_result(data), (event, data)

    status, paths = gradio_upload(shared.port, [("intruder.md", b"<!-- page 1 -->\nThe intruder wrote this.\n")])
    assert status == 200, paths  # Gradio's own temp upload; the library is what must stay as it was
    event, data = queue_call(shared.port, "upload", [[file_data(paths[0])]])
    assert event == "complete" and NEEDS_LOGIN in _markdown_result(data), (event, data)

    assert document_ids(shared.data_dir) == before
    assert not (shared.data_dir / "uploads").exists()


def test_loopback_page_publishes_only_ask_and_refuses_other_sites(local):
    from gradio_client import Client

    client = Client(local.url, verbose=False)
    try:
        api = client.view_api(return_format="dict", print_info=False)
    finally:
        client.close()
    assert list(api["named_endpoints"]) == ["/ask"] and api["unnamed_endpoints"] == {}, api

    # a page of another site in the local user's browser, reaching this port by DNS rebinding (its own
    # host name) or by a cross-site request (its own origin), is not a local user
    before = document_ids(local.data_dir)
    rebinding = {"Host": f"rebind.example:{local.port}", "Origin": f"http://rebind.example:{local.port}"}
    cross_site = {"Origin": "http://198.51.100.7"}
    for headers in (rebinding, cross_site, {"Origin": "null"}):
        event, data = queue_call(local.port, "remove", ["case-study-hackney"], headers=headers)
        assert event == "complete" and NEEDS_LOGIN in _markdown_result(data), (headers, event, data)
    assert document_ids(local.data_dir) == before


# ------------------------------------------------------------------ 4. monitoring


def test_monitoring_routes_are_off(local, shared):
    for server in (local, shared):
        for path in (
            "/monitoring",
            "/monitoring/summary",
            f"/monitoring/{uuid.uuid4().hex}",
            f"/monitoring/{uuid.uuid4().hex}/dashboard",
            "/gradio_api/monitoring",
            "/gradio_api/monitoring/summary",
        ):
            status, body = raw_get(server.port, path)
            assert status in REFUSED, (server.name, path, status, body[:200])
            assert b"dashboard" not in body.lower(), (server.name, path)


# ------------------------------------------------------------------ 5. the file route


def _relative(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target, start)


def test_file_route_traversal_matrix(local):
    port, data, tmp = local.port, local.data_dir, local.gradio_tmp
    legit_text = b"<!-- page 1 -->\nA legitimately uploaded note about the harbour wall.\n"
    status, paths = gradio_upload(port, [("legit-note.md", legit_text)])
    assert status == 200, paths
    legit = Path(paths[0])
    assert legit.parent.parent == tmp.resolve() or legit.parent.parent == tmp, legit

    summary_file = next((data / "files").glob("pcse-summary@*.md"))
    targets = {  # file → a piece of its content that must never come back
        "passwd": (Path("/etc/passwd"), Path("/etc/passwd").read_bytes()[:24]),
        "registry": (data / "documents.json", b'"stored_file"'),
        "chroma": (data / "chroma" / "chroma.sqlite3", b"SQLite format 3"),
        "stored md": (summary_file, summary_file.read_bytes()[40:100]),
        "readme": (REPO / "README.md", (REPO / "README.md").read_bytes()[:40]),
    }
    # symlinks planted in Gradio's own temp folder (and in the legit upload's folder) pointing outside
    (tmp / "planted-registry.json").symlink_to(data / "documents.json")
    (tmp / "planted-passwd.txt").symlink_to("/etc/passwd")
    (tmp / "planted-data").symlink_to(data, target_is_directory=True)
    (legit.parent / "planted.md").symlink_to(summary_file)

    up = _relative(data / "documents.json", legit.parent)  # ../../../data/documents.json
    up_passwd = "../" * 12 + "etc/passwd"
    cases = {
        "legit upload": f"/gradio_api/file={legit}",
        "legit, deprecated /file/ route": f"/gradio_api/file/{legit}",
        "../ from the upload folder": f"/gradio_api/file={legit.parent}/{up}",
        "%2e%2e%2f from the upload folder": f"/gradio_api/file={legit.parent}/" + up.replace("../", "%2e%2e%2f"),
        "..%2f mixed": f"/gradio_api/file={legit.parent}/" + up.replace("../", "..%2f"),
        "%2E%2E%2F upper-case encoding": f"/gradio_api/file={legit.parent}/" + up.replace("../", "%2E%2E%2F"),
        "double-encoded %252e%252e%252f": f"/gradio_api/file={legit.parent}/" + up.replace("../", "%252e%252e%252f"),
        "..\\ backslashes": f"/gradio_api/file={legit.parent}/" + up.replace("/", "\\"),
        "relative ../ to /etc/passwd": f"/gradio_api/file={up_passwd}",
        "encoded relative to /etc/passwd": "/gradio_api/file=" + up_passwd.replace("/", "%2f"),
        "absolute /etc/passwd": "/gradio_api/file=/etc/passwd",
        "encoded absolute %2fetc%2fpasswd": "/gradio_api/file=%2fetc%2fpasswd",
        "//etc/passwd": "/gradio_api/file=//etc/passwd",
        "/etc/passwd%00.md (NUL)": "/gradio_api/file=/etc/passwd%00.md",
        "/ETC/PASSWD (case)": "/gradio_api/file=/ETC/PASSWD",
        "/gradio_api/FILE= (case)": "/gradio_api/FILE=/etc/passwd",
        "/GRADIO_API/file= (case)": "/GRADIO_API/file=/etc/passwd",
        "deprecated /file/etc/passwd": "/gradio_api/file/etc/passwd",
        "deprecated /file//etc/passwd": "/gradio_api/file//etc/passwd",
        "/file= without the api prefix": "/file=/etc/passwd",
        "absolute data_dir/documents.json": f"/gradio_api/file={data / 'documents.json'}",
        "absolute chroma.sqlite3": f"/gradio_api/file={data / 'chroma' / 'chroma.sqlite3'}",
        "absolute data_dir/files/*.md": f"/gradio_api/file={summary_file}",
        "absolute repo README.md": f"/gradio_api/file={REPO / 'README.md'}",
        "relative README.md (server cwd)": "/gradio_api/file=README.md",
        "cached-examples folder ../": "/gradio_api/file=.gradio/cached_examples/../../README.md",
        "upper-case temp dir component": f"/gradio_api/file={str(legit).replace('gradio-tmp', 'GRADIO-TMP')}",
        "symlink file in temp dir → documents.json": f"/gradio_api/file={tmp / 'planted-registry.json'}",
        "symlink file in temp dir → /etc/passwd": f"/gradio_api/file={tmp / 'planted-passwd.txt'}",
        "symlink dir in temp dir → data dir": f"/gradio_api/file={tmp / 'planted-data' / 'documents.json'}",
        "symlink beside the legit upload → stored md": f"/gradio_api/file={legit.parent / 'planted.md'}",
        "/static/../ traversal": "/static/" + "../" * 10 + "etc/passwd",
        "/static/%2e%2e%2f traversal": "/static/" + "%2e%2e%2f" * 10 + "etc/passwd",
        "/assets/..%2f traversal": "/assets/" + "..%2f" * 10 + "etc/passwd",
        "/svelte/..%2f traversal": "/svelte/" + "..%2f" * 10 + "etc/passwd",
        "file=http://127.0.0.1 (SSRF to itself)": f"/gradio_api/file=http://127.0.0.1:{port}/config",
        "proxy=http://127.0.0.1 (SSRF to itself)": f"/gradio_api/proxy=http://127.0.0.1:{port}/config",
    }
    matrix, leaks = [], []
    for label, path in cases.items():
        status, body = raw_get(port, path)
        matrix.append((label, path, status, len(body)))
        for name, (_, marker) in targets.items():
            if marker and marker in body:
                leaks.append((label, name))
        if b'"named_endpoints"' in body or b'"dependencies"' in body:
            leaks.append((label, "app config"))

    width = max(len(label) for label, *_ in matrix)
    print(f"\nfile route matrix (server {local.url}, GRADIO_TEMP_DIR={tmp}, data dir={data})")
    print(f"{'case':<{width}}  status  bytes  path")
    for label, path, status, size in matrix:
        print(f"{label:<{width}}  {status:>6}  {size:>5}  {path}")

    statuses = {label: status for label, _, status, _ in matrix}
    assert statuses.pop("legit upload") == 200 and statuses.pop("legit, deprecated /file/ route") == 200
    assert raw_get(port, f"/gradio_api/file={legit}")[1] == legit_text
    assert leaks == [], leaks
    allowed_other = {"proxy=http://127.0.0.1 (SSRF to itself)": (400, 403, 404)}
    wrong = {label: status for label, status in statuses.items() if status not in allowed_other.get(label, REFUSED)}
    assert wrong == {}, wrong


# ------------------------------------------------------------------ 6. upload abuse


def _uploads(server) -> list[Path]:
    folder = server.data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ppt/slides/slide1.xml", "<p:sld/>")
    return buffer.getvalue()


def test_upload_rejects_fake_pdfs_and_foreign_types(local):
    before = document_ids(local.data_dir)
    status, paths = gradio_upload(
        local.port, [("slides.pdf", _zip_bytes()), ("login.pdf", b"<!DOCTYPE html><html><body>Sign in</body></html>")]
    )
    assert status == 200, paths
    event, data = queue_call(local.port, "upload", [[file_data(p) for p in paths]])
    result = _markdown_result(data)
    assert event == "complete", (event, data)
    assert re.search(r"\*\*failed\*\* slides: slides\.pdf: not really a PDF \(starts like a ZIP", result), result
    assert re.search(r"\*\*failed\*\* login: login\.pdf: not really a PDF \(starts like an HTML", result), result

    status, paths = gradio_upload(local.port, [("payload.html", b"<script>alert(1)</script>")])
    assert status == 200, paths
    event, data = queue_call(local.port, "upload", [[file_data(paths[0])]])
    assert event == "error" or "unsupported file type" in _markdown_result(data), (event, data)
    assert "Invalid file type" in json.dumps(data) or "unsupported file type" in json.dumps(data), data

    assert document_ids(local.data_dir) == before
    assert not any(p.suffix in (".pdf", ".html") for p in _uploads(local)), _uploads(local)


def test_upload_handler_takes_only_files_uploaded_through_gradio(local):
    before = document_ids(local.data_dir)
    for path in (
        "/etc/passwd",
        str(REPO / "README.md"),
        str(next((local.data_dir / "files").glob("*.md"))),
        f"{local.gradio_tmp}/../data/documents.json",
    ):
        event, data = queue_call(local.port, "upload", [[file_data(path)]])
        assert event == "error", (path, event, data)
    assert document_ids(local.data_dir) == before


def test_upload_hostile_file_names_land_inside_uploads_with_safe_names(local):
    unicode_name = "文" * 297 + ".md"
    hostile = [
        "../../evil.md",
        "..\\..\\evil-backslash.md",
        "ctrl\x01\x1b[31m\x07name.md",
        "<img src=x onerror=alert(1)>.md",
        ".hidden-dot.md",
        unicode_name,
    ]
    files = [
        (name, f"<!-- page 1 -->\nHostile name number {i} about quay number {i * 7 + 3}.\n".encode())
        for i, name in enumerate(hostile)
    ]
    status, paths = gradio_upload(local.port, files)
    assert status == 200, paths
    event, data = queue_call(local.port, "upload", [[file_data(p) for p in paths]])
    result = _markdown_result(data)
    assert event == "complete", (event, data)
    lines = [line for line in result.splitlines() if line.startswith("- **")]
    assert len(lines) == len(hostile) and all(line.startswith("- **new**") for line in lines), result
    assert "<img" not in result  # file names are escaped in the result

    stored = _uploads(local)
    for path in stored:
        assert path.parent == local.data_dir / "uploads"
        assert re.fullmatch(r"[\w][\w.\- ]*\.md", path.name), path.name
        assert len(path.name) <= 110 and not any(ord(c) < 32 for c in path.name), path.name
    assert {"evil.md"} <= {p.name for p in stored}
    assert not [p for p in stored if p.name.endswith((".incoming", ".previous"))]
    stray = [
        p
        for p in local.root.rglob("evil*.md")
        if not (
            p.is_relative_to(local.data_dir / "uploads")
            or p.is_relative_to(local.gradio_tmp)
            or p.is_relative_to(local.data_dir / "files")
        )
    ]
    assert stray == [], stray
    assert not list(REPO.glob("evil*")) and not list(local.root.parent.glob("evil*"))


def test_twenty_files_in_one_upload_each_reported(local):
    files = [
        (
            f"bulk-{n:02d}.md",
            f"<!-- page 1 -->\nBulk note {n}: the ferry timetable for pier {n} was revised in {1990 + n}.\n".encode(),
        )
        for n in range(20)
    ]
    status, paths = gradio_upload(local.port, files)
    assert status == 200 and len(paths) == 20, paths
    event, data = queue_call(local.port, "upload", [[file_data(p) for p in paths]], timeout=300)
    result = _markdown_result(data)
    assert event == "complete", (event, data)
    for n in range(20):
        assert re.search(rf"^- \*\*new\*\* bulk-{n:02d} \(1 pages, \d+ chunks\)$", result, re.M), (n, result)
    ids = document_ids(local.data_dir)
    assert all(f"bulk-{n:02d}" in ids for n in range(20))


def test_upload_size_limit(shared):
    status, text = gradio_upload(shared.port, [("big.md", b"x" * (1024 * 1024 + 512 * 1024))])
    assert status == 413 and "maximum allowed size" in str(text), (status, text)
    status, paths = gradio_upload(shared.port, [("small.md", b"y" * (512 * 1024))])
    assert status == 200, paths


# ------------------------------------------------------------------ 7. stored XSS in the browser


def test_hostile_document_cannot_run_script_or_call_out(local):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            blocked, requested, dialogs, errors = [], [], [], []

            def guard(route):
                host = re.match(r"^[a-z]+://([^/:]+)", route.request.url)
                if host and host.group(1) != "127.0.0.1":
                    blocked.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("request", lambda r: requested.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(local.url)
            page.locator("#question textarea").fill(XSS_QUESTION)
            page.locator("#ask").click()
            page.wait_for_function(
                """() => { const t = document.querySelector('#chat')?.innerText || '';
                                     return t.includes('[3]') && !t.includes('Searching the report'); }""",
                timeout=60_000,
            )
            chat = page.locator("#chat").inner_text()
            labels = page.locator("#citations label")
            labels.first.wait_for()
            evidence = []
            for index in range(labels.count()):
                labels.nth(index).click()
                page.wait_for_function(
                    f"() => document.querySelector('#citations input:checked')?.value === "
                    f"'{index}' && document.querySelector('#evidence-text mark') !== null",
                    timeout=10_000,
                )
                evidence.append(page.locator("#evidence-text").inner_text())
            page.get_by_role("tab", name="Library").click()
            page.wait_for_function(
                f"() => document.querySelector('#library').innerText.includes('{XSS_DOC_ID}')", timeout=10_000
            )
            page.wait_for_timeout(800)  # time for any late image load or handler to fire
            pwned = page.evaluate("() => typeof window.__pwned === 'undefined' ? null : window.__pwned")
            live = page.evaluate("""() => ({
                imgs: Array.from(document.querySelectorAll('img')).map(i => i.getAttribute('src'))
                        .filter(s => s === 'x' || (s || '').includes('198.51.100.7')),
                scripts: Array.from(document.querySelectorAll('script'))
                    .filter(s => s.textContent.includes('__pwned')).length,
                handlers: document.querySelectorAll('[onerror]').length })""")
        finally:
            browser.close()
    off_host = [u for u in requested if (m := re.match(r"^[a-z]+://([^/:]+)", u)) and m.group(1) != "127.0.0.1"]
    assert pwned is None, f"script ran: window.__pwned = {pwned}"
    assert dialogs == [], dialogs
    assert live == {"imgs": [], "scripts": 0, "handlers": 0}, live
    assert blocked == [] and off_host == [], (blocked, off_host)
    assert not [e for e in errors if "__pwned" in e], errors
    # the payloads reached the page, and are shown as text: in the answer and in the evidence panel
    assert "onerror" in chat and "<script>" in chat, chat
    assert len(evidence) == 3 and all("beacon policy" in text for text in evidence), evidence
    assert "<img src=x onerror=" in evidence[-1] and "<script>window.__pwned=1</script>" in evidence[-1], evidence
