"""Figures and exports: pure functions from tables to Plotly figures and files."""
