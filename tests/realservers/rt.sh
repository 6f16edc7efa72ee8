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

log() { echo "rt.sh: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

free_port() {
    perl -MIO::Socket::INET -e \
        'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1) or die; print $s->sockport'
}

port_busy() {
    perl -MIO::Socket::INET -e \
        'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Timeout => 1) ? 0 : 1)' "$1"
}

json_get() {  # json_get FILE KEY -> the value, or nothing
    [[ -f "$1" ]] || return 0
    perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or exit; my $d = decode_json(<$f>);
        print $d->{$ARGV[1]} // ""' "$1" "$2"
}

ensure_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        log "missing Debian packages: ${missing[*]}; run as root or install them with apt-get"
        return 1
    fi
    local t0
    t0=$(now)
    log "installing ${missing[*]}"
    echo "dbconfig-common dbconfig-common/dbconfig-install boolean false" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$DIR/apt.log" 2>&1 || {
        tail -20 "$DIR/apt.log" >&2
        return 1
    }
    echo "$(since "$t0")" >"$DIR/apt-seconds"
    log "packages installed in $(since "$t0") s"
}

render_config() {  # render_config PORT NOTIFY_URL SECRET
    mkdir -p "$DIR/RT_SiteConfig.d" "$DIR/var/mason_data" "$DIR/var/session_data"
    sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$1|g" -e "s|@NOTIFY_URL@|$2|g" \
        -e "s|@NOTIFY_SECRET@|$3|g" "$TEMPLATE" >"$RT_SITE_CONFIG"
}

stamp() { cat "$TEMPLATE" "$SETUP" "$SCRIP" | sha256sum | cut -d' ' -f1; }

pid_alive() {
    local pid
    pid=$(cat "$DIR/rt-server.pid" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

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
    echo "$(since "$t0")" >"$DIR/init-seconds"
    log "database built in $(since "$t0") s"
}

write_info() {  # write_info PORT NOTIFY_PORT SECRET PID
    perl -MJSON::PP -e '
        local $/; open my $f, "<", $ARGV[0] or die; my $d = decode_json(<$f>);
        my ($port, $nport, $secret, $pid, $dir) = @ARGV[1 .. 5];
        $d->{base_url} = "http://127.0.0.1:$port";
        $d->{port} = $port + 0;
        $d->{notify_port} = $nport + 0;
        $d->{notify_url} = $ENV{SYNCD_RT_NOTIFY_URL} || "http://127.0.0.1:$nport/rt-notice";
        $d->{notify_secret} = $ENV{SYNCD_RT_NOTIFY_SECRET} || $secret;
        $d->{pid} = $pid + 0;
        for my $k (qw(apt init start reset)) {
            my $file = "$dir/$k-seconds";
            next unless -f $file;
            open my $t, "<", $file; my $v = <$t>; chomp $v; $d->{seconds}{$k} = $v + 0;
        }
        print JSON::PP->new->canonical->pretty->encode($d);
    ' "$DIR/setup.json" "$@" "$DIR" >"$DIR/info.json.tmp"
    mv "$DIR/info.json.tmp" "$DIR/info.json"
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
    echo "$pid" >"$DIR/rt-server.pid"
    for _ in $(seq 1 300); do
        if perl -MHTTP::Tiny -e 'my $r = HTTP::Tiny->new(timeout => 1)->get($ARGV[0]);
                exit($r->{status} == 401 || $r->{status} == 200 ? 0 : 1)' \
                "http://127.0.0.1:$port/REST/2.0/rt"; then
            echo "$(since "$t0")" >"$DIR/start-seconds"
            write_info "$port" "$nport" "$secret" "$pid"
            log "Request Tracker answers on http://127.0.0.1:$port (pid $pid, $(since "$t0") s)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "rt-server exited; last lines of $DIR/rt-server.log:"
            tail -20 "$DIR/rt-server.log" >&2
            return 1
        fi
        sleep 0.1
    done
    log "rt-server did not answer within 30 s"
    stop_server
    return 1
}

stop_server() {
    local pid
    pid=$(cat "$DIR/rt-server.pid" 2>/dev/null) || return 0
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
        # Starlet takes about 2 s to wind down its workers; a throw-away server need not wait
        # long (SQLite rolls back an interrupted write on the next open)
        for _ in $(seq 1 10); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "stopped rt-server (pid $pid)"
    fi
    rm -f "$DIR/rt-server.pid"
}

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
    echo "$(since "$t0")" >"$DIR/reset-seconds"
    write_info "$(json_get "$DIR/info.json" port)" "$(json_get "$DIR/info.json" notify_port)" \
        "$(json_get "$DIR/info.json" notify_secret)" "$(cat "$DIR/rt-server.pid")"
    log "reset in $(since "$t0") s"
}

cmd_status() {
    if pid_alive; then
        log "running (pid $(cat "$DIR/rt-server.pid"))"
        cat "$DIR/info.json"
    else
        log "not running"
        return 3
    fi
}

# one caller at a time: parallel test sessions share the folder and the server
if [[ "${1:-}" =~ ^(start|stop|reset)$ ]]; then
    mkdir -p "$DIR"
    exec 9>"$DIR/lock"
    flock -w 600 9 || { log "another rt.sh holds $DIR/lock"; exit 1; }
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
