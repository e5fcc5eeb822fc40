#!/bin/sh
# Entry point of the compose `postgres` service (run as root, before the image's own entry point): a TLS key and
# self-signed certificate made once per deployment into the postgres-tls volume, for clients connecting with
# sslmode=require (encryption on the network; to verify the server, mount a CA-signed pair here instead).
set -eu
tls=/var/lib/postgresql/tls
if [ ! -s "$tls/server.key" ] || [ ! -s "$tls/server.crt" ]; then
    mkdir -p "$tls"
    openssl req -new -x509 -days 3650 -nodes -subj "/CN=postgres" \
        -keyout "$tls/server.key" -out "$tls/server.crt" 2>/dev/null
    echo "made a TLS key and self-signed certificate in $tls"
fi
chown -R postgres:postgres "$tls"
chmod 0600 "$tls/server.key"
exec docker-entrypoint.sh "$@"
