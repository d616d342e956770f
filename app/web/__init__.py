"""The shell of the site: home page, language switch, health check and error pages."""
