"""envelope encryption: key generations, sealed measure owner, retention statistics

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding `cases` on SQLite would fail, other tables reference it.
    op.add_column('cases', sa.Column('key_generation', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_ct', sa.LargeBinary(), nullable=True))
        batch_op.alter_column('responsible', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)

    # No release before 0002 wrote case keys, so the table is rebuilt with one row per generation.
    op.drop_table('case_keys')
    op.create_table('case_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('wrap', sa.LargeBinary(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'recipient', 'key_version')
    )
    with op.batch_alter_table('case_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_keys_case_id'), ['case_id'], unique=False)

    op.create_table('case_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('classification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('closed_month', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('destroyed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_statistics_workflow_id'), ['workflow_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("varsel does not downgrade a database; restore a backup instead")
