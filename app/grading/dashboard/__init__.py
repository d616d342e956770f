"""The 达标晋级 dashboard (/dashboard): levels, ratings, the latest cycle and overdue
rectifications of the units a reader sees, and its Excel export."""
