"""Project hygiene: every setting is documented, every UI string is translated."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_environment_variable_is_in_env_example():
    settings_source = (ROOT / "huaxun" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', settings_source
        )
    )
    assert read, "no variables found: the pattern no longer matches settings.py"
    documented = set(
        re.findall(
            r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE
        )
    )
    assert read - documented == set()


def test_every_message_is_translated_and_compiled():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = {entry.msgid: entry for entry in polib.mofile(str(CATALOGUE / "django.mo"))}
    for entry in po.translated_entries():
        compiled = mo.get(entry.msgid)
        assert compiled is not None, (
            f"{entry.msgid!r} missing from django.mo: run make messages"
        )
        assert (compiled.msgstr or compiled.msgstr_plural) == (
            entry.msgstr or entry.msgstr_plural
        ) or compiled.msgstr_plural == entry.msgstr_plural


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_the_catalogue_holds_every_string_in_the_code(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "media", "static", "artifacts", ".git"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-obsolete",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {
        e.msgid
        for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    ours = {e.msgid for e in polib.pofile(str(CATALOGUE / "django.po"))}
    assert fresh - ours == set(), "new strings: run make messages and translate them"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
