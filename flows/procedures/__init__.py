"""One model per definition, same stem as its YAML: the procedures' guards and actions."""
