"""Orders: placement (one service for every channel), lines, reservations, backorders."""
