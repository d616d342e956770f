"""Form definitions (forms/<key>.json): loading, field kinds, and validation of submitted data
against the form alone. Checking answers against records (people, organisations, instances) is
the workflow's (app/workflow/form_resolve.py, form_options.py): this package reads no database.
"""
