"""Delivery runs: the supplier's vehicles, the day's routes planned from a warehouse (VROOM),
the driver's stops with proof of delivery, and the buyers' arrival windows. See
docs/routes.md."""
