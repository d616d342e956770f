"""Every UI string in code and templates has a Chinese translation with the same placeholders."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
METHODS = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def _catalogue():
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as source:
        return read_po(source)


def _extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_is_translated():
    catalogue = _catalogue()
    untranslated = sorted(m for m in _extracted() if m not in catalogue or not catalogue[m].string)
    assert untranslated == [], "run `make messages` and translate these entries"


def test_translations_keep_their_placeholders():
    for message in _catalogue():
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
                PLACEHOLDER.findall(message.string)
            ), message.id
