"""In-app notifications: a task assigned to me, a task overdue, a task returned for correction."""
