"""The GB/T 2260 table from python-stdnum: current and retired codes, and the hierarchy."""

from __future__ import annotations

import pytest

from hub import regions


def test_retired_county() -> None:
    region = regions.lookup("140421")
    assert region is not None
    assert region.name == "长治县"
    assert region.level == "county"
    assert region.prefecture == "长治市"
    assert region.province == "山西省"
    assert region.current is False
    assert region.name_in(2010) == "长治县"
    assert region.name_in(2020) is None


def test_current_county_that_replaced_it() -> None:
    region = regions.lookup("140404")
    assert region is not None
    assert (region.name, region.current, region.prefecture) == ("上党区", True, "长治市")


def test_reused_code_keeps_its_history() -> None:
    region = regions.lookup("120110")
    assert region is not None
    assert region.name == "东丽区"
    assert region.name_in(1990) == "东郊区"
    assert region.name_in(2000) == "东丽区"
    assert region.current


def test_province_and_prefecture_entries() -> None:
    province = regions.lookup("140000")
    prefecture = regions.lookup("140400")
    assert province is not None and prefecture is not None
    assert (province.level, province.name, province.prefecture) == ("province", "山西省", None)
    assert (prefecture.level, prefecture.name, prefecture.province) == (
        "prefecture",
        "长治市",
        "山西省",
    )


def test_municipality_placeholders_show_the_city() -> None:
    district = regions.lookup("110101")
    assert district is not None
    assert (district.name, district.prefecture, district.province) == ("东城区", "北京市", "北京市")


def test_hong_kong_in_simplified_script() -> None:
    region = regions.lookup("810000")
    assert region is not None
    assert region.province == "香港特别行政区"


@pytest.mark.parametrize("code", ["999999", "140499", "000000", "1404", ""])
def test_unknown_codes(code: str) -> None:
    assert regions.lookup(code) is None
    assert not regions.is_known(code)


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("140421", "140400"),
        ("140400", "140000"),
        ("140000", None),
        ("110101", "110100"),
        ("429004", "429000"),
    ],
)
def test_parent_code(code: str, parent: str | None) -> None:
    assert regions.parent_code(code) == parent


def test_parent_falls_back_to_province_without_prefecture_entry() -> None:
    orphans = [
        code
        for code, region in regions.regions().items()
        if region.level == "county" and not regions.is_known(code[:4] + "00")
    ]
    for code in orphans:
        assert regions.parent_code(code) == code[:2] + "0000"


@pytest.mark.parametrize("code", ["14042", "abcdef", "1404211"])
def test_parent_code_needs_six_digits(code: str) -> None:
    with pytest.raises(ValueError, match="6"):
        regions.parent_code(code)


def test_table_is_large_and_consistent() -> None:
    table = regions.regions()
    assert len(table) > 6000
    current = [r for r in table.values() if r.current]
    retired = [r for r in table.values() if not r.current]
    assert len(current) > 2500 and len(retired) > 2500
    for code, region in table.items():
        assert region.code == code and len(code) == 6 and code.isdigit()
        assert region.province, code
        assert region.history and region.history[-1].name == region.name


def test_table_is_cached() -> None:
    assert regions.regions() is regions.regions()
