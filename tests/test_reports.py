"""``hub report``: the workbook opens in LibreOffice, the HTML page's charts render in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from typer.testing import CliRunner

from hub.graph import Graph
from hub.indicators import DEFINITIONS
from shell.cli import app
from tests.test_indicators_graph import AS_OF, load

runner = CliRunner()
ARGS = ["report", "--region", "140404", "--year", "2025", "--as-of", AS_OF.isoformat()]
LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def loaded(graph: Graph) -> Graph:
    await load(graph)
    return graph


def _report(tmp_path: Path, fmt: str, region: str = "140404") -> Path:
    out = tmp_path / f"report-{region}.{fmt}"
    args = [*ARGS, "--format", fmt, "--out", str(out)]
    args[args.index("--region") + 1] = region
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "已写入 wrote" in result.output
    return out


def test_workbook_has_a_sheet_per_indicator_with_the_children(
    loaded: Graph, tmp_path: Path
) -> None:
    book = load_workbook(_report(tmp_path, "xlsx"))
    assert book.sheetnames[0] == "概览 Overview"
    assert len(book.sheetnames) == 1 + len(DEFINITIONS)
    overview = book["概览 Overview"]
    assert [c.value for c in overview[4]][:3] == ["指标 Indicator", "键 Key", "分子 Numerator"]
    sheet = book[next(n for n in book.sheetnames if n.endswith("应入学未入学"))]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    heading = [row[:2] for row in cells].index(["儿童编号 Child id", "姓名 Name"])
    assert cells[heading + 1][:2] == ["ch_n", "测试ch_n"]
    hd = book[next(n for n in book.sheetnames if n.endswith("送教课时达标率"))]
    rows = [[c.value for c in row] for row in hd.iter_rows()]
    assert any(row[1] == "ch_c" and row[3] == "测试ch_c" for row in rows)


def _overview_rows(book: Workbook) -> tuple[list[str], dict[str, tuple[Cell, ...]]]:
    overview = book["概览 Overview"]
    head = [str(c.value) for c in overview[4]]
    rows = {str(row[1].value): row for row in overview.iter_rows(min_row=5)}
    return head, rows


def _check_numbers(book: Workbook) -> None:
    """Figures are numbers with number formats, not text (issue 13)."""
    head, rows = _overview_rows(book)
    value, numerator, target = (head.index(h) for h in ("值 Value", "分子 Numerator",
                                                         "目标 Target"))
    rate = rows["enrolment.compulsory"][value]
    assert rate.data_type == "n" and rate.value == pytest.approx(6 / 7)
    assert "%" in rate.number_format
    goal = rows["enrolment.compulsory"][target]
    assert goal.value == pytest.approx(0.97) and "%" in goal.number_format
    due = rows["funding.specialSchools"][numerator]
    assert due.value == 700000 and "#,##0.00" in due.number_format
    count = rows["placement.compulsoryPupils"][value]
    assert count.value == 109 and count.number_format == "#,##0"
    days = rows["dropout.medianDays"][value]
    assert days.value == 30 and "0.0" in days.number_format


def test_workbook_holds_numbers_and_both_languages(loaded: Graph, tmp_path: Path) -> None:
    book = load_workbook(_report(tmp_path, "xlsx"))
    _check_numbers(book)
    head, rows = _overview_rows(book)
    assert head[-2:] == ["分子口径 Numerator counts (中文)", "Numerator counts (English)"]
    hours = rows["homeDelivery.hours"]
    assert "不少于 120 课时" in str(hours[-2].value) and "at least 120" in str(hours[-1].value)
    sheet = book[next(n for n in book.sheetnames if n.endswith("送教课时达标率"))]
    facts = {row[0].value: row for row in sheet.iter_rows(min_row=3, max_row=14)}
    counts = facts["分子口径 Numerator counts"]
    assert "课时" in str(counts[1].value) and "hours" in str(counts[2].value)
    assert facts["值 Value"][1].value == 0.5 and "%" in facts["值 Value"][1].number_format
    rows_of = {row[1].value: row for row in sheet.iter_rows() if row[0].value == "Child"}
    keys = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "类型 Kind")]
    part = rows_of["ch_c"][keys.index("partOfYear")]
    assert part.value == 1 and part.data_type == "n" and "%" in part.number_format
    subsidy = rows_of["ch_c"][keys.index("subsidyYuan")]
    assert subsidy.value == 2000 and "元" in subsidy.number_format


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed "
                    "(apt-get install -y libreoffice-calc-nogui)")
def test_workbook_opens_in_libreoffice(loaded: Graph, tmp_path: Path) -> None:
    workbook = _report(tmp_path, "xlsx")
    profile = tmp_path / "lo-profile"
    # CSV for the text, and a round trip to xlsx: LibreOffice keeps the numbers and formats.
    for target in ("csv", "xlsx"):
        done = subprocess.run(
            [str(LIBREOFFICE), f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", target, "--outdir", str(tmp_path / "out"), str(workbook)],
            capture_output=True, text=True, timeout=180, check=False,
        )
        converted = tmp_path / "out" / f"report-140404.{target}"
        assert done.returncode == 0 and converted.exists(), done.stdout + done.stderr
    text = (tmp_path / "out" / "report-140404.csv").read_text(encoding="utf-8",
                                                             errors="replace")
    assert "Supervision indicators" in text and "enrolment.compulsory" in text
    _check_numbers(load_workbook(tmp_path / "out" / "report-140404.xlsx"))


def test_json_report(loaded: Graph, tmp_path: Path) -> None:
    data = json.loads(_report(tmp_path, "json").read_text(encoding="utf-8"))
    assert (data["region"], data["year"], data["asOf"]) == ("140404", 2025, "2026-06-30")
    keys = [i["key"] for i in data["indicators"]]
    assert keys == [d.key for d in DEFINITIONS]


def test_html_page_is_self_contained(loaded: Graph, tmp_path: Path) -> None:
    page = _report(tmp_path, "html").read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # no CDN, no network


def test_reports_say_no_data_for_a_denominator_of_0(loaded: Graph, tmp_path: Path) -> None:
    # County 140406 has no ordinary class and no special school: both read "no data".
    book = load_workbook(_report(tmp_path, "xlsx", "140406"))
    overview = book["概览 Overview"]
    head = [c.value for c in overview[4]]
    rows = {row[1]: row for row in overview.iter_rows(min_row=5, values_only=True)}
    status = head.index("状态 Status")
    for key in ("classes.overLimit", "funding.specialSchools", "hollow.suspects"):
        assert rows[key][status] == "无数据 no data", key
    assert rows["enrolment.compulsory"][status] == "未达标 not met"
    page = _report(tmp_path, "html", "140406").read_text(encoding="utf-8")
    row = re.search(r'<tr class="(\w+)"><td>随班就读超额班级.*?</tr>', page)
    assert row and row[1] == "nodata" and "无数据 no data" in row[0], row
    data = json.loads(_report(tmp_path, "json", "140406").read_text(encoding="utf-8"))
    classes = next(i for i in data["indicators"] if i["key"] == "classes.overLimit")
    assert (classes["status"], classes["meetsTarget"]) == ("NO_DATA", None)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(apt-get install -y chromium)")
def test_html_charts_render_in_headless_chromium(loaded: Graph, tmp_path: Path) -> None:
    page = _report(tmp_path, "html")
    # A copy of the page that records, after layout, how many bars the browser drew.
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace(
        "</body>",
        "<script>window.addEventListener('load', () => { const bars = [...document"
        ".querySelectorAll('svg.chart rect.bar')].filter(b => b.getBoundingClientRect()"
        ".width > 0); document.body.setAttribute('data-bars', bars.length); "
        "document.body.setAttribute('data-charts', document.querySelectorAll('svg.chart')"
        ".length); });</script></body>"), encoding="utf-8")
    common = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
              f"--user-data-dir={tmp_path / 'chrome'}"]
    dom = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True,
                         text=True, timeout=120, check=False)
    drawn = re.search(r'data-bars="(\d+)"', dom.stdout)
    charts = re.search(r'data-charts="(\d+)"', dom.stdout)
    assert drawn and charts, dom.stderr[-2000:]
    assert int(charts[1]) == 4 and int(drawn[1]) >= 10
    shot = tmp_path / "page.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1100,1400",
                    page.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 20_000


def test_report_refuses_an_unknown_format_and_region(tmp_path: Path) -> None:
    assert runner.invoke(app, [*ARGS, "--format", "pdf"]).exit_code == 2
    bad = ["report", "--region", "999999", "--year", "2025"]
    assert runner.invoke(app, bad).exit_code == 2
