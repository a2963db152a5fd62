"""docs/api.md is the API reference generated from the OpenAPI document
(scripts/api_docs.py): this fails when an endpoint or schema changed and the page was not
regenerated, and the README points to it rather than a file outside the repository."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from wholesale.api.openapi import _spec_dict

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_api_md_is_generated_from_the_openapi_document(app):
    script = _script()
    current = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    with app.app_context():
        document = _spec_dict("http://127.0.0.1:5000")
    expected = script.render(document, script.hand_written(current))
    assert current == expected, "docs/api.md is stale: run .venv/bin/python scripts/api_docs.py"
    for path, operations in document["paths"].items():
        for method in operations:
            assert f"### `{method.upper()} {path}`" in current


def test_the_readme_links_only_files_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    assert "docs/api.md" in readme
