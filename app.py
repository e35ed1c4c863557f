"""Transformer Loss Playground: the entry point only builds the navigation.

Run with `streamlit run app.py`. Each page is one short module under views/ (not pages/: see README). The menu is titled
in the page's language (read here, switched on each page).
"""
import streamlit as st

from playground.i18n import t
from ui.lang import current_language

st.set_page_config(page_title="Transformer Loss Playground", page_icon=":material/trending_down:", layout="wide")

lang = current_language()
pages = [
    st.Page("views/train.py", title=t("nav.train", lang), icon=":material/model_training:", default=True),
    st.Page("views/compare.py", title=t("nav.compare", lang), icon=":material/stacked_line_chart:"),
    st.Page("views/explorer.py", title=t("nav.explorer", lang), icon=":material/functions:"),
    st.Page("views/lessons.py", title=t("nav.lessons", lang), icon=":material/school:"),
]
st.navigation(pages).run()
