"""`acupressure publish-audio`: upload the rendered audio that changed to an S3 bucket.

What is in the bucket is compared by the SHA-256 of each file's bytes, stored with the
object as user metadata (x-amz-meta-sha256) at upload, so unchanged files are skipped
whatever their timestamps. Media go up first and the manifest, playlist and feed last,
so a reader never sees an index pointing at a file that is not there yet.

Beside the audio go what skill.json links to (skill.tools.model_builder, `--audio-base-url`): the
skill icons, which the render draws into art/ and lists in the manifest, and the privacy policy and
terms of use, written from content/policies.yaml into the directory as privacy.html and terms.html
at every publish.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from skill.runtime.content.loader import ContentError, content_directory
from skill.runtime.content.models import PoliciesFile, PolicyKind
from skill.runtime.manifest import MANIFEST_NAME, FileKind, audio_dir
from skill.web.policies import page_name, read_policies, write_pages

SHA256_META = "sha256"
IMMUTABLE = "public, max-age=31536000, immutable"  # content-hashed name: never changes
SHORT = "public, max-age=300"                      # same name, new bytes after a re-render
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m3u": "audio/x-mpegurl",
    ".json": "application/json",
    ".xml": "application/rss+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}
POLICY_KIND = "policy"
# Written last: they point at the media files.
INDEX_KINDS = frozenset({FileKind.PLAYLIST.value, FileKind.FEED.value, "manifest"})
WORKERS = 8


class PublishError(Exception):
    """Publishing cannot go on; the message tells the user what to do."""


@dataclass(frozen=True)
class LocalFile:
    """One file to publish and the headers it gets."""

    path: Path
    key: str
    kind: str
    sha256: str
    size: int
    content_type: str
    cache_control: str

    @property
    def headers(self) -> dict[str, Any]:
        return {"ContentType": self.content_type, "CacheControl": self.cache_control,
                "Metadata": {SHA256_META: self.sha256}}


@dataclass
class Summary:
    """What a publish did (or would do, in a dry run)."""

    uploaded: list[LocalFile]
    skipped: int
    deleted: list[str]

    @property
    def uploaded_bytes(self) -> int:
        return sum(f.size for f in self.uploaded)


def content_type(path: str) -> str:
    """MIME type Alexa and podcast apps expect for a published file."""
    return CONTENT_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


def is_content_addressed(path: str, content_hash: str) -> bool:
    """True if the file name carries (a prefix of) its content hash, so its bytes never change."""
    digest = content_hash.split(":")[-1].lower()
    runs = re.findall(r"[0-9a-f]{8,}", PurePosixPath(path).stem.lower())
    return bool(digest) and any(run in digest for run in runs)


def cache_control(path: str, content_hash: str | None) -> str:
    """Long-lived and immutable for content-hashed MP3s; short for everything else."""
    if path.lower().endswith(".mp3") and content_hash and is_content_addressed(path, content_hash):
        return IMMUTABLE
    return SHORT


def normalize_prefix(prefix: str) -> str:
    """'audio' and '/audio/' both become 'audio/'; '' stays the bucket root."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def policy_pages(directory: Path) -> dict[str, tuple[str, str | None]]:
    """The policy pages present in the directory: relative path -> (kind, hash)."""
    return {page_name(kind): (POLICY_KIND, None) for kind in PolicyKind if (directory / page_name(kind)).is_file()}


def local_files(directory: Path, prefix: str) -> list[LocalFile]:
    """Every file the manifest lists (the art too), plus the manifest itself and the policy pages; media first."""
    manifest_path = directory / MANIFEST_NAME
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(f"no {MANIFEST_NAME} in {directory}: run `acupressure render` first") from None
    except json.JSONDecodeError as exc:
        raise PublishError(f"{manifest_path} is not valid JSON ({exc}): re-render the audio") from exc

    listed: dict[str, tuple[str, str | None]] = {}
    for key, entry in data.get("files", {}).items():
        rel = PurePosixPath(entry.get("path", ""))
        if not rel.parts or rel.is_absolute() or ".." in rel.parts:
            raise PublishError(f"{manifest_path}: entry {key!r} has an unsafe path {str(rel)!r}")
        listed[rel.as_posix()] = (str(entry.get("kind", "")), entry.get("hash"))
    listed[MANIFEST_NAME] = ("manifest", None)
    listed.update(policy_pages(directory))

    missing = sorted(rel for rel in listed if not (directory / rel).is_file())
    if missing:
        raise PublishError(f"{len(missing)} file(s) in the manifest are missing from {directory}, "
                           f"e.g. {missing[0]}: re-render the audio")
    files = []
    for name, (kind, content_hash) in listed.items():
        path = directory / name
        data_bytes = path.read_bytes()
        files.append(LocalFile(
            path=path, key=prefix + name, kind=kind,
            sha256=hashlib.sha256(data_bytes).hexdigest(), size=len(data_bytes),
            content_type=content_type(name), cache_control=cache_control(name, content_hash),
        ))
    return sorted(files, key=lambda f: (f.kind in INDEX_KINDS, f.kind == "manifest", f.key))


