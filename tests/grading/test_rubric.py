"""The rubric document and its checks: pure Python, no app, no database."""

from __future__ import annotations

import pytest

from app.grading.rubric import document as rubric
from app.grading.rubric import form
from app.grading.rubric.document import changed_paths
from app.grading.rubric.document import default_document
from app.grading.rubric.document import validate


def _problems(document) -> dict[str, str]:
    return {p.path: p.zh for p in validate(document)}


def test_the_shipped_default_is_valid_and_matches_the_domain_brief():
    document = default_document()
    assert validate(document) == []
    parsed = rubric.parse(document)
    assert [a.points for a in parsed.aspects] == [14, 16, 18, 22, 14, 16]
    assert len(parsed.criteria) == 22
    assert parsed.total_points == 100
    assert [c.id for c in parsed.criteria][:3] == ["C01", "C02", "C03"]
    assert parsed.criteria[11].zh.startswith("三会一课")
    assert parsed.criteria[11].evidence == (
        "branch_general_assembly",
        "branch_committee_meeting",
        "party_group_meeting",
        "party_lecture",
    )
    assert [v.id for v in parsed.vetoes] == ["V1", "V2", "V3", "V4", "V5", "V6"]
    assert parsed.vetoes[4].zh.startswith("台账记录或申报材料弄虚作假")
    assert [(x.id, x.min_score) for x in parsed.levels] == [
        ("model", 95),
        ("red_flag", 90),
        ("standardised", 80),
        ("basic", 70),
    ]
    assert [(b.stars, b.min_score) for b in parsed.stars] == [
        (5, 95),
        (4, 90),
        (3, 80),
        (2, 70),
        (1, 0),
    ]
    assert [(k.id, k.stars) for k in parsed.classes] == [("A", (5, 4)), ("B", (3,)), ("C", (2, 1))]
    assert parsed.bonus_cap == 5
    assert parsed.model_quota_percent == 5
    assert parsed.proposals == set(rubric.GROUPS)


def test_levels_stars_and_classes_follow_the_thresholds():
    parsed = rubric.parse(default_document())
    assert parsed.level_for(95) == "model"
    assert parsed.level_for(94.5) == "red_flag"
    assert parsed.level_for(80) == "standardised"
    assert parsed.level_for(70) == "basic"
    assert parsed.level_for(69.9) == rubric.NOT_MET
    assert parsed.level_for(100, vetoed=True) == rubric.NOT_MET
    assert [parsed.stars_for(s) for s in (99, 90, 85, 70, 10)] == [5, 4, 3, 2, 1]
    assert parsed.stars_for(99, vetoed=True) == 1
    assert [parsed.class_for(s) for s in (5, 4, 3, 2, 1)] == ["A", "A", "B", "C", "C"]


def test_a_criterion_off_by_one_point_breaks_its_aspect_sum():
    document = default_document()
    document["aspects"][2]["criteria"][1]["points"] = 6
    assert _problems(document) == {
        "aspects[2].points": "本方面各项指标分值合计19分，与方面分值18分不符。"
    }


def test_aspects_must_add_up_to_100():
    document = default_document()
    document["aspects"][0]["points"] = 15
    document["aspects"][0]["criteria"][0]["points"] = 5
    assert _problems(document) == {"aspects": "各方面分值合计须为100分，现为101分。"}


def test_points_must_be_positive_numbers():
    document = default_document()
    document["aspects"][0]["criteria"][0]["points"] = 0
    document["aspects"][0]["criteria"][1]["points"] = "五"
    problems = _problems(document)
    assert problems["aspects[0].criteria[0].points"] == "分值须大于0。"
    assert problems["aspects[0].criteria[1].points"] == "请填写数字。"


def test_there_must_be_6_aspects_and_22_criteria():
    document = default_document()
    document["aspects"][5]["criteria"].pop()
    document["aspects"][5]["points"] = 12
    assert [p.zh for p in validate(document) if p.path == "aspects"] == [
        "须共有22项指标，现有21项。",
        "各方面分值合计须为100分，现为96分。",
    ]
    document = default_document()
    document["aspects"].pop()
    assert "须为6项，现有5项。" in [p.zh for p in validate(document) if p.path == "aspects"]


def test_ids_are_unique():
    document = default_document()
    document["aspects"][1]["criteria"][0]["id"] = "C01"
    document["aspects"][1]["id"] = "A1"
    document["vetoes"][5]["id"] = "V1"
    problems = _problems(document)
    assert problems["aspects[1].criteria[0].id"] == "编号C01重复。"
    assert problems["aspects[1].id"] == "编号A1重复。"
    assert problems["vetoes[5].id"] == "编号V1重复。"


def test_malformed_ids_are_refused():
    document = default_document()
    document["aspects"][0]["criteria"][0]["id"] = "K1"
    document["vetoes"][0]["id"] = "V7"
    problems = _problems(document)
    assert problems["aspects[0].criteria[0].id"] == "编号格式不正确。"
    assert problems["vetoes[0].id"] == "编号格式不正确。"


def test_thresholds_must_be_strictly_descending():
    document = default_document()
    document["levels"][2]["min_score"] = 90
    assert _problems(document) == {"levels[2].min_score": "须低于上一等级（红旗）的分数线90分。"}


