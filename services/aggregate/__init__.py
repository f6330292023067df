"""Roll-up of accepted tallies by region: the totals the public feed shows."""
