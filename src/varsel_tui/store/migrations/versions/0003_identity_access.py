"""identity and access: roles and approval, signing keys, signed membership, materialised case
access (read by the queue and PostgreSQL row-level security), case-state digests in the journal,
presence

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: rebuilding a referenced table on SQLite would fail.
    op.add_column('users', sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                     server_default='officer'))
    op.add_column('users', sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('users', sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('users', sa.Column('signing_public_key', sa.LargeBinary(), nullable=True))
    op.add_column('users', sa.Column('approval_sig', sa.LargeBinary(), nullable=True))

    op.add_column('members', sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('members', sa.Column('signed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('members', sa.Column('sig', sa.LargeBinary(), nullable=True))

    op.add_column('journal', sa.Column('state_digest', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    op.create_table('case_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'user_name')
    )
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.create_index('ix_case_access_user_case', ['user_name', 'case_id'], unique=False)

    op.create_table('presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('activity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'user_name')
    )


def downgrade() -> None:
    raise NotImplementedError("varsel does not downgrade a database; restore a backup instead")
