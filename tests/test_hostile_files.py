"""Hostile and odd inputs, generated here: each fails alone with a one-line reason that names the
cause, in bounded time and memory, while the good file of the same run still goes in and what was
stored before is left exactly as it was. (Empty, truncated, HTML-as-PDF, password-locked, empty-
password and image-only PDFs are covered in test_bad_files.py.)"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
from pdf_factory import report_with_front_matter

from ingest.loaders import load_document
from ingest.pages import Limits

SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
KEPT_SENTENCE = "The kept ledger records nineteen community shares sold in the spring."
GOOD_SENTENCE = "The good file in the hostile run describes the market hall refurbishment."


# ------------------------------------------------------------------ hand-made PDFs


def _text_stream(lines: list[str], size: float = 11) -> bytes:
    """Lines from the top of the page down (text below the page's edge would not be read)."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    return (
        f"BT /F1 {size} Tf 20 820 Td {size * 1.25} TL\n" + "".join(f"({line}) Tj T*\n" for line in escaped) + "ET"
    ).encode("latin-1")


def _stream_object(data: bytes, *, flate: bool = False) -> bytes:
    filters = " /Filter /FlateDecode" if flate else ""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), filters.encode()) + data + b"\nendstream"


def _write_pdf(path: Path, objects: list[bytes]) -> Path:
    """Objects 1..n in order (1 must be the catalog), a correct xref table and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def raw_pdf(path: Path, page_streams: list[bytes], *, flate: bool = False) -> Path:
    """A minimal PDF: one Helvetica font and one content stream per page."""
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(page_streams)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_streams)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(page_streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (first_page + 2 * i + 1)
        )
        objects.append(_stream_object(zlib.compress(stream) if flate else stream, flate=flate))
    return _write_pdf(path, objects)


def text_pdf(path: Path, pages: list[list[str]], *, flate: bool = False) -> Path:
    return raw_pdf(path, [_text_stream(lines) for lines in pages], flate=flate)


def broken_xref_pdf(path: Path, sentence: str) -> Path:
    """A good one-page PDF whose xref table points every object at a nonsense offset."""
    whole = text_pdf(path, [[sentence]]).read_bytes()
    start, end = whole.index(b"xref\n"), whole.index(b"trailer")
    entries = whole[start:end].count(b" n \n")
    broken = b"xref\n0 %d\n0000000000 65535 f \n" % (entries + 1) + b"0000999999 00000 n \n" * entries
    path.write_bytes(whole[:start] + broken + whole[end:])
    return path


def bomb_pdf(path: Path, gigabytes: float = 2) -> tuple[Path, int]:
    """One page whose content stream inflates to `gigabytes` of spaces, in a file of ~1 MB per GB.

    Built with a compressobj in 16 MB blocks and never held inflated: after a full flush, a
    compressed block refers to nothing before it, so its bytes may be repeated; the zlib trailer
    (adler32 of everything) is computed block by block. Returns the path and the inflated size."""
    prefix = b"BT /F1 11 Tf 50 800 Td (A page that inflates to gigabytes.) Tj ET\n"
    block = b" " * (1 << 24)
    compressor = zlib.compressobj(9)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = int(gigabytes * (1 << 30)) // len(block)
    checksum = zlib.adler32(prefix)
    for _ in range(count):
        checksum = zlib.adler32(block, checksum)
    stream = head + body * count + b"\x03\x00" + struct.pack(">I", checksum)  # empty final block, adler32
    _write_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            _stream_object(stream, flate=True),
        ],
    )
    return path, len(prefix) + count * len(block)


def zero_page_pdf(path: Path) -> Path:
    return _write_pdf(path, [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


# ------------------------------------------------------------------ helpers


def _snapshot(components) -> dict:
    """Everything stored for every live document: record, chunk count, chunk texts, stored files."""
    library = components.library
    out = {}
    for doc_id, record in components.registry.load().items():
        chunks = components.store.get_chunks([record.doc_key])
        files = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in library.files_dir.glob(f"{record.doc_key}.*")
        }
        out[doc_id] = (record, components.store.count(record.doc_key), sorted(c.text for c in chunks), files)
    return out


def _with_kept_document(tmp_path, components) -> dict:
    kept = tmp_path / "kept" / "ledger.md"
    kept.parent.mkdir()
    kept.write_text(
        f"<!-- page 1 -->\n{KEPT_SENTENCE}\n\n<!-- page 2 -->\nA second page of the ledger.\n", encoding="utf-8"
    )
    [result] = components.library.ingest([kept])
    assert result.status == "new", result.line()
    return _snapshot(components)


def _good_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "good.md"
    path.write_text(f"<!-- page 1 -->\n{GOOD_SENTENCE}\n", encoding="utf-8")
    return path


def _by_name(results) -> dict:
    return {Path(r.source).name: r for r in results}


def _assert_clean_failure(result, name_in_detail: str, *reasons: str) -> None:
    assert result.status == "failed", result.line()
    assert result.detail.startswith(f"{name_in_detail}: "), result.detail
    for reason in reasons:
        assert reason in result.detail, (reason, result.detail)
    line = result.line()
    assert "\n" not in line and "\r" not in line and "Traceback" not in line, line
    assert len(line.splitlines()) == 1
    assert (result.pages, result.chunks) == (0, 0)


def _live_texts(components) -> str:
    return " ".join(c.text for c in components.store.get_chunks(components.registry.active_keys()))


def _assert_store_consistent(components) -> None:
    records = components.registry.load()
    for record in records.values():
        assert components.store.count(record.doc_key) == record.chunks, record.id
    assert components.store.count() == sum(r.chunks for r in records.values())


# ------------------------------------------------------------------ tests


def test_hostile_pdfs_fail_alone_fast_and_leave_the_store_untouched(tmp_path, make_components):
    components = make_components(max_pages=1000, max_chars_per_page=20_000, parse_memory_mb=512, parse_timeout_s=60)
    before = _with_kept_document(tmp_path, components)
    folder = tmp_path / "hostile"
    folder.mkdir()
    zero_page_pdf(folder / "zero-pages.pdf")
    broken_xref_pdf(folder / "broken-xref.pdf", "The repaired file still says the pilot ran in Hackney.")
    import zipfile

    with zipfile.ZipFile(folder / "slides.pdf", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    (folder / "drawing.pdf").write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>hi</text></svg>\n'
    )
    bomb, inflated = bomb_pdf(folder / "bomb.pdf", gigabytes=2)
    assert bomb.stat().st_size < 4 * 1024 * 1024 and inflated >= 2 << 30
    text_pdf(folder / "two-thousand-pages.pdf", [[f"Page {n} of a very long annex."] for n in range(1, 2001)])
    raw_pdf(
        folder / "huge-page.pdf",
        [
            _text_stream(["A normal first page."]),  # 2nd: 30,000 characters
            _text_stream(["Dense table row " + "9" * 84] * 300, size=2),
        ],
        flate=True,
    )
    good = _good_file(tmp_path / "good")

    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    results = _by_name(components.library.ingest([folder, good]))
    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before) / 1024

    assert set(results) == {
        "zero-pages.pdf",
        "broken-xref.pdf",
        "slides.pdf",
        "drawing.pdf",
        "bomb.pdf",
        "two-thousand-pages.pdf",
        "huge-page.pdf",
        "good.md",
    }
    _assert_clean_failure(results["zero-pages.pdf"], "zero-pages.pdf", "the PDF has no pages")
    _assert_clean_failure(results["slides.pdf"], "slides.pdf", "not really a PDF", "ZIP archive")
    _assert_clean_failure(results["drawing.pdf"], "drawing.pdf", "not really a PDF", "XML/SVG")
    # the 2 GB bomb: the parser child hits its 512 MB address-space cap and dies (or reports it)
    _assert_clean_failure(results["bomb.pdf"], "bomb.pdf", "512 MB memory limit")
    _assert_clean_failure(
        results["two-thousand-pages.pdf"], "two-thousand-pages.pdf", "has 2000 pages, more than the limit of 1000"
    )
    _assert_clean_failure(results["huge-page.pdf"], "huge-page.pdf", "page 2 holds", "more than the limit of 20000")
    repaired = results["broken-xref.pdf"]  # PDFium rebuilds a broken xref table: the text is read
    assert (repaired.status, repaired.pages) == ("new", 1), repaired.line()
    assert results["good.md"].status == "new"

    assert elapsed < 60, f"the hostile run took {elapsed:.0f} s"
    assert grown_mb < 300, f"the test process grew by {grown_mb:.0f} MB while a child parsed the bomb"
    assert not multiprocessing.active_children(), "a parser child outlived its file"

    after = _snapshot(components)
    assert after["ledger"] == before["ledger"]
    assert set(after) == {"ledger", "broken-xref", "good"}
    _assert_store_consistent(components)
    texts = _live_texts(components)
    assert GOOD_SENTENCE in texts and KEPT_SENTENCE in texts
    assert "pilot ran in Hackney" in texts


def test_a_parse_that_hangs_is_stopped_at_the_time_limit(tmp_path, make_components):
    components = make_components(parse_timeout_s=1)
    before = _with_kept_document(tmp_path, components)
    folder = tmp_path / "slow"
    folder.mkdir()
    # 3,000 dense pages: PDFium needs ~8 s on two cores to read them all, the limit is 1 s
    text_pdf(
        folder / "slow.pdf",
        [
            [f"Line {n} of page {p}, on spending that stays in the local economy." for n in range(40)]
            for p in range(3000)
        ],
        flate=True,
    )
    good = _good_file(tmp_path / "good")

    started = time.monotonic()
    results = _by_name(components.library.ingest([folder / "slow.pdf", good]))
    elapsed = time.monotonic() - started

    _assert_clean_failure(results["slow.pdf"], "slow.pdf", "took longer than 1 s")
    assert results["good.md"].status == "new"
    assert elapsed < 10, f"a 1 s parse limit took {elapsed:.1f} s to give up"
    assert not multiprocessing.active_children(), "the timed-out parser child was left running"
    assert _snapshot(components)["ledger"] == before["ledger"]
    _assert_store_consistent(components)


@pytest.mark.slow
def test_long_pdfs_within_the_default_page_limit_ingest(tmp_path, make_components):
    long_annex = text_pdf(tmp_path / "annex.pdf", [[f"Page {n} of a very long annex."] for n in range(1, 2001)])
    loaded = load_document(long_annex, Limits(), isolate=True)  # the default limit is 3,000 pages
    assert len(loaded.pages) == 2000 and loaded.pages[-1].text.strip() == "Page 2000 of a very long annex."

    folder = tmp_path / "docs"
    folder.mkdir()
    text_pdf(
        folder / "register.pdf",
        [[f"Register entry {n}: the parish council bought {n} hours of local catering."] for n in range(1, 301)],
    )
    started = time.monotonic()
    [result] = make_components().library.ingest([folder])
    assert (result.status, result.pages) == ("new", 300), result.line()
    assert time.monotonic() - started < 120


def test_text_in_legacy_encodings_ingests_with_the_right_characters(tmp_path, components):
    folder = tmp_path / "legacy"
    folder.mkdir()
    cp1252 = "Café owners said “buy local” saves €5 in every £10 – naïve? No."
    latin1 = "Größere Rücklagen für Gemeinden; São Paulo; Ærø; déjà vu."
    utf16 = "Brontë’s village hall: ½ the budget spent within 5 km."
    (folder / "windows.txt").write_bytes(cp1252.encode("cp1252"))
    (folder / "iso.md").write_bytes(f"<!-- page 7 -->\n{latin1}\n".encode("latin-1"))
    (folder / "notepad.txt").write_bytes(utf16.encode("utf-16"))  # with a byte-order mark
    assert b"\x93" in (folder / "windows.txt").read_bytes()  # not UTF-8: “ is byte 0x93

    results = _by_name(components.library.ingest([folder]))

    assert {name: r.status for name, r in results.items()} == {
        "windows.txt": "new",
        "iso.md": "new",
        "notepad.txt": "new",
    }, [r.line() for r in results.values()]
    chunks = components.store.get_chunks(components.registry.active_keys())
    by_doc = {c.doc_id: c for c in chunks}
    assert cp1252 in by_doc["windows"].text
    assert latin1 in by_doc["iso"].text and by_doc["iso"].page_label == "7"
    assert utf16 in by_doc["notepad"].text


def test_files_that_are_not_what_their_name_says_are_refused_by_their_bytes(tmp_path, components):
    before = _with_kept_document(tmp_path, components)
    folder = tmp_path / "renamed"
    folder.mkdir()
    real_pdf = report_with_front_matter(tmp_path / "real.pdf").read_bytes()
    (folder / "report.txt").write_bytes(real_pdf)
    (folder / "notes.md").write_bytes(real_pdf)
    (folder / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    import zipfile

    with zipfile.ZipFile(folder / "minutes.txt", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    good = _good_file(tmp_path / "good")

    results = _by_name(components.library.ingest([folder, good]))

    _assert_clean_failure(results["report.txt"], "report.txt", "not really text: the file is a PDF")
    _assert_clean_failure(results["notes.md"], "notes.md", "not really text: the file is a PDF")
    _assert_clean_failure(results["photo.md"], "photo.md", "not really text: the file is a PNG image")
    _assert_clean_failure(results["minutes.txt"], "minutes.txt", "not really text", "ZIP archive")
    assert results["good.md"].status == "new"
    assert _snapshot(components)["ledger"] == before["ledger"]
    _assert_store_consistent(components)
    assert "%PDF" not in _live_texts(components)


def test_odd_file_names_ingest_under_safe_distinct_ids_or_fail_in_one_line(tmp_path, components):
    before = _with_kept_document(tmp_path, components)
    folder = tmp_path / "names"
    folder.mkdir()
    cjk = "地方経済報告書" * 12  # 84 characters, 252 bytes: as long as Linux allows (255)
    names = {
        "back\\slash..\\..\\etc.md": "back-slash-etc",
        "full／width∕slash.md": "full-widthslash",  # U+FF0F, U+2215: look like '/', are not
        "colon: report?.md": "colon-report",
        "bell\x07tab\tnew\nline\x1b[31m.md": "bell-tab-new-line-31m",
        "Ünïcödé Façade.md": "unicode-facade",
        f"{cjk}.md": None,
        "レポート.md": None,
        ("x" * 246) + ".md": "x" * 64,
    }
    for n, name in enumerate(names):
        (folder / name).write_text(f"<!-- page 1 -->\nDocument number {n} is called {name!r}.\n", encoding="utf-8")
    undecodable = folder / "bytes-\udcff\udcfe.md"  # a name that is not UTF-8 (bytes FF FE)
    undecodable.write_text("<!-- page 1 -->\nA file whose name holds invalid UTF-8.\n", encoding="utf-8")
    (folder / "Report 2017.md").write_text("<!-- page 1 -->\nThe first of two same-id files.\n")
    (folder / "report-2017.txt").write_text("The second of two same-id files.\n")
    (folder / "empty\nfile.pdf").write_bytes(b"")

    results = components.library.ingest([folder])

    assert len(results) == len(names) + 4
    for result in results:
        line = result.line()
        assert len(line.splitlines()) == 1 and "\x07" not in line and "\x1b" not in line, repr(line)
        line.encode("utf-8")  # printable: no lone surrogates from undecodable names
    by_name = _by_name(results)
    ids = {}
    for name, expected in names.items():
        result = by_name[name]
        assert result.status == "new", result.line()
        assert SAFE_ID.fullmatch(result.doc_id), result.doc_id
        if expected:
            assert result.doc_id == expected
        ids[name] = result.doc_id
    assert ids["レポート.md"].startswith("document-") and ids[f"{cjk}.md"].startswith("document-")
    assert by_name[undecodable.name].status == "new" and SAFE_ID.fullmatch(by_name[undecodable.name].doc_id)
    new_ids = [r.doc_id for r in results if r.status == "new"]
    assert len(new_ids) == len(set(new_ids)), "two different files were stored under one id"

    first, second = by_name["Report 2017.md"], by_name["report-2017.txt"]
    assert first.status == "new" and first.doc_id == "report-2017"
    _assert_clean_failure(second, "report-2017.txt", "same document id 'report-2017'", "Report 2017.md")
    _assert_clean_failure(by_name["empty\nfile.pdf"], "empty?file.pdf", "the file is empty")

    records = components.registry.load()
    assert records["ledger"] == before["ledger"][0]
    for record in records.values():
        assert not re.search(r"[\x00-\x1f\x7f]", record.title), repr(record.title)
        assert len(record.title) <= 200
    assert "The first of two same-id files." in _live_texts(components)
    assert "The second of two same-id files." not in _live_texts(components)
    stored = sorted(p.name for p in components.library.files_dir.iterdir())
    assert all(
        re.fullmatch(r"[a-z0-9-]+@\d+\.(md|txt|pdf|sentences\.npz|outline\.json|pages\.json)", name) for name in stored
    ), stored
    _assert_store_consistent(components)
