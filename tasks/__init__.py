"""Taskiq broker and tasks: each task takes an id and calls the core."""
