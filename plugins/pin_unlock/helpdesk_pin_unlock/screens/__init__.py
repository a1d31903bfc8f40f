"""Textual screens of the plugin (imported only when a workflow is opened)."""
