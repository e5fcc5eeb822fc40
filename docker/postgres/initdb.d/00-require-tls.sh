#!/bin/sh
# Runs once, on the first start of an empty data directory: connections over the network must use TLS
# (`hostssl`); the image's own rule (`host all all all scram-sha-256`) also allowed them in clear text.
# Local socket connections (the image's init, pg_isready) are unchanged.
sed -i 's/^host\([[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\)/hostssl\1/' \
    "$PGDATA/pg_hba.conf"
grep -q '^hostssl[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]' "$PGDATA/pg_hba.conf"
