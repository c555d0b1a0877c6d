#!/usr/bin/env python3
"""Tests of the mixmaster command-line program, one acceptance check each.

    test_cli.py MIXMASTER REFERENCE SCHEMA CHECK

MIXMASTER is build/tools/mixmaster, REFERENCE the mm-cli-reference helper
(libebur128 and the DSP meter on the same decoded audio), SCHEMA
docs/cli-measure.schema.json, CHECK one of the names in CHECKS.  Exit 0
pass, 1 fail, 77 skip (meson's skip code).  Material comes from
`mixmaster demo` (four stems at different loudness, a mix, a master), made
once per check in a private temporary folder.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print("ok:", what)


class Cli:
    def __init__(self, exe, reference, schema, tmp):
        self.exe, self.reference, self.schema, self.tmp = exe, reference, schema, tmp
        self._demo = None

    def run(self, *args, expect=0):
        p = subprocess.run([self.exe, *args], capture_output=True, text=True,
                           timeout=120)
        if expect is not None and p.returncode != expect:
            raise Fail("mixmaster %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                       % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        return p

    def measure(self, *files):
        return json.loads(self.run("measure", "--json", *files).stdout)

    def ref(self, *files):
        p = subprocess.run([self.reference, *files], capture_output=True,
                           text=True, timeout=120, check=True)
        return json.loads(p.stdout)

    def demo(self):
        """The demo folder (made once)."""
        if not self._demo:
            self._demo = os.path.join(self.tmp, "demo")
            p = self.run("demo", "-o", self._demo)
            print(p.stdout)
        return self._demo

    def stems(self):
        d = os.path.join(self.demo(), "stems")
        return [os.path.join(d, s + ".wav") for s in ("drums", "bass", "keys", "lead")]


def test_demo(cli):
    """README command one: the demo folder's master is at -14 LUFS +-0.2 and
    at most -1 dBTP, by `mixmaster measure` and by libebur128."""
    d = cli.demo()
    for name in ("mix.wav", "master.wav", "report.txt", "plot.svg",
                 "stems/drums.wav", "stems/bass.wav", "stems/keys.wav", "stems/lead.wav"):
        check(os.path.getsize(os.path.join(d, name)) > 0, "demo wrote " + name)
    master = os.path.join(d, "master.wav")
    m = cli.measure(master)["files"][0]
    print("mixmaster measure: %.3f LUFS, %.3f dBTP" % (m["integrated"], m["true_peak"]))
    check(abs(m["integrated"] + 14) <= 0.2, "measure: master at -14 LUFS +-0.2")
    check(m["true_peak"] <= -1.0, "measure: master at most -1 dBTP")
    r = cli.ref(master)["files"][0]
    print("libebur128: %.3f LUFS, %.3f dBTP" % (r["ebur128_integrated"], r["ebur128_true_peak"]))
    check(abs(r["ebur128_integrated"] + 14) <= 0.2, "libebur128: master at -14 LUFS +-0.2")
    check(r["ebur128_true_peak"] <= -1.0, "libebur128: master at most -1 dBTP")


def test_measure(cli):
    """measure agrees with libebur128, --json validates against the schema,
    the album loudness equals the DSP meter's multi-meter result."""
    d = cli.demo()
    # and one at 44.1 kHz (the album mixes rates), 32-bit float
    keys44 = os.path.join(cli.tmp, "keys44.wav")
    cli.run("mix", cli.stems()[2], "--rate", "44100", "--bits", "32", "-o", keys44)
    files = cli.stems() + [os.path.join(d, "mix.wav"), os.path.join(d, "master.wav"), keys44]
    out = cli.measure(*files)
    try:
        import jsonschema
    except ImportError:
        raise Fail("python3-jsonschema is not installed (scripts/setup.sh installs it)")
    with open(cli.schema) as f:
        jsonschema.validate(out, json.load(f))
    print("ok: --json validates against", os.path.basename(cli.schema))
    ref = cli.ref(*files)
    for got, want in zip(out["files"], ref["files"]):
        name = os.path.basename(got["file"])
        print("%-10s I %.3f / %.3f  TP %.3f / %.3f  SP %.3f / %.3f  LRA %.3f / %.3f"
              % (name, got["integrated"], want["ebur128_integrated"], got["true_peak"],
                 want["ebur128_true_peak"], got["sample_peak"], want["ebur128_sample_peak"],
                 got["range"], want["mm_range"]))
        check(abs(got["integrated"] - want["ebur128_integrated"]) <= 0.05,
              name + ": integrated within 0.05 LU of libebur128")
        check(abs(got["true_peak"] - want["ebur128_true_peak"]) <= 0.2,
              name + ": true peak within 0.2 dB of libebur128")
        check(abs(got["sample_peak"] - want["ebur128_sample_peak"]) <= 0.01,
              name + ": sample peak equals libebur128's")
        check(abs(got["range"] - want["mm_range"]) <= 0.002,
              name + ": loudness range equals the DSP meter's")
    album, ref_album = out["album"], ref["album"]
    print("album: %.4f LUFS; multi-meter %.4f, libebur128 %.4f; LRA %.4f / %.4f"
          % (album["integrated"], ref_album["mm_integrated"], ref_album["ebur128_integrated"],
             album["range"], ref_album["mm_range"]))
    check(abs(album["integrated"] - ref_album["mm_integrated"]) <= 0.001,
          "album loudness equals mm_loudness_integrated_multiple")
    check(abs(album["range"] - ref_album["mm_range"]) <= 0.002,
          "album loudness range equals mm_loudness_range_multiple")
    check(abs(album["integrated"] - ref_album["ebur128_integrated"]) <= 0.05,
          "album loudness within 0.05 LU of libebur128's")


