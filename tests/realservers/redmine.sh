#!/usr/bin/env bash
# A throw-away Redmine 5 (Debian's package, SQLite) on 127.0.0.1 for syncd's tests.
#
#   tests/realservers/redmine.sh start    install Redmine if missing, build the database once, start
#   tests/realservers/redmine.sh stop     stop the server this script started (by its PID)
#   tests/realservers/redmine.sh reset    put the database back to its pristine copy and restart
#   tests/realservers/redmine.sh status   say whether it runs; print info.json
#
# Everything lives in tests/realservers/.redmine/ (or $SYNCD_REDMINE_DIR): the instance folder
# Redmine reads its database.yml and secret from and writes its log and cache to, the SQLite
# database and its pristine copy, the Gemfile the server boots with, the server log, and
# info.json (base URL, API keys of the "syncd" and "dana" users, project identifiers, ids of
# trackers, statuses and priorities, seconds measured). Debian's /etc/redmine is never read.
# Environment: REDMINE_PORT (default: the last port, or a free one), SYNCD_REDMINE_DIR.
#
# Booting Debian's Redmine outside Passenger takes two things the package does not give:
#
# 1. A server in the bundle. `rails server` alone stops with `Could not find server ""`, and
#    `rails server -u webrick` with `Could not load server "webrick". Maybe you need to the
#    add it to the Gemfile?`: Bundler only lets the gems of Redmine's Gemfile load, and Ruby 3
#    no longer ships WEBrick in its standard library. So the server boots from our own Gemfile
#    (.redmine/Gemfile) that takes Redmine's and adds Debian's ruby-webrick; its lock is
#    resolved from the installed Debian gems only, never from rubygems.org.
# 2. A Bundler version pin. Debian 12 has two Bundlers: Ruby 3.1's default gem (2.3.7) and
#    the `bundler` package (2.3.15), which wrote the package's own Gemfile.lock. A lockfile
#    records the Bundler that wrote it ("BUNDLED WITH"); a Bundler that is not that one
#    switches itself at boot ("Bundler 2.3.7 is running, but your lockfile was generated with
#    2.3.15. Installing Bundler 2.3.15 and restarting using that version.") or, when that
#    version is not installed (a lock written by a `gem install bundler` elsewhere), stops
#    ("Could not find 'bundler' (X) required by your Gemfile.lock"), and both reach for
#    rubygems.org. On a plain Debian 12 both Bundlers happen to boot this bundle; the pin makes
#    sure the one that wrote our lock is the one that boots it, whatever else is installed:
#    BUNDLER_VERSION is set to the `bundler` package's version, the lock is resolved by that
#    Bundler offline (`bundle lock --local`), and every rails/rake command runs under it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${SYNCD_REDMINE_DIR:-$HERE/.redmine}"
SETUP="$HERE/redmine/setup.rb"
ROOT=/usr/share/redmine
PACKAGES=(redmine redmine-sqlite ruby-webrick bundler)

DEBCONF="redmine redmine/instances/default/dbconfig-install boolean false
redmine redmine/instances/default/database-type select sqlite3"
NAME=redmine
PIDFILE="$DIR/redmine.pid"
SERVER_LOG="$DIR/redmine.log"
# shellcheck source=tests/realservers/lib.sh
source "$HERE/lib.sh"
# the package starts no service: Debian's Redmine runs under a web server set up by hand

bundler_version() { dpkg-query -W -f='${Version}' bundler | sed -e 's/-.*//' -e 's/^[0-9]*://'; }

# Redmine's Debian multi-tenancy reads <root>/instances/<REDMINE_INSTANCE>; a relative name
# climbing back to / puts the instance in $DIR without touching /usr/share or /etc.
instance_env() {
    export REDMINE_INSTANCE="../../../..$DIR/site"
    export RAILS_ENV=production
    export BUNDLE_GEMFILE="$DIR/Gemfile"
    export BUNDLER_VERSION
    BUNDLER_VERSION="$(bundler_version)"
    export REDMINE_LANG=en
}

