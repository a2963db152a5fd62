"""Portal pages: dashboard and the sections of the navigation."""
