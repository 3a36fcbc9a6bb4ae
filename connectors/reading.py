"""Reading department exports 读取导出文件: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and xlsx.

`read_table` checks the file and its header up front, so an unreadable file is reported before
any row is loaded; rows are then streamed, each time the table is iterated, without holding the
file in memory. Cells come back typed as far as the format allows: strings trimmed of ASCII and
full-width spaces, empty cells as None, and from xlsx also numbers, dates and datetimes.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook

__all__ = ["Row", "Table", "UnreadableFile", "read_table"]

Row = tuple[int, dict[str, object]]

_CHUNK = 1 << 16
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UnreadableFile(Exception):
    """The file as a whole cannot be read; str() is the message to show (Chinese, English)."""


@dataclass(frozen=True)
class Table:
    """A header and a re-iterable stream of data rows numbered from 1.

    Row n is line n + 1 of the sheet (the header is line 1): fully empty rows are skipped but
    still counted, so the number a load report gives is the one the clerk sees in Excel.
    """

    header: list[str]
    total_hint: int | None  # data rows when cheap to know (xlsx); a progress-bar hint only
    _rows: Callable[[], Iterator[list[object]]] = field(repr=False)

    def __iter__(self) -> Iterator[Row]:
        width = len(self.header)
        for number, cells in enumerate(self._rows(), start=1):
            values = [_clean(cell) for cell in cells[:width]]
            if all(value is None for value in values):
                continue
            values += [None] * (width - len(values))
            yield (
                number,
                {name: value for name, value in zip(self.header, values, strict=True) if name},
            )


def read_table(path: str | Path) -> Table:
    """Open a `.csv` or `.xlsx` export and read its header; raises UnreadableFile."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"文件不存在 file not found: {path.name}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise UnreadableFile(
        f"不支持的文件类型 {suffix or '(无扩展名)'}，请另存为 .xlsx 或 .csv "
        f"unsupported file type, save as .xlsx or .csv"
    )


def _clean(cell: object) -> object:
    if isinstance(cell, str):
        text = cell.strip()  # str.strip() also removes the full-width space U+3000
        return text or None
    return cell


def _header(cells: Iterable[object]) -> list[str]:
    header = ["" if cell is None else str(cell).strip().lstrip("\ufeff").strip() for cell in cells]
    # Excel often leaves trailing unnamed columns; they carry nothing a connector can use.
    while header and not header[-1]:
        header.pop()
    if not header:
        raise UnreadableFile("文件为空或没有表头 the file is empty or has no header row")
    named = [name for name in header if name]
    duplicates = sorted({name for name in named if named.count(name) > 1})
    if duplicates:
        raise UnreadableFile(f"表头有重复的列 duplicate columns: {'、'.join(duplicates)}")
    return header


# --- CSV ----------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    encoding = _detect_encoding(path)

    def rows() -> Iterator[list[object]]:
        with _open_text(path, encoding) as stream:
            reader = csv.reader(stream, dialect=_dialect(stream))
            try:
                next(reader, None)  # the header, already read
                for record in reader:
                    yield list(record)
            except csv.Error as error:
                raise _broken_csv(reader.line_num) from error

    with _open_text(path, encoding) as stream:
        reader = csv.reader(stream, dialect=_dialect(stream))
        try:
            first = next(reader, None)
        except csv.Error as error:
            raise _broken_csv(reader.line_num) from error
    if first is None:
        raise UnreadableFile("文件为空 the file is empty")
    return Table(header=_header(first), total_hint=None, _rows=rows)


def _broken_csv(line: int) -> UnreadableFile:
    # A NUL byte or a runaway quote breaks the rest of the file, not just one row.
    return UnreadableFile(f"CSV 第 {line} 行无法解析 the CSV file is malformed at line {line}")


def _open_text(path: Path, encoding: str) -> IO[str]:
    # newline="" lets the csv module handle line breaks inside quoted cells.
    try:
        return open(path, encoding=encoding, newline="")  # the caller closes it
    except OSError as error:
        raise UnreadableFile(f"无法打开文件 cannot open the file: {error.strerror}") from None


def _dialect(stream: IO[str]) -> type[csv.Dialect]:
    """Comma-separated, unless the first line only has tabs (Excel's "Unicode text")."""
    position = stream.tell()
    first_line = stream.readline()
    stream.seek(position)
    if "\t" in first_line and "," not in first_line:
        return csv.excel_tab
    return csv.excel


def _detect_encoding(path: Path) -> str:
    """utf-8-sig when the file decodes as UTF-8 (BOM or not), else gb18030; else unreadable.

    Decoding is incremental over the whole file, so a GBK byte deep in the file is still seen
    and memory stays constant; GB18030 is a superset of GBK and GB2312.
    """
    try:
        with path.open("rb") as raw:
            start = raw.read(4)
            if start.startswith(_UTF16_BOMS):
                raise UnreadableFile(
                    "不支持 UTF-16 编码，请另存为 CSV UTF-8 或 .xlsx "
                    "UTF-16 is not supported, save as CSV UTF-8 or .xlsx"
                )
            raw.seek(0)
            for encoding in ("utf-8-sig", "gb18030"):
                if _decodes(raw, encoding):
                    return encoding
                raw.seek(0)
    except OSError as error:
        raise UnreadableFile(f"无法读取文件 cannot read the file: {error.strerror}") from None
    raise UnreadableFile(
        "无法识别文件编码，请另存为 CSV UTF-8 或 .xlsx "
        "unknown text encoding, save as CSV UTF-8 or .xlsx"
    )


def _decodes(raw: IO[bytes], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := raw.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# --- xlsx ---------------------------------------------------------------------


def _read_xlsx(path: Path) -> Table:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(max_row=1, values_only=True), None)
        max_row = sheet.max_row
    finally:
        workbook.close()
    if first is None or all(cell is None for cell in first):
        raise UnreadableFile("工作表为空或第一行没有表头 the first sheet is empty or has no header")

    def rows() -> Iterator[list[object]]:
        book = _open_workbook(path)
        try:
            for values in book.worksheets[0].iter_rows(min_row=2, values_only=True):
                yield list(values)
        finally:
            book.close()

    total = max_row - 1 if isinstance(max_row, int) and max_row > 1 else None
    return Table(header=_header(first), total_hint=total, _rows=rows)


def _open_workbook(path: Path) -> Any:
    try:
        return load_workbook(path, read_only=True, data_only=True)
    # openpyxl raises anything from BadZipFile to KeyError or TypeError on a damaged file.
    except Exception as error:
        raise UnreadableFile(
            "无法打开 xlsx 文件（文件损坏或不是 xlsx 格式） "
            "cannot open the xlsx file: damaged or not really xlsx"
        ) from error
