"""Transformer Loss Playground: the entry point only builds the navigation.

Run with `streamlit run app.py`. Each page is one short module under pages/.
"""
import streamlit as st

st.set_page_config(page_title="Transformer Loss Playground", page_icon=":material/trending_down:", layout="wide")

pages = [
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/stacked_line_chart:"),
    st.Page("pages/explorer.py", title="Loss Explorer", icon=":material/functions:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
]
st.navigation(pages).run()
