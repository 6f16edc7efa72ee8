#!/usr/bin/env bash
# A throw-away Request Tracker 5 on 127.0.0.1 for syncd's tests.
#
#   tests/realservers/rt.sh start    install RT if missing, build the database once, start
#   tests/realservers/rt.sh stop     stop the server this script started (by its PID)
#   tests/realservers/rt.sh reset    put the database back to its pristine copy and restart
#   tests/realservers/rt.sh status   say whether it runs; print info.json
#
# Everything lives in tests/realservers/.rt/ (or $SYNCD_RT_DIR): the rendered
# RT_SiteConfig.pm, the SQLite database and its pristine copy, the server log, and
# info.json with the base URL, the tokens of the "syncd" and "alice" users and the URL and
# secret the syncd notify Scrip posts to. The system's /etc/request-tracker5 is never read.
# Environment: RT_PORT (default: a free port), SYNCD_RT_NOTIFY_PORT, SYNCD_RT_DIR, and
# SYNCD_RT_NOTIFY_URL / SYNCD_RT_NOTIFY_SECRET (the Scrip reads them from the server's
# environment before its configuration; a running server is restarted to take new ones).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DIR="${SYNCD_RT_DIR:-$HERE/.rt}"
TEMPLATE="$HERE/rt/RT_SiteConfig.pm.in"
SETUP="$HERE/rt/setup.pl"
SCRIP="$REPO/connectors/rt/syncd_notify_scrip.pl"
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
RT_SETUP_DB=/usr/sbin/rt-setup-database-5
PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone dbconfig-no-thanks dma)

export RT_SITE_CONFIG="$DIR/RT_SiteConfig.pm"
export RT_SITE_CONFIG_DIR="$DIR/RT_SiteConfig.d"

NAME=rt
PIDFILE="$DIR/rt-server.pid"
SERVER_LOG="$DIR/rt-server.log"
# shellcheck source=tests/realservers/lib.sh
source "$HERE/lib.sh"

render_config() {  # render_config PORT NOTIFY_URL SECRET
    mkdir -p "$DIR/RT_SiteConfig.d" "$DIR/var/mason_data" "$DIR/var/session_data"
    sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$1|g" -e "s|@NOTIFY_URL@|$2|g" \
        -e "s|@NOTIFY_SECRET@|$3|g" "$TEMPLATE" >"$RT_SITE_CONFIG"
}

stamp() { cat "$TEMPLATE" "$SETUP" "$SCRIP" | sha256sum | cut -d' ' -f1; }

ensure_database() {
    if [[ -f "$DIR/pristine.db" && -f "$DIR/setup.json" && "$(cat "$DIR/stamp" 2>/dev/null)" == "$(stamp)" ]]; then
        return 0
    fi
    local t0
    t0=$(now)
    log "building the database"
    rm -f "$DIR/rt5.db" "$DIR/pristine.db" "$DIR/setup.json"
    # the port does not matter to the database; the real one is rendered at start
    render_config 80 "" ""
    "$RT_SETUP_DB" --action init --dba-password "" >"$DIR/init.log" 2>&1 || {
        tail -20 "$DIR/init.log" >&2
        return 1
    }
    perl "$SETUP" "$SCRIP" >"$DIR/setup.json.tmp" 2>>"$DIR/init.log" || {
        tail -20 "$DIR/init.log" >&2
        return 1
    }
    mv "$DIR/setup.json.tmp" "$DIR/setup.json"
    cp "$DIR/rt5.db" "$DIR/pristine.db"
    stamp >"$DIR/stamp"
    timed init "$t0"
    log "database built in $(since "$t0") s"
}

info() {  # info PORT NOTIFY_PORT SECRET PID: write info.json
    write_info "$1" "$4" "notify_port=$2" \
        "notify_url=${SYNCD_RT_NOTIFY_URL:-http://127.0.0.1:$2/rt-notice}" \
        "notify_secret=${SYNCD_RT_NOTIFY_SECRET:-$3}"
}

start_server() {
    local port nport secret t0 pid
    port="${RT_PORT:-$(json_get "$DIR/info.json" port)}"
    if [[ -z "$port" ]] || port_busy "$port"; then port=$(free_port); fi
    nport="${SYNCD_RT_NOTIFY_PORT:-$(json_get "$DIR/info.json" notify_port)}"
    if [[ -z "$nport" || "$nport" == "$port" ]]; then nport=$(free_port); fi
    secret="$(json_get "$DIR/info.json" notify_secret)"
    [[ -n "$secret" ]] || secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    render_config "$port" "http://127.0.0.1:$nport/rt-notice" "$secret"
    t0=$(now)
    # its own session, so that stop can end the server and its workers through its PID
    setsid "$RT_SERVER" --server Starlet --host 127.0.0.1 --port "$port" --max-workers 4 \
        >>"$DIR/rt-server.log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
    wait_answer "http://127.0.0.1:$port/REST/2.0/rt" 30 || return 1
    timed start "$t0"
    info "$port" "$nport" "$secret" "$pid"
    log "Request Tracker answers on http://127.0.0.1:$port (pid $pid, $(since "$t0") s)"
}

# Starlet takes about 2 s to wind down its workers; a throw-away server need not wait long
# (SQLite rolls back an interrupted write on the next open)
stop_server() { stop_pid 10; }

cmd_start() {
    mkdir -p "$DIR"
    ensure_packages
    local nport want_url want_secret
    nport="${SYNCD_RT_NOTIFY_PORT:-$(json_get "$DIR/info.json" notify_port)}"
    want_url="${SYNCD_RT_NOTIFY_URL:-http://127.0.0.1:$nport/rt-notice}"
    want_secret="${SYNCD_RT_NOTIFY_SECRET:-$(json_get "$DIR/info.json" notify_secret)}"
    # a running server is reused only when it posts where this caller expects
    if pid_alive && [[ -f "$DIR/info.json" && "$(cat "$DIR/stamp" 2>/dev/null)" == "$(stamp)" ]] \
        && [[ "$want_url" == "$(json_get "$DIR/info.json" notify_url)" ]] \
        && [[ "$want_secret" == "$(json_get "$DIR/info.json" notify_secret)" ]]; then
        log "already running: $DIR/info.json"
        return 0
    fi
    stop_server
    ensure_database
    [[ -f "$DIR/rt5.db" ]] || cp "$DIR/pristine.db" "$DIR/rt5.db"
    start_server
}

cmd_reset() {
    mkdir -p "$DIR"
    ensure_packages
    local t0
    t0=$(now)
    stop_server
    ensure_database
    cp "$DIR/pristine.db" "$DIR/rt5.db"
    start_server
    timed reset "$t0"
    info "$(json_get "$DIR/info.json" port)" "$(json_get "$DIR/info.json" notify_port)" \
        "$(json_get "$DIR/info.json" notify_secret)" "$(cat "$PIDFILE")"
    log "reset in $(since "$t0") s"
}

main "$@"
