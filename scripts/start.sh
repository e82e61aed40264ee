#!/usr/bin/env bash
# Installs the app and starts it on the built-in demo data (SQLite, no API key).
#   bash scripts/start.sh              -> http://localhost:8501
#   bash scripts/start.sh --port 8600  -> http://localhost:8600
# Other options go to `streamlit run` as they are (e.g. --server.headless true).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SEASON_PLANNER_PORT:-8501}"
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "start.sh: --port needs a number, e.g. --port 8600" >&2; exit 2; }
            PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "start.sh: --port $PORT is not a port number (1..65535)" >&2
  exit 2
fi
python3 -m pip install -q -r requirements.txt
echo "Season Planner: starting at http://localhost:${PORT} (Ctrl+C stops it)"
exec python3 -m streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port "$PORT" \
  --browser.gatherUsageStats false "${PASS[@]+"${PASS[@]}"}"
