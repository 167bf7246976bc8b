/* What the gate prints and writes: a table, GitHub Actions annotations,
 * JSON and JUnit XML. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/mem.h"
#include "gate/gate.h"

static const char *verdict_name(rb_gate_verdict v)
{
    return v == RB_GATE_PASS ? "pass" : v == RB_GATE_FAIL ? "FAIL" : "new";
}

static const char *check_name(const rb_gate_check *c)
{
    if (c->name)
        return c->name;
    return c->kind == RB_CHECK_DATASET ? "(dataset)" : "(retriever)";
}

static void format_values(const rb_gate_check *c, char *base, char *cur,
                          char *diff, char *limit, size_t size)
{
    strcpy(base, "-");
    strcpy(cur, "-");
    strcpy(diff, "-");
    strcpy(limit, "-");
    if (c->kind == RB_CHECK_MEASURE) {
        snprintf(base, size, "%.4f", c->baseline);
        if (!c->has_values)
            return;
        snprintf(cur, size, "%.4f", c->current);
        snprintf(diff, size, "%+.4f", fabs(c->difference) < 5e-13
                                      ? 0.0 : c->difference);
        snprintf(limit, size, c->allowed > 0 ? "-%.4f" : "%.4f",
                 c->allowed);
    } else if (c->kind == RB_CHECK_TIMING) {
        snprintf(base, size, "%.3fs", c->baseline);
        if (!c->has_values)
            return;
        snprintf(cur, size, "%.3fs", c->current);
        snprintf(diff, size, "x%.2f", c->difference);
        snprintf(limit, size, "x%.2f", c->allowed);
    }
}

void rb_gate_print_table(FILE *out, const rb_gate_report *rep)
{
    int wd = 7, wr = 9, wn = 5;
    size_t i;

    for (i = 0; i < rep->n; i++) {
        const rb_gate_check *c = &rep->checks[i];

        if ((int)strlen(c->dataset) > wd)
            wd = (int)strlen(c->dataset);
        if (c->retriever && (int)strlen(c->retriever) > wr)
            wr = (int)strlen(c->retriever);
        if ((int)strlen(check_name(c)) > wn)
            wn = (int)strlen(check_name(c));
    }
    fprintf(out, "%-*s  %-*s  %-*s  %9s  %9s  %9s  %9s  %-7s  %s\n", wd,
            "dataset", wr, "retriever", wn, "check", "baseline", "current",
            "change", "limit", "verdict", "why");
    for (i = 0; i < rep->n; i++) {
        const rb_gate_check *c = &rep->checks[i];
        char base[32], cur[32], diff[32], limit[32];

        format_values(c, base, cur, diff, limit, sizeof base);
        fprintf(out, "%-*s  %-*s  %-*s  %9s  %9s  %9s  %9s  %-7s  %s\n", wd,
                c->dataset, wr, c->retriever ? c->retriever : "-", wn,
                check_name(c), base, cur, diff, limit,
                verdict_name(c->verdict), c->reason);
    }
    fprintf(out, "\ngate: %zu checks, %zu passed, %zu failed", rep->n,
            rep->passed, rep->failed);
    if (rep->fresh)
        fprintf(out, ", %zu new (not gated)", rep->fresh);
    fprintf(out, "%s: %s\n", rep->dataset_changed
            ? " (dataset changed, allowed)" : "",
            rep->failed ? "REGRESSION" : "ok");
}

/* Workflow commands need '%', '\r' and '\n' escaped in their message, and
 * also ':' and ',' in property values. */
static void print_escaped(FILE *out, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", out);
        else if (*s == '\r')
            fputs("%0D", out);
        else if (*s == '\n')
            fputs("%0A", out);
        else if (property && *s == ':')
            fputs("%3A", out);
        else if (property && *s == ',')
            fputs("%2C", out);
        else
            fputc(*s, out);
    }
}

void rb_gate_print_annotations(FILE *out, const rb_gate_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++) {
        const rb_gate_check *c = &rep->checks[i];
        char title[512];

        if (c->verdict != RB_GATE_FAIL)
            continue;
        snprintf(title, sizeof title, "rankbench gate: %s/%s %s",
                 c->dataset, c->retriever ? c->retriever : "-",
                 check_name(c));
        fputs("::error title=", out);
        print_escaped(out, title, 1);
        fputs("::", out);
        snprintf(title, sizeof title, "%s/%s %s: ", c->dataset,
                 c->retriever ? c->retriever : "-", check_name(c));
        print_escaped(out, title, 0);
        print_escaped(out, c->reason, 0);
        fputc('\n', out);
    }
    if (rep->dataset_changed)
        fputs("::warning title=rankbench gate::the dataset differs from "
              "the baseline's (allowed by --allow-dataset-change)\n", out);
}

static const char *kind_name(rb_gate_kind k)
{
    switch (k) {
    case RB_CHECK_MEASURE:
        return "measure";
    case RB_CHECK_TIMING:
        return "timing";
    case RB_CHECK_DATASET:
        return "dataset";
    case RB_CHECK_RETRIEVER:
        return "retriever";
    }
    return "?";
}

