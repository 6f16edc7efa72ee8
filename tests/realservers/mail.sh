#!/usr/bin/env bash
# Throw-away mail servers on 127.0.0.1 for syncd's e-mail tests: Dovecot (Debian's package)
# for IMAP, and aiosmtpd (from PyPI, a dev dependency) for SMTP, delivering into Dovecot's
# maildirs. Both run as one unprivileged user (nobody when the script runs as root).
#
#   tests/realservers/mail.sh start    install Dovecot if missing, make users and TLS once, start
#   tests/realservers/mail.sh stop     stop the servers this script started (by their PIDs)
#   tests/realservers/mail.sh reset    empty every mailbox and restart
#   tests/realservers/mail.sh status   say whether they run; print info.json
#   tests/realservers/mail.sh dir      print the folder everything lives in
#
# Everything lives in $TMPDIR/syncd-mail-<hash of this folder>/ (or $SYNCD_MAIL_DIR): dovecot.conf rendered
# from mail/dovecot.conf.in (so /etc/dovecot is never read), the passwd-file, the address map,
# a self-signed certificate for 127.0.0.1, the users' maildirs under home/, the logs, and
# info.json (ports, users, passwords, addresses, the CA file, seconds measured).
# Environment: SYNCD_MAIL_DIR, SYNCD_MAIL_PYTHON (a Python with aiosmtpd; default: the
# checkout's .venv), MAIL_IMAP_PORT, MAIL_IMAPS_PORT, MAIL_SMTP_PORT, MAIL_SMTPS_PORT.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# under the temp dir, one per checkout: the servers run as nobody, who may not be allowed
# into the checkout (a clone under /root)
DIR="${SYNCD_MAIL_DIR:-${TMPDIR:-/tmp}/syncd-mail-$(printf %s "$HERE" | sha256sum | cut -c1-12)}"
TEMPLATE="$HERE/mail/dovecot.conf.in"
SMTPD="$HERE/mail/smtpd.py"
PACKAGES=(dovecot-imapd)
PY="${SYNCD_MAIL_PYTHON:-$HERE/../../.venv/bin/python}"
# user: addresses it receives (the first is the one it writes from)
USERS=(
    "syncd:support@acme.test"
    "desk:desk@acme.test"
    "supplier:help@supplier.test,jane@supplier.test"
    "other:help@other.test"
    "mallory:mallory@evil.test"
)

NAME=mail
NO_SERVICE_START=1  # Dovecot's own service would listen on every interface
# shellcheck source=tests/realservers/lib.sh
source "$HERE/lib.sh"  # log, now, since, free_port, port_busy, json_get, ensure_packages

# who the servers run as: this user, or nobody when we are root
run_user() { if [[ $(id -u) -eq 0 ]]; then echo nobody; else id -un; fi; }
as_user() {  # the command that runs what follows as run_user
    if [[ $(id -u) -eq 0 ]]; then
        echo setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --
    else
        echo env
    fi
}