render_instance() {
    mkdir -p "$DIR/site/config" "$DIR/site/log" "$DIR/site/tmp/pids" "$DIR/site/tmp/cache" \
        "$DIR/site/files"
    printf 'production:\n  adapter: sqlite3\n  database: %s\n  encoding: utf8\n  timeout: 5000\n' \
        "$DIR/redmine.db" >"$DIR/site/config/database.yml"
    [[ -s "$DIR/site/config/secret_key.txt" ]] ||
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/site/config/secret_key.txt"
    printf 'eval_gemfile "%s/Gemfile"\ngem "webrick"\n' "$ROOT" >"$DIR/Gemfile.new"
    if ! cmp -s "$DIR/Gemfile.new" "$DIR/Gemfile"; then
        mv "$DIR/Gemfile.new" "$DIR/Gemfile"
        rm -f "$DIR/Gemfile.lock"
    else
        rm -f "$DIR/Gemfile.new"
    fi
    # the lock is resolved from the installed gems by the pinned Bundler, offline
    [[ -f "$DIR/Gemfile.lock" ]] || (cd "$ROOT" && bundle lock --local >"$DIR/bundle.log" 2>&1) || {
        tail -20 "$DIR/bundle.log" >&2
        return 1
    }
}

stamp() { cat "$SETUP" "$0" | sha256sum | cut -d' ' -f1; }

ensure_database() {
    if [[ -f "$DIR/pristine.db" && -f "$DIR/setup.json" && "$(cat "$DIR/stamp" 2>/dev/null)" == "$(stamp)" ]]; then
        return 0
    fi
    local t0
    t0=$(now)
    log "building the database"
    rm -f "$DIR/redmine.db" "$DIR/pristine.db" "$DIR/setup.json"
    (
        cd "$ROOT"
        bin/rake db:migrate && bin/rake redmine:load_default_data && bin/rails runner "$SETUP"
    ) >"$DIR/init.log" 2>&1 || {
        tail -20 "$DIR/init.log" >&2
        return 1
    }
    grep '^SETUP-JSON ' "$DIR/init.log" | tail -1 | cut -d' ' -f2- >"$DIR/setup.json"
    cp "$DIR/redmine.db" "$DIR/pristine.db"
    stamp >"$DIR/stamp"
    timed init "$t0"
    log "database built in $(since "$t0") s"
}

start_server() {
    local port t0 pid
    port="${REDMINE_PORT:-$(json_get "$DIR/info.json" port)}"
    if [[ -z "$port" ]] || port_busy "$port"; then port=$(free_port); fi
    t0=$(now)
    # its own session, so that stop can end the server through its PID
    (cd "$ROOT" && exec setsid bin/rails server -u webrick -b 127.0.0.1 -p "$port" \
        -P "$DIR/site/tmp/pids/server.pid") >>"$DIR/redmine.log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
    wait_answer "http://127.0.0.1:$port/users/current.json" 60 || return 1
    timed start "$t0"
    write_info "$port" "$pid"
    log "Redmine answers on http://127.0.0.1:$port (pid $pid, $(since "$t0") s)"
}

stop_server() {
    stop_pid 50
    rm -f "$DIR/site/tmp/pids/server.pid"
}

cmd_start() {
    mkdir -p "$DIR"
    ensure_packages
    instance_env
    if pid_alive && [[ -f "$DIR/info.json" && "$(cat "$DIR/stamp" 2>/dev/null)" == "$(stamp)" ]]; then
        log "already running: $DIR/info.json"
        return 0
    fi
    stop_server
    render_instance
    ensure_database
    [[ -f "$DIR/redmine.db" ]] || cp "$DIR/pristine.db" "$DIR/redmine.db"
    start_server
}

cmd_reset() {
    mkdir -p "$DIR"
    ensure_packages
    instance_env
    local t0
    t0=$(now)
    stop_server
    render_instance
    ensure_database
    cp "$DIR/pristine.db" "$DIR/redmine.db"
    start_server
    timed reset "$t0"
    write_info "$(json_get "$DIR/info.json" port)" "$(cat "$PIDFILE")"
    log "reset in $(since "$t0") s"
}

main "$@"
