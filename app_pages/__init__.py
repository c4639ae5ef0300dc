"""Streamlit page scripts and UI helpers. Logic lives in forms/, rules/, store/."""
