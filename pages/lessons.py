"""Placeholder until its issue lands."""
import streamlit as st

st.title("lessons")
st.info("This page is being built.")
