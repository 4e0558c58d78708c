#!/usr/bin/env bash
# Generates the TLS fixtures under test/fixtures/tls: a private root CA, an
# intermediate, and leaves that are valid (to 2125), expired (in 2020), not yet
# valid (from 2095), for the wrong host, self-signed, signed by an unknown CA,
# an RSA-1024 leaf, and a client certificate. Dates are fixed so the tests do
# not depend on today's date except where the case is about dates.
# Run again only to change the fixtures; the outputs are committed.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/tls"
rm -rf "$out"; mkdir -p "$out"; cd "$out"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"${2:-2048}" -out "$1" 2>/dev/null; }

# ca NAME SUBJECT [ISSUER_NAME]: a CA certificate (self-signed when no issuer).
ca() {
  key "$1.key"
  if [ -z "${3:-}" ]; then
    openssl req -x509 -new -key "$1.key" -subj "$2" -days 36500 -sha256 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.crt"
  else
    openssl req -new -key "$1.key" -subj "$2" -out "$work/$1.csr"
    sign "$3" "$work/$1.csr" "$1.crt" 20200101000000Z 21250101000000Z "basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign"
  fi
}

# sign ISSUER CSR OUT START END EXTENSIONS: issue with explicit validity dates via `openssl ca`.
sign() {
  local db="$work/db-$1"; mkdir -p "$db"; : > "$db/index.txt"; [ -f "$db/serial" ] || openssl rand -hex 16 > "$db/serial"
  printf '%s\n' "$6" > "$work/ext"
  cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $work
default_md = sha256
policy = p
copy_extensions = none
unique_subject = no
[p]
commonName = supplied
CNF
  openssl ca -batch -notext -config "$work/ca.cnf" -cert "$1.crt" -keyfile "$1.key" -in "$2" -out "$3" \
    -startdate "$4" -enddate "$5" -extfile "$work/ext" 2>/dev/null
}

# leaf NAME ISSUER START END SAN [BITS]
leaf() {
  key "$1.key" "${6:-2048}"
  openssl req -new -key "$1.key" -subj "/CN=${1}" -out "$work/$1.csr"
  sign "$2" "$work/$1.csr" "$1.crt" "$3" "$4" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$5"
}

ca root "/CN=mqtt-tool test root CA"
ca intermediate "/CN=mqtt-tool test intermediate CA" root
ca unknown-root "/CN=mqtt-tool unknown CA"

LOCAL="DNS:localhost,IP:127.0.0.1,IP:::1"
leaf valid intermediate 20200101000000Z 21250101000000Z "$LOCAL"
leaf expired intermediate 20200101000000Z 20210101000000Z "$LOCAL"
leaf not-yet-valid intermediate 20950101000000Z 21250101000000Z "$LOCAL"
leaf wrong-host intermediate 20200101000000Z 21250101000000Z "DNS:broker.example.com"
leaf unknown-ca unknown-root 20200101000000Z 21250101000000Z "$LOCAL"
leaf weak-key intermediate 20200101000000Z 21250101000000Z "$LOCAL" 1024
leaf client intermediate 20200101000000Z 21250101000000Z "DNS:mqtt-tool-client"

key self-signed.key
openssl req -x509 -new -key self-signed.key -subj "/CN=localhost" -days 36500 -sha256 \
  -addext "subjectAltName=$LOCAL" -out self-signed.crt

# What brokers serve: leaf + intermediate. "valid-leaf-only" lacks the intermediate.
for n in valid expired not-yet-valid wrong-host weak-key client; do cat "$n.crt" intermediate.crt > "$n-chain.crt"; done
cp valid.crt valid-leaf-only.crt
cat unknown-ca.crt > unknown-ca-chain.crt
# The CA bundle clients trust.
cp root.crt ca.crt
rm -f unknown-root.key root.key intermediate.key
chmod 644 ./*
echo "fixtures written to $out"
