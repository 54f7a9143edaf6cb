#!/usr/bin/python3
"""Encoding on change against encoding every frame: CPU, quality and bitrate, on two contents.

Contents: "scrolling" (a log line every 300 ms, the benchmark's content) and "quiet" (nothing
written: only the clock ticks). Encodings: the box as shipped (x264 sees only the pictures
that changed, pass=qual with the firmware's rate control) and every frame through x264 (the
earlier pipeline, pass=cbr 1500k with a 2 s VBV, put next to the config as an override). The
reference stack (tests/bench/bench.py's Xvfb + xterm + ffmpeg x11grab) runs the same contents
for CPU and memory.

Quality is measured on what reached the server against what the box rendered: the box writes
every rendered picture losslessly (AGENTCAST_BENCH_FRAMES), the recording is aligned to them
by content, and FFmpeg's psnr and ssim filters compare every frame. Bitrate: the platform's
leaky bucket (1500 kbit/s, 3000 kbit) on the recording's timestamps, the fullest 2 s window,
and the keyframe intervals.

Standard library only; run it through tests/bench/run --quality.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the contenders, nginx, the agent's log)

FPS, WIDTH, HEIGHT = bench.FPS, bench.WIDTH, bench.HEIGHT
FRAME_BYTES = WIDTH * HEIGHT * 3 // 2
SMALL_W, SMALL_H = 64, 36
CAP_BPS, BUFFER_BITS = 1_500_000, 3_000_000

EVERY_FRAME_X264 = """x264enc name=video_encoder pass=cbr bitrate=${bitrate_kbps} vbv-buf-capacity=${vbv_buffer_ms}
  key-int-max=${keyframe_frames} speed-preset=veryfast tune=zerolatency bframes=0 threads=1
  option-string="scenecut=0:keyint_min=${keyframe_frames}"
  ! video/x-h264,profile=main,stream-format=avc,alignment=au
"""


class QuietLog(threading.Thread):
    """A log that was written once and then stands still."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.halt = threading.Event()
        with open(path, "a") as f:
            for step in range(30):
                f.write(f"[{time.strftime('%H:%M:%S')}] agent: waiting for the next question (step {step})\n")

    def run(self):
        self.halt.wait()


def threads_cpu(pid):
    """user + system seconds of the process's threads, by thread name (rtmp2sink's taskN as task)."""
    totals = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text()
            fields = fields[fields.rindex(")") + 2:].split()
        except OSError:
            continue
        name = "task" if re.fullmatch(r"task\d+", name) else name
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / bench.CLOCK_TICKS
    return totals


def rate_figures(video):
    """kbit/s, the bucket's fullest point, the fullest 2 s window, keyframe intervals."""
    fullness, peak, last = 0.0, 0.0, video[0][0]
    for pts, size, _ in video:
        fullness = max(0.0, fullness - CAP_BPS * (pts - last)) + size * 8
        peak = max(peak, fullness)
        last = pts
    window = 0.0
    for first in range(len(video)):
        bits = sum(size * 8 for pts, size, _ in video[first:] if pts < video[first][0] + 2.0)
        window = max(window, bits)
    keys = [pts for pts, _, key in video if key]
    intervals = [b - a for a, b in zip(keys, keys[1:])]
    span = video[-1][0] - video[0][0] + 1 / FPS
    return {
        "kbit_s": sum(size for _, size, _ in video) * 8 / span / 1000,
        "bucket_peak_kbit": peak / 1000,
        "window_peak_kbit": window / 1000,
        "keyframe_interval_min_s": min(intervals) if intervals else None,
        "keyframe_interval_max_s": max(intervals) if intervals else None,
    }


