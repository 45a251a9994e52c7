"""What changed between two versions, page by page, with pages matched by their text: a real PDF
edited with pikepdf (a figure changed on one page, a page inserted, a page removed) gives exactly
those three changes with both sides' labels; a page inserted early into a renumbered Markdown report
is one new page, not a shift of every later page."""

from __future__ import annotations

import json

import pytest
from conftest import REAL_PDFS, run_python

from evals.pdf_edits import change_text, first_pages, insert_page, remove_page
from ingest.changes import compare
from ingest.loaders import load_document
from ingest.pages import Page

NIST = REAL_PDFS / "nist-sp800-61r2.pdf"
OLD_FIGURE = "Appendix III, released in 2000, which directs Federal agencies"
NEW_FIGURE = "Appendix III, released in 2004, which directs Federal agencies"


def _pages(texts: dict[str, str]) -> list[Page]:
    return [Page(index=n, label=label, text=text) for n, (label, text) in enumerate(texts.items(), start=1)]


def _report(count: int) -> dict[str, str]:
    """Pages of distinct prose: page n talks about its own borough and figure."""
    boroughs = ["Hackney", "Bristol", "Calderdale", "Dorset", "Shropshire", "Bradford", "Wakefield", "Preston"]
    return {
        str(n): f"Page {n} describes how {boroughs[n % 8]} spent {n * 7} thousand pounds on local suppliers. "
        f"The {boroughs[(n + 3) % 8]} partnership met {n + 2} times that year to review procurement "
        f"plan number {n * 13}."
        for n in range(1, count + 1)
    }


def test_a_page_inserted_early_into_a_renumbered_report_is_one_new_page():
    old = _report(40)
    new = {"1": old["1"], "2": "A new foreword thanks the volunteers of the allotment cooperative for their work."}
    new |= {str(n + 1): old[str(n)] for n in range(2, 41)}  # every later page is renumbered
    changes = compare(_pages(old), _pages(new))
    assert [(p.change, p.before, p.after.label) for p in changes.pages] == [("added", None, "2")]
    assert changes.pages[0].added == [new["2"]]
    assert changes.unchanged == 40 and changes.moved == 39
    assert changes.line() == "pages added: 2"


def test_an_edited_page_a_removed_page_and_a_relabelled_edit():
    old = _report(10)
    new = dict(old)
    new["4"] = old["4"].replace("28 thousand", "31 thousand")
    del new["7"]
    changes = compare(_pages(old), _pages(new))
    assert [(p.change, p.before.label, p.after and p.after.label) for p in changes.pages] == [
        ("changed", "4", "4"),
        ("removed", "7", None),
    ]
    assert changes.pages[0].changed == [(old["4"].split(". ")[0] + ".", new["4"].split(". ")[0] + ".")]
    assert not changes.pages[0].added and not changes.pages[0].removed
    assert changes.pages[1].removed == [s.strip() for s in old["7"].replace(". ", ".\n").splitlines()]

    renumbered = {str(n): text for n, text in enumerate(new.values(), start=1)}  # 8 → 7, 9 → 8, ...
    renumbered["8"] = renumbered["8"].replace("met 11 times", "met 12 times")
    changes = compare(_pages(old), _pages(renumbered))
    assert [(p.change, p.before.label, p.after and p.after.label) for p in changes.pages] == [
        ("changed", "4", "4"),
        ("removed", "7", None),
        ("changed", "9", "8"),
    ]
    assert changes.line() == "removed: 7; altered: 4, 9→8"


def test_a_page_replaced_by_another_is_removed_and_added_not_changed():
    old = _report(5)
    new = dict(old)
    new["3"] = "The orchard cooperative planted nine hundred apple trees on council land in the pilot year."
    changes = compare(_pages(old), _pages(new))
    assert [p.change for p in changes.pages] == ["removed", "added"]
    assert [p.before and p.before.label for p in changes.pages] == ["3", None]
    assert [p.after and p.after.label for p in changes.pages] == [None, "3"]


