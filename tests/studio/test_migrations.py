"""Every migration, applied in turn to a database that holds data from the one before."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from troupe_studio import db

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)

# data written right after each revision, in that revision's schema
SEED = {
    "0001": [
        "INSERT INTO artifacts (id, kind, name, description, created_at) "
        "VALUES (1, 'datasets', 'iris', 'flowers', :now)",
        "INSERT INTO versions (id, artifact_id, number, filename, key, size, sha256, metadata, "
        "created_at) VALUES (1, 1, 1, 'iris.csv', 'artifacts/datasets/iris/a/iris.csv', 10, "
        "'" + "0" * 64 + '\', \'{"format": "csv"}\', :now)',
    ],
    "0002": [
        "INSERT INTO uses (artifact_id, version_id, holder, created_at) "
        "VALUES (1, 1, 'task:1', :now)"
    ],
    "0003": [
        "INSERT INTO artifacts (id, project, kind, name, description, created_at) "
        "VALUES (2, 'team-b', 'datasets', 'iris', 'theirs', :now)",
        "INSERT INTO tasks (id, project, name, description, spec, runs_started, created_at, "
        "updated_at) VALUES (1, 'default', 'fit', '', '{}', 1, :now, :now)",
        "INSERT INTO runs (id, project, task_id, task_name, number, name, kind, manifest, "
        "output_uri, phase, message, status, pods, job_exists, created_at) VALUES (1, "
        "'default', 1, 'fit', 1, 'fit-r1', 'training', '{}', '', 'Running', '', '{}', '{}', "
        ":yes, :now)",
        "INSERT INTO run_history (run_id, seq, time, type, pod, data) "
        "VALUES (1, 1, :now, 'phase', '', '{\"phase\": \"Running\"}')",
    ],
}


def revisions(engine) -> list[str]:
    script = ScriptDirectory.from_config(db.alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_every_migration_keeps_the_data(database_url):
    engine = db.connect(database_url)
    revs = revisions(engine)
    assert revs[0] == "0001" and set(SEED) == set(revs), "seed every revision with data"
    for rev in revs:
        db.migrate(engine, rev)
        with engine.begin() as c:
            for sql in SEED[rev]:
                c.execute(text(sql), {"now": NOW, "yes": True})
    with db.sessions(engine)() as s:
        art = s.scalar(select(db.Artifact).where(db.Artifact.name == "iris"))
        assert art.description == "flowers" and art.versions[0].meta == {"format": "csv"}
        assert db.in_use(s, art) == ["task:1"]
        assert art.project == "default"  # rows from before projects are the default one's
        theirs = s.scalar(select(db.Artifact).where(db.Artifact.project == "team-b"))
        assert theirs.name == "iris" and theirs.description == "theirs"
        entry = s.scalar(select(db.RunEntry))
        assert (entry.seq, entry.data) == (1, {"phase": "Running"})
    engine.dispose()


def test_the_models_match_the_newest_migration(database_url):
    engine = db.connect(database_url)
    db.migrate(engine)
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), db.Base.metadata)
    assert diff == []
    db.migrate(engine)  # a second start is a no-op
    engine.dispose()
