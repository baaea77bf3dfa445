"""Shared page pieces: layout, tables, badges, money formatting, empty and loading states."""