def small_frames(command):
    """Frames of SMALL_W x SMALL_H grey from an ffmpeg command writing rawvideo to stdout."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    size = SMALL_W * SMALL_H
    frames = []
    while True:
        frame = process.stdout.read(size)
        if len(frame) < size:
            break
        frames.append(frame)
    process.wait()
    return frames


def difference(a, b):
    return sum(abs(x - y) for x, y in zip(a, b))


def quality(recording, frames_dir, work, video):
    """Y-PSNR (mean, worst frame) and SSIM (mean) of the recording against the rendered frames."""
    listing = [line.split() for line in (frames_dir / "frames.txt").read_text().splitlines() if line.strip()]
    picture_of = [int(picture) for _, picture in listing]
    scale = f"scale={SMALL_W}:{SMALL_H},format=gray"
    decoded = small_frames(["ffmpeg", "-v", "error", "-i", str(recording), "-map", "0:v:0", "-fps_mode", "passthrough",
                            "-vf", scale, "-f", "rawvideo", "-"])
    pictures = small_frames(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
                             f"{WIDTH}x{HEIGHT}", "-i", str(frames_dir / "pictures.yuv"), "-vf", scale,
                             "-f", "rawvideo", "-"])
    offsets = [round((pts - video[0][0]) * FPS) for pts, _, _ in video]
    count = min(len(decoded), len(offsets))
    # The recording starts at a keyframe the box made soon after it started: find which frame
    # of the box's it is, by comparing the first seconds of pictures.
    probe = range(0, min(count, 5 * FPS), 3)
    best = None
    for start in range(0, min(len(picture_of), 10 * FPS)):
        if start + offsets[probe[-1]] >= len(picture_of):
            break
        score = sum(difference(decoded[k], pictures[picture_of[start + offsets[k]]]) for k in probe)
        if best is None or score < best[0]:
            best = (score, start)
    start = best[1]
    reference = work / "reference.yuv"
    with open(frames_dir / "pictures.yuv", "rb") as source, open(reference, "wb") as out:
        used = 0
        for k in range(count):
            j = start + offsets[k]
            if j >= len(picture_of):
                break
            source.seek(picture_of[j] * FRAME_BYTES)
            out.write(source.read(FRAME_BYTES))
            used += 1
    # Both sides as raw frames in order, so that frame k meets frame k (timestamps play no part).
    decoded_raw = work / "decoded.yuv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(recording), "-map", "0:v:0", "-fps_mode", "passthrough",
                    "-frames:v", str(used), "-pix_fmt", "yuv420p", "-f", "rawvideo", str(decoded_raw)], check=True)
    psnr_log, ssim_log = work / "psnr.log", work / "ssim.log"
    raw = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS)]
    subprocess.run(["ffmpeg", "-v", "error", *raw, "-i", str(decoded_raw), *raw, "-i", str(reference), "-lavfi",
                    f"[0:v]split[a][b];[1:v]split[c][d];[a][c]psnr=stats_file={psnr_log};"
                    f"[b][d]ssim=stats_file={ssim_log}", "-f", "null", "-"], check=True)
    decoded_raw.unlink()
    psnr_y = [float(re.search(r"psnr_y:(\S+)", line).group(1).replace("inf", "99"))
              for line in psnr_log.read_text().splitlines()]
    ssim = [float(re.search(r"All:(\S+)", line).group(1)) for line in ssim_log.read_text().splitlines()]
    reference.unlink()
    return {"frames_compared": used, "alignment_frame": start, "psnr_y_mean": statistics.mean(psnr_y),
            "psnr_y_worst": min(psnr_y), "ssim_mean": statistics.mean(ssim), "ssim_worst": min(ssim)}


def run_box(binary, nginx, work, content, encoding, seconds):
    tag = f"{content}-{encoding}"
    home = work / tag
    home.mkdir()
    if encoding == "every-frame":
        (home / "pipelines" / "video").mkdir(parents=True)
        (home / "pipelines" / "video" / "x264enc.txt").write_text(EVERY_FRAME_X264)
    frames_dir = home / "frames"
    frames_dir.mkdir()
    log_file = home / "stream.log"
    writer = bench.AgentLog(log_file) if content == "scrolling" else QuietLog(log_file)
    writer.start()
    box = bench.Box(binary, home)
    os.environ["AGENTCAST_BENCH_FRAMES"] = str(frames_dir)
    launched = time.monotonic()
    box.launch(nginx.url(tag), log_file, tag)
    del os.environ["AGENTCAST_BENCH_FRAMES"]
    time.sleep(seconds)
    pid = box.process.pid
    cpu, rss, threads, _ = bench.sample_processes([pid])
    by_thread = threads_cpu(pid)
    minutes = (time.monotonic() - launched) / 60
    status = box.status() or {}
    box.process.send_signal(signal.SIGTERM)
    box.process.wait(30)
    writer.halt.set()
    time.sleep(0.5)
    recording = nginx.recording(tag)
    video = bench.sized_video_packets(recording)
    result = {"content": content, "encoding": encoding, "cpu_s_per_min": cpu / minutes,
              "encoder_thread_cpu_s_per_min": by_thread.get("scene_src:src", 0.0) / minutes,
              "thread_cpu_s_per_min": {name: seconds / minutes for name, seconds in sorted(by_thread.items())},
              "peak_rss_mib": rss, "threads": threads,
              "frames_skipped": status.get("frames_skipped"), "frames": len(video)}
    result.update(rate_figures(video))
    result.update(quality(recording, frames_dir, home, video))
    return result


def run_reference(nginx, work, content, seconds):
    tag = f"{content}-reference"
    home = work / tag
    home.mkdir()
    log_file = home / "stream.log"
    writer = bench.AgentLog(log_file) if content == "scrolling" else QuietLog(log_file)
    writer.start()
    reference = bench.Reference(home)
    launched = time.monotonic()
    reference.launch(nginx.url(tag), log_file, tag)
    time.sleep(seconds)
    cpu, rss, _, _ = bench.sample_processes(reference.roots())
    ffmpeg_cpu = bench.cpu_seconds(reference.ffmpeg.pid)
    minutes = (time.monotonic() - launched) / 60
    reference.stop()
    writer.halt.set()
    # CPU and memory only: the watchdog's restart on the minute starts nginx's recording over,
    # so the file holds the stream since then, not the whole run.
    return {"content": content, "encoding": "reference", "cpu_s_per_min": cpu / minutes,
            "encoder_thread_cpu_s_per_min": ffmpeg_cpu / minutes, "peak_rss_mib": rss}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--contents", default="scrolling,quiet")
    parser.add_argument("--encodings", default="on-change,every-frame,reference")
    parser.add_argument("--out", default="bench-output")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (recordings, frames)")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="agentcast-quality-"))
    nginx = bench.Nginx(work)
    nginx.start()
    results = []
    try:
        for content in args.contents.split(","):
            for encoding in args.encodings.split(","):
                print(f"quality: {content}, {encoding}: {args.seconds} s", file=sys.stderr)
                if encoding == "reference":
                    results.append(run_reference(nginx, work, content, args.seconds))
                else:
                    results.append(run_box(args.binary, nginx, work, content, encoding, args.seconds))
                print(f"quality: {json.dumps(results[-1])}", file=sys.stderr)
    finally:
        nginx.stop()
    (out / "quality.json").write_text(json.dumps(results, indent=2) + "\n")
    columns = [("content", "{}"), ("encoding", "{}"), ("cpu_s_per_min", "{:.2f}"),
               ("encoder_thread_cpu_s_per_min", "{:.2f}"), ("peak_rss_mib", "{:.1f}"), ("kbit_s", "{:.0f}"),
               ("bucket_peak_kbit", "{:.0f}"), ("window_peak_kbit", "{:.0f}"), ("keyframe_interval_min_s", "{:.3f}"),
               ("keyframe_interval_max_s", "{:.3f}"), ("psnr_y_mean", "{:.2f}"), ("psnr_y_worst", "{:.2f}"),
               ("ssim_mean", "{:.4f}"), ("ssim_worst", "{:.4f}")]
    lines = ["\t".join(name for name, _ in columns)]
    for result in results:
        lines.append("\t".join("-" if result.get(name) is None else form.format(result[name])
                               for name, form in columns))
    # Where the box's CPU goes, thread by thread (README, "Threads"), in s per stream-minute.
    names = sorted({name for r in results for name in r.get("thread_cpu_s_per_min", {})})
    if names:
        lines.append("")
        lines.append("\t".join(["content", "encoding"] + names))
        for r in results:
            if "thread_cpu_s_per_min" in r:
                lines.append("\t".join([r["content"], r["encoding"]] +
                                       [f"{r['thread_cpu_s_per_min'].get(name, 0):.2f}" for name in names]))
    text = "\n".join(lines) + "\n"
    print(text)
    (out / "quality.txt").write_text(text)
    if args.keep:
        print(f"quality: kept {work}", file=sys.stderr)
    else:
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
