"""Star ratings (星级) and A/B/C classes (domain.md §10): the rules, the command, the reads."""
