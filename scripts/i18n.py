"""Keep the catalogues in step with the code.

python scripts/i18n.py update            extract messages, update zh_Hans_CN and en, compile
python scripts/i18n.py fill FILE.tsv     add Chinese translations (msgid<TAB>msgstr per line)
python scripts/i18n.py missing           list msgids with no Chinese translation
python scripts/i18n.py compile           compile .po to .mo (run by scripts/start and scripts/test)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "coordination" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh_Hans_CN", "en")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)  # noqa: S603


KEYWORDS = ("-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2")


def extract(pot: Path) -> None:
    pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output", "-o", str(pot), ".")


def update() -> None:
    extract(POT)
    for locale in LOCALES:
        if po_path(locale).exists():
            pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-fuzzy-matching")
        else:
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    compile_all()


def compile_all() -> None:
    for locale in LOCALES:
        with po_path(locale).open("rb") as f:
            catalog = read_po(f, locale=locale)
        with po_path(locale).with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


def fill(tsv: Path) -> None:
    path = po_path("zh_Hans_CN")
    with path.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    plurals = {m.id[0]: m for m in catalog if isinstance(m.id, tuple)}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        msgid, msgstr = line.split("\t", 1)
        message = catalog.get(msgid) or plurals.get(msgid)
        if message is None:
            print("not in catalogue:", msgid)
            continue
        # Chinese has one plural form.
        message.string = (msgstr,) if isinstance(message.id, tuple) else msgstr
        message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False)
    compile_all()


def missing() -> list[str]:
    with po_path("zh_Hans_CN").open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")

    def untranslated(m: object) -> bool:
        string = m.string if isinstance(m.string, str) else "".join(m.string)
        return not string or m.fuzzy

    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and untranslated(m)]


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "fill":
        fill(Path(sys.argv[2]))
    elif command == "compile":
        compile_all()
    elif command == "extract":
        extract(Path(sys.argv[2]))
    elif command == "missing":
        for msgid in missing():
            print(msgid)
