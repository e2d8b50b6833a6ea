#!/bin/sh
# The full load benchmark of issue 26, for a quiet machine: SQLite and PostgreSQL, each at the generator's
# scale 1 and 4 (`bench/generate.py --scale 4`: four times every table, centers included), then
# bench/RESULTS.md rewritten from the four runs.
#
#   sh bench/full_run.sh                     # from the repository's root
#
# Builds what is missing first and keeps it for the next run: bench/out/province-1.sqlite and
# province-4.sqlite, and the PostgreSQL databases bench_1x and bench_4x (created with createdb on
# 127.0.0.1:5432 as user postgres; drop them, or delete the files, to build them afresh). The generated data
# has sections to come in the 45 days after the day it was built, so rebuild data older than a month.
# Each run measures 16 pages (the bare page three times, the reference list, 12 portal pages) for
# $WARMUP + $SECONDS_PER_PAGE seconds each, plus logins; about 6 minutes per run with the defaults.
#
# Settings (environment): PY (default .venv/bin/python), PGHOST (127.0.0.1), PGPORT (5432), PGUSER
# (postgres), SECONDS_PER_PAGE (15), WARMUP (3), WORKERS (2), CONNECTIONS (20), SCALES ("1 4"; the database
# of scale 0.1 is bench_0_1x), and EXTRA (more options for bench/wrk_load.py, e.g. EXTRA="--think 1000" for a
# paced phase per page; that doubles the measured time).
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
SECONDS_PER_PAGE=${SECONDS_PER_PAGE:-15}
WARMUP=${WARMUP:-3}
WORKERS=${WORKERS:-2}
CONNECTIONS=${CONNECTIONS:-20}
SCALES=${SCALES:-1 4}
EXTRA=${EXTRA:-}
PG="postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT"
begin=$(date +%s)

database() { echo "bench_$(echo "$1" | tr . _)x"; }

for scale in $SCALES; do
    if [ ! -e "bench/out/province-$scale.sqlite" ]; then
        echo "== building bench/out/province-$scale.sqlite"
        "$PY" bench/generate.py --scale "$scale"
    fi
    name=$(database "$scale")
    if [ -z "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
        echo "== building PostgreSQL database $name"
        createdb "$name"
        "$PY" bench/generate.py --url "$PG/$name" --scale "$scale" || { dropdb "$name"; exit 1; }
    fi
done

# Only this script's runs make the new RESULTS.md (an older run at another scale would be listed too).
rm -f bench/out/wrk-*.json
status=0
for scale in $SCALES; do
    for url in "" "$PG/$(database "$scale")"; do
        echo "== measuring ${url:-SQLite} at ${scale}x"
        # shellcheck disable=SC2086
        "$PY" bench/wrk_load.py ${url:+--url "$url"} --scale "$scale" --workers "$WORKERS" \
            --connections "$CONNECTIONS" --seconds "$SECONDS_PER_PAGE" --warmup "$WARMUP" $EXTRA || status=1
    done
done
echo "== done in $(( $(date +%s) - begin )) s; bench/RESULTS.md rewritten$( [ $status = 0 ] || echo ', SOME PAGES FAILED (see above)')"
exit $status
