"""Transformer Loss Playground: the entry point only builds the navigation.

Run with `streamlit run app.py`. Each page is one short module under pages/.
"""
import streamlit as st

st.set_page_config(page_title="Transformer Loss Playground", page_icon="📉", layout="wide")

pages = [
    st.Page("pages/train.py", title="Train", icon="🏋️", default=True),
    st.Page("pages/compare.py", title="Compare", icon="📊"),
    st.Page("pages/explorer.py", title="Loss Explorer", icon="🔍"),
    st.Page("pages/lessons.py", title="Lessons", icon="🎓"),
]
st.navigation(pages).run()
