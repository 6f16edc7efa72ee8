# Shared by the scripts that run a throw-away real server for the tests (rt.sh, redmine.sh,
# mail.sh). The caller sets, before sourcing: NAME (for log lines), DIR (the server's folder),
# PIDFILE, SERVER_LOG and PACKAGES (Debian packages; DEBCONF may hold debconf selections;
# NO_SERVICE_START=1 keeps the packages' own services from starting at install); and defines
# ensure_database, start_server (with wait_answer) and the commands' own steps. A script with
# servers of its own kind (mail.sh) takes the helpers and defines the rest itself.

log() { echo "$NAME.sh: $*" >&2; }
now() { date +%s.%N; }
since() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }
timed() { echo "$(since "$2")" >"$DIR/$1-seconds"; }  # timed STEP T0: record a step's seconds

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_busy() {
    python3 -c 'import socket, sys; s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

json_get() {  # json_get FILE KEY -> the value, or nothing
    [[ -f "$1" ]] || return 0
    python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

ensure_packages() {
    local missing=() t0
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        log "missing Debian packages: ${missing[*]}; run as root or install them with apt-get"
        return 1
    fi
    t0=$(now)
    log "installing ${missing[*]}"
    # no database set up by dbconfig-common: the script builds its own in $DIR
    printf '%s\n' "dbconfig-common dbconfig-common/dbconfig-install boolean false" \
        ${DEBCONF:+"$DEBCONF"} | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # a package's own service must not start (it would listen on every interface): a
    # policy-rc.d that refuses every start, unless the machine has one already
    local policy=/usr/sbin/policy-rc.d placed=""
    if [[ -n "${NO_SERVICE_START:-}" && ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && placed=1
    fi
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$DIR/apt.log" 2>&1 || {
        if [[ -n "$placed" ]]; then rm -f "$policy"; fi
        tail -20 "$DIR/apt.log" >&2
        return 1
    }
    if [[ -n "$placed" ]]; then rm -f "$policy"; fi
    timed apt "$t0"
    log "packages installed in $(since "$t0") s"
}

pid_alive() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# wait_answer URL SECONDS: wait until the server answers URL with 200 or 401 (it is up and
# asks for credentials); fail when its process ($PIDFILE) exits or SECONDS pass
wait_answer() {
    local pid ticks=$(($2 * 10))
    pid=$(cat "$PIDFILE")
    for _ in $(seq 1 "$ticks"); do
        if python3 -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
except Exception:
    sys.exit(1)' "$1"; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "the server exited; last lines of $SERVER_LOG:"
            tail -20 "$SERVER_LOG" >&2
            return 1
        fi
        sleep 0.1
    done
    log "the server did not answer within $2 s"
    stop_server
    return 1
}

# stop_pid TICKS: end the process group the script started (it runs in its own session), and
# kill it after TICKS tenths of a second (a throw-away server need not wind down cleanly)
stop_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 0
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
        for _ in $(seq 1 "$1"); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "stopped the server (pid $pid)"
    fi
    rm -f "$PIDFILE"
}

# write_info PORT PID [KEY=VALUE...]: info.json = setup.json + where the server answers, its
# PID, extra keys and the seconds each step took
write_info() {
    python3 - "$DIR" "$@" <<'PY'
import json, pathlib, sys
folder, port, pid = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
info = json.loads((folder / "setup.json").read_text())
info.update(base_url=f"http://127.0.0.1:{port}", port=port, pid=pid, seconds={})
for pair in sys.argv[4:]:
    key, _, value = pair.partition("=")
    info[key] = int(value) if value.isdigit() else value
for step in ("apt", "init", "start", "reset"):
    found = folder / f"{step}-seconds"
    if found.exists():
        info["seconds"][step] = float(found.read_text())
tmp = folder / "info.json.tmp"
tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
tmp.replace(folder / "info.json")
PY
}

cmd_status() {
    if pid_alive; then
        log "running (pid $(cat "$PIDFILE"))"
        cat "$DIR/info.json"
    else
        log "not running"
        return 3
    fi
}

# main "$@": one caller at a time (parallel test sessions share the folder and the server),
# then start|stop|reset|status
main() {
    if [[ "${1:-}" =~ ^(start|stop|reset)$ ]]; then
        mkdir -p "$DIR"
        exec 9>"$DIR/lock"
        flock -w 600 9 || { log "another $NAME.sh holds $DIR/lock"; exit 1; }
    fi
    case "${1:-}" in
        start) cmd_start ;;
        stop) stop_server ;;
        reset) cmd_reset ;;
        status) cmd_status ;;
        *)
            echo "usage: $0 start|stop|reset|status" >&2
            exit 2
            ;;
    esac
}
