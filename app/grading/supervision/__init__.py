"""Half-yearly supervision and re-inspection (G6), with their rectifications."""
