"""letters: drafts of the letters and e-mails the procedures require, made on the case

One row per letter drafted from a template (data/letters): its step, status (draft/sent), the
rendered subject and body, the officer's free text, the case values and recipients it was made
with — each sealed with the case key for a strictly secret case — and, once sent, the date and
the SHA-256 of the sent .eml.

Revision ID: 0005l
Revises: 0005c
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005l'
down_revision = '0005c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('step_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('subject_ct', sa.LargeBinary(), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('body_ct', sa.LargeBinary(), nullable=True),
    sa.Column('free_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('free_text_ct', sa.LargeBinary(), nullable=True),
    sa.Column('values_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('values_ct', sa.LargeBinary(), nullable=True),
    sa.Column('recipients_json', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('recipients_ct', sa.LargeBinary(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sent_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('checksum', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("varsel does not downgrade a database; restore a backup instead")
