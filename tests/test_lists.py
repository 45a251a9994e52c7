"""Lists read from a page's layout (assistant/lists.py): pure functions over page text, no model."""

from __future__ import annotations

from assistant.lists import PageLists, blocks, counted, counted_noun, is_intro

STAFFING = """Incident response teams can also use any of three staffing models:

• Employees. The organization performs all of its incident response work.

• Partially Outsourced. The organization outsources portions of its work.

– The most prevalent arrangement is to outsource 24/7 monitoring.

– Some organizations call on contractors for serious incidents.

• Fully Outsourced. The organization completely outsources its incident response work.

• Not a fourth model. This bullet is past the three the introduction counts.
"""
POLICY_PAGE_1 = """Most policies include the same key elements:

• Statement of management commitment

• Purpose and objectives of the policy

http://www.example.org/a130.html http://www.example.org/fisma.pdf
"""
POLICY_PAGE_2 = """• Scope of the policy

• Prioritization or severity ratings of incidents

The plan should lay out the necessary resources.
"""
PLAYERS = """The Open Data ecosystem is comprised of three main players:

#### Data Custodians

Generate, store, and augment data on behalf of consumers. They give access on request.

Data users:

Receive data from Data Custodians and use them.

Consumers:

Perform activities that generate data.

In a balanced ecosystem, these roles are not fixed.
"""
FIGURE = """We have observed ecosystems take three common forms:

Figure 3. Three types of ecosystems18

#### Offering ecosystems

#### Platform ecosystems

#### Knowledge ecosystems

Bring together multiple players of different types.
"""
SURGERIES = """There are four GP surgeries in Witney:

\u00fc The Nuffield Practice

\u00fc Cogges Surgery
"""
STEPS = """- Around March 2017 Locality published a five step guide.
- The five steps in the March 2017 guide are listed below.
- The first step is to take a place-based approach.
- The second step is to demonstrate social value.
- According to a poll, most adults had difficulties.
"""
SCRAPING = (
    "However, screen-scraping has a number of challenges associated with it. Firstly, it is insecure. "
    "It shares passwords. Secondly, it is inefficient. Finally, it is resource intensive."
)


def _lists(*pages: str) -> PageLists:
    texts = {("doc@1", i): text for i, text in enumerate(pages, start=1)}
    return PageLists(lambda key, index: texts.get((key, index), ""), lambda key, index: (key, index) in texts)


def _shown(lists: PageLists, intro: str, page: int, count=None) -> list[str]:
    texts = {i: lists.page_text("doc@1", i) for i in (1, 2)}
    start = texts[page].index(intro)
    _, items = lists.list_at("doc@1", page, start, count)
    return [item.shown or " ".join(texts[item.page_index][item.start : item.end].split()) for item in items]


def test_blocks_tell_headings_bullets_captions_notes_labels_and_text():
    kinds = [(b.kind, b.marker) for b in blocks(PLAYERS + FIGURE + SURGERIES + POLICY_PAGE_1)]
    assert ("heading", "####") in kinds and ("label", "") in kinds and ("text", "") in kinds
    assert ("caption", "") in kinds and ("note", "") in kinds
    assert ("bullet", "font") in kinds and ("bullet", "•") in kinds  # a symbol font's tick is a bullet


def test_an_introduction_counts_its_items_and_sub_bullets_belong_to_theirs():
    items = _shown(_lists(STAFFING), "Incident response teams", 1)
    assert items == [
        "Employees. The organization performs all of its incident response work.",
        "Partially Outsourced. The organization outsources portions of its work.",
        "Fully Outsourced. The organization completely outsources its incident response work.",
    ]


def test_a_list_runs_over_a_page_break_past_the_footnotes():
    items = _shown(_lists(POLICY_PAGE_1, POLICY_PAGE_2), "Most policies", 1)
    assert items == [
        "Statement of management commitment",
        "Purpose and objectives of the policy",
        "Scope of the policy",
        "Prioritization or severity ratings of incidents",
    ]


def test_labels_with_their_descriptions_and_a_figure_of_labels():
    assert _shown(_lists(PLAYERS), "The Open Data", 1) == [
        "Data Custodians: Generate, store, and augment data on behalf of consumers.",
        "Data users: Receive data from Data Custodians and use them.",
        "Consumers: Perform activities that generate data.",
    ]
    assert _shown(_lists(FIGURE), "We have observed", 1) == [
        "Offering ecosystems",
        "Platform ecosystems",
        "Knowledge ecosystems",
    ]


def test_tick_bullets_and_a_bullet_that_introduces_the_next_ones():
    assert _shown(_lists(SURGERIES), "There are four", 1) == ["The Nuffield Practice", "Cogges Surgery"]
    # the bullets after it, as many as asked for (here fewer are left than five)
    assert _shown(_lists(STEPS), "The five steps", 1, count=2) == [
        "The first step is to take a place-based approach.",
        "The second step is to demonstrate social value.",
    ]
    assert len(_shown(_lists(STEPS), "The five steps", 1, count=5)) == 3


def test_a_sentence_in_a_list_finds_its_list_and_introduction():
    lists = _lists(STAFFING)
    text = lists.page_text("doc@1", 1)
    intro, items = lists.list_at("doc@1", 1, text.index("Fully Outsourced"), None)
    assert intro.startswith("Incident response teams") and len(items) == 3


def test_a_paragraph_with_no_list_after_it_is_no_list():
    lists = _lists("A plain paragraph of text.\n\nAnother paragraph follows it.\n")
    assert lists.list_at("doc@1", 1, 0, None) == ("", [])


def test_a_list_told_in_sentences():
    lists = _lists(SCRAPING)
    items = lists.sequence_after("doc@1", 1, 0)
    assert [SCRAPING[i.start : i.end] for i in items] == [
        "Firstly, it is insecure.",
        "Secondly, it is inefficient.",
        "Finally, it is resource intensive.",
    ]
    assert lists.sequence_after("doc@1", 1, SCRAPING.index("Finally")) == []  # nothing after the last


def test_counts_and_introductions():
    assert counted("Incident response teams can also use any of three staffing models:") == 3
    assert counted("The Neighbourhood Action Group consulted 330 local residents") is None  # not a list's size
    assert counted("In 2014 Locality published a report on diseconomies") is None
    assert counted_noun("According to the council, three community anchor organisations took part.") == "organisations"
    assert counted_noun("The Neighbourhood Action Group consulted 330 local residents") == ""
    assert is_intro("A detailed log should be kept, including the following:")
    assert is_intro("Great Places lists the seven characteristics as follows.")
    assert not is_intro("The attack vectors are not intended to be definitive.")
