#!/usr/bin/env bash
# A throwaway certificate authority and a server certificate for a test
# PostgreSQL with TLS, made with openssl.
#
# Usage (sourced, after scripts/lib/postgres.sh, before pg_start):
#
#   pg_tls_certs DIR   # DIR/ca.crt signs DIR/server.crt (for "localhost"), DIR/other-ca.crt signs nothing
#   PG_EXTRA_OPTS="$(pg_tls_opts DIR)" pg_start
#
# The certificates are X.509 v3 with the extensions rustls insists on: the
# CA is marked as one, and the server's name is in subjectAltName (rustls
# ignores the common name).

# Writes ca.crt, other-ca.crt, server.crt and server.key into DIR (created);
# the server's files are readable by the cluster's owner only.
pg_tls_certs() {
  local dir="$1"
  mkdir -p "$dir"
  (
    cd "$dir"
    for ca in ca other-ca; do
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tasks-api test $ca" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$ca.key" -out "$ca.crt" 2>/dev/null
    done
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
      -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' subjectAltName=DNS:localhost basicConstraints=CA:FALSE \
      extendedKeyUsage=serverAuth >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext ca.srl
  )
  chmod 0755 "$dir"
  chmod 0600 "$dir/server.key"
  if _pg_is_root; then
    chown postgres: "$dir/server.key" "$dir/server.crt"
  fi
}

# The server settings that turn TLS on with DIR's certificate.
pg_tls_opts() {
  local dir="$1"
  printf -- "-c ssl=on -c ssl_cert_file='%s' -c ssl_key_file='%s'" "$dir/server.crt" "$dir/server.key"
}