@pytest.mark.slow
@pytest.mark.skipif(not NIST.exists(), reason=f"{NIST} is absent (../shared/real-pdfs/)")
def test_an_edited_real_pdf_shows_exactly_its_three_changes_with_both_labels(tmp_path):
    folder, data_dir = tmp_path / "docs", tmp_path / "data"
    folder.mkdir()
    path = folder / "incident-guide.pdf"
    first_pages(NIST, 20).save(path)  # printed labels: 1, 2, i … viii, then 1 … 10
    first = _cli("ingest", str(path), data_dir=data_dir, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr

    edited = first_pages(NIST, 20)
    change_text(edited, 17, b"in 2000,", b"in 2004,")  # a figure on PDF page 17 (printed page 7)
    remove_page(edited, 19)  # printed page 9
    insert_page(edited, 13, NIST, 40)  # a page from later in the guide, after printed page 2
    edited.save(path)
    second = _cli("ingest", str(path), data_dir=data_dir, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    inserted_label = load_document(path).pages[12].label
    assert f"pages added: {inserted_label}; removed: 9; altered: 7" in second.stdout, second.stdout

    shown = _cli("changes", "incident-guide", "--json", data_dir=data_dir, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    assert (result["from"]["version"], result["to"]["version"]) == (1, 2)
    assert result["summary"] == {
        "pages_added": 1,
        "pages_removed": 1,
        "pages_changed": 1,
        "pages_unchanged": 18,
        "pages_moved": 6,
    }
    added, changed, removed = sorted(result["pages"], key=lambda p: p["change"])
    assert (changed["from_page"], changed["to_page"], changed["from_pdf_page"], changed["to_pdf_page"]) == (
        "7",
        "7",
        17,
        18,
    )
    [(before, after)] = [(c["from"], c["to"]) for c in changed["changed"]]
    assert OLD_FIGURE in before and NEW_FIGURE in after and before.replace("2000", "2004") == after
    assert changed["added"] == [] and changed["removed"] == []
    assert (added["from_page"], added["to_page"], added["to_pdf_page"]) == (None, inserted_label, 13)
    nist_page_40 = " ".join(load_document(NIST).pages[39].text.split())
    assert added["added"] and all(sentence in nist_page_40 for sentence in added["added"])
    assert (removed["from_page"], removed["from_pdf_page"], removed["to_page"]) == ("9", 19, None)
    assert len(removed["removed"]) > 5 and removed["added"] == []

    text = _cli("changes", "incident-guide", "--from", "1", "--to", "2", data_dir=data_dir, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[1] == "1 page added, 1 removed, 1 changed; 18 unchanged (6 of them moved)"
    assert f"added    – → p. {inserted_label} (PDF page – → 13)" in lines
    assert "changed  p. 7 → p. 7 (PDF page 17 → 18)" in lines
    assert "removed  p. 9 → – (PDF page 19 → –)" in lines

    for args, message in (
        (["--from", "3"], "incident-guide has no version 3 (kept versions: 1, 2)"),
        (["--to", "1", "--from", "1"], None),
    ):
        run = _cli("changes", "incident-guide", *args, data_dir=data_dir, cwd=tmp_path)
        if message:
            assert run.returncode == 2 and run.stderr.strip() == f"error: {message}", run.stderr
        else:  # a version against itself: nothing changed
            assert run.returncode == 0 and run.stdout.splitlines()[1].startswith("0 pages added"), run.stdout
    only = _cli("changes", "no-such-doc", data_dir=data_dir, cwd=tmp_path)
    assert only.returncode == 2 and "Traceback" not in only.stderr
    assert only.stderr.strip() == "error: no document with id 'no-such-doc' (see: report-assistant status)"


def _cli(*args, data_dir, cwd):
    return run_python(["-m", "assistant.cli", "--data-dir", str(data_dir), *args], cwd=cwd)
