"""What a question asks for, and whether a sentence gives it (pure functions, no model)."""

from __future__ import annotations

import pytest

from assistant.acronyms import asked_acronym, expands
from assistant.question import (
    analyse,
    asked_for,
    asked_terms,
    defines,
    gives_answer,
    gives_count,
    missing,
    new_names,
)
from assistant.terms import TermStats

LIBRARY = [
    "The report was published in November 2017 by Locality.",
    "Ten Locality members enabled roughly 1,400 jobs through their tenants.",
    "Shropshire Council worked with three anchor organisations: Wem Town Hall, Cleobury Country Centre "
    "and the Severn Centre.",
    "Councils are reluctant to let go of their traditional roles.",
    "Community organisations spend money with local suppliers.",
    "Locality ran a workshop in Shropshire for councillors and officers.",
    "The pilot areas were Bradford, Bristol, Calderdale, Dorset, Hackney and Shropshire.",
    "Social value has not changed the way councils commission services.",
    "Local economies gain when money stays in the area.",
    "Locality supports community organisations across England.",
]
# the embedder's vocabulary tells ordinary English words from names the library never uses
STATS = TermStats(
    LIBRARY,
    dictionary=frozenset(
        (
            "analysis budget project find staff employ members account ownership rise introduced guide withdrawn wrote"
        ).split()
    ),
)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many jobs did the members enable?", "amount"),
        ("What was the budget for the project?", "amount"),
        ("What percentage of councils agreed?", "amount"),
        ("When was the report published?", "date"),
        ("What year did the pilots start?", "date"),
        ("Which organisations took part in Shropshire?", "name"),
        ("Which six places took part in the pilots?", "name"),
        ("Who were its anchor organisations?", "name"),
        ("Who came to the workshop?", "fact"),
        ("Why does the report think social value hasn't gone far enough?", "reason"),
        ("What evidence supports letting go of risk aversion?", "reason"),
        ("What are the three routes by which organisations contribute?", "list"),
        ("What did councils and community organisations do together?", "fact"),
        ("Why does the report think social value matters?", "reason"),  # 'value' is not an amount
        ("What staffing models can a team use?", "list"),
        ("What should tax leaders do?", "fact"),  # what they should do, not a list of leaders
    ],
)
def test_kind_of_question(question, kind):
    assert analyse(question, STATS).kind == kind


def test_count_asked_for():
    assert analyse("Which six places took part in the pilots?", STATS).count == 6
    assert analyse("What are the 3 routes?", STATS).count == 3
    assert analyse("Which places took part?", STATS).count is None


def test_rare_names_and_unknown_words_are_anchors():
    assert "dorset" in analyse("What LM3 score did Dorset get?", STATS).anchors
    assert "brazil" in analyse("How many jobs were enabled in Brazil?", STATS).anchors
    # the library's own subject (in many chunks) is not an anchor
    assert "local" not in analyse("What does Locality recommend?", STATS).anchors


def test_an_amount_needs_a_figure_about_the_thing_asked():
    intent = analyse("How many jobs did the Locality members enable?", STATS)
    assert gives_answer(intent, LIBRARY[1], "", STATS)
    assert not gives_answer(intent, LIBRARY[2], "", STATS)  # a number ('three'), but not of jobs
    staff = analyse("How many staff does Wem Town Hall employ?", STATS)
    assert not gives_answer(staff, LIBRARY[2], "", STATS)  # names Wem Town Hall, no staff figure


def test_a_date_needs_a_date():
    intent = analyse("When was the report published?", STATS)
    assert gives_answer(intent, LIBRARY[0], "", STATS)
    assert not gives_answer(intent, "The report was published by Locality.", "", STATS)


def test_an_older_year_or_a_century_is_a_date_but_a_four_digit_count_is_not():
    intent = analyse("When was the report published?", STATS)
    assert gives_answer(intent, "The report was first published in 1142 by Locality.", "", STATS)
    assert gives_answer(intent, "The report was published in the mid-thirteenth century.", "", STATS)
    assert gives_answer(intent, "The report was published in the 1960s.", "", STATS)
    assert gives_answer(intent, "The report was published by its founder (d 1660).", "", STATS)
    assert not gives_answer(intent, "The report was published for 1324 readers by Locality.", "", STATS)


