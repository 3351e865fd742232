"""The JSON Schema of workflow files, generated from the model, for editors (taplo, the VS Code
"Even Better TOML" extension): completion and checks while an administrator types. It describes
each table's shape; cross-references are `varsel workflows --check`'s job. A copy is kept in
docs/workflow.schema.json (a test keeps it equal to this)."""

from __future__ import annotations

import json
from typing import Any

from .workflow import Workflow


def schema() -> dict[str, Any]:
    out = Workflow.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://varsel-tui.invalid/workflow.schema.json",
            "title": "varsel-tui workflow file",
            **{k: v for k, v in out.items() if k != "title"}}


def schema_json() -> str:
    return json.dumps(schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
