#!/bin/sh
# A CA of this deployment and the Postgres server's certificate signed by it, made once (an existing pair is kept):
#   make-certs.sh TLS_DIR CA_DIR [HOSTNAME]
# TLS_DIR gets the server's key and certificate and the CA's key (only the server reads it); CA_DIR gets the CA
# certificate alone, as postgres-ca.crt, for the clients that verify the server (sslmode=verify-full). The
# certificate names HOSTNAME (default: postgres, the compose service) as its DNS name.
set -eu
tls=$1
ca=$2
host=${3:-postgres}
mkdir -p "$tls" "$ca"
if [ ! -s "$tls/ca.key" ] || [ ! -s "$ca/postgres-ca.crt" ]; then
    openssl req -new -x509 -days 3650 -nodes -subj "/CN=hybrid Postgres CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$tls/ca.key" -out "$ca/postgres-ca.crt" 2>/dev/null
    rm -f "$tls/server.key" "$tls/server.crt"
    echo "made a CA for the Postgres server in $tls (certificate: $ca/postgres-ca.crt)"
fi
if [ ! -s "$tls/server.key" ] || [ ! -s "$tls/server.crt" ]; then
    extensions=$(mktemp)
    printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
        "$host" > "$extensions"
    openssl req -new -nodes -subj "/CN=$host" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    openssl x509 -req -days 825 -in "$tls/server.csr" -CA "$ca/postgres-ca.crt" -CAkey "$tls/ca.key" \
        -CAcreateserial -CAserial "$tls/ca.srl" -extfile "$extensions" -out "$tls/server.crt" 2>/dev/null
    rm -f "$tls/server.csr" "$extensions"
    echo "made the server certificate for $host in $tls, signed by the CA"
fi
chmod 0600 "$tls/server.key" "$tls/ca.key"
chmod 0644 "$ca/postgres-ca.crt"