def test_thresholds_stay_within_the_reachable_score():
    document = default_document()
    document["levels"][0]["min_score"] = 106
    document["levels"][3]["min_score"] = -1
    problems = _problems(document)
    assert problems["levels[0].min_score"] == "须在0到105之间。"
    assert problems["levels[3].min_score"] == "须在0到105之间。"


def test_star_bands_must_descend_and_end_at_zero():
    document = default_document()
    document["stars"][3]["min_score"] = 85
    document["stars"][4]["min_score"] = 10
    problems = _problems(document)
    assert problems["stars[3].min_score"] == "须低于3星的下限80分。"
    assert problems["stars[4].min_score"] == "1星的下限须为0分。"


def test_bonus_cap_is_0_to_5():
    document = default_document()
    document["bonus"]["cap"] = 6
    assert _problems(document) == {"bonus.cap": "须在0到5之间。"}
    document["bonus"]["cap"] = 0
    assert validate(document) == []


def test_exactly_six_vetoes_with_texts():
    document = default_document()
    document["vetoes"].pop()
    assert _problems(document) == {"vetoes": "须为6项，现有5项。"}
    document = default_document()
    document["vetoes"][2]["zh"] = "  "
    assert _problems(document) == {"vetoes[2].zh": "请填写内容。"}


def test_classes_must_cover_each_star_once():
    document = default_document()
    document["classes"][2]["stars"] = [2]
    assert _problems(document) == {
        "classes": "1星未归入任何类别：A、B、C类须覆盖1到5星且各星级只归入一类。"
    }
    document["classes"][2]["stars"] = [1, 2, 3]
    assert _problems(document) == {"classes[2].stars": "3星已归入其他类别。"}
    document["classes"][2]["stars"] = [0, 1, 2]
    assert _problems(document)["classes[2].stars"].startswith("请填写1到5之间的星级")


def test_quota_is_a_percentage():
    document = default_document()
    document["model_quota_percent"] = 101
    assert _problems(document) == {"model_quota_percent": "须在0到100之间。"}


def test_problems_carry_english_too_and_bad_shapes_do_not_raise():
    assert validate([])[0].message("en") == "The rubric must be a JSON object."
    problems = validate({"aspects": "x", "levels": [1], "classes": None, "extra": 1})
    paths = {p.path for p in problems}
    assert {"aspects", "levels[0]", "classes", "extra", "format", "title"} <= paths
    with pytest.raises(rubric.RubricInvalid):
        rubric.parse({"format": 1})


def test_changed_paths_lists_old_and_new_values():
    before = default_document()
    after = default_document()
    after["levels"][0]["min_score"] = 96
    after["vetoes"][0]["zh"] = "新的表述"
    assert changed_paths(before, after) == {
        "vetoes[0].zh": [before["vetoes"][0]["zh"], "新的表述"],
        "levels[0].min_score": [95, 96],
    }


def test_the_form_turns_typed_text_into_a_document_and_confirms_changed_groups():
    document = default_document()
    values = form.form_values(document)
    assert values["aspects[0].criteria[0].points"] == "4"
    assert values["classes[0].stars"] == "4,5"
    untouched = form.apply_form(document, values)
    assert changed_paths(document, untouched) == {}
    posted = {**values, "levels[0].min_score": "96", "aspects[0].points": "十四"}
    edited = form.apply_form(document, {**posted, "confirm.bonus": "1"})
    assert edited["levels"][0]["min_score"] == 96
    assert edited["aspects"][0]["points"] == "十四"
    # levels were changed, bonus confirmed by hand: neither is a proposal any more
    assert set(edited["proposals"]) == set(rubric.GROUPS) - {"levels", "bonus", "aspects"}
    assert form.apply_form(document, {"classes[2].stars": "1，2"})["classes"][2]["stars"] == [1, 2]


def test_the_english_of_every_text_is_read_and_checked():
    document = default_document()
    parsed = rubric.parse(document)
    assert parsed.title_en == "Party branch grading rubric (100 points)"
    assert parsed.bonus_en.startswith("Company or higher commendations")
    assert all(c.scoring_en for c in parsed.criteria)
    assert parsed.levels[0].en == "Model party branch"
    assert all(level.condition_en for level in parsed.levels)
    assert all(k.en and k.supervision_en and k.measures_en for k in parsed.classes)
    document["aspects"][0]["criteria"][0]["scoring_en"] = 3
    document["classes"][2]["measures_en"] = ["not", "text"]
    paths = {p.path for p in validate(document)}
    assert paths == {"aspects[0].criteria[0].scoring_en", "classes[2].measures_en"}


def test_the_form_edits_the_english_and_leaves_a_version_without_it_unchanged():
    document = default_document()
    values = form.form_values(document)
    assert values["aspects[0].criteria[0].scoring_en"].startswith("Vacancy over 3 months")
    edited = form.apply_form(document, {**values, "bonus.en": "Commendations, recorded apart"})
    assert edited["bonus"]["en"] == "Commendations, recorded apart"
    assert "bonus" not in edited["proposals"]  # an edited group is no longer a proposal
    del document["bonus"]["en"]
    for aspect in document["aspects"]:
        for criterion in aspect["criteria"]:
            del criterion["scoring_en"]
    values = form.form_values(document)  # an earlier version, without the English
    assert values["bonus.en"] == ""
    assert changed_paths(document, form.apply_form(document, values)) == {}
