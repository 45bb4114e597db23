"""Where a deploy goes: ``deploy:`` in site.yaml, overridden by the command's options, and the
S3 client each provider needs.

Every provider speaks the S3 API, each with its quirks: Aliyun OSS and Tencent COS want the
bucket in the host name (virtual-hosted addressing); MinIO and rclone want it in the path; and
none of the non-AWS ones accepts the CRC checksums botocore adds by default since 1.36 (with
``aws-chunked`` bodies), so they get checksums only where the API requires them, and every
upload carries a Content-MD5 instead. Credentials come only from the environment
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``) or an AWS profile, never from the repository.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

PROVIDERS: dict[str, dict[str, str]] = {
    "aws": {"addressing": "virtual", "checksums": "when_supported"},
    "oss": {"addressing": "virtual", "checksums": "when_required"},
    "cos": {"addressing": "virtual", "checksums": "when_required"},
    "r2": {"addressing": "path", "checksums": "when_required", "region": "auto"},
    "minio": {"addressing": "path", "checksums": "when_required"},
}
KEYS = ("provider", "endpoint", "bucket", "prefix", "region", "profile")


class DeployError(Exception):
    """One sentence for the editor: what went wrong and what to do."""


@dataclass(frozen=True, slots=True)
class Target:
    bucket: str
    provider: str = "aws"
    endpoint: str | None = None
    prefix: str = ""  # a folder in the bucket ("" or "site/": always ending in "/")
    region: str | None = None
    profile: str | None = None

    @property
    def where(self) -> str:
        return f"{self.endpoint or self.provider}/{self.bucket}/{self.prefix}"

    @property
    def id(self) -> str:
        """Names this target's record in .cache/ (what was sent where)."""
        return hashlib.sha256(f"{self.endpoint}|{self.bucket}|{self.prefix}".encode()).hexdigest()[:12]

    def session(self) -> Any:
        import boto3

        return boto3.session.Session(profile_name=self.profile) if self.profile else boto3.session.Session()

    def credentials(self) -> Any:
        """The signing keys, from the environment or the profile (``putter`` signs with them)."""
        from botocore.exceptions import NoCredentialsError

        found = self.session().get_credentials()
        if found is None:
            raise NoCredentialsError()
        return found.get_frozen_credentials()

    def client(self) -> Any:
        from botocore.config import Config

        preset = PROVIDERS[self.provider]
        session = self.session()
        config = Config(
            s3={"addressing_style": preset["addressing"]},
            signature_version="s3v4",
            request_checksum_calculation=preset["checksums"],
            response_checksum_validation=preset["checksums"],
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
            connect_timeout=10,
            read_timeout=60,
        )
        region = self.region or preset.get("region") or "us-east-1"
        return session.client("s3", endpoint_url=self.endpoint, region_name=region, config=config)


def target_from(settings: dict[str, Any], overrides: dict[str, str | None]) -> Target:
    """The target from ``deploy:`` and the options (an option wins); a clear refusal when incomplete."""
    unknown = sorted(set(settings) - set(KEYS))
    if unknown:
        raise DeployError(f"content/site.yaml: deploy: unknown key '{unknown[0]}'; the keys are {', '.join(KEYS)}")
    merged = {**{k: settings.get(k) for k in KEYS}, **{k: v for k, v in overrides.items() if v is not None}}
    provider = str(merged.get("provider") or "aws")
    if provider not in PROVIDERS:
        raise DeployError(f"deploy provider '{provider}' is not one of {', '.join(PROVIDERS)}")
    if not merged.get("bucket"):
        raise DeployError("no bucket to deploy to: set deploy: {bucket: NAME} in content/site.yaml, or give --bucket")
    if provider != "aws" and not merged.get("endpoint"):
        raise DeployError(f"a {provider} deploy needs its endpoint: set deploy: {{endpoint: https://…}} in content/site.yaml, or give --endpoint")
    prefix = str(merged.get("prefix") or "").strip("/")
    return Target(str(merged["bucket"]), provider, merged.get("endpoint"), prefix + "/" if prefix else "", merged.get("region"), merged.get("profile"))
