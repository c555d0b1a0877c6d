# Flat vector kernels of the DSP core.  orcc generates mmdsp-orc.c/.h at
# build time when it is installed; mmdsp-orc-dist.c/.h are the committed
# output (with plain-C backups) used when it is not.
# Regenerate the dist files with: dsp/update-orc-dist.sh

# gain: d = d * g
.function mm_orc_scale_f32
.dest 4 d1 float
.floatparam 4 p1 float
mulf d1, d1, p1

# mix-accumulate: d = d + s * g
.function mm_orc_add_scaled_f32
.dest 4 d1 float
.source 4 s1 float
.floatparam 4 p1 float
.temp 4 t1
mulf t1, s1, p1
addf d1, d1, t1

# stereo interleaved -> two planes (little-endian: the low word is left)
.function mm_orc_deinterleave2_f32
.dest 4 d1 float
.dest 4 d2 float
.source 8 s1 float
splitql d2, d1, s1

# two planes -> stereo interleaved
.function mm_orc_interleave2_f32
.dest 8 d1 float
.source 4 s1 float
.source 4 s2 float
mergelq d1, s1, s2

# float64 -> float32, in one plane
.function mm_orc_convert_f64_to_f32
.dest 4 d1 float
.source 8 s1 double
convdf d1, s1
