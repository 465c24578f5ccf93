"""Fill the ``spelling`` column of ``src/daigou/carriers/data/carriers.tsv`` (the carrier's name in
pinyin, lowercase, no tones or spaces: 顺丰速运 -> shunfengsuyun; Latin letters stay as they are,
lowercased: EMS -> ems).

pypinyin is a development tool here, not a runtime dependency: the gateway reads the spelling
from the file. Run it after adding or renaming a carrier:

    .venv/bin/pip install pypinyin
    .venv/bin/python scripts/carrier_spelling.py
"""

from __future__ import annotations

from pathlib import Path

from pypinyin import lazy_pinyin

DATA = Path(__file__).resolve().parent.parent / "src/daigou/carriers/data/carriers.tsv"
COLUMNS = ("name", "taobao", "alibaba", "phone", "aliases", "spelling", "unverified")


def spelling(name: str) -> str:
    return "".join(lazy_pinyin(name)).replace(" ", "").lower()


def main() -> None:
    out: list[str] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            out.append(line)
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise SystemExit(f"{DATA.name}: {len(cells)} cells, {len(COLUMNS)} expected: {line!r}")
        if tuple(cells) != COLUMNS:  # the header row stays as it is
            cells[COLUMNS.index("spelling")] = spelling(cells[0])
        out.append("\t".join(cells))
    DATA.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
