"""Topic labels people can read, fillers left out, and the names people give topics."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from toolkit.study.config import TopicNaming
from toolkit.topics.filler import filler_mask, is_filler
from toolkit.topics.labels import coherent_keywords, label_topics, lemma_map
from toolkit.topics.names import (
    apply_names,
    carry_numbers,
    label_column,
    merge_map,
    reportable_topics,
)

REFUNDS = [
    "The refund never came back to my account",
    "Refunds take weeks to arrive in my account",
    "I was refunded the wrong amount",
    "Still waiting on my refund from the council",
    "They promised a refund and then nothing",
]
PARKING = [
    "Parking costs a fortune at the hospital",
    "The parking costs are far too high",
    "No parking spaces near the hospital entrance",
    "Parking costs put me off visiting my dad",
]
FILLERS = ["Yeah, definitely.", "Um, you know.", "It was what it was.", "Where was I?"]


def test_inflections_merge_only_into_words_people_used():
    lemmas = lemma_map(Counter(["refund", "refunds", "refunded", "news", "new"]))
    assert lemmas["refunds"] == lemmas["refunded"] == "refund"
    assert lemmas["news"] == "news"  # not a plural of "new"
    assert lemma_map(Counter(["stopped"]))["stopped"] == "stopped"  # no "stop"


def test_each_topic_gets_a_short_distinct_phrase_with_no_word_twice():
    texts = REFUNDS + PARKING
    labels = label_topics(texts, [0] * len(REFUNDS) + [1] * len(PARKING))
    assert labels[1].label == "Parking costs"
    # 3 of the 4 parking segments say "parking costs".
    assert labels[1].coverage == 0.75
    for lab in labels.values():
        words = lab.label.lower().split()
        assert 2 <= len(words) <= 5 and len(set(words)) == len(words)
    # Inflections are one key word, shown as people said it most.
    assert labels[0].keywords[0] == "refund"
    assert "refunds" not in labels[0].keywords and "refunded" not in labels[0].keywords
    first_words = [lab.label.split()[0].lower() for lab in labels.values()]
    assert len(set(first_words)) == len(first_words)


def test_no_label_uses_a_word_another_label_already_uses():
    # Both topics talk about "parking costs"; the smaller one must be named otherwise.
    other = [
        "Parking costs at the dentist are lower",
        "Dentist appointments run late",
        "The dentist appointments are always late",
    ]
    labels = label_topics(PARKING + other, [0] * len(PARKING) + [1] * len(other))
    assert labels[0].label == "Parking costs"
    assert not {"parking", "costs"} & set(labels[1].label.lower().split())
    assert labels[1].label == "Dentist appointments"


def test_keywords_prefer_words_said_together():
    # "cafe" and "clocks" score alike, but "bus" is said with "late" and "clocks" never is.
    scores = {"bus": 1.0, "clocks": 0.6, "late": 0.55}
    segments = [{"bus", "late"}, {"bus", "late"}, {"clocks"}]
    assert coherent_keywords(scores, segments, n=2) == ["bus", "late"]


def test_fillers_and_backchannel_are_recognised():
    assert all(is_filler(t) for t in FILLERS)
    assert not any(is_filler(t) for t in REFUNDS + PARKING)
    assert is_filler("Ask [PERSON_1] yeah")  # a placeholder is not a content word
    assert filler_mask(FILLERS + PARKING).tolist() == [True] * 4 + [False] * 4


def test_topic_numbers_follow_their_segments_across_runs():
    seg_ids = pd.Series(list("abcdefgh"))
    before = pd.DataFrame({"seg_id": list("abcdefgh"), "topic": [3, 3, 3, 5, 5, 5, -1, -1]})
    # The new run found the same two themes (numbered 0 and 1 the other way round) and a new one.
    now = np.array([1, 1, 1, 0, 0, 0, 2, 2])
    assert carry_numbers(seg_ids, now, before) == {1: 3, 0: 5, 2: 6}
    assert carry_numbers(seg_ids, now, None) == {0: 0, 1: 1, 2: 2}


def test_people_rename_merge_and_hide_topics_and_missing_names_are_reported():
    names = {
        3: "Getting to work on time",
        5: TopicNaming(hide=True),
        7: TopicNaming(merge_into=8),
        8: TopicNaming(merge_into=3),
        9: "A theme from an older run",
    }
    assert merge_map(names) == {7: 3, 8: 3}
    info = pd.DataFrame(
        {
            "topic": [-1, 3, 5, 6],
            "label": ["Not grouped", "Bus late", "Rent arrears", "Job club"],
            "size": [10, 40, 30, 20],
            "stable": [False, True, True, False],
        }
    )
    named, notes = apply_names(info, names)
    assert named.set_index("topic")["label"].to_dict() == {
        -1: "Not grouped",
        3: "Getting to work on time",
        5: "Rent arrears",
        6: "Job club",
    }
    assert named.set_index("topic").loc[3, "auto_label"] == "Bus late"
    assert named["hidden"].tolist() == [False, False, True, False]
    assert len(notes) == 1 and "topic 9" in notes[0]
    # Shown back to a community: stable and not hidden, largest first.
    assert reportable_topics(named)["topic"].tolist() == [3]
    assert label_column(pd.Series([5, 3]), named).tolist() == [
        "Rent arrears",
        "Getting to work on time",
    ]


def test_too_little_text_points_to_the_codebook_view():
    from toolkit.errors import UserError
    from toolkit.topics.model import fit_topic_model

    # 25 segments, but only the 5 about refunds carry content: far too few to find topics.
    texts = FILLERS * 5 + REFUNDS
    with pytest.raises(UserError, match="only 5 different segments with content") as err:
        fit_topic_model(texts, np.zeros((len(texts), 4)), embedder=None)
    assert "codebook view" in str(err.value)


def test_a_code_given_to_most_of_a_topic_is_offered_as_a_naming_hint():
    from toolkit.topics.stage import mostly_code

    cross = pd.DataFrame(
        {
            "topic": [0, 0, 1],
            "code": ["transport", "money", "money"],
            "share_of_topic": [0.79, 0.2, 0.4],
        }
    )
    hint = mostly_code(cross)
    assert hint.to_dict("records") == [
        {"topic": 0, "mostly_code": "transport", "mostly_code_share": 0.79}
    ]
    assert mostly_code(None).empty


def test_merges_and_numbers_hold_when_the_model_numbers_topics_differently():
    from toolkit.topics.model import FittedTopics, scaled_parameters
    from toolkit.topics.stage import final_topics

    texts = REFUNDS[:3] + PARKING[:3] + ["Dentist appointments run late"] * 2
    segments = pd.DataFrame({"seg_id": [f"s{i}" for i in range(8)]})
    names = {1: TopicNaming(merge_into=0)}

    def fitted(model_topics):
        topics = np.array(model_topics)
        return FittedTopics(
            model=None,
            topics=topics,
            probability=np.ones(8),
            assigned_by=np.array(["cluster"] * 8, dtype=object),
            parameters=scaled_parameters(100),
            seed=1,
            outlier_share_before=0.0,
            outlier_share=0.0,
            labels=label_topics(texts, topics),
        )

    first, unmerged, labels, _, notes = final_topics(
        fitted([0, 0, 0, 1, 1, 1, 2, 2]), segments, texts, names, None
    )
    assert first.tolist() == [0, 0, 0, 0, 0, 0, 2, 2] and not notes
    assert sorted(labels) == [0, 2]
    previous = segments.assign(topic=first, topic_before_merge=unmerged)
    # The next run finds the same three groups under other numbers.
    again, _, _, numbers, _ = final_topics(
        fitted([2, 2, 2, 0, 0, 0, 1, 1]), segments, texts, names, previous
    )
    assert numbers == {2: 0, 0: 1, 1: 2}
    assert again.tolist() == first.tolist()


@pytest.mark.parametrize(
    ("phrase", "tags", "following"),
    [
        ("housing benefit", ["NN", "NN"], ""),
        ("checking my emails", ["VBG", "PRP$", "NNS"], ""),
        ("training in a group", ["NN", "IN", "DT", "NN"], ""),
        ("children's centre", ["NNS", "POS", "NN"], ""),
        ("noisy at night", ["JJ", "IN", "NN"], ""),
    ],
)
def test_noun_phrases_and_gerunds_with_objects_name_themes(phrase, tags, following):
    from toolkit.topics.phrase_shape import is_theme_shape

    assert is_theme_shape(tags, following), phrase


@pytest.mark.parametrize(
    ("phrase", "tags", "following"),
    [
        ("kept thinking", ["VBD", "VBG"], ""),
        ("half seven", ["NN", "CD"], ""),
        ("completely dry", ["RB", "JJ"], ""),
        ("changing round", ["VBG", "RP"], ""),
        ("based question", ["VBN", "NN"], ""),
        ("brother lives", ["NN", "VBZ"], ""),
        ("year I hope", ["NN", "PRP", "VBP"], ""),
        ("patient was upset", ["NN", "VBD", "JJ"], ""),
        ("basic life (support)", ["JJ", "NN"], "NN"),
    ],
)
def test_sentence_fragments_do_not_name_themes(phrase, tags, following):
    from toolkit.topics.phrase_shape import is_theme_shape

    assert not is_theme_shape(tags, following), phrase


def test_a_phrase_cut_out_of_a_longer_name_does_not_name_a_theme():
    from toolkit.topics.phrase_shape import is_theme_shape

    assert not is_theme_shape(["JJ", "NN"], preceding="JJ")  # (funny) old year
    assert not is_theme_shape(["NN", "NN"], preceding="NN")  # (hospital) shift pattern
    assert is_theme_shape(["JJ", "NN"], preceding="DT")  # (a) mock interview


def test_candidate_phrases_are_tagged_where_people_said_them():
    from toolkit.topics.phrase_shape import is_theme_shape, tag_spans

    said = [
        ("I kept thinking about it all week.", "kept thinking", False),
        ("Checking my emails was hard without a laptop.", "Checking my emails", True),
        ("The bus goes at half seven.", "half seven", False),
        ("The buddy scheme really helped me.", "buddy scheme", True),
        ("My brother lives near the station.", "brother lives", False),
        ("I did my training in a group at the hospital.", "training in a group", True),
    ]
    pieces = [(text, text.index(p), text.index(p) + len(p)) for text, p, _ in said]
    found = tag_spans(pieces)
    assert found is not None  # the spaCy English pipeline is a dependency
    assert [len(tags) for tags, _, _ in found] == [len(p.split()) for _, p, _ in said]
    assert [is_theme_shape(*tagged) for tagged in found] == [ok for *_, ok in said]


def test_a_frequent_fragment_loses_to_a_noun_phrase():
    # "kept thinking" and "half seven" are each said in more segments than the theme's name.
    interview = [
        "I kept thinking about the mock interview all week",
        "I kept thinking the mock interview went badly",
        "We kept thinking about it for days",
        "The mock interview was at the hospital",
        "Honestly I kept thinking of nothing else",
    ]
    bus = [
        "Half seven is when the first bus goes",
        "It was half seven and the bus was late again",
        "The bus pass costs a lot each month",
        "Half seven again, and still no bus",
        "I need a bus pass for the new job",
    ]
    labels = label_topics(interview + bus, [0] * 5 + [1] * 5)
    assert (labels[0].label, labels[0].source) == ("Mock interview", "phrase")
    assert (labels[1].label, labels[1].source) == ("Bus pass", "phrase")
    assert labels[0].coverage == 0.6 and labels[1].coverage == 0.4


def test_a_topic_that_is_clearly_one_code_carries_the_code_name():
    labels = label_topics(
        REFUNDS + PARKING,
        [0] * len(REFUNDS) + [1] * len(PARKING),
        fixed={1: "Parking and travel costs"},
    )
    assert (labels[1].label, labels[1].source) == ("Parking and travel costs", "code")
    # The other topic's label avoids the code name's words.
    assert not {"parking", "travel", "costs"} & set(labels[0].label.lower().split())


def test_labels_keep_the_capitals_of_names_but_not_stray_ones():
    jobs = [
        "I found the post on NHS Jobs last week",
        "Applying through NHS Jobs took ages",
        "The NHS Jobs website logged me out twice",
    ]
    praise = [
        "We had great servIce from the team",
        "It was a great service from the nurses",
        "Once again great service today",
    ]
    labels = label_topics(jobs + praise, [0] * 3 + [1] * 3)
    assert labels[0].label == "NHS Jobs"
    assert labels[1].label == "Great service"


def test_the_naming_table_says_where_each_suggestion_came_from():
    from toolkit.topics.names import topic_table

    info = pd.DataFrame(
        {
            "topic": [-1, 0, 1],
            "label": ["Not grouped", "Bus pass", "Transport and travel"],
            "auto_label": ["Not grouped", "Bus pass", "Transport and travel"],
            "label_source": ["", "phrase", "code"],
            "size": [5, 30, 20],
        }
    )
    table = topic_table(info)
    assert table["suggestion from"].tolist() == ["words people said", "the codebook"]


@pytest.mark.parametrize(
    ("phrase", "tags", "following", "preceding", "ok"),
    [
        ("dealt with conflict", ["VBD", "IN", "NN"], "", "PRP", True),
        ("paid the bills", ["VBD", "DT", "NNS"], "", "PRP", True),
        ("(to) pay the bills", ["VB", "DT", "NNS"], "", "TO", True),
        ("mark my words", ["VB", "PRP$", "NNS"], "", "", False),  # an order, not an action
        ("liked the hands(-on)", ["VBD", "DT", "NNS"], "HYPH", "PRP", False),
        ("based question", ["VBN", "NN"], "", "", False),
        ("kept thinking", ["VBD", "VBG"], "", "PRP", False),
    ],
)
def test_a_verb_with_its_object_names_an_action(phrase, tags, following, preceding, ok):
    from toolkit.topics.phrase_shape import is_action_shape

    assert is_action_shape(tags, following, preceding) is ok, phrase


def test_an_article_straight_after_a_noun_is_cut_out_of_a_sentence():
    from toolkit.topics.phrase_shape import is_theme_shape

    assert not is_theme_shape(["NN", "DT", "NN"])  # "breakdown a couple (of years ago)"
    assert is_theme_shape(["NN", "IN", "DT", "NN"])  # "cost of the bus"


def test_an_action_that_nothing_else_names_is_shown_as_a_gerund():
    conflict = [
        "At the warehouse I dealt with conflict every single day.",
        "Honestly I dealt with conflict better after the course.",
        "She dealt with conflict on the ward like it was nothing.",
        "I got on with everyone there.",
    ]
    bus = [
        "The bus pass costs a lot each month",
        "I need a bus pass for the new job",
        "My bus pass ran out last week",
    ]
    labels = label_topics(conflict + bus, [0] * 4 + [1] * 3)
    assert (labels[0].label, labels[0].source) == ("Dealing with conflict", "phrase")
    assert labels[0].coverage == 0.75
    assert labels[1].label == "Bus pass"


def test_a_noun_phrase_beats_an_action_said_a_little_more_often():
    said = [
        "I paid the rent late and the grace period saved me",
        "The grace period on the rent was two weeks",
        "We paid the rent with the advance in the end",
        "I paid the rent from my savings",
    ]
    labels = label_topics(said, [0] * 4)
    # "paid the rent" is said in 3 segments, "grace period" in 2: less than twice as often.
    assert labels[0].label == "Grace period"


def test_a_topic_with_no_phrase_takes_no_word_that_another_topics_phrase_needs():
    mixed = [
        "Questions about the uniform came up twice.",
        "They had questions on values, honestly.",
        "More questions, about shoes this time.",
        "Questions, questions, always questions on the first day.",
        "The values were printed everywhere.",
    ]
    nerves = [
        "I was scared to ask stupid questions at first.",
        "Nobody minds stupid questions there.",
        "Stupid questions are fine, my mentor said.",
        "My mouth went completely dry.",
    ]
    labels = label_topics(mixed + nerves, [0] * 5 + [1] * 4)
    # The larger topic is named first, but it has no phrase said twice: it is named after
    # the other topic has taken its phrase, from key words that phrase does not use.
    assert (labels[1].label, labels[1].source) == ("Stupid questions", "phrase")
    # "questions" is its best key word, which named it before the other topic's phrase did.
    assert labels[0].source == "keywords" and labels[0].keywords[0] == "questions"
    assert labels[0].label == "Shoes and values"


def test_html_entities_from_web_forms_are_not_words():
    said = ["The parking&nbsp;costs are high", "Parking costs&nbsp;again", "parking costs a lot"]
    labels = label_topics(said, [0, 0, 0])
    assert "nbsp" not in labels[0].keywords
    assert labels[0].label == "Parking costs"


def test_a_key_word_label_keeps_the_capitals_people_wrote():
    said = [
        "My ADHD means I lose track of forms.",
        "With ADHD the written parts took ages.",
        "The written test was hard with my ADHD.",
        "Parts of it I had to read twice.",
    ]
    labels = label_topics(said, [0] * 4)
    assert labels[0].source == "keywords"
    assert labels[0].label.split()[0] == "ADHD"


def test_labels_may_share_a_describing_word_but_never_a_head():
    service = ["Good service from the desk", "A good service all round", "Really good service"]
    advice = ["Good advice about my meds", "She gave good advice", "Good advice, clearly given"]
    more = ["The service was slow today", "Service at the desk was slow", "Slow service again"]
    labels = label_topics(service + advice + more, [0] * 3 + [1] * 3 + [2] * 3)
    assert [labels[t].label for t in (0, 1)] == ["Good service", "Good advice"]
    # "service" heads topic 0's label, so topic 2 may not use it, however often it is said.
    assert "service" not in labels[2].label.lower()


def test_a_one_word_written_answer_is_an_answer_but_a_one_word_turn_is_backchannel():
    said = ["Excellent.", "Parking.", "Nothing to improve", "Hard to say.", "No comment.", "N/A"]
    assert filler_mask(said, spoken=False).tolist() == [False, False, False, False, True, True]
    assert filler_mask(said, spoken=True).tolist() == [True] * 6
    # One flag per text: interview turns and survey answers in one study.
    assert filler_mask(said[:2], spoken=[True, False]).tolist() == [True, False]


def test_a_label_never_runs_across_punctuation():
    said = [
        "Very helpful. Staff answered my questions",
        "Helpful. Staff were kind to me",
        "So helpful. Staff listened",
        "The staff listened to my worries",
    ]
    found = label_topics(said, [0] * 4)[0]
    # "helpful staff" is said in three segments, but each time across a full stop; no other
    # phrase is said twice, so the topic is named by its key words.
    assert (found.label, found.source) == ("Staff and questions", "keywords")


def test_a_topic_of_verdicts_is_named_by_its_adjectives_not_by_negated_nouns():
    said = [
        "Good.",
        "Perfect, no complaints.",
        "Great.",
        "Happy with my stay.",
        "Perfect.",
        "Good, great, no complaints",
        "Good.",
        "Perfect, good.",
        "Great, good.",
    ]
    found = label_topics(said, [0] * len(said))[0]
    # No phrase is said twice, and the best key words are verdicts: the label says them
    # rather than "Complaints and stay", though people only said "no complaints".
    assert found.source == "keywords"
    assert found.keywords[:3] == ["good", "great", "complaints"]
    assert found.label == "Good, great and perfect"


def test_a_publishers_redaction_mark_is_never_a_word_of_a_label():
    said = [
        "Dr XXXX explained my treatment plan",
        "Dr XXXX was so kind",
        "Thank you Dr XXXX for the treatment plan",
        "Dr XXXX listened to me",
        "The treatment plan made sense after Dr XXXX explained it, on XX/XX/XXXX",
    ]
    found = label_topics(said, [0] * len(said))[0]
    # "Dr XXXX" is said in every segment, but "XXXX" stands for a name someone removed.
    assert found.label == "Treatment plan"
    assert not any("xx" in word for word in found.keywords)