def _remote_sizes(client: Any, bucket: str, prefix: str) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            sizes[obj["Key"]] = obj["Size"]
    return sizes


def _unchanged(client: Any, bucket: str, f: LocalFile, remote_size: int | None) -> bool:
    if remote_size != f.size:
        return False  # new, or different bytes: no need to ask
    head = client.head_object(Bucket=bucket, Key=f.key)
    return bool(head.get("Metadata", {}).get(SHA256_META) == f.sha256
            and head.get("ContentType") == f.content_type
            and head.get("CacheControl") == f.cache_control)


def _upload(client: Any, bucket: str, f: LocalFile) -> None:
    with f.path.open("rb") as body:
        client.put_object(Bucket=bucket, Key=f.key, Body=body, **f.headers)


def publish(client: Any, directory: Path, bucket: str, prefix: str = "audio/", *,
            dry_run: bool = False, delete: bool = False,
            log: Any = print, policies: PoliciesFile | None = None) -> Summary:
    """Upload what changed from `directory` to s3://bucket/prefix; optionally delete stale keys.
    The policy pages are written into `directory` first, from `policies` (default: the content's)."""
    prefix = normalize_prefix(prefix)
    if (directory / MANIFEST_NAME).is_file():
        write_pages(policies or read_policies(content_directory()), directory)
    files = local_files(directory, prefix)
    client.head_bucket(Bucket=bucket)
    remote = _remote_sizes(client, bucket, prefix)
    with ThreadPoolExecutor(WORKERS) as pool:
        same = list(pool.map(lambda f: _unchanged(client, bucket, f, remote.get(f.key)), files))
        changed = [f for f, unchanged in zip(files, same, strict=True) if not unchanged]
        verb = "would upload" if dry_run else "upload"
        for f in changed:
            log(f"{verb} {f.key} ({f.size:,} bytes, {f.content_type}, {f.cache_control})")
        if not dry_run:
            # Media in parallel first; the index files only once every media file is there.
            list(pool.map(lambda f: _upload(client, bucket, f),
                          [f for f in changed if f.kind not in INDEX_KINDS]))
            for f in changed:
                if f.kind in INDEX_KINDS:
                    _upload(client, bucket, f)
    stale = sorted(set(remote) - {f.key for f in files}) if delete else []
    for key in stale:
        log(f"{'would delete' if dry_run else 'delete'} {key}")
    if stale and not dry_run:
        for i in range(0, len(stale), 1000):
            client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in stale[i:i + 1000]], "Quiet": True})
    return Summary(uploaded=changed, skipped=len(files) - len(changed), deleted=stale)


def _explain(exc: Exception, bucket: str) -> str:
    """One line for the user instead of a stack trace."""
    from botocore import exceptions as bx

    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return ("no AWS credentials found: run `aws configure` (or `aws sso login`), "
                "or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if isinstance(exc, bx.ProfileNotFound):
        return f"{exc}: check AWS_PROFILE and ~/.aws/config"
    if isinstance(exc, bx.ParamValidationError):
        return f"invalid request: {exc}"
    if isinstance(exc, bx.EndpointConnectionError):
        return f"cannot reach S3: {exc}"
    if isinstance(exc, bx.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket"}:
            return (f"bucket {bucket!r} does not exist: use the AudioBucketName output "
                    "of the CloudFormation stack (see the README, section 'Deploy to AWS')")
        if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            return (f"access to bucket {bucket!r} denied ({code}): check the credentials "
                    "and that they may write to the bucket")
        message = exc.response.get("Error", {}).get("Message", "")
        return f"S3 error {code}: {message or exc}"
    return str(exc)


def run(args: argparse.Namespace) -> int:
    """CLI entry: publish args.dir (default audio/) to s3://args.bucket/args.prefix."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        print("publish-audio needs boto3: pip install -e '.[aws]'", file=sys.stderr)
        return 1
    directory = Path(args.dir) if args.dir else audio_dir()
    prefix = normalize_prefix(args.prefix or "")
    dry_run = bool(args.dry_run)
    print(f"{'dry run: ' if dry_run else ''}{directory} -> s3://{args.bucket}/{prefix}")
    try:
        client = boto3.session.Session().client("s3")
        summary = publish(client, directory, args.bucket, prefix, dry_run=dry_run,
                          delete=bool(getattr(args, "delete", False)))
    except (PublishError, ContentError) as exc:
        print(f"publish-audio: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"publish-audio: {_explain(exc, args.bucket)}", file=sys.stderr)
        return 1
    verb = "would upload" if dry_run else "uploaded"
    print(f"{verb} {len(summary.uploaded)} file(s) ({summary.uploaded_bytes:,} bytes), "
          f"skipped {summary.skipped} unchanged, "
          f"{'would delete' if dry_run else 'deleted'} {len(summary.deleted)}")
    return 0
