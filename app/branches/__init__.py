"""Branch building (支部建设): the domain records of the branch-building procedures — the
committee's elections and who then holds which post, the branch's set-up and adjustment, its
yearly plan and summary, disclosures, requests and reports, the secretary's report and appraisal,
and the venue checklist. Each procedure's module keeps its records and its ``ACTIONS``."""
