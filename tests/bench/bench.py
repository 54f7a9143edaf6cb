#!/usr/bin/python3
"""agentcast against the platform's reference stack, side by side on identical content.

The reference (retake-api.md §4): Xvfb + openbox + xterm tailing the log + ffmpeg x11grab /
libx264 + anullsrc AAC, restarted by a cron watchdog once a minute. The box: `agentcast run`.
Both stream the same thing to the same local nginx-rtmp: a log receiving a line every 300 ms,
1280x720 @ 30 fps, H.264 1500 kbit/s veryfast/zerolatency with a 2 s GOP, AAC 128k silence.
Runs alternate A B A B so slow drift of the machine cancels out.

Measured per run: CPU seconds per stream-minute and peak RSS summed over every process of the
contender (/proc), frames delivered vs expected at the server (ffprobe of nginx's recording),
launch to the first video frame the server accepted, and recovery after nginx restarts. For
the box also: thumbnail cost, chat-to-screen latency, stripped binary size, threads.

Standard library only; run it through tests/bench/run.
"""
import argparse
import csv
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FPS = 30
WIDTH, HEIGHT = 1280, 720
BITRATE_K = 1500
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MARKER = "\u2588" * 100  # a solid bar: easy to find in a decoded frame
PROBE_W, PROBE_H = 320, 180


# --- small helpers --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.005)
    return False


def stop_process(process, timeout_s=6):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def descendants(roots):
    """Every live pid in the process trees under `roots` (the roots included)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        if Path(f"/proc/{pid}").exists():
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pid):
    """user + system time of the process and of its children it already reaped."""
    fields = Path(f"/proc/{pid}/stat").read_text()
    fields = fields[fields.rindex(")") + 2:].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICKS


def status_field(pid, name):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def sample_processes(roots):
    """CPU seconds, peak RSS (MiB) and threads, summed over the contender's processes."""
    cpu = rss_kib = threads = 0
    names = []
    for pid in descendants(roots):
        try:
            cpu += cpu_seconds(pid)
            rss_kib += status_field(pid, "VmHWM")
            threads += status_field(pid, "Threads")
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            pass
    return cpu, rss_kib / 1024, threads, sorted(names)


def first_video_frame(path, deadline):
    """monotonic time at which the FLV file first holds a coded video frame (not the AVC
    sequence header), polling as nginx writes it; None at the deadline."""
    offset = 13  # FLV header (9) + the first PreviousTagSize (4)
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                while True:
                    header = f.read(11)
                    if len(header) < 11:
                        break
                    size = int.from_bytes(header[1:4], "big")
                    body = f.read(size + 4)
                    if len(body) < size + 4:
                        break
                    if header[0] == 9 and size > 1 and body[1] == 1:
                        return time.monotonic()
                    offset += 11 + size + 4
        except FileNotFoundError:
            pass
        time.sleep(0.003)
    return None


def sized_video_packets(path):
    """(pts seconds, size bytes, is keyframe) of every video packet in a recording."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time,size,flags", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=False).stdout
    packets = []
    for line in out.splitlines():
        parts = line.split(",")
        if len(parts) >= 3 and parts[0] not in ("", "N/A"):
            packets.append((float(parts[0]), int(parts[1]), "K" in parts[2]))
    return packets


def video_packets(path):
    """(pts seconds, is keyframe) of every video packet in a recording."""
    return [(pts, key) for pts, _, key in sized_video_packets(path)]


def delivery(path):
    """frames delivered, frames expected over the same span, and gaps (> 1.5 frame periods)."""
    pts = [p for p, _ in video_packets(path)]
    if len(pts) < 2:
        return len(pts), None, None
    expected = round((pts[-1] - pts[0]) * FPS) + 1
    gaps = sum(1 for a, b in zip(pts, pts[1:]) if b - a > 1.5 / FPS)
    return len(pts), expected, gaps


class Nginx:
    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.records = work / "recordings"
        self.records.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        (work / "nginx.conf").write_text(f"""
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process on; worker_processes 1; {user}
error_log {work}/nginx-error.log info; pid {work}/nginx.pid;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{self.port};
  application live {{ live on; record all; record_unique off; record_path {self.records}; }} }} }}
