"""Downloads built from the service's typed documents (no database, no Streamlit)."""
