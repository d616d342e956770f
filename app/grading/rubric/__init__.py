"""The grading rubric (domain.md §6–§10): its document, checks, versions, edit form and pages."""