def test_a_refusal_names_an_absent_name_as_the_question_writes_it():
    intent = analyse("How many jobs were enabled in Great Tew and in Brazil?", STATS)
    assert missing(intent, "The pilot areas were Bradford and Bristol.", "", STATS) == (
        "any mention of Great Tew or Brazil"
    )


def test_an_anchor_may_be_found_in_the_title_or_section():
    intent = analyse("What did the Dorset pilot find?", STATS)
    sentence = "The pilot found that councils valued local suppliers."
    assert not gives_answer(intent, sentence, "", STATS)
    assert gives_answer(intent, sentence, "Case study: Dorset pilot area", STATS)


def test_which_ones_needs_names_other_than_the_question_and_the_source():
    terms = set(analyse("Which organisations took part in Shropshire?", STATS).focus)
    names = new_names(LIBRARY[2], terms, STATS)
    assert {"Wem Town Hall", "Cleobury Country Centre", "Severn Centre"} <= set(names)
    # the source of a claim is not an answer to "which ones"
    assert new_names("According to Shropshire Council, three organisations took part.", terms, STATS) == []
    # "Shropshire Council" answers "which council?" though the question says "council"
    council = set(analyse("Which council ran a workshop?", STATS).focus)
    assert "Shropshire" in " ".join(new_names(LIBRARY[5], council, STATS))


def test_which_organisations_wants_an_organisation_not_a_place():
    intent = analyse("Which community organisations did Bradford's pilot involve?", STATS)
    assert not gives_answer(intent, LIBRARY[6], "", STATS)  # only place names
    shropshire = analyse("Which organisations worked with Shropshire Council?", STATS)
    assert gives_answer(shropshire, LIBRARY[2], "", STATS)


def test_dates_and_page_references_are_not_amounts():
    intent = analyse("What was the budget for the project?", STATS)
    assert not gives_answer(intent, "The project budget was set out on page 44.", "", STATS)
    assert not gives_answer(intent, "The project budget was agreed on 26 Jul 2017.", "", STATS)
    assert gives_answer(intent, "The project budget was £250,000.", "", STATS)


def test_a_structural_reference_is_not_an_anchor():
    assert analyse("What did the analysis in Appendix 2 find?", STATS).anchors == []


def test_footnote_marks_are_not_amounts_and_contractions_not_anchors():
    intent = analyse("How many jobs were reported to the council in 2011?", STATS)
    assert not gives_answer(intent, "Members reported jobs to the council,8 as the law requires.", "", STATS)
    assert analyse("Why don't councils commission local services?", STATS).anchors == []


def test_when_should_asks_for_timing_not_a_date():
    assert analyse("When should the lessons learned meeting be held?", STATS).kind != "date"
    assert analyse("When was the guide withdrawn?", STATS).kind == "date"


def test_anchors_and_words_match_other_forms_and_near_spellings():
    intent = analyse("How much did account ownership rise after Aadhaar was introduced?", STATS)
    assert "aadhaar" in intent.anchors
    sentence = "After the Aadhar scheme was introduced, account ownership rose from 35% to 80%."
    assert gives_answer(intent, sentence, "", STATS)
    withdrawn = analyse("When was the guide withdrawn?", STATS)
    assert gives_answer(withdrawn, "Withdrawal date of the guide: April 3, 2025.", "", STATS)


def test_captions_and_titles_never_lead_an_answer():
    from assistant.extractive import title_like

    assert title_like("Incident Response Life Cycle (Detection and Analysis)")
    assert title_like("Figure Three Regional Spending Patterns")
    assert not title_like("Figure 3-1 illustrates the incident response life cycle.")
    assert not title_like("Councils are reluctant to let go of their roles")
    assert not title_like("Publication Date | NIST Special Publication 800-61: August 2012")
    assert not title_like("Jane Smith, Head of Tax, Haleon")
    # a glossary's column of acronyms, however long, is no sentence
    assert title_like("CCIPS CERIAS CERT® /CC CIO CIRC CIRC CIRT CISO CSIRC CSIRT DDoS DHS DNS DoS FAQ FBI FIPS")
    assert not title_like("The CSIRT and the CIO should agree the SLA with the ISP and the MSSP before any DDoS")


