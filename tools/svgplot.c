/* svgplot: the SVG writer. */
#include "svgplot.h"
#include "tool.h"

#include <math.h>
#include <string.h>

#define WIDTH 960
#define LEFT 70                 /* room for the y labels */
#define RIGHT 20
#define TOP 76                  /* title and two legend rows */
#define PANEL_H 300
#define GR_H 120                /* gain-reduction panel */
#define GAP 50                  /* x labels between panels */
#define BOTTOM 50

typedef struct
{
  GString *s;
  gdouble x0, x1, y0, y1;       /* data range of the current panel */
  gint top, height;             /* pixels */
} Panel;

static gdouble
px (const Panel * p, gdouble x)
{
  return LEFT + (x - p->x0) / (p->x1 - p->x0) * (WIDTH - LEFT - RIGHT);
}

static gdouble
py (const Panel * p, gdouble y)
{
  return p->top + (p->y1 - y) / (p->y1 - p->y0) * p->height;
}

/* 1, 2 or 5 times a power of ten, giving about `want` ticks over `span`. */
static gdouble
tick_step (gdouble span, gint want)
{
  gdouble raw = span / want, mag = pow (10, floor (log10 (raw)));
  gdouble n = raw / mag;
  return mag * (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10);
}

static void
text (GString * s, gdouble x, gdouble y, const gchar * anchor,
    const gchar * extra, const gchar * str)
{
  gchar *esc = g_markup_escape_text (str, -1);
  g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" "
      "text-anchor=\"%s\" %s>%s</text>\n", x, y, anchor, extra ? extra : "",
      esc);
  g_free (esc);
}

/* Frame, grid, ticks and the axis titles of a panel. */
static void
axes (Panel * p, const gchar * xlabel, const gchar * ylabel, gint id)
{
  GString *s = p->s;
  gdouble xs = tick_step (p->x1 - p->x0, 10);
  gdouble ys = tick_step (p->y1 - p->y0, MAX (4, p->height / 50));
  gint right = WIDTH - RIGHT;

  g_string_append_printf (s, "<clipPath id=\"clip%d\"><rect x=\"%d\" "
      "y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n", id, LEFT, p->top,
      right - LEFT, p->height);
  g_string_append_printf (s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
      "height=\"%d\" fill=\"#fbfbfb\" stroke=\"#444\"/>\n", LEFT, p->top,
      right - LEFT, p->height);
  for (gdouble x = ceil (p->x0 / xs) * xs; x <= p->x1 + 1e-9; x += xs) {
    gchar label[32];
    g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
        "y2=\"%d\" stroke=\"#ddd\"/>\n", px (p, x), p->top, px (p, x),
        p->top + p->height);
    g_snprintf (label, sizeof label, "%g", x);
    text (s, px (p, x), p->top + p->height + 16, "middle", NULL, label);
  }
  for (gdouble y = ceil (p->y0 / ys) * ys; y <= p->y1 + 1e-9; y += ys) {
    gchar label[32];
    g_string_append_printf (s, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
        "y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, py (p, y), right, py (p, y));
    g_snprintf (label, sizeof label, "%g", fabs (y) < 1e-9 ? 0.0 : y);
    text (s, LEFT - 6, py (p, y) + 4, "end", NULL, label);
  }
  text (s, (LEFT + right) / 2.0, p->top + p->height + 34, "middle", NULL,
      xlabel);
  gchar *rot = g_strdup_printf ("transform=\"rotate(-90 16 %.1f)\"",
      p->top + p->height / 2.0);
  text (s, 16, p->top + p->height / 2.0, "middle", rot, ylabel);
  g_free (rot);
}

typedef gdouble (*Field) (const MmPoint * pt);

static gdouble
f_momentary (const MmPoint * pt)
{
  return pt->momentary;
}

static gdouble
f_shortterm (const MmPoint * pt)
{
  return pt->shortterm;
}

static gdouble
f_integrated (const MmPoint * pt)
{
  return pt->integrated;
}

static gdouble
f_true_peak (const MmPoint * pt)
{
  return pt->true_peak;
}

/* One curve as a path; silence (-inf) and missing values break it. */
static void
curve (Panel * p, const GArray * pts, Field field, const gchar * style,
    gint clip)
{
  gboolean pen = FALSE;
  g_string_append_printf (p->s, "<path clip-path=\"url(#clip%d)\" "
      "fill=\"none\" %s d=\"", clip, style);
  for (guint i = 0; i < pts->len; i++) {
    const MmPoint *pt = &g_array_index (pts, MmPoint, i);
    gdouble v = field (pt);
    if (!isfinite (v) || v < p->y0 - 40) {
      pen = FALSE;
      continue;
    }
    g_string_append_printf (p->s, "%c%.1f %.1f ", pen ? 'L' : 'M',
        px (p, pt->time), py (p, MIN (v, p->y1 + 10)));
    pen = TRUE;
  }
  g_string_append (p->s, "\"/>\n");
}

static void
legend_item (GString * s, gint * x, gint y, const gchar * style,
    const gchar * label)
{
  g_string_append_printf (s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
      "y2=\"%d\" %s/>\n", *x, y - 4, *x + 22, y - 4, style);
  text (s, *x + 27, y, "start", NULL, label);
  *x += 40 + 7 * (gint) strlen (label);
}

typedef struct
{
  const gchar *m, *s, *i, *tp;
} Styles;

static const Styles before_styles = {
  "stroke=\"#9ab\" stroke-width=\"0.8\"",
  "stroke=\"#2a6fb0\" stroke-width=\"1.6\"",
  "stroke=\"#123\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"",
  "stroke=\"#d33\" stroke-width=\"1\"",
};

