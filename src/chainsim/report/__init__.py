"""Presenting results: terminal tables and the results folder."""