def test_normalize_album(cli):
    """normalize --album of three files at different loudness: the same gain
    on each, the album's integrated loudness on target +-0.1 LU."""
    drums, bass, keys, lead = cli.stems()
    ins = [keys, drums, lead]
    outdir = os.path.join(cli.tmp, "normalized")
    report = json.loads(cli.run("normalize", "--album", "--json", "-j", "2",
                                "-t", "-23", *ins, "-o", outdir).stdout)
    gains = [f["gain"] for f in report["files"]]
    print("input loudness", [f["integrated"] for f in report["files"]], "gains", gains)
    check(max(gains) - min(gains) <= 0.001, "the same gain on every file")
    outs = [f["output"] for f in report["files"]]
    album = cli.measure(*outs)["album"]["integrated"]
    print("album loudness after: %.3f LUFS" % album)
    check(abs(album + 23) <= 0.1, "album loudness on target -23 LUFS +-0.1")
    for f in report["files"]:
        check(f["output_true_peak"] <= -1.0, os.path.basename(f["output"]) + " at most -1 dBTP")


def only_line(p, what):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(len(lines) == 1, "%s: one line of error (%r)" % (what, p.stderr))
    return lines[0]


def leftovers(folder):
    return [f for f in os.listdir(folder)] if os.path.isdir(folder) else []


def test_bad_input(cli):
    """A missing file, an undecodable file, an unwritable output, an unknown
    profile: a one-line error naming it, a non-zero exit, nothing left
    under the output name (nor a temporary file)."""
    good = cli.stems()[3]
    missing = os.path.join(cli.tmp, "missing.wav")
    garbage = os.path.join(cli.tmp, "garbage.wav")
    with open(garbage, "wb") as f:
        f.write(b"RIFF\x10\x00\x00\x00not audio at all" * 64)
    notdir = os.path.join(cli.tmp, "plainfile")
    open(notdir, "w").close()
    unwritable = os.path.join(notdir, "out.wav")
    outdir = os.path.join(cli.tmp, "bad-out")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, "out.wav")
    cases = [
        # (args, the name the error must mention, exit code)
        (["measure", missing], missing, 1),
        (["measure", garbage], garbage, 1),
        (["master", missing, "-o", out], missing, 1),
        (["master", garbage, "-o", out], garbage, 1),
        (["master", good, "-o", unwritable], unwritable, 1),
        (["master", good, "-o", out, "--profile", "loudest"], "loudest", 2),
        (["normalize", missing, "-o", out], missing, 1),
        (["normalize", garbage, "-o", out], garbage, 1),
        (["normalize", good, "-o", unwritable], notdir, 1),
        (["mix", missing, good, "-o", out], missing, 1),
        (["mix", garbage, good, "-o", out], garbage, 1),
        (["mix", good, "-o", unwritable], unwritable, 1),
        (["mix", good, "-o", out, "--master", "loudest"], "loudest", 2),
        (["mix", good + ":loudness=3", "-o", out], "loudness", 2),
        (["album", missing, "-o", outdir], missing, 1),
        (["album", garbage, "-o", outdir], garbage, 1),
        (["album", good, "-o", unwritable], notdir, 1),
        (["album", good, "-o", outdir, "--profile", "loudest"], "loudest", 2),
        (["plot", missing, "-o", os.path.join(outdir, "p.svg")], missing, 1),
        (["plot", garbage, "-o", os.path.join(outdir, "p.svg")], garbage, 1),
        (["plot", good, "-o", os.path.join(notdir, "p.svg")], notdir, 1),
        (["master", good, "-o", os.path.join(outdir, "out.mp3")], "out.mp3", 2),
    ]
    for args, name, code in cases:
        what = "mixmaster " + " ".join(os.path.relpath(a, cli.tmp) if a.startswith(cli.tmp)
                                       else a for a in args)
        p = cli.run(*args, expect=None)
        check(p.returncode == code, "%s: exit %d (got %d)" % (what, code, p.returncode))
        line = only_line(p, what)
        check(name in line, "%s: the error names %s: %s" % (what, os.path.basename(name), line))
        check(leftovers(outdir) == [], "%s: nothing left in the output folder %s"
              % (what, leftovers(outdir)))


