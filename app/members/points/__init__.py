"""Member points (党员积分, domain.md §11): the scheme as configuration, the accrual computed from
the records, and the queries the pages, the ledger and the grading read."""
