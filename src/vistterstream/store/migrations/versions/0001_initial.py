"""Initial schema: cameras, destinations, timelines with cues, preview_events.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "destinations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("rtmp_url", sa.Text(), nullable=False),
        sa.Column("stream_key_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("stream_key_hint", sa.String(8), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "timelines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Integer(), nullable=False),
        sa.Column("quality", sa.String(16), nullable=False),
        sa.Column("loop", sa.Boolean(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "timeline_cues",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("timeline_id", sa.Integer(), sa.ForeignKey("timelines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("camera_id", sa.Integer(), sa.ForeignKey("cameras.id", ondelete="RESTRICT"), nullable=True),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("transition", sa.String(8), nullable=False),
        sa.Column("transition_duration", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
    )
    op.create_index("ix_timeline_cues_timeline_id", "timeline_cues", ["timeline_id"])
    op.create_index("ix_timeline_cues_camera_id", "timeline_cues", ["camera_id"])
    op.create_table(
        "preview_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("timeline_id", sa.Integer(), nullable=True),
        sa.Column("destination_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_preview_events_event_type", "preview_events", ["event_type"])
    op.create_index("ix_preview_events_created_at", "preview_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("preview_events")
    op.drop_table("timeline_cues")
    op.drop_table("timelines")
    op.drop_table("destinations")
    op.drop_table("cameras")
