"""Children's names 姓名: the key two names are matched by, and the text a name is searched by.

A name is kept as its source wrote it. Beside it the child carries two derived properties,
written with the name by its one writer (``connectors/linkage.py`` ``ChildState.changes``):

- ``nameKey``: the simplified form (OpenCC t2s), so 陳麗華 and 陈丽华 are one name for matching;
- ``nameSearch``: what a search term is looked for in, anywhere (``CONTAINS``, a text index of
  migration 0016): the simplified name, its pinyin without tones or spaces, and its initials,
  lower case, joined by ``|`` (which a term never contains), e.g. ``陈妍|chenyan|cy``. So 妍,
  ``chen``, ``yan`` and ``cy`` all find 陈妍.

pypinyin reads each character in its most common reading: a surname with a rarer one (单 shàn,
曾 zēng) is found by its character and by the common reading's pinyin, not by the rare one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, LiteralString

import opencc
from pypinyin import Style, lazy_pinyin

from hub.graph import Graph

SEPARATOR = "|"
# Spaces, the middle dots of transcribed names (阿依古丽·买买提) and the separator are dropped
# from both the indexed text and the term: "chen yan" finds chenyan, "古丽买" finds 古丽·买.
_DROPPED = re.compile(r"[\s·•・.\-|]+")


@lru_cache(maxsize=1)
def _tosimplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=200_000)
def simplified(name: str) -> str:
    return str(_tosimplified().convert(name))


def name_key(name: str | None) -> str | None:
    """What two names are compared by: the simplified form (OpenCC t2s), so 陳麗華 and 陈丽华
    are the same name for matching. The name itself is kept as the source wrote it."""
    return None if name is None else simplified(name)


def _syllables(name: str) -> list[str]:
    # errors="ignore": characters without a reading (Latin letters, digits) are left out of
    # the pinyin; they stay in the simplified name, where a term finds them.
    return [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.isalpha()]


@lru_cache(maxsize=200_000)
def search_text(name: str) -> str:
    """The text a search term is looked for in: simplified name, pinyin, initials."""
    plain = _DROPPED.sub("", simplified(name)).lower()
    syllables = _syllables(plain)
    pinyin = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return SEPARATOR.join(part for part in (plain, pinyin, initials) if part)


def search_term(term: str) -> str:
    """A term as it is looked for: simplified, lower case, without spaces or dots."""
    return _DROPPED.sub("", simplified(term.strip())).lower()


def derived(name: str | None) -> dict[str, str]:
    """The properties written beside a name, by whoever writes the name."""
    if name is None:
        return {}
    return {"nameKey": simplified(name), "nameSearch": search_text(name)}


_MISSING: LiteralString = (
    "MATCH (c:Child) WHERE c.name IS NOT NULL AND c.nameSearch IS NULL "
    "RETURN c.id AS id, c.name AS name LIMIT $page"
)
_WRITE: LiteralString = (
    "UNWIND $rows AS row MATCH (c:Child {id: row.id}) SET c += row.props"
)


async def backfill(graph: Graph, page: int = 5000) -> None:
    """Writes the derived properties of every child that has a name and no search text yet
    (migration 0016, and test seeds that create children directly). Idempotent."""
    while True:
        rows = await graph.run(_MISSING, {"page": page})
        if not rows:
            return
        batch: list[dict[str, Any]] = [
            {"id": row["id"], "props": derived(str(row["name"]))} for row in rows]
        await graph.write(_WRITE, {"rows": batch})
