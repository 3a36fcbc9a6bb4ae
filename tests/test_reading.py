"""Reading CSV in every encoding Excel in China produces, and xlsx with typed cells."""

from __future__ import annotations

import codecs
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.normalise import parse_date
from connectors.reading import UnreadableFile, read_table

HEADER = ["姓名", "性别", "出生日期", "身份证号"]
ROWS = [
    ["阿依古丽·买买提", "女", "2015/3/2", "11010120150302123X"],
    ["张三", "男", "2014年5月6日", "110101201405061234"],
]


def write_csv(path: Path, encoding: str, rows: list[list[str]] | None = None) -> Path:
    lines = [",".join(row) for row in [HEADER, *(ROWS if rows is None else rows)]]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- CSV encodings ------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    table = read_table(write_csv(tmp_path / "in.csv", encoding))
    assert table.header == HEADER
    assert table.total_hint is None
    rows = list(table)
    assert [number for number, _ in rows] == [1, 2]
    assert rows[0][1] == dict(zip(HEADER, ROWS[0], strict=True))
    assert rows[1][1]["姓名"] == "张三"


def test_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "bom.csv", "utf-8-sig"))
    assert table.header[0] == "姓名"


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # 𠮷 is outside GBK; Excel's GB18030 export still has to come through.
    path = write_csv(tmp_path / "rare.csv", "gb18030", [["𠮷祥", "男", "2015-03-02", ""]])
    [(_, row)] = list(read_table(path))
    assert row["姓名"] == "𠮷祥"


def test_gbk_byte_far_into_the_file_is_detected(tmp_path: Path) -> None:
    ascii_rows = [["Li Lei", "M", "2015-03-02", ""]] * 20_000
    path = write_csv(tmp_path / "late.csv", "gbk", [*ascii_rows, ["王五", "男", "", ""]])
    rows = list(read_table(path))
    assert len(rows) == 20_001
    assert rows[-1] == (20_001, {"姓名": "王五", "性别": "男", "出生日期": None, "身份证号": None})


