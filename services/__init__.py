"""Services between the pages/command lines and storage: they run the domain (forms, rules)
once and hand the store typed results. Nothing here imports Streamlit."""
