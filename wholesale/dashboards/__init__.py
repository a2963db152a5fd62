"""The dashboards at `/`: the supplier's (how fulfilment and billing are going) and the
buyer's (open orders, messages, spend, invoices due). Figures come from a few aggregate
SQL queries that run on SQLite and PostgreSQL; "now" is passed in, so the numbers can be
checked on a fixed data set."""
