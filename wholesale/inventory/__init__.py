"""Stock per product per warehouse, and the ledger of every change to it."""
