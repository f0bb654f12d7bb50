"""The database: engine, sessions, the ORM models, and migrations run through Alembic.

The one module that imports SQLAlchemy. The schema only changes through the migrations under
`migrations/`; the models here mirror the newest one (a test compares them).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

KINDS = ("datasets", "algorithms", "layers", "models")
DEFAULT_PROJECT = "default"  # where the rows from before projects (migration 0003) live


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTC(TypeDecorator):
    """A timestamp that comes back timezone-aware (UTC) on SQLite too, which keeps no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    pass


class Artifact(Base):
    """A named thing of one kind (a dataset, an algorithm, ...); its content lives in versions."""

    __tablename__ = "artifacts"
    __table_args__ = (
        UniqueConstraint("project", "kind", "name", name="uq_artifacts_project_kind_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(63), default=DEFAULT_PROJECT)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)
    versions: Mapped[list[Version]] = relationship(
        back_populates="artifact", order_by="Version.number", cascade="all, delete-orphan"
    )


class Version(Base):
    """One immutable upload: its object key, size, checksum and what inspection found."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("artifact_id", "number", name="uq_versions_artifact_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"))
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(512), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)
    artifact: Mapped[Artifact] = relationship(back_populates="versions")


class Use(Base):
    """Something (a task, later) that depends on an artifact, or on one version of it.

    Deleting what is used is refused: `in_use` is the one query that asks.
    """

    __tablename__ = "uses"
    __table_args__ = (Index("ix_uses_artifact", "artifact_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="RESTRICT"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="RESTRICT"))
    holder: Mapped[str] = mapped_column(String(200))  # e.g. "task:42"
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)


class Task(Base):
    """A training task of a project: the task's fields and its references, as one JSON spec."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project", "name", name="uq_tasks_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(String(2000), default="")
    spec: Mapped[dict] = mapped_column(JSON)
    runs_started: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)


class Run(Base):
    """One TrainingJob made from a task; what the watcher saw stays here after the job goes."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("project", "name", name="uq_runs_project_name"),
        UniqueConstraint("task_id", "number", name="uq_runs_task_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(63))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    task_name: Mapped[str] = mapped_column(String(63))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(63))  # the TrainingJob's
    kind: Mapped[str] = mapped_column(String(16), default="training")  # or "validation"
    manifest: Mapped[dict] = mapped_column(JSON)
    output_uri: Mapped[str] = mapped_column(String(512), default="")
    phase: Mapped[str] = mapped_column(String(32), default="Pending")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[dict] = mapped_column(JSON, default=dict)  # the job's last status seen
    pods: Mapped[dict] = mapped_column(JSON, default=dict)  # pod name -> last state seen
    job_exists: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTC, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTC, nullable=True)


class RunEntry(Base):
    """One thing that happened to a run (phase, pod, event, log line, metric), numbered."""

    __tablename__ = "run_history"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_run_history_run_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int]
    time: Mapped[dt.datetime] = mapped_column(UTC)
    type: Mapped[str] = mapped_column(String(16))
    pod: Mapped[str] = mapped_column(String(253), default="")
    data: Mapped[dict] = mapped_column(JSON)


class Validation(Base):
    """The outcome of validating one version (a model built, an algorithm run briefly)."""

    __tablename__ = "validations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    ok: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=now)


def in_use(session: Session, artifact: Artifact, version: Version | None = None) -> list[str]:
    """Holders that use the artifact (any version of it), or that one version."""
    q = select(Use.holder).where(Use.artifact_id == artifact.id)
    if version is not None:
        q = q.where((Use.version_id == version.id) | (Use.version_id.is_(None)))
    return list(session.scalars(q.limit(10)))


def connect(url: str) -> Engine:
    """An engine; SQLite gets foreign keys on and a busy timeout so concurrent writers wait."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi, _record):
            cur = dbapi.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the service does this on start)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def keys(session: Session) -> set[str]:
    return set(session.scalars(select(Version.key)))
