"""Form definitions (forms/<key>.json): loading and server-side validation of submitted data.

This is the minimal core the process engine needs — find a form by key, read its JSON Schema,
validate data against it. The staff workspace grows it into the full registry with layout hints and
widgets.
"""
