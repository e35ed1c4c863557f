"""Streamlit-side helpers shared by the pages: the process-wide run manager, the controls
that turn widgets into a RunConfig, and the panels that draw a run. No torch here."""
