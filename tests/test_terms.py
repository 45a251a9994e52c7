"""Content words, rarity weights and spelling correction (assistant/terms.py): pure functions, no model."""

from __future__ import annotations

from assistant.terms import MAX_CORRECTIONS, TermStats, content_terms, words

LIBRARY = [
    "Councils funded the community anchors in Shropshire.",
    "The funder asked for evidence of local spending.",
    "Risk aversion is a stubborn cultural barrier.",
    "Community organisations employ local people.",
    "The employer came to the workshop.",
]
STATS = TermStats(LIBRARY, dictionary=frozenset({"action", "acton", "community"}))


def test_content_terms_drop_stopwords_and_stem():
    assert content_terms("What did the report say about the councils' funding?") == ["council", "fund"]
    assert content_terms("Which 6 areas?") == ["6", "area"]  # numbers count as question words
    assert content_terms("They came and went") == ["come", "go"]  # irregular forms meet their verb
    assert words("Locality's members") == ["locality", "members"]


def test_rare_words_weigh_more():
    assert STATS.idf("shropshir") > STATS.idf("communiti")  # one chunk against two
    assert STATS.idf("never-seen") > STATS.idf("shropshir")


def test_coverage_is_the_rarity_weighted_share_found():
    question = content_terms("community anchors in Shropshire")
    assert STATS.coverage(question, set(content_terms(LIBRARY[0]))) == 1.0
    partly = STATS.coverage(question, set(content_terms("Community organisations employ local people.")))
    assert 0 < partly < 0.5  # only the common word is there
    assert STATS.coverage([], {"anything"}) == 0.0


def test_a_doer_matches_the_deed():
    assert STATS.doers.get("funder") == "fund"
    assert "employ" not in STATS.doers.values()  # the library never writes 'employed' or 'employing'
    who = content_terms("Who funded it?")
    assert STATS.coverage(who, set(content_terms(LIBRARY[1]))) == 1.0  # 'funder' answers 'funded'


def test_spelling_is_corrected_towards_the_library():
    assert STATS.correct("What about risk aversoin?") == "What about risk aversion?"
    assert STATS.correct("Shropshre anchors") == "Shropshire anchors"
    assert STATS.correct("Tell me about the action") == "Tell me about the action"  # a real word stays


def test_corrections_have_a_ceiling():
    unknown = " ".join(f"zqxv{chr(97 + i)}{chr(97 + i)}w" for i in range(MAX_CORRECTIONS + 5))
    assert STATS.correct(unknown) == unknown  # looked up at most MAX_CORRECTIONS times


def test_a_name_says_its_kind_by_its_last_word_and_a_population_its_people():
    from assistant.terms import implied_terms

    assert implied_terms("The study was paid for by Friends Provident Foundation, into local spending.") == {
        "chariti",
        "funder",
    }
    assert implied_terms("Acme Systems Ltd supplies the software.") == {"compani", "firm"}
    assert implied_terms("Shropshire Council worked with Wem Town Hall.") == frozenset()
    assert implied_terms("the foundation of a resilient economy") == frozenset()  # a word, not a name
    # a population is the people who live in a place
    assert {"peopl", "live"} <= implied_terms("Witney’s population has more than quadrupled since 1951.")


def test_american_and_british_spellings_are_one_word_and_an_organ_is_no_organisation():
    assert content_terms("organizations prioritized") == content_terms("organisations prioritised")
    assert content_terms("the church organ") != content_terms("the church organization")
    assert content_terms("size seize citizen") == ["size", "seiz", "citizen"]  # no -ize suffix in them


def test_an_organisation_is_told_by_the_last_word_of_its_name():
    from assistant.terms import names_an_organisation

    assert names_an_organisation("Friends Provident Foundation")
    assert names_an_organisation("Shropshire Council")
    assert names_an_organisation("NEF Consulting")
    assert not names_an_organisation("Wem Town Hall")
    assert not names_an_organisation("Council")  # a word alone names none
    assert not names_an_organisation("Open Banking")
