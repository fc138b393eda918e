"""Placeholder: filled by its issue."""
from __future__ import annotations

import streamlit as st

st.title("profiles")