static json_t *check_json(const rb_gate_check *c)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}",
                          "kind", kind_name(c->kind), "dataset", c->dataset,
                          "retriever", c->retriever
                              ? json_string(c->retriever) : json_null(),
                          "check", c->name ? json_string(c->name)
                                           : json_null(),
                          "verdict", c->verdict == RB_GATE_PASS ? "pass" :
                              c->verdict == RB_GATE_FAIL ? "fail" : "new",
                          "reason", c->reason);

    if (!o)
        return NULL;
    if (c->kind == RB_CHECK_MEASURE || c->kind == RB_CHECK_TIMING)
        json_object_set_new(o, "baseline", json_real(c->baseline));
    if (c->has_values) {
        json_object_set_new(o, "current", json_real(c->current));
        json_object_set_new(o, c->kind == RB_CHECK_TIMING ? "ratio"
                                                          : "difference",
                            isfinite(c->difference)
                                ? json_real(c->difference) : json_null());
        json_object_set_new(o, c->kind == RB_CHECK_TIMING ? "max_ratio"
                                                          : "max_drop",
                            json_real(c->allowed));
    }
    if (c->has_p)
        json_object_set_new(o, "p_randomization", json_real(c->p));
    return o;
}

json_t *rb_gate_report_json(const rb_gate_report *rep,
                            const rb_gate_rules *rules)
{
    json_t *checks = json_array(), *out;
    size_t i;

    for (i = 0; checks && i < rep->n; i++)
        if (json_array_append_new(checks, check_json(&rep->checks[i])) < 0) {
            json_decref(checks);
            return NULL;
        }
    out = json_pack("{s:s, s:i, s:b, s:I, s:I, s:I, s:I, s:b, s:b, s:f, "
                    "s:o}",
                    "schema", "rankbench.gate", "schema_version", 1,
                    "passed", rep->failed == 0,
                    "checks_total", (json_int_t)rep->n,
                    "checks_passed", (json_int_t)rep->passed,
                    "checks_failed", (json_int_t)rep->failed,
                    "checks_new", (json_int_t)rep->fresh,
                    "dataset_changed", rep->dataset_changed,
                    "require_significance", rules->require_significance,
                    "alpha", rules->alpha,
                    "checks", checks);
    return out;
}

/* Append s escaped for XML; returns -1 when memory runs out. */
static int xml_escaped(rb_buf *b, const char *s)
{
    int bad = 0;

    for (; *s; s++) {
        switch (*s) {
        case '&': bad |= rb_buf_puts(b, "&amp;"); break;
        case '<': bad |= rb_buf_puts(b, "&lt;"); break;
        case '>': bad |= rb_buf_puts(b, "&gt;"); break;
        case '"': bad |= rb_buf_puts(b, "&quot;"); break;
        case '\'': bad |= rb_buf_puts(b, "&apos;"); break;
        default:
            /* Control characters other than tab and newlines are not
             * allowed in XML 1.0. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' &&
                *s != '\r')
                bad |= rb_buf_putc(b, '?');
            else
                bad |= rb_buf_putc(b, *s);
        }
    }
    return bad ? -1 : 0;
}

static int junit_case(rb_buf *b, const rb_gate_check *c)
{
    int bad = rb_buf_puts(b, "    <testcase classname=\"");

    bad |= xml_escaped(b, c->dataset);
    if (c->retriever)
        bad |= rb_buf_putc(b, '.') | xml_escaped(b, c->retriever);
    bad |= rb_buf_puts(b, "\" name=\"") | xml_escaped(b, check_name(c));
    if (c->verdict == RB_GATE_PASS)
        return bad | rb_buf_puts(b, "\"/>\n");
    bad |= rb_buf_puts(b, c->verdict == RB_GATE_FAIL
                       ? "\">\n      <failure type=\"regression\" "
                         "message=\""
                       : "\">\n      <skipped message=\"");
    bad |= xml_escaped(b, c->reason);
    return bad | rb_buf_puts(b, "\"/>\n    </testcase>\n");
}

int rb_gate_write_junit(const rb_gate_report *rep, const char *path,
                        rb_error *err)
{
    rb_buf b = RB_BUF_INIT;
    size_t i;
    int bad, rc;

    bad = rb_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<testsuites name=\"rankbench gate\" tests=\"%zu\" "
                        "failures=\"%zu\">\n"
                        "  <testsuite name=\"rankbench gate\" tests=\"%zu\" "
                        "failures=\"%zu\" skipped=\"%zu\">\n", rep->n,
                        rep->failed, rep->n, rep->failed, rep->fresh);
    for (i = 0; i < rep->n; i++)
        bad |= junit_case(&b, &rep->checks[i]);
    bad |= rb_buf_puts(&b, "  </testsuite>\n</testsuites>\n");
    if (bad)
        rc = rb_error_oom(err);
    else
        rc = rb_write_file_atomic(path, b.data, b.len, err);
    rb_buf_release(&b);
    return rc;
}
