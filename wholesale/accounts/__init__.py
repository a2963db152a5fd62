"""Organizations, their people, API tokens and invitations."""
