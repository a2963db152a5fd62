"""Order lifecycle and fulfilment: after an order is placed, the supplier's team works it
through `placed → received → picking → packed → shipped → delivered` (or it is cancelled),
and both sides see where it stands.

- `machine`: the one transition table and `transition()`; every change is an `OrderEvent`
  on the order's timeline and a signal of `wholesale.signals`.
- `shipments`, `delivery`: goods out (partial or full), delivery confirmation.
- `backorders`: waiting orders reserve stock when it arrives.
- `delays`, `changes`, `expedite`, `late`: ETAs, delivery-change requests, priorities.
- `board`, `documents`, `pdf`: the supplier's board, pick lists and packing slips.
- `api`, `views`: the JSON API (CONTRACT.md §3) and the pages.
"""
