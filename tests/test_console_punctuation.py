"""Chinese text in the console uses full-width punctuation 中文标点 (，：；（）！？), checked over
every label file: the pages' text, the Chinese half of each string in the scripts, the
vocabulary and the access-log wording (issue 15)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

CONSOLE = Path(__file__).parent.parent / "console"
CJK = "[\u3400-\u9fff]"
# Half-width punctuation touching a Chinese character (spaces between allowed).
HALF_WIDTH = re.compile(rf"{CJK}\s*[,:;!?()]|[,:;!?()]\s*{CJK}")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`')


def _chinese(text: str) -> bool:
    """Chinese text, not an English one quoting a Chinese example (e.g. 妍)."""
    chinese = len(re.findall(CJK, text))
    return chinese > 0 and chinese >= len(re.findall(r"[A-Za-z]", text))


def texts(path: Path) -> Iterator[str]:
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        yield from (m.group(1) for m in re.finditer(r">([^<>]+)<", source))
        return
    for match in _STRING.finditer(source):
        # ${…} is code, not text
        yield re.sub(r"\$\{[^}]*\}", "", match.group(1) or match.group(2) or "")


def label_files() -> list[Path]:
    return [*(CONSOLE / "pages").glob("*.html"), *(CONSOLE / "static").glob("*.js"),
            *(CONSOLE / "static" / "pages").glob("*.js")]


def test_chinese_text_uses_full_width_punctuation() -> None:
    files = label_files()
    assert len(files) > 15 and any(f.name == "wording.js" for f in files)
    found = [f"{path.relative_to(CONSOLE)}: {text.strip()[:60]}" for path in files
             for text in texts(path) if _chinese(text) and HALF_WIDTH.search(text)]
    assert not found, "\n".join(found)


def test_the_sign_in_page_uses_full_width_punctuation() -> None:
    from auth.authorize import _TEXT

    found = [text for text in _TEXT["zh"].values() if HALF_WIDTH.search(text)]
    assert not found, found


def test_the_check_sees_half_width_punctuation() -> None:
    assert HALF_WIDTH.search("时间线:") and HALF_WIDTH.search("必填,大于 0")
    assert not HALF_WIDTH.search("时间线：") and not HALF_WIDTH.search("e.g. chenyan; or cy")
