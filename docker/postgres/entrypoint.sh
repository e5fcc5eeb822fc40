#!/bin/sh
# Entry point of the compose `postgres` service (run as root, before the image's own entry point): this
# deployment's CA and the server certificate it signs (make-certs.sh), made once into the postgres-tls volume,
# with the CA certificate alone in the postgres-ca volume that the clients mount to verify the server
# (sslmode=verify-full). To use certificates of your own CA, put server.key and server.crt in postgres-tls and
# your CA certificate in postgres-ca as postgres-ca.crt.
set -eu
tls=/var/lib/postgresql/tls
sh /opt/hybrid/make-certs.sh "$tls" /etc/hybrid/tls postgres
chown -R postgres:postgres "$tls"
exec docker-entrypoint.sh "$@"
