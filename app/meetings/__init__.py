"""三会一课 compliance: whether each branch held each required meeting in each period, reminders
before a period ends, and a task for the secretary when one was missed."""
