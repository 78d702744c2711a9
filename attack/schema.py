"""schemathesis over the whole API description, against the served portal: generated
valid and invalid input for every operation, as a home user and a company member, checked
for server errors, undocumented status codes and content types, and bodies that do not
match the documented schema. Bounded: SCHEMA_EXAMPLES generated cases per operation,
mode and caller (a short run: 2 cases, the home user only)."""

import contextlib
import os

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from .context import Context

CLASS = "schema"


def _checks():
    from schemathesis.checks import (
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance, negative_data_rejection]


def run(ctx: Context) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    examples = int(os.environ.get("SCHEMA_EXAMPLES", "2" if ctx.short else "25"))
    schema = schemathesis.openapi.from_dict(ctx.schema)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking tokens last: a generated id may be the caller's own token.
    operations.sort(key=lambda op: op.method.lower() == "delete")
    checks = _checks()
    for name in ctx.bound(["home", "acme_member"], 1):
        actor = ctx.world.actors[name]
        headers = {"Authorization": f"Token {actor.token}", "X-Forwarded-Proto": "https"}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _generated(ctx, operation, mode, headers, checks, examples, name)


def _generated(ctx, operation, mode, headers, checks, examples, name) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case):
        try:
            response = case.call(base_url=ctx.base_url, headers=headers, timeout=30,
                                 allow_redirects=False)
        except Exception as exc:
            ctx.summary.record(CLASS, f"{case.method} {case.formatted_path} as {name}",
                               status=None, failure=f"{type(exc).__name__}: {exc}"[:300])
            return
        failure = None
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # every check's finding is reported
            found = getattr(exc, "exceptions", [exc])
            failure = " | ".join(f"{e}".strip().splitlines()[0] for e in found)[:400]
        ctx.summary.record(CLASS, f"{mode.value} {case.method} {case.formatted_path} as "
                           f"{name}", status=response.status_code,
                           location=response.headers.get("Location", ""),
                           body=response.content, failure=failure)

    # Unsatisfiable: nothing about the operation can be invalid, no negative case to send.
    with contextlib.suppress(Unsatisfiable):
        send()
