"""Schemathesis over every operation of `openapi.json`, in-process (WSGI), as a buyer and as a
supplier of the demo data: a few positive and a few negative examples per operation. Fails on
any 5xx and on any response whose status, content type or body the document does not describe.

Deterministic (derandomized Hypothesis, no example database, no shrinking): a failure comes
back on the next run, and is reported with a curl line that reproduces it. Every failure of
the run is listed, not only the first.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import Factory
from wholesale.accounts.models import Role
from wholesale.demo import seed_demo

# Per operation, per caller, per mode (positive, negative); set more for a deeper local run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_PATH_PARAM = re.compile(r"/\{(\w+)\}")


def _visible_ids(client: FlaskClient, headers: dict[str, str], path: str) -> dict[str, list[int]]:
    """Ids the caller can see for each path parameter, from the list endpoint in front of it
    (`/orders/{order_id}` → `GET /orders`), so that examples reach real resources too."""
    ids: dict[str, list[int]] = {}
    for match in _PATH_PARAM.finditer(path):
        collection = path[: match.start()]
        if "{" in collection:
            continue
        response = client.get(collection, headers=headers, query_string={"limit": 5})
        if response.status_code == 200 and isinstance(response.json, dict):
            found = [item["id"] for item in response.json.get("items", []) if "id" in item]
            if found:
                ids[match.group(1)] = found
    return ids


def _fuzz(app: Flask, operation: Any, mode: GenerationMode, headers: dict[str, str],
          visible: dict[str, list[int]]) -> None:
    """`EXAMPLES` cases of one operation; raises the first failure."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE:
            for name, ids in visible.items():
                if data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(ids))
        case.call_and_validate(session=app.test_client(), app=app, checks=CHECKS)

    run()


@pytest.mark.parametrize("kind", ["buyer", "supplier"])
def test_every_operation_answers_as_documented(
    app: Flask, client: FlaskClient, factory: Factory, kind: str
) -> None:
    supplier, buyer = seed_demo(history=False)
    organization = buyer if kind == "buyer" else supplier
    owner = next(u for u in organization.users if u.role is Role.OWNER)
    headers = {"Authorization": f"Bearer {factory.token(owner)}"}
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").json)

    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        visible = _visible_ids(client, headers, operation.path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(app, operation, mode, headers, visible)
            except Unsatisfiable:  # nothing to make invalid: the operation takes no input
                continue
            except (Exception, BaseExceptionGroup) as exc:  # every failure is reported below
                failures.append(f"{kind} {operation.label} ({mode.value} data):\n{exc}")
    assert not failures, "\n\n".join(failures)
