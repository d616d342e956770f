"""Uploaded files: stored once under their content hash outside the web root, served only to
people who may see the process instance they belong to."""
