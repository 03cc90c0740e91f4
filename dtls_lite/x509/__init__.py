"""X.509 for dtls_lite: strict DER, certificates, chains, EC keys, and a small certificate writer.

Data flows one way: DER/PEM bytes -> `der.DerReader` (bounded, strict) -> `cert.parse_certificate`
-> `chain.Verifier.verify` (signatures via dtls_lite.crypto.p256/p384, CA flags, path length, key
usage, validity) -> the leaf `Certificate` the engine exposes to the application. Every failure is
a `CertificateError` carrying the TLS alert the engine sends (see errors.py for the mapping).

Modules (import the one you need; this package file stays empty so importing it costs nothing):
  errors  CertificateError and the alert codes      der    DerReader, times, OIDs
  pem     PEM armour                                 name   Name -> RFC 4514 string
  keys    EC public (SPKI, RFC 7250 raw keys) and private keys (SEC1, PKCS#8)
  cert    Certificate parser                         chain  chain validation (Verifier)
  write   DER builder: names, SPKI, certificates (used by tools/keygen.py)
"""
