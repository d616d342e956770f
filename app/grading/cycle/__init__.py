"""The annual grading cycle (G3–G5): the start for every branch, acceptance, veto checks,
measured criteria."""
