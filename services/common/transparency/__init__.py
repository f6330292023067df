"""The transparency log: every accepted tally version, in a Merkle tree with signed heads.

`merkle` (RFC 9162 hashing and proofs) and `heads` (Ed25519 tree heads) are pure and are what
a verifier needs; `entries` makes a tally version into a log entry; `log_store` appends,
signs and proves against the database.
"""
