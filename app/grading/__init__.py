"""Grading (达标晋级): the rubric as versioned configuration; assessments and levels to come."""
