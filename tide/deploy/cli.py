"""``build.py deploy``: the target from site.yaml and the options, the plan printed, an exit code."""

from __future__ import annotations

import argparse
import sys

from ..config import Paths, load_config
from ..errors import ErrorList
from .publish import deploy
from .target import DeployError, target_from

SHOWN = 200  # lines of a dry run's plan; the rest are counted


def deploy_command(args: argparse.Namespace, paths: Paths) -> int:
    """After a successful build: deploy ``paths.output``. 0 when done (or planned), 1 when refused or failed."""
    errors = ErrorList(paths.root)
    config = load_config(paths, errors)
    errors.raise_if_any()
    overrides = {"endpoint": args.endpoint, "bucket": args.bucket, "prefix": args.prefix, "region": args.region}
    try:
        target = target_from(config.tools.get("deploy") or {}, overrides)
        result = deploy(paths.output, paths.root / ".cache", target, args.dry_run, args.max_deletes, args.force, say=lambda line: print(line, flush=True))
    except DeployError as refused:
        print(f"deploy: {refused}", file=sys.stderr)
        return 1
    plan = result.plan
    if args.dry_run:
        for upload in plan.uploads[:SHOWN]:
            print(f"  upload ({upload.why}) {upload.file.key}  {upload.file.size:,} B  {upload.file.content_type}; {upload.file.cache_control}")
        for key in plan.deletes[:SHOWN]:
            print(f"  delete {key}")
        hidden = max(0, len(plan.uploads) - SHOWN) + max(0, len(plan.deletes) - SHOWN)
        if hidden:
            print(f"  … and {hidden} more")
        print(f"dry run, nothing changed at {target.where}: {plan.summary()}; {result.requests} requests")
        return 0
    print(f"deployed to {target.where}: {plan.summary()}; {result.requests} requests")
    return 0
