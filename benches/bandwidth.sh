#!/usr/bin/env bash
# Bytes mops writes to its terminal during steady-state monitoring, per mode,
# compared with repainting the whole screen on every refresh.
#
#   benches/bandwidth.sh [MOPS_BINARY]       (default: target/release/mops)
#   DURATION=600 WIDTH=80 HEIGHT=24 MODES="256 16 nocolor frozen ssh" benches/bandwidth.sh
#
# For each mode, `mops demo` runs in a private tmux pane. Once the console is
# up (every area loaded) and WARMUP seconds have passed, `tmux pipe-pane -o`
# appends everything the program writes to its PTY to a file for DURATION
# seconds. The demo world runs at speed 60, so DURATION=600 is 10 simulated
# minutes. Frames are counted by their synchronized-output brackets
# (ESC[?2026h ... ESC[?2026l, one pair per draw). Then Ctrl-L is pressed
# REDRAWS times, which clears the screen and repaints everything: the
# largest frames of that second capture are full-screen repaints, and
# "full redraw every refresh" = frames x mean full-frame size.
# Mode "ssh" is "256" run through `ssh -tt` to a private sshd on 127.0.0.1
# (like tests/e2e_ssh.rs); it also reads the TCP payload sshd sent during the
# window from `ss -ti` (bytes_sent), i.e. the encrypted SSH stream on the wire.
# Mode "lowbw" passes $LOWBW_ARGS (default --low-bandwidth) to `mops demo`,
# for when the console grows such an option (it has none as of 2026-12-01).
# Modes run in parallel; results go to $OUT/summary.txt (and stdout).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/mops}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 1; }
BIN=$(realpath "$BIN")
DURATION=${DURATION:-600}
WARMUP=${WARMUP:-10}
REDRAWS=${REDRAWS:-5}
WIDTH=${WIDTH:-80}
HEIGHT=${HEIGHT:-24}
MODES=${MODES:-"256 16 nocolor frozen ssh"}
OUT=${OUT:-target/bandwidth}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

mode_env() {
  case $1 in
    256 | frozen | ssh | lowbw) echo "TERM=xterm-256color" ;;
    16) echo "TERM=xterm" ;;
    nocolor) echo "TERM=xterm-256color NO_COLOR=1" ;;
    *) echo "unknown mode $1" >&2; exit 1 ;;
  esac
}

SSHD_PID=
SSH_PORT=
start_sshd() {
  local d="$OUT/sshd"
  rm -rf "$d" && mkdir -p "$d" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$d/host"
  ssh-keygen -q -t ed25519 -N '' -f "$d/user"
  cp "$d/user.pub" "$d/authorized_keys"
  SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$d/config" <<CFG
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $d/host
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
UsePAM no
PermitRootLogin yes
StrictModes no
PasswordAuthentication no
CFG
  /usr/sbin/sshd -D -e -f "$d/config" 2> "$d/sshd.log" &
  SSHD_PID=$!
  sleep 1
}

# TCP payload bytes sshd has sent on the session's connection so far.
ssh_wire_bytes() {
  ss -tinH state established "( sport = :$SSH_PORT )" | grep -o 'bytes_sent:[0-9]*' | cut -d: -f2 | head -1
}

measure() {
  local mode=$1 dir="$OUT/$1" sock="mops-bw-$$-$1"
  rm -rf "$dir" && mkdir -p "$dir"
  local t="tmux -L $sock"
  local cmd="env $(mode_env "$mode") LANG=C.UTF-8 HOME=$dir XDG_STATE_HOME=$dir/state \
     XDG_CONFIG_HOME=$dir/config $BIN demo --data-dir $dir/data"
  [ "$mode" = lowbw ] && cmd="$cmd ${LOWBW_ARGS:---low-bandwidth}"
  if [ "$mode" = ssh ]; then
    cmd="ssh -tt -i $OUT/sshd/user -p $SSH_PORT -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes \
      $(id -un)@127.0.0.1 '$cmd'"
  fi
  $t -f /dev/null new-session -d -s t -x "$WIDTH" -y "$HEIGHT" "$cmd; sleep 5"
  $t set-option -t t status off >/dev/null
  local waited=0
  # Up means every source loaded: approvals pending and no "never loaded".
  until screen=$($t capture-pane -p -t t) && grep -q pending <<<"$screen" \
    && grep -q 'Campaign health' <<<"$screen" && ! grep -q 'never loaded' <<<"$screen"; do
    sleep 1; waited=$((waited + 1))
    [ $waited -lt 120 ] || { echo "$mode: console never came up" >&2; $t kill-server; return 1; }
  done
  sleep "$WARMUP"
  if [ "$mode" = frozen ]; then $t send-keys -t t f; sleep 1; fi
  [ "$mode" = ssh ] && ssh_wire_bytes > "$dir/wire-start"
  $t pipe-pane -o -t t "cat >> '$dir/steady.bin'"
  sleep "$DURATION"
  $t pipe-pane -t t
  [ "$mode" = ssh ] && ssh_wire_bytes > "$dir/wire-end"
  $t pipe-pane -o -t t "cat >> '$dir/redraw.bin'"
  for _ in $(seq "$REDRAWS"); do
    $t send-keys -t t C-l
    sleep 2
  done
  $t pipe-pane -t t
  $t capture-pane -p -t t > "$dir/last-screen.txt"
  $t send-keys -t t q
  sleep 2
  $t kill-server 2>/dev/null || true
}

case " $MODES " in *" ssh "*) start_sshd ;; esac
pids=()
for m in $MODES; do
  measure "$m" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
[ -n "$SSHD_PID" ] && kill "$SSHD_PID"

python3 - "$OUT" "$DURATION" "$REDRAWS" "$WIDTH" "$HEIGHT" $MODES <<'EOF' | tee "$OUT/summary.txt"
import sys, pathlib
out, duration, redraws, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
BSU = b"\x1b[?2026h"
print(f"{w}x{h}, {duration} s real = {duration / 60:.0f} simulated minutes at speed 60")
print(f"{'mode':8} {'bytes':>10} {'B/s':>8} {'frames':>7} {'B/frame':>8} {'full frame':>10} {'full redraw':>12} {'ratio':>6}")
for mode in sys.argv[6:]:
    d = pathlib.Path(out) / mode
    steady = (d / "steady.bin").read_bytes()
    redraw = (d / "redraw.bin").read_bytes()
    frames = steady.count(BSU)
    # Each Ctrl-L: the clear, then one frame repainting every cell.
    segs = sorted((len(s) for s in redraw.split(BSU)), reverse=True)[:redraws]
    full = sum(segs) / max(len(segs), 1)
    naive = frames * full
    ratio = naive / len(steady) if steady else float("nan")
    print(f"{mode:8} {len(steady):>10} {len(steady) / duration:>8.0f} {frames:>7} "
          f"{len(steady) / max(frames, 1):>8.0f} {full:>10.0f} {naive:>12.0f} {ratio:>5.1f}x")
    if (d / "wire-end").exists():
        wire = int((d / "wire-end").read_text()) - int((d / "wire-start").read_text())
        print(f"{'':8} ssh wire: {wire} bytes of TCP payload from sshd "
              f"({wire / duration:.0f} B/s, {wire / max(len(steady), 1):.2f}x the PTY bytes)")
EOF
