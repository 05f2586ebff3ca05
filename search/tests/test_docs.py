"""The Elasticsearch/OpenSearch configuration documented in docs/search.md."""

import importlib.util
import re
from pathlib import Path

import pytest

DOC = Path(__file__).parents[2] / "docs" / "search.md"


def documented_backends() -> dict:
    section = DOC.read_text(encoding="utf-8").split("## Elasticsearch or OpenSearch")[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # our own documentation, not user input
    return namespace["WAGTAILSEARCH_BACKENDS"]


def test_documented_settings_use_a_chinese_analyser_with_folding():
    params = documented_backends()["default"]
    assert params["BACKEND"].startswith("wagtail.search.backends.elasticsearch")
    analysis = params["INDEX_SETTINGS"]["settings"]["analysis"]
    assert analysis["char_filter"]["t2s"]["convert_type"] == "t2s"
    for name in ("default", "default_search"):
        analyser = analysis["analyzer"][name]
        assert analyser["tokenizer"] in {"ik_max_word", "ik_smart"}
        assert analyser["char_filter"] == ["t2s"]


def test_documented_settings_build_the_backend():
    if importlib.util.find_spec("elasticsearch") is None:
        pytest.skip("the elasticsearch client is not installed")
    from wagtail.search.backends import get_search_backend

    params = dict(documented_backends()["default"])
    backend = get_search_backend(params.pop("BACKEND"), **params)
    analysis = backend.settings["settings"]["analysis"]
    assert analysis["analyzer"]["default"]["tokenizer"] == "ik_max_word"
    # Wagtail's own analysers survive next to ours.
    assert "edgengram_analyzer" in analysis["analyzer"]
