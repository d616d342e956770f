"""The staff workspace: task lists by role and organisation (queries over ``human_tasks`` only)."""
