"""Trading relationships between suppliers and their buyers."""
