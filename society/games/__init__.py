"""Games played on the society core, one package each."""
