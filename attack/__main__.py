"""Run the suite: `python -m attack [--short] [--only CLASS ...]` (`make attack [SHORT=1]`).

Prints one JSON summary on stdout (progress goes to stderr) and exits 1 when a case failed,
a server error was seen, or too few cases reached a view (attack.summary); 2 when the stage
could not be set up."""

import argparse
import json
import os
import sys
import time

CLASSES = ("tenancy", "web", "outbox", "fuzz", "schema")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m attack")
    parser.add_argument("--short", action="store_true",
                        default=os.environ.get("ATTACK_SHORT", "") not in ("", "0"),
                        help="a bounded run of a few minutes (also ATTACK_SHORT=1)")
    parser.add_argument("--only", nargs="*", choices=CLASSES, default=list(CLASSES))
    args = parser.parse_args()

    from .stage import stage

    started = time.monotonic()
    timings: dict = {}
    with stage(timings) as (base_url, env, scratch):
        # This process uses the served portal's settings exactly (no REDIS_URL included).
        os.environ.clear()
        os.environ.update(env)
        import django

        django.setup()
        from . import fuzz, outbox, schema, tenancy, web
        from .client import Browser
        from .context import Context
        from .summary import Summary
        from .world import build_world

        ctx = Context(base_url=base_url, world=build_world(), summary=Summary(),
                      short=args.short)
        ctx.schema = json.loads(Browser(base_url).get("/api/schema/?format=json").body)
        timings["stage"] = round(time.monotonic() - started, 1)
        for name, module in (("tenancy", tenancy), ("web", web), ("outbox", outbox),
                             ("fuzz", fuzz), ("schema", schema)):
            if name in args.only:
                began = time.monotonic()
                sys.stderr.write(f"attack: {name}...\n")
                module.run(ctx)
                timings[name] = round(time.monotonic() - began, 1)
        from django.db import connections

        connections.close_all()
        server_log = (scratch / "gunicorn.log").read_text(errors="replace")
    # The last line of each traceback the server logged, once each.
    tracebacks = sorted({line for line in server_log.splitlines()
                         if line and not line.startswith((" ", "Traceback", "20"))
                         and not line.startswith("[")})
    result = ctx.summary.as_dict(short=args.short, seconds=timings,
                                 wall_seconds=round(time.monotonic() - started, 1),
                                 server_log_errors=tracebacks[:30])
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