""")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["nginx", "-p", str(self.work), "-c", str(self.work / "nginx.conf"),
                                         "-e", str(self.work / "nginx-error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port, 10):
            raise RuntimeError("nginx did not start")
        return time.monotonic()

    def stop(self):
        if self.process:
            stop_process(self.process)
            self.process = None

    def url(self, key):
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def recording(self, key):
        return self.records / f"{key}.flv"


class AgentLog(threading.Thread):
    """The agent stand-in: a line every 300 ms, as on a real stream."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.halt = threading.Event()

    def run(self):
        step = 0
        thoughts = ["reading the chat", "checking the token price", "drafting a reply to a viewer",
                    "summarising the last hour", "looking for something interesting to say"]
        while not self.halt.wait(0.3):
            with open(self.path, "a") as f:
                f.write(f"[{time.strftime('%H:%M:%S')}] agent: {thoughts[step % len(thoughts)]} (step {step})\n")
            step += 1


# --- the contenders -------------------------------------------------------------------------

class Box:
    name = "agentcast"

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.process = None

    def launch(self, url, log_file, tag):
        self.status_file = self.work / f"{tag}-status.json"
        config = self.work / f"{tag}.json"
        config.write_text(json.dumps({
            "platform": {"kind": "rtmp"}, "output": {"url": url},
            "video": {"width": WIDTH, "height": HEIGHT, "fps": FPS, "bitrate_kbps": BITRATE_K,
                      "keyframe_interval_s": 2, "encoder": "x264enc"},
            "audio": {"source": "silence", "bitrate_kbps": 128, "rate": 44100, "channels": 2},
            "scene": {"title": "agent", "log_file": str(log_file)},
            "thumbnail": {"path": str(self.work / f"{tag}-thumbnail.jpg")},
            "board": {"name": "generic"}, "status": {"file": str(self.status_file)}}))
        self.log_path = self.work / f"{tag}.log"
        self.process = subprocess.Popen([self.binary, "run", "--config", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"),
                                        env=dict(os.environ, AGENTCAST_DEBUG="1"))

    def roots(self):
        return [self.process.pid]

    def status(self):
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return None

    def watchdog_tick(self):
        pass  # supervises itself

    def stop(self):
        stop_process(self.process)


class Reference:
    name = "reference"

    def __init__(self, work):
        self.work = work
        self.processes = []
        self.ffmpeg = None

    def launch(self, url, log_file, tag):
        self.url = url
        self.tag = tag
        display = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                       and not Path(f"/tmp/.X{n}-lock").exists())
        self.display = f":{display}"
        env = dict(os.environ, DISPLAY=self.display)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.processes = [subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
                                            "-nolisten", "tcp"], **quiet)]
        socket_path = Path(f"/tmp/.X11-unix/X{display}")
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        self.processes.append(subprocess.Popen(["openbox"], env=env, **quiet))
        self.processes.append(subprocess.Popen(["xterm", "-geometry", "160x45+0+0", "-fa", "Monospace", "-fs", "14",
                                                "-bg", "black", "-fg", "white", "-e", "tail", "-F", str(log_file)],
                                               env=env, **quiet))
        self.start_ffmpeg()

    def start_ffmpeg(self):
        # The platform's reference command (retake-api.md §4).
        self.ffmpeg = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "x11grab", "-video_size", f"{WIDTH}x{HEIGHT}",
             "-framerate", str(FPS), "-i", self.display, "-f", "lavfi", "-i",
             "anullsrc=channel_layout=stereo:sample_rate=44100", "-c:v", "libx264", "-preset", "veryfast",
             "-tune", "zerolatency", "-b:v", f"{BITRATE_K}k", "-maxrate", f"{BITRATE_K}k", "-bufsize",
             f"{2 * BITRATE_K}k", "-pix_fmt", "yuv420p", "-g", str(2 * FPS), "-c:a", "aac", "-b:a", "128k",
             "-ar", "44100", "-f", "flv", self.url],
            stdout=subprocess.DEVNULL, stderr=open(self.work / f"{self.tag}-ffmpeg.log", "a"))

    def roots(self):
        return [p.pid for p in self.processes] + [self.ffmpeg.pid]

    def watchdog_tick(self):
        # The cron job: is ffmpeg still there? Start it again if not.
        if self.ffmpeg.poll() is not None:
            self.start_ffmpeg()

    def stop(self):
        stop_process(self.ffmpeg)
        for process in reversed(self.processes):
            stop_process(process)