static const Styles after_styles = {
  "stroke=\"#e9b\" stroke-width=\"0.8\"",
  "stroke=\"#e07b00\" stroke-width=\"1.8\"",
  "stroke=\"#7a3b00\" stroke-width=\"1.8\" stroke-dasharray=\"6 4\"",
  "stroke=\"#a0a\" stroke-width=\"1\"",
};

static void
draw_loudness (Panel * p, const MmLoudness * l, const Styles * st)
{
  curve (p, l->curve, f_momentary, st->m, 0);
  curve (p, l->curve, f_true_peak, st->tp, 0);
  curve (p, l->curve, f_shortterm, st->s, 0);
  curve (p, l->curve, f_integrated, st->i, 0);
}

static void
legend_row (GString * s, gint y, const gchar * title, const Styles * st)
{
  gint x = LEFT;
  if (title)
    text (s, x, y, "start", "font-weight=\"bold\"", title);
  x += title ? 50 : 0;
  legend_item (s, &x, y, st->m, "momentary");
  legend_item (s, &x, y, st->s, "short-term");
  legend_item (s, &x, y, st->i, "integrated");
  legend_item (s, &x, y, st->tp, "true peak (per 100 ms)");
}

static void
legend (GString * s, const MmLoudness * after)
{
  legend_row (s, 46, after ? "before" : NULL, &before_styles);
  if (after)
    legend_row (s, 64, "after", &after_styles);
}

/* The loudness panel's range: 0 dB at the top, low enough to show the
 * quietest programme's short-term loudness, in 6 dB steps. */
static gdouble
loudness_floor (const MmLoudness * a, const MmLoudness * b)
{
  gdouble lo = -36;
  const MmLoudness *ls[2] = { a, b };
  for (guint k = 0; k < 2; k++)
    if (ls[k] && isfinite (ls[k]->integrated))
      lo = MIN (lo, floor ((ls[k]->integrated - 18) / 6) * 6);
  return MAX (lo, -72);
}

/* gain reduction at each step: after's short-term minus before's, minus
 * the overall gain (the difference of the integrated loudness) */
static GArray *
gain_reduction (const MmLoudness * before, const MmLoudness * after,
    gdouble * lowest)
{
  GArray *gr = g_array_new (FALSE, TRUE, sizeof (MmPoint));
  gdouble overall = after->integrated - before->integrated;
  guint n = MIN (before->curve->len, after->curve->len);
  *lowest = 0;
  for (guint i = 0; i < n; i++) {
    const MmPoint *b = &g_array_index (before->curve, MmPoint, i);
    const MmPoint *a = &g_array_index (after->curve, MmPoint, i);
    MmPoint pt = { b->time, NAN, NAN, NAN, NAN };
    /* only where there is programme: reduction in silence means nothing */
    if (isfinite (a->shortterm) && isfinite (b->shortterm)
        && b->shortterm > before->integrated - 20)
      pt.shortterm = MIN (a->shortterm - b->shortterm - overall, 0.0);
    if (isfinite (pt.shortterm))
      *lowest = MIN (*lowest, pt.shortterm);
    g_array_append_val (gr, pt);
  }
  return gr;
}

static void
summary_line (GString * s, const MmPlot * plot)
{
  gchar *line;
  const MmLoudness *b = plot->before, *a = plot->after;
  if (a)
    line = g_strdup_printf ("integrated %.1f -> %.1f LUFS, LRA %.1f -> "
        "%.1f LU, true peak %.1f -> %.1f dBTP", b->integrated, a->integrated,
        b->range, a->range, b->true_peak, a->true_peak);
  else
    line = g_strdup_printf ("integrated %.1f LUFS, LRA %.1f LU, true peak "
        "%.1f dBTP", b->integrated, b->range, b->true_peak);
  text (s, WIDTH - RIGHT, 22, "end", "font-size=\"12\"", line);
  g_free (line);
}

static gchar *
render (const MmPlot * plot)
{
  const MmLoudness *b = plot->before, *a = plot->after;
  gint height = TOP + PANEL_H + GAP + (a ? GR_H + GAP : 0) + BOTTOM - 20;
  GString *s = g_string_new (NULL);
  gdouble duration = MAX (b->duration, a ? a->duration : 0);
  Panel p = { s, 0, MAX (duration, 1), loudness_floor (b, a), 0, TOP,
    PANEL_H
  };

  g_string_append_printf (s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      WIDTH, height, WIDTH, height);
  text (s, LEFT, 22, "start", "font-size=\"15\" font-weight=\"bold\"",
      plot->title);
  summary_line (s, plot);
  legend (s, a);
  axes (&p, "time (s)", "loudness (LUFS) / true peak (dBTP)", 0);
  draw_loudness (&p, b, &before_styles);
  if (a)
    draw_loudness (&p, a, &after_styles);

  if (a) {
    gdouble lowest;
    GArray *gr = gain_reduction (b, a, &lowest);
    Panel g = { s, p.x0, p.x1, MIN (-3, floor (lowest - 1)), 0.5,
      TOP + PANEL_H + GAP, GR_H
    };
    axes (&g, "time (s)", "gain reduction (dB)", 1);
    curve (&g, gr, f_shortterm, "stroke=\"#b00\" stroke-width=\"1.4\"", 1);
    g_array_unref (gr);
  }
  g_string_append (s, "</svg>\n");
  return g_string_free (s, FALSE);
}

gboolean
mm_plot_write (const MmPlot * plot, const gchar * path, GError ** err)
{
  gchar *svg = render (plot);
  GError *e = NULL;
  gboolean ok = g_file_set_contents (path, svg, -1, &e);
  if (!ok) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", path, e->message);
    g_error_free (e);
  }
  g_free (svg);
  return ok;
}