def test_a_line_of_names_is_told_from_a_sentence():
    from assistant.extractive import names_only

    assert names_only("St Mary the Virgin, Witney")
    assert names_only("Jane Smith, Head of Tax, Haleon")
    assert not names_only("St Mary's has a number of different spaces which can be used separately.")
    assert not names_only("Publication Date | NIST Special Publication 800-61: August 2012")
    assert not names_only("Population of Witney from 1951, with projections to 2016")


def test_a_pointer_to_read_more_is_no_point_of_an_answer():
    from assistant.extractive import points_elsewhere

    assert points_elsewhere("See http://www.cert.org/csirts/csirt_faq.html for more information.")
    assert points_elsewhere("For more information on forensics, see SP 800-86.")
    assert not points_elsewhere("Seeing the logs helps handlers find the attack.")


def test_a_sum_of_money_is_asked_for_by_cost_and_spend_not_by_a_count():
    cost = analyse("How much will the restoration of the church cost?", STATS)
    assert not gives_answer(cost, "The restoration of the church will serve four churches.", "", STATS)
    assert not gives_answer(cost, "The church raised £2m for its new organ.", "", STATS)  # a sum, not a cost
    assert gives_answer(cost, "The restoration of the church will cost £2m.", "", STATS)
    count = analyse("How many members saw a reduced need for capital investment?", STATS)
    assert gives_answer(count, "45% of members saw a reduced need for capital investment.", "", STATS)
    data = analyse("How much data does a member generate?", STATS)
    assert gives_answer(data, "A member generates about 150GB of data per day.", "", STATS)


def test_a_sum_written_in_words_is_money():
    funding = analyse("How much funding did the council give to the church?", STATS)
    assert gives_answer(funding, "The council's funding for the church was six hundred thousand pounds.", "", STATS)
    assert gives_answer(funding, "The council's funding for the church was 1.3 million pounds.", "", STATS)
    assert not gives_answer(funding, "The council's funding for the church was agreed in 2017.", "", STATS)


def test_which_vendor_needs_a_name_given_as_a_vendor():
    vendor = analyse("Which ERP vendor do most members use?", STATS)
    assert not gives_answer(vendor, "Members in North America run ERP systems led by Finance.", "", STATS)
    assert gives_answer(vendor, "Most members use ERP systems from the vendor Acme Systems.", "", STATS)
    anchors = analyse("Which anchor organisations did Shropshire work with?", STATS)
    assert gives_answer(anchors, "Wem Town Hall was one of the three Shropshire anchor organisations.", "", STATS)
    involved = analyse("Which community organisations did the Dorset pilot involve?", STATS)
    assert not gives_answer(
        involved,
        "In Dorset the council teamed up with community organisations in its area to co-design Keep it Local tools.",
        "",
        STATS,
    )  # a name, but of tools


def test_a_name_is_of_the_kind_beside_it_not_of_another_clause():
    councils = analyse("Which councils took part in the project?", STATS)
    sentence = "The first barrier named by NEF Consulting is that councils took part in the project reluctantly."
    assert not gives_answer(councils, sentence, "", STATS)  # "councils" is the next clause's subject
    assert gives_answer(councils, "Bradford and Calderdale councils took part in the project.", "", STATS)
    # a source that "adds" something is a source, not an answer
    added = "Shropshire Council adds that councils took part in the project with enthusiasm."
    assert not gives_answer(councils, added, "", STATS)
    assert analyse("Which three anchor organisations took part?", STATS).head_word == "organisations"
    # a link word joins a name to its kind only beside the name ("X was one of the ..."), not anywhere
    countries = analyse("Which countries have open banking rules?", STATS)
    evolving = "The Open Finance initiative is evolving in each country with open banking rules."
    assert not gives_answer(countries, evolving, "", STATS)
    assert gives_answer(countries, "Since 2019, Australia is one of the countries with open banking rules.", "", STATS)


def test_a_name_may_say_its_kind_by_its_last_word():
    stats = TermStats(LIBRARY, dictionary=STATS.dictionary | {"charity", "paid"})
    charity = analyse("Which charity paid for the project?", stats)
    assert gives_answer(charity, "Locality ran the project, paid for by the Friends Provident Foundation.", "", stats)
    assert gives_answer(charity, "The project was paid for by the Esmee Fairbairn Trust.", "", stats)
    assert not gives_answer(charity, "The project was paid for by Shropshire Council.", "", stats)