class MinuteWatchdog(threading.Thread):
    """cron's "* * * * *": a tick at the start of every wall-clock minute."""

    def __init__(self, contender):
        super().__init__(daemon=True)
        self.contender = contender
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(60 - time.time() % 60):
            self.contender.watchdog_tick()


# --- one run --------------------------------------------------------------------------------

def measure_run(contender, nginx, agent_log, seconds, tag):
    result = {"contender": contender.name, "run": tag}
    key = tag
    launched = time.monotonic()
    contender.launch(nginx.url(key), agent_log, tag)
    watchdog = MinuteWatchdog(contender)
    watchdog.start()
    first = first_video_frame(nginx.recording(key), launched + 30)
    result["first_packet_s"] = first - launched if first else None

    thumbnails = []
    if isinstance(contender, Box):
        for fraction in (0.3, 0.5, 0.7):
            time.sleep(max(0, launched + seconds * fraction - time.monotonic()))
            before = contender.status() or {}
            contender.process.send_signal(signal.SIGUSR1)
            time.sleep(1.5)
            after = contender.status() or {}
            if after.get("last_thumbnail_unix_ms") != before.get("last_thumbnail_unix_ms"):
                thumbnails.append((after["last_thumbnail_encode_ms"],
                                   after["frames_dropped"] - before.get("frames_dropped", 0)))
    time.sleep(max(0, launched + seconds - time.monotonic()))
    cpu, rss, threads, names = sample_processes(contender.roots())
    elapsed = time.monotonic() - launched
    result["cpu_s_per_min"] = cpu / (elapsed / 60)
    result["peak_rss_mib"] = rss
    result["processes"] = " ".join(names)
    if isinstance(contender, Box):
        result["threads"] = threads
        final = contender.status() or {}
        result["frames_skipped"] = final.get("frames_skipped", 0)
        if thumbnails:
            result["thumbnail_ms"] = statistics.median(t for t, _ in thumbnails)
            result["thumbnail_dropped"] = sum(d for _, d in thumbnails)

    # Recovery: the server goes away and comes back; how long until it gets video again?
    nginx.stop()
    part = nginx.records / f"{key}-part1.flv"
    shutil.move(nginx.recording(key), part)
    time.sleep(2)
    back = nginx.start()
    again = first_video_frame(nginx.recording(key), back + 90)
    result["recovery_s"] = again - back if again else None
    watchdog.halt.set()
    contender.stop()

    delivered, expected, gaps = delivery(part)
    result["frames_delivered"] = delivered
    result["frames_expected"] = expected
    result["delivered_ratio"] = delivered / expected if expected else None
    result["frame_gaps"] = gaps
    return result


