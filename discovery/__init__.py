"""Hot lists, view counting, related stories and topic collections."""