def test_what_x_needs_a_mention_of_x():
    stats = TermStats(LIBRARY, dictionary=STATS.dictionary | {"penalty", "face", "late"})
    intent = analyse("What penalty does a member face for late reports?", stats)
    assert missing(intent, "Members must send their reports to the council.", "", stats) == "any mention of penalty"
    assert gives_answer(intent, "A member faces a penalty of one year's suspension for late reports.", "", stats)
    assert asked_for("What are the seven characteristics of a resilient economy?") == ["characterist"]
    assert asked_for("What team structure models does the guide describe?") == ["team", "structur", "model"]


def test_how_long_is_answered_by_a_span_and_may_is_not_a_month():
    stats = TermStats(LIBRARY, dictionary=STATS.dictionary | {"long", "keep", "records"})
    intent = analyse("How long do members keep their records?", stats)
    assert gives_answer(intent, "Most members keep their records for months or years.", "", stats)
    assert not gives_answer(intent, "Most members keep their records in the office.", "", stats)
    withdrawn = analyse("When was the guide withdrawn?", STATS)
    assert not gives_answer(withdrawn, "The guide may have been withdrawn and superseded.", "", STATS)
    assert gives_answer(withdrawn, "The guide was withdrawn on 3 May 2025.", "", STATS)


@pytest.mark.parametrize(
    "question, sentence, refused",
    [
        # another holder's attribute does not answer: a named title before "(ISBN", "X of Name", "Name's X"
        ("What is the report's ISBN?", 'Earlier work was titled "Mapping Economic Resilience" (ISBN 978-1-9).', True),
        ("Who is the chief executive of Locality?", "Jo Bloggs, chief executive of Halifax Trust, spoke.", True),
        ("Who is the chief executive of Locality?", "Jo Bloggs, Chief Executive of Halifax Trust, spoke.", True),
        ("What is the population of Witney?", "Oxford's population is 150,000.", True),
        # the holder asked for, or an attribute given without a holder, may answer
        ("Who is the chief executive of Locality?", "Tony Armstrong, Locality's chief executive, spoke.", False),
        ("Who is Locality's chief executive?", "Tony Armstrong, chief executive of Locality, spoke.", False),
        ("What is the population of Witney?", "Witney’s population rose to 27,569.", False),
        ("What is the report's ISBN?", "The ISBN is 978-1-9.", False),
    ],
)
def test_an_attribute_of_another_holder_does_not_answer(question, sentence, refused):
    from assistant.question import other_holder

    assert other_holder(analyse(question, STATS), sentence) is refused
    assert missing(analyse(question, STATS), sentence, "", STATS, 0.9).startswith("the ") is refused


def test_a_refusal_names_the_holder_as_the_question_does():
    intent = analyse("What is the report's ISBN?", STATS)
    assert missing(intent, 'Other work was titled "Mapping" (ISBN 978-1).', "", STATS) == "the ISBN of the report"
    intent = analyse("Who is the chief executive of Locality?", STATS)
    assert missing(intent, "Jo Bloggs, Chief Executive of Halifax Trust, spoke.", "", STATS) == (
        "the chief executive of Locality"
    )


def test_a_figure_is_an_amount_in_digits_not_a_vague_share():
    from assistant.question import gives_figure

    assert gives_figure("Witney's population rose from 6,554 in 1951 to 27,569.")
    assert gives_figure("Almost 60% of respondents agreed.")
    assert not gives_figure("The majority of adults live in couples and over half are in work.")
    assert not gives_figure("The report was published in 2017 (see page 12).")


@pytest.mark.parametrize(
    "question, sentence, answers",
    [
        ("Who wrote the guide?", "The guide was written by Karen Scarfone.", True),
        ("Who wrote the handbook?", 'The handbook is "The Money Trail", by Justin Sacks, published in 2002.', True),
        ("Who wrote the report?", "Locality wrote the report with its partners.", True),
        ("Who wrote the report?", "Catriona Robertson", True),  # a name alone: a title page's line
        # someone who wrote something else, or a sentence that names nobody as its writer, does not answer
        ("Who wrote the report?", "Alison Haskins later wrote an essay in Locality's series.", False),
        ("Who wrote the report?", "The report was cut by half in its second edition.", False),
        ("Who wrote the report?", "The report was launched at a conference in London.", False),
    ],
)
def test_who_wrote_it_is_answered_by_a_writer_of_that_work(question, sentence, answers):
    intent = analyse(question, STATS)
    assert intent.author
    assert (missing(intent, sentence, "", STATS, 0.9) == "") is answers


