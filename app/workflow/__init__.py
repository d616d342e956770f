"""Process definitions and instances in the database: deployment, runtime commands, human tasks,
timers, messages, incidents and the step log. The engine itself is behind ``app.engine``."""
