"""The web launcher: `studio-resume serve` (create_app, serve)."""
