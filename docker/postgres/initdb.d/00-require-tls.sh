#!/bin/sh
# Runs once, on the first start of an empty data directory: connections over the network must use TLS
# (`hostssl`); the image's own rule (`host all all all scram-sha-256`) also allowed them in clear text. The
# `replication` lines go: they admit physical replication (a copy of every database) for every role, and
# nothing here uses it (logical replication connects to a database and matches the ordinary lines).
# Local socket connections (the image's init, pg_isready) are unchanged.
sed -i -e 's/^host\([[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\)/hostssl\1/' \
    -e '/^[a-z]\{1,\}[[:space:]]\{1,\}replication[[:space:]]/d' "$PGDATA/pg_hba.conf"
grep -q '^hostssl[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]\{1,\}all[[:space:]]' "$PGDATA/pg_hba.conf"
! grep -q '^[a-z]\{1,\}[[:space:]]\{1,\}replication[[:space:]]' "$PGDATA/pg_hba.conf"
