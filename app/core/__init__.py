"""Cross-cutting, domain-agnostic foundations: database, commands, audit, errors, security, i18n."""
