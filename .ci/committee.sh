#!/usr/bin/env bash
# The README's "A committee on one server", step by step, with real OS accounts, and what step 9
# promises checked. Run as root on a machine with PostgreSQL's packaged cluster running (.ci/run
# starts it). The README's names (kari, lars, database varsel, /opt/varsel) are used unless this
# machine has one of them already; then every name gets the prefix cm_ (COMMITTEE_PREFIX overrides).
# Everything made here is removed at the end (COMMITTEE_KEEP=1 keeps it for a look).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
[ "$(id -u)" = 0 ] || { echo "committee.sh: run as root (it adds OS accounts)" >&2; exit 1; }

pg() { su - postgres -c "$1"; }
taken() {
  id kari >/dev/null 2>&1 || id lars >/dev/null 2>&1 || [ -e /opt/varsel ] || [ -e /usr/local/bin/varsel ] ||
    pg "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'varsel' UNION ALL
                    SELECT 1 FROM pg_roles WHERE rolname IN ('kari', 'lars')\"" | grep -q 1
}
if [ -z "${COMMITTEE_PREFIX+x}" ]; then P=""; taken && P=cm_; else P=$COMMITTEE_PREFIX; fi
KARI=${P}kari LARS=${P}lars DB=${P}varsel PREFIX=/opt/${P}varsel VARSEL=${P}varsel
URL=postgresql:///$DB
# Test passphrases only (visible in this machine's process list while su runs).
KARI_PASS="kari sin lange passfrase" LARS_PASS="lars sin lange passfrase"
PRODUCT_ROLES="varsel_admins varsel_officers varsel_applicants varsel_owner"
ROLES_BEFORE=$(pg "psql -tAc \"SELECT count(*) FROM pg_roles WHERE rolname = 'varsel_owner'\"")

cleanup() {
  local rc=$?
  if [ "${COMMITTEE_KEEP:-}" != 1 ]; then
    pg "dropdb --if-exists --force $DB" || true
    pg "dropuser --if-exists $KARI; dropuser --if-exists $LARS" || true
    if [ "$ROLES_BEFORE" = 0 ]; then
      for r in $PRODUCT_ROLES; do pg "dropuser --if-exists $r" || true; done
    fi
    userdel -r "$KARI" 2>/dev/null || true
    userdel -r "$LARS" 2>/dev/null || true
    rm -rf "$PREFIX" "/usr/local/bin/$VARSEL"
  fi
  [ $rc = 0 ] && echo "committee.sh: passed" || echo "committee.sh: FAILED (exit $rc)" >&2
}
trap cleanup EXIT
step() { echo "== committee.sh step $*"; }
as() { local who=$1; shift; su - "$who" -c "$*"; }
kari() { as "$KARI" "VARSEL_PASSPHRASE='$KARI_PASS' $*"; }
lars() { as "$LARS" "VARSEL_PASSPHRASE='$LARS_PASS' $*"; }
fail() { echo "committee.sh: $*" >&2; exit 1; }

step "1: PostgreSQL and the app for all users ($PREFIX)"
dpkg -s postgresql python3-venv >/dev/null 2>&1 ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql python3-venv >/dev/null; }
/usr/bin/python3 -m venv "$PREFIX"
"$PREFIX/bin/pip" install -q "$SRC[postgres]"
ln -s "$PREFIX/bin/varsel" "/usr/local/bin/$VARSEL"

step "2: OS accounts $KARI and $LARS"
useradd -m -s /bin/bash "$KARI"
useradd -m -s /bin/bash "$LARS"

step "3: server init as postgres, $KARI the first administrator"
pg "$VARSEL server init $URL --admin $KARI"

step "4: a login for $LARS"
pg "createuser -g varsel_applicants $LARS"

step "5: both register themselves"
for who in "$KARI" "$LARS"; do
  as "$who" "echo 'export VARSEL_DB=$URL' >> ~/.profile && . ~/.profile"
done
kari "$VARSEL user add $KARI"
lars "$VARSEL user add $LARS"

step "6: $KARI approves $LARS"
if kari "$VARSEL user approve --help" >/dev/null 2>&1; then
  kari "$VARSEL user approve $LARS --role officer"
else
  # Bridge until 'varsel user approve' is merged: the database half of approval, as kari.
  echo "committee.sh: this build has no 'varsel user approve'; granting $LARS's login through grant_login" >&2
  kari "$PREFIX/bin/python -c 'from varsel_tui.store.db import locate, make_engine
from varsel_tui.store.server import grant_login
grant_login(make_engine(locate(None)), \"$LARS\", \"officer\")'"
fi

step "7: bodies and members"
kari "$VARSEL body add IE-fakultetet"
kari "$VARSEL body add NV-fakultetet"
kari "$VARSEL body member add IE-fakultetet $KARI"
kari "$VARSEL body member add NV-fakultetet $LARS"

step "8: $KARI registers a case for her body"
kari "$VARSEL case new --workflow ntnu-avvik --title 'Eksamen uten sensorveiledning' --received 2026-11-20 \
  --set melder_type=student --set gjelder=utdanning --set mottakende_enhet=IE-fakultetet"

step "9: $KARI sees it, $LARS does not (app and psql)"
count_title() { /usr/bin/python3 -c 'import json, sys
print(sum(c["title"] == "Eksamen uten sensorveiledning" for c in json.load(sys.stdin)))'; }
[ "$(kari "$VARSEL case list --json" | count_title)" = 1 ] || fail "$KARI does not see her case"
[ "$(lars "$VARSEL case list --json" | count_title)" = 0 ] || fail "$LARS sees $KARI's case"
[ "$(lars "$VARSEL case list --json")" = "[]" ] || fail "$LARS's case list is not empty"
[ "$(pg "psql -d $DB -tAc 'SELECT count(*) FROM cases'")" = 1 ] || fail "the case is not in the database"
[ -z "$(as "$LARS" "psql $URL -tA -c 'select title from cases'")" ] || fail "$LARS's psql sees a case"
[ "$(as "$LARS" "psql $URL -tA -c \"update journal set text = 'x' returning id\"")" = "UPDATE 0" ] ||
  fail "$LARS's psql changed the journal"
if as "$LARS" "psql $URL -v ON_ERROR_STOP=1 -tA -c 'delete from journal'" 2>/dev/null; then
  fail "$LARS's psql may delete journal entries"
fi
[ "$(pg "psql -d $DB -tAc \"SELECT count(*) FROM journal WHERE text = 'x'\"")" = 0 ] || fail "the journal was changed"

step "10: server upgrade (again, safely), and the officers still work"
pg "$VARSEL server upgrade $URL"
[ "$(kari "$VARSEL case list --json" | count_title)" = 1 ] || fail "$KARI lost her case after the upgrade"
lars "$VARSEL case list --json" >/dev/null
