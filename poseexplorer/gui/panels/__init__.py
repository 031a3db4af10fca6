"""Dockable panels of the main window; each listens to and writes back through AppState."""
