"""Equivalent mentions share one key; different values do not."""

from __future__ import annotations

import pytest

from qa.values import date_value, duration_value, is_duration, is_number, number_value, value_key


@pytest.mark.parametrize(("a", "b", "label"), [
    ("four", "4", "CARDINAL"),
    ("3,559 people", "3559", "CARDINAL"),
    ("Nov 7", "November 7", "DATE"),
    ("Sanae Takaichi", "Prime Minister Sanae Takaichi", "PERSON"),
    ("2.5 million", "2,500,000", "CARDINAL"),
    ("ten minutes", "10 minutes", "TIME"),
    ("two hours and 10 minutes", "130 minutes", "TIME"),
])
def test_equivalent_mentions_share_a_key(a: str, b: str, label: str) -> None:
    assert value_key(a, label, "2025-11-17") == value_key(b, label, "2025-11-17")


@pytest.mark.parametrize(("a", "b", "label"), [
    ("Masaaki Kanai", "Takashi Kanai", "PERSON"),
    ("four", "five", "CARDINAL"),
    ("November 7", "November 8", "DATE"),
    ("14 seconds", "22 seconds", "TIME"),
])
def test_different_values_stay_apart(a: str, b: str, label: str) -> None:
    assert value_key(a, label, "2025-11-17") != value_key(b, label, "2025-11-17")


def test_relative_dates_resolve_against_the_dateline() -> None:
    monday = "2025-11-17"
    assert date_value("Tuesday", monday) == "2025-11-18"
    assert date_value("the 18th", monday) == "2025-11-18"
    assert date_value("on Friday", monday) == "2025-11-14"
    assert date_value("Tuesday", "") is None


def test_numbers() -> None:
    assert number_value("four Chinese vessels") == 4
    assert number_value("about 50,000") == 50_000
    assert number_value("no digits here") is None


@pytest.mark.parametrize(("text", "number"), [
    ("Eleven", True), ("3,559", True), ("twenty-seven", True), ("2.5 million", True),
    ("Eleven people", False), ("Tuesday", False), ("", False), ("one of them", False)])
def test_a_bare_count_is_a_number_whatever_its_entity_label(text: str, number: bool) -> None:
    assert is_number(text) is number


@pytest.mark.parametrize(("text", "seconds"), [
    ("ten minutes", 600), ("about 14 seconds", 14), ("4 hours 51 minutes 7 seconds", 17467),
    ("three days later", 259200), ("twenty-two seconds", 22), ("a dozen years", 12 * 31536000),
    ("14", None), ("Five paintings", None), ("minutes", None), ("80 km/h", None),
    ("Two days after the crash", None)])
def test_a_length_of_time_is_its_seconds(text: str, seconds: float | None) -> None:
    assert duration_value(text) == seconds
    assert is_duration(text) is (seconds is not None)