def chat_latency_run(box, nginx, work, tag, markers=10):
    """Marker lines appended to the log at known times; each found in the decoded recording.
    Frame n of the recording entered the encoder at first_due + n / FPS (the feed is paced by
    the pipeline clock, CLOCK_MONOTONIC like time.monotonic())."""
    log_file = work / f"{tag}-markers.log"
    log_file.write_text("")
    key = tag
    launched = time.monotonic()
    box.launch(nginx.url(key), log_file, tag)
    if not first_video_frame(nginx.recording(key), launched + 30):
        return []
    time.sleep(1.5)
    appended = []
    for _ in range(markers):
        with open(log_file, "a") as f:
            f.write(MARKER + "\n")
            f.flush()
            appended.append(time.monotonic())
        time.sleep(0.6 + random.random() * 0.2)  # a random phase against the frame grid
    time.sleep(1)
    box.stop()  # EOS: every frame reaches the recording

    log = box.log_path.read_text()
    first_due_us = int(log.split("first frame due at clock time ")[1].split(" us")[0])
    sent = int(log.split("stopped: ")[1].split(" frames sent")[0])
    frames = decoded_brightness(nginx.recording(key))
    # Frames lost before the recording began are at its start; the end is complete (EOS).
    skipped = sent - len(frames)
    jumps = [i for i in range(1, len(frames)) if frames[i] - frames[i - 1] > 250]
    if len(jumps) != markers:
        print(f"bench: found {len(jumps)} of {markers} markers in {tag}", file=sys.stderr)
        return []
    return [(first_due_us / 1e6 + (skipped + j) / FPS - t) * 1000 for j, t in zip(jumps, appended)]


def decoded_brightness(path):
    """Per decoded frame: how many pixels of a 320x180 grey version are bright."""
    decoder = subprocess.Popen(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough",
                                "-vf", f"scale={PROBE_W}:{PROBE_H},format=gray", "-f", "rawvideo", "-"],
                               stdout=subprocess.PIPE)
    bright = bytes(1 if v > 128 else 0 for v in range(256))
    counts = []
    size = PROBE_W * PROBE_H
    while True:
        frame = decoder.stdout.read(size)
        if len(frame) < size:
            break
        counts.append(frame.translate(bright).count(1))
    decoder.wait()
    return counts


# --- report ---------------------------------------------------------------------------------

METRICS = [  # key, label, target description; the first four are charted
    ("cpu_s_per_min", "CPU s per stream-minute", "box <= 0.4x reference"),
    ("peak_rss_mib", "peak RSS MiB (all processes)", "box <= 0.25x reference"),
    ("first_packet_s", "launch to first video frame at the server, s", "box <= 1.5 s"),
    ("recovery_s", "server back to first video frame, s", "box <= 3 s"),
    ("delivered_ratio", "frames delivered / expected", ""),
    ("frame_gaps", "frame gaps at the server", ""),
]


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt(stat, digits=2):
    if stat is None:
        return "-"
    median, low, high = stat
    return f"{median:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def report(runs, extras, out):
    rows = []
    by = {name: [r for r in runs if r["contender"] == name] for name in ("agentcast", "reference")}
    for key, label, target in METRICS:
        box = spread([r.get(key) for r in by["agentcast"]])
        ref = spread([r.get(key) for r in by["reference"]])
        ratio = box[0] / ref[0] if box and ref and ref[0] else None
        rows.append((label, box, ref, ratio, target))
    lines = [f"{'metric':48} {'agentcast':>24} {'reference':>24} {'box/ref':>8}  target"]
    for label, box, ref, ratio, target in rows:
        lines.append(f"{label:48} {fmt(box):>24} {fmt(ref):>24} {ratio if ratio is None else f'{ratio:.2f}':>8}  "
                     f"{target}")
    lines.append("")
    for label, value in extras:
        lines.append(f"{label:48} {value}")
    text = "\n".join(lines)
    print(text)
    (out / "bench.txt").write_text(text + "\n")

    with open(out / "bench.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["metric", "agentcast_median", "agentcast_min", "agentcast_max", "reference_median",
                         "reference_min", "reference_max", "ratio"])
        for label, box, ref, ratio, _ in rows:
            writer.writerow([label, *(box or ("",) * 3), *(ref or ("",) * 3), "" if ratio is None else ratio])
        for label, value in extras:
            writer.writerow([label, value])
    with open(out / "runs.json", "w") as f:
        json.dump(runs, f, indent=2)
    chart(out)


