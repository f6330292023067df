"""Master data: regions, TPS with their DPT, the contest, officers and reviewers.

`plan` builds the rows from the bundled reference data without a database; `load` writes them;
`seed.seed` does both for `rekap seed`.
"""
