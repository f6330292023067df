"""Master data: regions, TPS with their DPT, the contest, officers and reviewers.

`plan` builds the rows from the bundled reference data without a database; `load` writes them;
`seed` migrates and loads, for `rekap seed` and the first `rekap up`.
"""

from services.common.masterdata.report import LoadReport, master_data_loaded
from services.common.masterdata.seed import seed

__all__ = ["LoadReport", "master_data_loaded", "seed"]