ensure_setup() {
    mkdir -p "$DIR/tls" "$DIR/run" "$DIR/state" "$DIR/home"
    if [[ ! -s "$DIR/tls/cert.pem" ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
            -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >"$DIR/openssl.log" 2>&1
    fi
    if [[ ! -s "$DIR/passwd" ]]; then
        local entry user pass
        : >"$DIR/passwd.new"
        for entry in "${USERS[@]}"; do
            user="${entry%%:*}"
            pass="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
            echo "$user:{PLAIN}$pass::::::" >>"$DIR/passwd.new"
        done
        mv "$DIR/passwd.new" "$DIR/passwd"
    fi
    python3 - "$DIR" "${USERS[@]}" <<'PYEOF'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
addresses = {}
for entry in sys.argv[2:]:
    user, found = entry.split(":", 1)
    for address in found.split(","):
        addresses[address.lower()] = user
(folder / "addresses.json").write_text(json.dumps(addresses, indent=2, sort_keys=True) + "\n")
PYEOF
    local user uid gid entry
    user=$(run_user)
    uid=$(id -u "$user")
    gid=$(id -g "$user")
    sed -e "s|@DIR@|$DIR|g" -e "s|@USER@|$user|g" -e "s|@GROUP@|$(id -gn "$user")|g" \
        -e "s|@UID@|$uid|g" -e "s|@GID@|$gid|g" \
        -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
        "$TEMPLATE" >"$DIR/dovecot.conf"
    for entry in "${USERS[@]}"; do
        mkdir -p "$DIR/home/${entry%%:*}/Maildir/"{cur,new,tmp}
    done
    chmod 0600 "$DIR/passwd" "$DIR/tls/key.pem"
    chown -R "$uid:$gid" "$DIR"
}

pid_alive() {  # pid_alive NAME
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

pick_ports() {
    local name var value
    for name in imap imaps smtp smtps; do
        var="MAIL_${name^^}_PORT"
        value="${!var:-$(json_get "$DIR/info.json" "${name}_port")}"
        if [[ -z "$value" ]] || port_busy "$value"; then value=$(free_port); fi
        printf -v "${name^^}_PORT" '%s' "$value"
    done
    export IMAP_PORT IMAPS_PORT SMTP_PORT SMTPS_PORT
}

write_info() {
    python3 - "$DIR" "$IMAP_PORT" "$IMAPS_PORT" "$SMTP_PORT" "$SMTPS_PORT" <<'PYEOF'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
imap, imaps, smtp, smtps = (int(p) for p in sys.argv[2:6])
users = {}
for line in (folder / "passwd").read_text().splitlines():
    user, password = line.split(":")[:2]
    users[user] = {"password": password.removeprefix("{PLAIN}"), "addresses": []}
for address, user in json.loads((folder / "addresses.json").read_text()).items():
    users[user]["addresses"].append(address)
for found in users.values():
    found["addresses"].sort(key=lambda a: (not a.startswith(("help@", "support@", "desk@", "mallory@")), a))
    found["address"] = found["addresses"][0]
info = {
    "host": "127.0.0.1",
    "imap_port": imap, "imaps_port": imaps, "smtp_port": smtp, "smtps_port": smtps,
    "ca_file": str(folder / "tls" / "cert.pem"),
    "users": users,
    "seconds": {},
}
for step in ("apt", "start", "reset"):
    found = folder / f"{step}-seconds"
    if found.exists():
        info["seconds"][step] = float(found.read_text())
tmp = folder / "info.json.tmp"
tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
tmp.replace(folder / "info.json")
PYEOF
}

wait_port() {  # wait_port PORT NAME PIDNAME LOG
    for _ in $(seq 1 300); do
        port_busy "$1" && return 0
        if ! pid_alive "$3"; then
            log "$2 exited; last lines of $4:"
            tail -20 "$4" >&2
            return 1
        fi
        sleep 0.1
    done
    log "$2 did not answer on port $1 within 30 s"
    return 1
}

start_servers() {
    local t0
    t0=$(now)
    if [[ ! -x "$PY" ]] || ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
        log "no Python with aiosmtpd at $PY (install the dev dependencies, or set SYNCD_MAIL_PYTHON)"
        return 1
    fi
    # Dovecot in the foreground (-F) in its own session, so that stop ends it through its PID
    (exec $(as_user) setsid /usr/sbin/dovecot -F -c "$DIR/dovecot.conf") >>"$DIR/dovecot.out" 2>&1 </dev/null 9>&- &
    echo $! >"$DIR/dovecot.pid"
    # the test Python may sit where nobody cannot read it: smtpd drops to the user itself
    (exec setsid "$PY" "$SMTPD" "$DIR" "$SMTP_PORT" "$SMTPS_PORT" "$(run_user)") >>"$DIR/smtpd.log" 2>&1 </dev/null 9>&- &
    echo $! >"$DIR/smtpd.pid"
    wait_port "$IMAP_PORT" Dovecot dovecot "$DIR/dovecot.log" &&
        wait_port "$IMAPS_PORT" Dovecot dovecot "$DIR/dovecot.log" &&
        wait_port "$SMTP_PORT" smtpd smtpd "$DIR/smtpd.log" &&
        wait_port "$SMTPS_PORT" smtpd smtpd "$DIR/smtpd.log" || {
        stop_servers
        return 1
    }
    echo "$(since "$t0")" >"$DIR/start-seconds"
    write_info
    log "IMAP on 127.0.0.1:$IMAP_PORT (imaps $IMAPS_PORT), SMTP on $SMTP_PORT (smtps $SMTPS_PORT), $(since "$t0") s"
}

stop_one() {  # stop_one NAME
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 0
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "stopped $1 (pid $pid)"
    fi
    rm -f "$DIR/$1.pid"
}

stop_servers() { stop_one smtpd; stop_one dovecot; }

stamp() { cat "$TEMPLATE" "$SMTPD" "$0" | sha256sum | cut -d' ' -f1; }

cmd_start() {
    mkdir -p "$DIR"
    ensure_packages
    if pid_alive dovecot && pid_alive smtpd && [[ -f "$DIR/info.json" && "$(cat "$DIR/stamp" 2>/dev/null)" == "$(stamp)" ]]; then
        log "already running: $DIR/info.json"
        return 0
    fi
    stop_servers
    pick_ports
    ensure_setup
    start_servers
    stamp >"$DIR/stamp"
}

cmd_reset() {
    mkdir -p "$DIR"
    ensure_packages
    local t0
    t0=$(now)
    stop_servers
    rm -rf "$DIR/home"
    pick_ports
    ensure_setup
    start_servers
    stamp >"$DIR/stamp"
    echo "$(since "$t0")" >"$DIR/reset-seconds"
    write_info
    log "reset in $(since "$t0") s"
}

cmd_status() {
    if pid_alive dovecot && pid_alive smtpd; then
        log "running (dovecot pid $(cat "$DIR/dovecot.pid"), smtpd pid $(cat "$DIR/smtpd.pid"))"
        cat "$DIR/info.json"
    else
        log "not running"
        return 3
    fi
}

# one caller at a time: parallel test sessions share the folder and the servers
if [[ "${1:-}" =~ ^(start|stop|reset)$ ]]; then
    mkdir -p "$DIR"
    exec 9>"$DIR/lock"
    flock -w 600 9 || { log "another mail.sh holds $DIR/lock"; exit 1; }
fi

case "${1:-}" in
    start) cmd_start ;;
    stop) stop_servers ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    dir) echo "$DIR" ;;
    *)
        echo "usage: $0 start|stop|reset|status|dir" >&2
        exit 2
        ;;
esac