def test_svg(cli):
    """plot writes an SVG that headless Chromium renders to a non-empty PNG,
    with labelled axes."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    d = cli.demo()
    svg = os.path.join(cli.tmp, "plot.svg")
    cli.run("plot", os.path.join(d, "mix.wav"), os.path.join(d, "master.wav"), "-o", svg)
    text = open(svg, encoding="utf-8").read()
    for label in ("time (s)", "loudness (LUFS)", "true peak (dBTP)", "gain reduction (dB)"):
        check(">" + label in text or label in text, "axis label '%s'" % label)
    check(text.count("<path") >= 8, "curves drawn (before and after)")
    if not chromium:
        print("skip: chromium is not installed (scripts/setup.sh installs it)")
        sys.exit(SKIP)
    png = os.path.join(cli.tmp, "plot.png")
    p = subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox",
                        "--hide-scrollbars", "--window-size=960,640",
                        "--user-data-dir=" + os.path.join(cli.tmp, "chromium"),
                        "--screenshot=" + png, "file://" + svg],
                       capture_output=True, text=True, timeout=60)
    check(os.path.exists(png), "chromium wrote a PNG (%s)" % p.stderr[-300:])
    data = open(png, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the PNG is a PNG")
    print("PNG: %d bytes" % len(data))
    # a blank 960x640 page compresses to a few kB; the plot is far more
    check(len(data) > 20000, "the PNG is not blank")


def test_mix_album(cli):
    """mix through mixbus with per-stem settings and --master; album with
    one album gain, the loudest track on target, a CUE sheet."""
    drums, bass, keys, lead = cli.stems()
    mix = os.path.join(cli.tmp, "mix.flac")
    cli.run("mix", drums + ":gain=-4,hpf=30", bass + ":gain=12", keys + ":gain=-8,pan=0.1",
            lead + ":gain=9,reverb-send=-9", "--bus", "reverb-decay=1.5",
            "-o", mix, "--master", "podcast", "--bits", "16")
    m = cli.measure(mix)["files"][0]
    check(abs(m["integrated"] + 16) <= 0.2 and m["true_peak"] <= -1.0,
          "mix --master podcast: -16 LUFS, <= -1 dBTP (%.2f, %.2f)"
          % (m["integrated"], m["true_peak"]))
    outdir = os.path.join(cli.tmp, "album")
    p = cli.run("album", keys, lead, bass, "-o", outdir, "--gap", "1s", "-j", "2")
    print(p.stdout)
    tracks = sorted(f for f in os.listdir(outdir) if f[0].isdigit())
    check(tracks == ["01 keys.wav", "02 lead.wav", "03 bass.wav"], "per-track files " + str(tracks))
    cue = open(os.path.join(outdir, "album.cue")).read()
    check(cue.count("TRACK") == 3 and 'FILE "album.wav" WAVE' in cue, "CUE sheet with 3 tracks")
    ins = cli.measure(keys, lead, bass)["files"]
    outs = cli.measure(*[os.path.join(outdir, t) for t in tracks])["files"]
    check(abs(outs[0]["integrated"] + 14) <= 0.2, "loudest track (keys) on the -14 LUFS target")
    gains = [o["integrated"] - i["integrated"] for i, o in zip(ins, outs)]
    print("gains", gains)
    check(max(gains) - min(gains) <= 0.3, "one album gain (within the limiter's work)")
    album = cli.measure(os.path.join(outdir, "album.wav"))["files"][0]
    want = sum(o["duration"] for o in outs) + 2
    check(abs(album["duration"] - want) <= 0.05, "album length = tracks + 2 gaps of 1 s")


def test_help(cli):
    """every subcommand has --help (exit 0); no command is a usage error."""
    for cmd in ("measure", "normalize", "master", "mix", "album", "plot", "demo"):
        p = cli.run(cmd, "--help")
        check("Usage:" in p.stdout and "Exit status" in p.stdout, cmd + " --help")
    check(cli.run(expect=2).returncode == 2, "no command: exit 2")
    check(cli.run("bogus", expect=2).returncode == 2, "unknown command: exit 2")


CHECKS = {
    "demo": test_demo,
    "measure": test_measure,
    "normalize-album": test_normalize_album,
    "bad-input": test_bad_input,
    "svg": test_svg,
    "mix-album": test_mix_album,
    "help": test_help,
}


def main():
    exe, reference, schema, name = sys.argv[1:5]
    with tempfile.TemporaryDirectory(prefix="mm-cli-") as tmp:
        os.environ["MIXMASTER_PROGRESS"] = "0"
        cli = Cli(exe, reference, schema, tmp)
        try:
            CHECKS[name](cli)
        except Fail as e:
            print("FAIL:", e)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
