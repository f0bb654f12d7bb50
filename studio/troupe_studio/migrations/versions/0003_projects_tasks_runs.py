"""Projects (a namespace each) over the artifacts; tasks, runs, run history, validations.

Artifacts from before projects move to the project `default`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("artifacts") as t:
        t.add_column(sa.Column("project", sa.String(63), nullable=False, server_default="default"))
        t.drop_constraint("uq_artifacts_kind_name", type_="unique")
        t.create_unique_constraint("uq_artifacts_project_kind_name", ["project", "kind", "name"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("runs_started", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project", "name", name="uq_tasks_project_name"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(63), nullable=False),
        sa.Column(
            "task_id", sa.Integer, sa.ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("task_name", sa.String(63), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("output_uri", sa.String(512), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.JSON, nullable=False),
        sa.Column("pods", sa.JSON, nullable=False),
        sa.Column("job_exists", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("project", "name", name="uq_runs_project_name"),
        sa.UniqueConstraint("task_id", "number", name="uq_runs_task_number"),
    )
    op.create_table(
        "run_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("pod", sa.String(253), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "seq", name="uq_run_history_run_seq"),
    )
    op.create_table(
        "validations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validations")
    op.drop_table("run_history")
    op.drop_table("runs")
    op.drop_table("tasks")
    with op.batch_alter_table("artifacts") as t:
        t.drop_constraint("uq_artifacts_project_kind_name", type_="unique")
        t.create_unique_constraint("uq_artifacts_kind_name", ["kind", "name"])
        t.drop_column("project")
