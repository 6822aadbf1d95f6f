"""The zh_CN translation: every user-facing string of the plugin, translated and compiled."""

import re
from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from plugin.compat import TRANSLATION_CONTEXT
from tools.packaging import read_translations, translatable_strings

TS = Path(__file__).resolve().parents[2] / "plugin" / "i18n" / "land_supervision_zh_CN.ts"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_tr_string_has_a_finished_chinese_translation():
    translated = read_translations(TS)

    missing = sorted(set(translatable_strings()) - set(translated))
    assert not missing, "run `python -m tools.packaging --update-translations`, then translate"
    assert all(CJK.search(translated[source]) for source in translatable_strings())


def test_translation_source_has_no_stale_strings():
    assert set(read_translations(TS)) == set(translatable_strings())


def test_translations_keep_placeholders_and_markup():
    for source, translation in read_translations(TS).items():
        assert re.findall(r"\{\d*\}", source) == re.findall(r"\{\d*\}", translation), source
        assert re.findall(r"</?\w+>", source) == re.findall(r"</?\w+>", translation), source


def test_compiled_translation_answers_in_chinese(compiled_translations):
    translator = QTranslator()
    assert translator.load(str(TS.with_suffix(".qm")))

    QCoreApplication.installTranslator(translator)
    try:
        for source, translation in read_translations(TS).items():
            assert QCoreApplication.translate(TRANSLATION_CONTEXT, source) == translation
    finally:
        QCoreApplication.removeTranslator(translator)
