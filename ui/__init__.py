"""Presentation helpers for the Streamlit pages: figures, formatting, session state, service access.

Nothing here decides anything about the season; every number comes from the service layer.
"""
