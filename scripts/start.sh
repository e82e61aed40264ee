#!/usr/bin/env bash
# Installs the app and starts it on the built-in demo data (SQLite, no API key) at http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -r requirements.txt
exec python3 -m streamlit run streamlit_app.py --server.address 127.0.0.1 --browser.gatherUsageStats false