def test_headers_and_cells_are_trimmed_and_empty_cells_are_none(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(" 姓名 ,\u3000性别\u3000,备注\n\u3000张三\u3000, 男 ,\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["姓名", "性别", "备注"]
    assert list(table) == [(1, {"姓名": "张三", "性别": "男", "备注": None})]


def test_empty_rows_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("姓名,性别\n张三,男\n,\n\n李四,女\n", encoding="utf-8")
    assert [(n, row["姓名"]) for n, row in read_table(path)] == [(1, "张三"), (4, "李四")]


def test_short_and_long_rows(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("姓名,性别,\n张三\n李四,女,多余,更多\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["姓名", "性别"]
    assert list(table) == [(1, {"姓名": "张三", "性别": None}), (2, {"姓名": "李四", "性别": "女"})]


def test_quoted_cells_with_commas_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('姓名,备注\n张三,"一行,\n两行"\n李四,无\n', encoding="utf-8")
    rows = list(read_table(path))
    assert rows[0] == (1, {"姓名": "张三", "备注": "一行,\n两行"})
    assert rows[1][0] == 2


def test_tab_separated_text(tmp_path: Path) -> None:
    path = tmp_path / "tabs.csv"
    path.write_text("姓名\t性别\n张三\t男\n", encoding="utf-8")
    assert list(read_table(path)) == [(1, {"姓名": "张三", "性别": "男"})]


def test_table_can_be_iterated_twice(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "twice.csv", "utf-8"))
    assert list(table) == list(table)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("姓名,性别\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["姓名", "性别"]
    assert list(table) == []


# --- unreadable files ---------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="不存在"):
        read_table(tmp_path / "nowhere.csv")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="不存在"):
        read_table(tmp_path)


@pytest.mark.parametrize("name", ["data.xls", "data.txt", "data", "data.json"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("姓名\n张三\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="不支持的文件类型"):
        read_table(path)


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "UPPER.CSV", "gbk"))
    assert table.header == HEADER


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b",,,\n"])
def test_empty_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match="为空"):
        read_table(path)


def test_undecodable_csv(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes("姓名,性别\n".encode() + b"\xff\xfe\xfd\x80\x81\n")
    with pytest.raises(UnreadableFile, match="编码"):
        read_table(path)


def test_utf16_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "姓名\t性别\n".encode("utf-16-le"))
    with pytest.raises(UnreadableFile, match="UTF-16"):
        read_table(path)


def test_duplicate_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("姓名,性别,姓名\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="重复"):
        read_table(path)


# --- xlsx ---------------------------------------------------------------------


def test_xlsx_keeps_typed_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "typed.xlsx",
        [
            [" 姓名 ", "出生日期", "入学日期", "课时", "身份证号"],
            ["张三", datetime(2015, 3, 2), 42065, 1.5, "110101201405061234"],
            ["\u3000李四", date(2014, 5, 6), "2015年3月2日", 2, None],
        ],
    )
    table = read_table(path)
    assert table.header == ["姓名", "出生日期", "入学日期", "课时", "身份证号"]
    assert table.total_hint == 2
    rows = list(table)
    first = rows[0][1]
    assert first["出生日期"] == datetime(2015, 3, 2)
    assert first["入学日期"] == 42065
    assert first["课时"] == 1.5
    assert first["身份证号"] == "110101201405061234"
    second = rows[1][1]
    assert second["姓名"] == "李四"
    assert second["身份证号"] is None
    # Every kind of date cell ends at the same date through the normaliser.
    for value in (first["出生日期"], first["入学日期"], second["入学日期"]):
        assert parse_date(value) == date(2015, 3, 2)
    assert parse_date(second["出生日期"]) == date(2014, 5, 6)


def test_xlsx_number_formatted_date_cell(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["出生日期", "序号"])
    sheet.append([42065, 42065])
    sheet["A2"].number_format = "yyyy-mm-dd"  # a real Excel date cell: serial + date format
    book.save(tmp_path / "fmt.xlsx")
    [(_, row)] = list(read_table(tmp_path / "fmt.xlsx"))
    assert row["出生日期"] == datetime(2015, 3, 2)
    assert row["序号"] == 42065
    assert parse_date(row["出生日期"]) == parse_date(row["序号"]) == date(2015, 3, 2)


def test_xlsx_skips_empty_rows_but_counts_them(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "gaps.xlsx",
        [["姓名", "性别"], ["张三", "男"], [None, None], ["  ", None], ["李四", "女"]],
    )
    assert [(n, row["姓名"]) for n, row in read_table(path)] == [(1, "张三"), (4, "李四")]


def test_xlsx_reads_only_the_first_sheet(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.append(["姓名"])
    first.append(["张三"])
    other = book.create_sheet("其他")
    other.append(["别的"])
    other.append(["不要"])
    book.save(tmp_path / "sheets.xlsx")
    table = read_table(tmp_path / "sheets.xlsx")
    assert table.header == ["姓名"]
    assert list(table) == [(1, {"姓名": "张三"})]


def test_xlsx_trailing_unnamed_columns_are_dropped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "wide.xlsx", [["姓名", None, None], ["张三", None, "x"]])
    table = read_table(path)
    assert table.header == ["姓名"]
    assert list(table) == [(1, {"姓名": "张三"})]


def test_empty_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(UnreadableFile, match="为空"):
        read_table(path)


def test_damaged_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("姓名,性别\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="xlsx"):
        read_table(path)


def test_malformed_csv_is_unreadable(tmp_path: Path) -> None:
    # A stray quote swallows the rest of the file into one cell, past csv's field size limit.
    path = tmp_path / "runaway.csv"
    path.write_text('姓名,性别\n张三,男\n"李四,女\n' + "王五,男\n" * 30_000, encoding="utf-8")
    table = read_table(path)
    with pytest.raises(UnreadableFile, match="CSV 第"):
        list(table)
