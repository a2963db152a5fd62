"""Standing orders: a buyer's recurring order with a supplier, placed by itself at the
supplier's cut-off for each delivery day of its schedule (CONTRACT.md §3 "Standing orders
and carrier shipping"; docs/standing.md)."""
