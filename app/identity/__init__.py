"""Organisation tree, people, users, role assignments and login."""
