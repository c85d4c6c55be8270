"""Chinese is the interface language: every message in the code has a Chinese translation."""

import subprocess
import sys

from babel.messages.pofile import read_po

from tests.conftest import ROOT


def test_every_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n.py"), "extract", str(pot)], cwd=ROOT, check=True
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    po = ROOT / "coordination/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy
    }
    assert sorted(wanted - translated) == []


def test_placeholders_survive_translation():
    po = ROOT / "coordination/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    import re

    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else "".join(message.string)
        if msgid and string:
            assert set(re.findall(r"%\(\w+\)[sd]", msgid)) == set(re.findall(r"%\(\w+\)[sd]", string)), msgid
