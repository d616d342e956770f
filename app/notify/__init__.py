"""In-app notifications: a task arrived for me or my role, a task assigned to me, a task overdue, a
task returned for correction, a meeting not yet held as its period ends."""
