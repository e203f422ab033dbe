"""Pure functions on numbers and tables: KPIs, confidence intervals, theory oracles."""
