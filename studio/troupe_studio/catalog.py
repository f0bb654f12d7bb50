"""Artifacts and their versions: the rules that tie the database and the store together.

An upload is spooled to a local file (hashed and counted as it arrives, refused past the
limit), inspected, streamed to the store under a fresh immutable key, and only then recorded:
a version row exists only for an object that is complete. An object whose row never came
(a crash between the two) is an orphan that `sweep` removes; a version number taken by a
concurrent upload makes the insert fail on the unique constraint and retry with the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import Artifact, Version, in_use
from .store import Store

PREFIX = "artifacts/"
SAMPLES = "samples/"  # validation runs' dataset samples, under their version's own path
RETRIES = 20


class Conflict(Exception):
    """The request contradicts the state (in use, taken): a 409."""


class NotFound(Exception):
    pass


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"upload larger than the limit of {limit} bytes (max_upload_bytes)")
        self.limit = limit


@dataclass
class Spooled:
    """An upload received into a local file."""

    path: Path
    size: int
    sha256: str


class Spool:
    """Write chunks to a file while hashing and counting; past `limit` bytes, TooLarge."""

    def __init__(self, directory: Path, limit: int):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"upload-{uuid.uuid4().hex}"
        self.file = open(self.path, "wb")  # noqa: SIM115 - closed by finish/discard
        self.digest, self.size, self.limit = hashlib.sha256(), 0, limit

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(self.limit)
        self.digest.update(chunk)
        self.file.write(chunk)

    def finish(self) -> Spooled:
        self.file.close()
        return Spooled(self.path, self.size, self.digest.hexdigest())

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


def object_key(project: str, kind: str, name: str, filename: str) -> str:
    return f"{PREFIX}{project}/{kind}/{name}/{uuid.uuid4().hex}/{filename}"


def sample_key(key: str, records: int) -> str:
    """Where the sample of `records` rows or files of the version stored at `key` goes."""
    head, _, filename = key.removeprefix(PREFIX).rpartition("/")
    return f"{SAMPLES}{head}/{records}/{filename}"


def _delete_objects(store: Store, keys: list[str]) -> None:
    """Versions' objects, and any samples made of them."""
    for key in keys:
        store.delete(key)
        for sample, _ in list(
            store.listing(f"{SAMPLES}{key.removeprefix(PREFIX).rpartition('/')[0]}/")
        ):
            store.delete(sample)


def _named(project: str, kind: str, name: str):
    return select(Artifact).where(
        Artifact.project == project, Artifact.kind == kind, Artifact.name == name
    )


def artifact(session: Session, project: str, kind: str, name: str) -> Artifact:
    found = session.scalar(_named(project, kind, name))
    if found is None:
        raise NotFound(f"no {kind[:-1]} named {name!r} in project {project!r}")
    return found


def version(session: Session, project: str, kind: str, name: str, number: int) -> Version:
    art = artifact(session, project, kind, name)
    found = session.scalar(
        select(Version).where(Version.artifact_id == art.id, Version.number == number)
    )
    if found is None:
        raise NotFound(f"{kind[:-1]} {name!r} has no version {number}")
    return found


def record(
    sessions: sessionmaker[Session],
    project: str,
    kind: str,
    name: str,
    filename: str,
    key: str,
    spooled: Spooled,
    meta: dict,
    description: str,
) -> Version:
    """Insert the version row with the next free number (the artifact row too, if new)."""
    for _ in range(RETRIES):
        with sessions() as s:
            try:
                art = s.scalar(_named(project, kind, name))
                if art is None:
                    art = Artifact(project=project, kind=kind, name=name, description=description)
                    s.add(art)
                    s.flush()
                elif description:
                    art.description = description
                top = s.scalar(
                    select(func.max(Version.number)).where(Version.artifact_id == art.id)
                )
                v = Version(
                    artifact_id=art.id,
                    number=(top or 0) + 1,
                    filename=filename,
                    key=key,
                    size=spooled.size,
                    sha256=spooled.sha256,
                    meta=meta,
                )
                s.add(v)
                s.commit()
                return v
            except IntegrityError:
                s.rollback()  # a concurrent upload took the number (or created the artifact)
    raise Conflict(f"{kind[:-1]} {name!r}: too many concurrent uploads, try again")


def store_and_record(
    sessions,
    store: Store,
    project: str,
    kind: str,
    name: str,
    filename: str,
    spooled: Spooled,
    meta: dict,
    description: str,
) -> Version:
    key = object_key(project, kind, name, filename)
    with open(spooled.path, "rb") as f:
        store.put(key, f, spooled.size)
    try:
        return record(sessions, project, kind, name, filename, key, spooled, meta, description)
    except BaseException:
        try:
            store.delete(key)
        except Exception:  # noqa: BLE001 - the sweep on start removes it then
            pass
        raise


def delete_artifact(sessions, store: Store, project: str, kind: str, name: str) -> None:
    """Rows first (one transaction), then objects: a failure leaves orphans, not dangling rows."""
    with sessions() as s:
        art = artifact(s, project, kind, name)
        if holders := in_use(s, art):
            raise Conflict(f"{kind[:-1]} {name!r} is in use by {', '.join(holders)}")
        keys = [v.key for v in art.versions]
        s.delete(art)
        s.commit()
    _delete_objects(store, keys)


def delete_version(sessions, store: Store, project: str, kind: str, name: str, number: int) -> None:
    with sessions() as s:
        v = version(s, project, kind, name, number)
        if holders := in_use(s, v.artifact, v):
            raise Conflict(
                f"{kind[:-1]} {name!r} version {number} is in use by {', '.join(holders)}"
            )
        key = v.key
        s.delete(v)
        s.commit()
    _delete_objects(store, [key])


def sweep(sessions, store: Store, grace_s: float) -> list[str]:
    """Delete objects no version row names (older than `grace_s`: younger may be in flight)."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_s)
    with sessions() as s:
        known = set(s.scalars(select(Version.key)))
    removed = []
    for key, modified in store.listing(PREFIX):
        if key not in known and (modified is None or modified <= cutoff):
            store.delete(key)
            removed.append(key)
    return removed


def latest_metadata(sessions, project: str, kind: str) -> list[dict]:
    """The metadata of each artifact's newest version of one kind in a project (user layers)."""
    with sessions() as s:
        newest = (
            select(Version.artifact_id, func.max(Version.number).label("n"))
            .join(Artifact)
            .where(Artifact.project == project, Artifact.kind == kind)
            .group_by(Version.artifact_id)
            .subquery()
        )
        rows = s.scalars(
            select(Version).join(
                newest,
                (Version.artifact_id == newest.c.artifact_id) & (Version.number == newest.c.n),
            )
        )
        return [v.meta for v in rows]
