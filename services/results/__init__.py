"""The public, read-only face of Rekap: results API, live stream, web page, exports, the
Sirekap-compatible mirror and the transparency log's proofs."""
