"""One deploy: look at site/ and the bucket, plan, refuse what would break the site, then upload
stage by stage and delete last.

Safety, in order: a site/ without index.html is refused (an empty or stale output folder must
never delete a live site); a plan that deletes more than ``max_deletes`` objects (search index
parts that a new index replaces aside) changes nothing;
uploads go in stages (pictures and theme files, pages, feeds), each stage complete before the
next begins; deletions only after every upload succeeded. An error at any point is one sentence,
and the bucket holds what it held plus complete objects: a second run finishes the job.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..processes import pool_context
from .local import SEARCH, SEARCH_PARTS, LocalFile, scan
from .plan import Plan, kinds, make_plan
from .putter import Putter
from .remote import WORKERS, Record, RemoteObject, fill_in, listing
from .target import DeployError, Target

DELETE_BATCH = 1000  # keys in one DeleteObjects request (the API's limit)


@dataclass(slots=True)
class Deployed:
    plan: Plan
    requests: int  # HTTP requests this deploy made
    done: bool  # False for a dry run


def guarded_deletes(deletes: list[str], local: set[str]) -> list[str]:
    """The deletions ``--max-deletes`` counts: not the search index's parts that a new index
    replaces (an edit replaces its part, a thousand files at 10,000 articles)."""
    if SEARCH + "index.json" not in local:
        return deletes
    return [k for k in deletes if not k.startswith(SEARCH_PARTS)]


def deploy(
    site: Path, cache: Path, target: Target, dry_run: bool = False, max_deletes: int = 50, force: bool = False, say: Callable[[str], None] = print
) -> Deployed:
    if not (site / "index.html").is_file():
        raise DeployError(
            f"refusing to deploy {site}: it has no index.html (an empty or unfinished output folder would delete the published site); build first"
        )
    record = Record(cache / f"deploy-{target.id}.json")
    files, stats = scan(site, record.stats)
    client, counter = _counted(target.client())
    with _sentences(target, counter):
        remote = listing(client, target.bucket, target.prefix)
        fill_in(client, target.bucket, target.prefix, _to_ask(remote, {f.key: f for f in files}, record))
        plan = make_plan(files, remote, force)
        counted = guarded_deletes(plan.deletes, {f.key for f in files})
        if len(counted) > max_deletes:
            raise DeployError(
                f"this deploy would delete {len(counted)} objects ({kinds(counted)}) from {target.where}, more than --max-deletes {max_deletes}; "
                f"nothing was changed. Look at them with --dry-run, and if that is right, deploy again with --max-deletes {len(counted)}"
            )
        if dry_run:
            record.stats = stats
            record.save()
            return Deployed(plan, counter.n, False)
        try:
            _upload(target, plan, record, counter, say)
            _delete(client, target, plan.deletes, record)
        finally:
            record.stats = stats
            record.save()
    return Deployed(plan, counter.n, True)


def _to_ask(remote: dict[str, RemoteObject], local: dict[str, LocalFile], record: Record) -> list[RemoteObject]:
    """The objects a HEAD must tell about: an MD5 the listing does not give, or the headers of an
    object with the local bytes that the record does not know."""
    ask = []
    for key, obj in remote.items():
        if obj.md5 is None:
            ask.append(obj)
            continue
        mine = local.get(key)
        if mine is not None and mine.md5 == obj.md5:
            obj.headers = record.headers(key, obj.md5)
            if obj.headers is None:
                ask.append(obj)
    return ask


PARALLEL_FROM = 400  # uploads; fewer go from this process alone


def _upload(target: Target, plan: Plan, record: Record, counter: _Counter, say: Callable[[str], None]) -> None:
    """Each stage whole before the next: a page never names what is not there yet. A large stage
    is shared by one process per core, each with its threads: from one process (one interpreter
    lock) a first deploy of 17,948 files took 37 s, twice rclone's time; so it took 22 s."""
    done = 0
    for stage in plan.by_stage():
        files = [u.file for u in stage]
        if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
            jobs = os.cpu_count() or 1
            with pool_context().Pool(jobs) as pool:
                answers = pool.map(_put_share, [(target, files[i::jobs]) for i in range(jobs)])
        else:
            answers = [_put_share((target, files))]
        for sent, _, requests in answers:
            for file in sent:
                record.sent[file.key] = [file.md5, file.content_type, file.cache_control]
            done += len(sent)
            counter.n += requests
        failed = next((problem for _, problem, _ in answers if problem), None)
        if failed:
            raise DeployError(failed)
        if files:
            say(f"uploaded {done} of {len(plan.uploads)}")


def _put_share(job: tuple[Target, list[LocalFile]]) -> tuple[list[LocalFile], str, int]:
    """Upload ``files`` on threads (in a worker process, or this one); (those sent, "" or the
    first failure as a sentence, requests made)."""
    target, files = job
    sent: list[LocalFile] = []
    putter: Putter | None = None

    def put(file: LocalFile) -> None:
        assert putter is not None
        putter.put(file.key, file.path.read_bytes(), file.md5, file.content_type, file.cache_control)
        sent.append(file)

    try:
        with _sentences(target, _Counter()):
            putter = Putter(target, target.credentials())
            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(put, files))
    except DeployError as failed:
        return sent, str(failed), putter.requests if putter else 0
    return sent, "", putter.requests


def _delete(client: Any, target: Target, keys: list[str], record: Record) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        answer = client.delete_objects(Bucket=target.bucket, Delete={"Objects": [{"Key": target.prefix + k} for k in batch], "Quiet": True})
        failed = answer.get("Errors", [])
        if failed:
            raise DeployError(
                f"{target.where} would not delete {failed[0].get('Key')}: {failed[0].get('Message') or failed[0].get('Code')}; deploy again to finish"
            )
        for key in batch:
            record.sent.pop(key, None)


class _Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self.lock:
            self.n += 1


def _counted(client: Any) -> tuple[Any, _Counter]:
    counter = _Counter()
    client.meta.events.register("before-send.s3.*", counter)
    return client, counter


@contextmanager
def _sentences(target: Target, counter: _Counter) -> Iterator[None]:
    """botocore's exceptions as one sentence each, saying what to do."""
    import urllib3
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, PartialCredentialsError

    where = target.endpoint or f"AWS S3 ({target.region or 'default region'})"
    again = "; the bucket holds only complete objects: deploy again to finish"
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise DeployError("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code in ("NoSuchBucket", "404") and exc.operation_name == "ListObjectsV2":
            raise DeployError(f"bucket '{target.bucket}' does not exist at {where}; create it, or check deploy: bucket in content/site.yaml") from None
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "InvalidToken", "ExpiredToken"):
            raise DeployError(
                f"{where} refused the credentials ({code}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" + (again if counter.n > 1 else "")
            ) from None
        raise DeployError(f"{where} answered {code or 'an error'} to {exc.operation_name}: {message}{again}") from None
    except (EndpointConnectionError, urllib3.exceptions.HTTPError) as exc:
        raise DeployError(f"cannot reach {where} ({_reason(exc)}){again}") from None
    except BotoCoreError as exc:
        raise DeployError(f"deploying to {where} failed: {exc}{again}") from None
    except OSError as exc:
        raise DeployError(f"deploying to {where} failed: {exc}{again}") from None


def _reason(exc: Exception) -> str:
    """urllib3 says why a request gave up in its ``reason``; botocore in its message."""
    return str(getattr(exc, "reason", None) or exc)
