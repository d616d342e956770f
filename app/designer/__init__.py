"""The designer workspace: drafts of BPMN/DMN models, their checks, export and publishing."""
