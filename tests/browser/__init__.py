"""Real-browser tests: a fresh `streamlit run` server driven by Playwright through Debian's Chromium."""