@pytest.mark.parametrize(
    "question, acronym",
    [
        ("What does CSIRT stand for?", "CSIRT"),
        ("what does the acronym PSD2 mean?", "PSD2"),
        ("What is SIEM short for?", "SIEM"),
        ("What is the full name of the IIF?", "IIF"),
        ("What does US-CERT stand for?", "US-CERT"),
        ("What does NEF mean by resilience?", ""),  # asks what NEF means by a word, not what NEF means
        ("What does the report say?", ""),
    ],
)
def test_what_an_acronym_stands_for_is_asked(question, acronym):
    assert asked_acronym(question) == acronym


@pytest.mark.parametrize(
    "acronym, sentence, spelled",
    [
        ("CSIRT", "Computer Security Incident Response Team (CSIRT): a capability set up to respond.", True),
        ("CSIRT", "This model can be thought of as a CSIRT for CSIRTs.", False),
        ("SIEM", "SIEM (Security Information and Event Management) products generate alerts.", True),
        ("POC", "Each agency must designate a point of contact (POC) with US-CERT.", True),
        ("DHSC", "Guidance from the Department of Health and Social Care (DHSC) followed.", True),
        ("PSD2", "The second Payment Services Directive (PSD2) is under revision.", True),
        ("LM3", "Appendix 1 is titled Local Multiplier 3 (LM3).", True),
        ("LM3", "The method (LM3) follows money through three rounds.", False),
        ("CSIRT", "CSIRT Computer Security Incident Response Team", True),  # an acronyms appendix
    ],
)
def test_an_acronym_is_answered_only_by_its_words_spelled_out(acronym, sentence, spelled):
    assert expands(acronym, sentence) is spelled
    intent = analyse(f"What does {acronym} stand for?", STATS)
    assert intent.focus == [acronym.lower().replace("-", "")] and not intent.anchors[1:]  # "stand for" only asks
    assert gives_answer(intent, sentence, "", STATS) is spelled


def test_spelling_out_is_checked_near_the_acronym_and_stays_fast_on_long_sentences():
    filler = " ".join(["and of the"] * 2000)
    assert expands("CSIRT", f"{filler} Computer Security Incident Response Team (CSIRT) was set up.")
    assert not expands("CSIRT", f"Computer Security Incident Response Team {filler} (CSIRT) was set up.")


def test_what_is_asks_for_what_a_thing_is():
    assert analyse("What is an incident?", STATS).defined == "incident"
    assert analyse("What is the report about?", STATS).defined == ""  # asks for its subject
    assert analyse("What is the median income in Witney?", STATS).defined == ""  # an amount
    assert defines("incident", "In general, an incident is a violation of computer security policies.")
    assert defines("precursors", "A precursor is a sign that an incident may occur in the future.")
    assert defines("CSIRT", "Computer Security Incident Response Team (CSIRT): A capability set up for it.")
    assert not defines("incident", "Incident handling is the process of detecting and analyzing incidents.")
    assert not defines("incident", "The incident was reported to the police within an hour.")


def test_which_document_is_asked_is_not_what_is_asked_about():
    from assistant.terms import content_terms

    def asked(question):
        return asked_terms(question, content_terms(question))

    assert asked("What does the guide say about logging?") == ["log"]
    assert asked("What does the social audit say about young people?") == ["young", "peopl"]
    # a name in the frame says whose document it is, and stays
    assert asked("What does the Ideas Alliance review say about social value?") == ["idea", "allianc", "social", "valu"]
    assert asked("What does Locality say about social value?") == ["local", "social", "valu"]


def test_a_count_is_a_number_of_things_not_a_share_a_sum_or_a_year():
    assert gives_count("Deloitte surveyed 300 senior tax leaders.")
    assert gives_count("The YouGov poll asked more than 2,000 adults.")  # not the year 2000
    assert gives_count("Its population grew to 27,569 by 2011.")
    assert not gives_count("78% of respondents said so in 2023.")
    assert not gives_count("Median income was £23,755 and 12.5 percent rent.")
    assert not gives_count("See NIST SP 800-61 for the guide.")