CHART_LABELS = ["CPU s per stream-minute", "peak RSS, MiB", "launch to first frame, s", "recovery, s"]


def chart(out):
    """bench.png from bench.csv's first four metrics."""
    if not shutil.which("gnuplot"):
        print("bench: gnuplot missing, no chart", file=sys.stderr)
        return
    with open(out / "bench.csv") as f:
        rows = list(csv.reader(f))[1:1 + len(CHART_LABELS)]
    data = out / "chart.dat"
    with open(data, "w") as f:
        for label, row in zip(CHART_LABELS, rows):
            f.write(f"\"{label}\" {row[1] or 0} {row[4] or 0}\n")
    script = f"""
set terminal pngcairo size 1100,520 font "DejaVu Sans,11"
set output "{out / 'bench.png'}"
set title "agentcast vs Xvfb + openbox + xterm + ffmpeg x11grab (medians, log scale; lower is better)"
set bmargin 3
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [0.1:1000]
set grid ytics
set key top left
plot "{data}" using 2:xtic(1) title "agentcast" lc rgb "#2a9d8f", '' using 3 title "reference" lc rgb "#e76f51"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary")
    parser.add_argument("--seconds", type=int, default=60, help="stream time per run (default 60)")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds (default 2)")
    parser.add_argument("--out", default="bench-output")
    parser.add_argument("--chart-only", action="store_true", help="redraw bench.png from OUT/bench.csv")
    args = parser.parse_args()

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.chart_only:
        chart(out)
        return
    work = Path(tempfile.mkdtemp(prefix="agentcast-bench-"))
    nginx = Nginx(work)
    nginx.start()
    agent_log = work / "stream.log"
    writer = AgentLog(agent_log)
    writer.start()
    box = Box(args.binary, work)
    reference = Reference(work)
    runs, latencies = [], []
    try:
        for round_number in range(1, args.rounds + 1):
            for contender in (box, reference):
                tag = f"{contender.name}{round_number}"
                print(f"bench: {tag}: streaming {args.seconds} s, then a server restart", file=sys.stderr)
                runs.append(measure_run(contender, nginx, agent_log, args.seconds, tag))
                print(f"bench: {json.dumps(runs[-1])}", file=sys.stderr)
            print(f"bench: agentcast chat-to-screen run {round_number}", file=sys.stderr)
            latencies += chat_latency_run(box, nginx, work, f"latency{round_number}")
    finally:
        writer.halt.set()
        nginx.stop()

    stripped = work / "agentcast.stripped"
    subprocess.run(["strip", "-o", str(stripped), args.binary], check=True)
    box_runs = [r for r in runs if r["contender"] == "agentcast"]
    thumbs = [r["thumbnail_ms"] for r in box_runs if "thumbnail_ms" in r]
    extras = [
        ("box: thumbnail, ms to JPEG (median)", f"{statistics.median(thumbs):.1f}" if thumbs else "-"),
        ("box: frames dropped around thumbnails", sum(r.get("thumbnail_dropped", 0) for r in box_runs)),
        ("box: chat-to-screen, ms (median, min-max)",
         fmt(spread(latencies), 0) + f" over {len(latencies)} lines" if latencies else "-"),
        ("box: repeated frames past the encoder (of all frames)",
         f"{statistics.median(r.get('frames_skipped', 0) for r in box_runs) / (args.seconds * FPS):.0%}"),
        ("box: stripped binary, KiB", stripped.stat().st_size // 1024),
        ("box: threads", statistics.median(r["threads"] for r in box_runs)),
        ("runs", f"{args.rounds} x {args.seconds} s each, alternating; {os.cpu_count()} cores"),
    ]
    report(runs, extras, out)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
