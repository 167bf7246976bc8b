/*
 * Running probe suites (encoder/probe.h): masking each text, one forward
 * pass per batch of probes, the masked-LM head at the masked positions
 * only, and the scores, summaries and diagnostics of the report.
 */

#include "encoder/probe.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "text/unicode.h"

#define DEFAULT_TOP_K 5
#define DEFAULT_BATCH 64
#define HEAD_ROWS 64        /* masked positions per call of the head */

/* ---- token kinds ---- */

/* English function words: articles, pronouns, auxiliaries, prepositions,
 * conjunctions and common adverbs, sorted for bsearch. */
static const char *const function_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an",
    "and", "any", "are", "as", "at", "be", "because", "been", "before",
    "being", "below", "between", "both", "but", "by", "can", "could",
    "did", "do", "does", "doing", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "i", "if",
    "in", "into", "is", "it", "its", "itself", "just", "may", "me",
    "might", "more", "most", "must", "my", "myself", "no", "nor", "not",
    "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "same", "shall", "she",
    "should", "so", "some", "such", "than", "that", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up",
    "upon", "us", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would",
    "you", "your", "yours", "yourself", "yourselves",
};

#define NFUNCTION (sizeof function_words / sizeof function_words[0])

static int compare_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int is_bert_punct(uint32_t cp)
{
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
        (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        return 1;
    return (rb_unicode_flags(cp) & RB_UC_PUNCT) != 0;
}

static int all_punct(const char *s)
{
    size_t n = strlen(s), i = 0;

    while (i < n) {
        uint32_t cp;
        int bad;

        i += rb_utf8_decode(s + i, n - i, &cp, &bad);
        if (bad || !is_bert_punct(cp))
            return 0;
    }
    return n > 0;
}

static int is_function_word(const char *s)
{
    char low[16];
    size_t i, n = strlen(s);

    if (n >= sizeof low)
        return 0;
    for (i = 0; i <= n; i++)
        low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a')
                                            : s[i];
    return bsearch(low, function_words, NFUNCTION, sizeof function_words[0],
                   compare_word) != NULL;
}

static int is_special(const rb_wordpiece *wp, int32_t id, const char *s)
{
    size_t n = strlen(s), i;

    if (id == rb_wordpiece_cls_id(wp) || id == rb_wordpiece_sep_id(wp) ||
        id == rb_wordpiece_pad_id(wp) || id == rb_wordpiece_unk_id(wp) ||
        id == rb_wordpiece_mask_id(wp))
        return 1;
    /* [unused12], [SEP]-like spellings of other vocabularies */
    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return 0;
    for (i = 1; i + 1 < n; i++)
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
            return 1;
    return 0;
}

rb_token_kind rb_probe_token_kind(const rb_wordpiece *wp, int32_t id)
{
    const char *s = rb_wordpiece_token(wp, id);

    if (!s || is_special(wp, id, s))
        return RB_TOKEN_SPECIAL;
    if (strncmp(s, "##", 2) == 0)
        return RB_TOKEN_FRAGMENT;
    if (all_punct(s))
        return RB_TOKEN_PUNCT;
    if (is_function_word(s))
        return RB_TOKEN_STOPWORD;
    return RB_TOKEN_WORD;
}

const char *rb_token_kind_name(rb_token_kind k)
{
    static const char *const names[RB_TOKEN_KINDS] = {
        "word", "fragment", "punctuation", "stopword", "special",
    };

    return (unsigned)k < RB_TOKEN_KINDS ? names[k] : "?";
}

/* ---- the run's state ---- */

typedef struct probe_run {
    rb_encoder *e;
    rb_mlm_head *h;
    const rb_model *m;
    const rb_wordpiece *wp;
    rb_wordpiece_scratch *scratch;
    size_t max_len, hidden, vocab, top_k, batch;
    int32_t mask_id;
    rb_probe_report *r;
    size_t outcomes_cap, problems_cap;
    rb_buf pieces;          /* text of a piece list, for messages */
} probe_run;

static int run_problem(probe_run *run, const rb_probe *p, const char *fmt,
                       ...) __attribute__((format(printf, 3, 4)));

static int run_problem(probe_run *run, const rb_probe *p, const char *fmt,
                       ...)
{
    rb_probe_report *r = run->r;
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rb_probe_problem_append(&r->problems, &r->nproblems,
                                   &run->problems_cap, p->line, p->id,
                                   text);
}

/* "play ##ing" for messages; NULL when memory runs out. */
static const char *piece_list(probe_run *run, const rb_ids *ids)
{
    size_t i;

    rb_buf_reset(&run->pieces);
    for (i = 0; i < ids->n; i++) {
        const char *t = rb_wordpiece_token(run->wp, ids->v[i]);

        if (rb_buf_printf(&run->pieces, "%s%s", i ? " " : "",
                          t ? t : "?") < 0)
            return NULL;
    }
    return rb_buf_putc(&run->pieces, '\0') < 0 ? NULL : run->pieces.data;
}

static int is_continuation(const probe_run *run, int32_t id)
{
    const char *t = rb_wordpiece_token(run->wp, id);

    return t && strncmp(t, "##", 2) == 0;
}

/* ---- masking ---- */

/* Where the probe's mask run starts in body; 1 found, 0 problem
 * recorded, -1 out of memory. */
static int locate_masks(probe_run *run, const rb_probe *p, rb_ids *body,
                        const rb_ids *want, size_t *start)
{
    const char *mask = rb_wordpiece_get_options(run->wp)->mask;
    size_t i, j, count = 0, first = 0;
    const char *pieces;

    for (i = 0; i < body->n; i++) {
        if (body->v[i] != run->mask_id)
            continue;
        if (count++ == 0)
            first = i;
    }
    if (p->by_target) {
        if (count)
            return run_problem(run, p, "the text of a \"target\" probe "
                               "holds %s already: give plain text",
                               mask) < 0 ? -1 : 0;
        for (i = 0; i + want->n <= body->n; i++) {
            for (j = 0; j < want->n && body->v[i + j] == want->v[j]; j++)
                ;
            if (j == want->n && (i + j == body->n ||
                                 !is_continuation(run, body->v[i + j])))
                break;
        }
        if (i + want->n > body->n)
            return run_problem(run, p, "target \"%s\" does not occur in "
                               "the text as a whole word", p->expected)
                   < 0 ? -1 : 0;
        for (j = 0; j < want->n; j++)
            body->v[i + j] = run->mask_id;
        *start = i;
        return 1;
    }
    if (count == 0)
        return run_problem(run, p, "the text has no %s (and no "
                           "\"target\" is given)", mask) < 0 ? -1 : 0;
    if (count != want->n) {
        if (!(pieces = piece_list(run, want)))
            return -1;
        if (count == 1)
            return run_problem(run, p, "expected word \"%s\" is not one "
                               "token of the vocabulary (WordPiece splits "
                               "it into %zu pieces: %s): write one %s per "
                               "piece, or use \"target\"", p->expected,
                               want->n, pieces, mask) < 0 ? -1 : 0;
        return run_problem(run, p, "the text has %zu %s but expected "
                           "\"%s\" is %zu WordPiece piece%s (%s): write "
                           "one %s per piece, or use \"target\"", count,
                           mask, p->expected, want->n,
                           want->n == 1 ? "" : "s", pieces, mask) < 0
               ? -1 : 0;
    }
    for (i = first; i < first + count; i++)
        if (body->v[i] != run->mask_id)
            return run_problem(run, p, "the %s tokens must stand side by "
                               "side, one per piece of the expected word",
                               mask) < 0 ? -1 : 0;
    *start = first;
    return 1;
}

/* Tokenize and mask probe p into out; 1 ready, 0 problem recorded, -1
 * error. */
static int prepare(probe_run *run, const rb_probe *p, rb_probe_outcome *out,
                   rb_error *err)
{
    rb_ids body = RB_IDS_INIT, want = RB_IDS_INIT;
    int32_t unk = rb_wordpiece_unk_id(run->wp);
    size_t i, start = 0, keep;
    int rc = -1;

    if (rb_wordpiece_tokenize(run->wp, run->scratch, p->text,
                              strlen(p->text), SIZE_MAX, &body, err) < 0 ||
        rb_wordpiece_tokenize(run->wp, run->scratch, p->expected,
                              strlen(p->expected), SIZE_MAX, &want,
                              err) < 0)
        goto done;
    rc = 0;
    for (i = 0; i < want.n && want.v[i] != unk && want.v[i] != run->mask_id;
         i++)
        ;
    if (want.n == 0 || i < want.n) {
        rc = run_problem(run, p, "%s word \"%s\" is not in the vocabulary",
                         p->by_target ? "target" : "expected",
                         p->expected);
        goto done;
    }
    rc = locate_masks(run, p, &body, &want, &start);
    if (rc <= 0)
        goto done;
    if (1 + start + want.n > run->max_len - 1) {
        rc = run_problem(run, p, "the mask is at token %zu, past the "
                         "model's maximum length of %zu tokens",
                         start + want.n + 1, run->max_len);
        goto done;
    }
    keep = body.n < run->max_len - 2 ? body.n : run->max_len - 2;
    out->probe = p;
    out->nids = keep + 2;
    out->nslots = want.n;
    out->ids = rb_malloc(out->nids * sizeof *out->ids);
    out->slots = rb_calloc(want.n, sizeof *out->slots);
    if (!out->ids || !out->slots) {
        rb_free(out->ids);
        rb_free(out->slots);
        memset(out, 0, sizeof *out);
        rc = rb_error_oom(err);
        goto done;
    }
    out->ids[0] = rb_wordpiece_cls_id(run->wp);
    memcpy(out->ids + 1, body.v, keep * sizeof *body.v);
    out->ids[keep + 1] = rb_wordpiece_sep_id(run->wp);
    for (i = 0; i < want.n; i++) {
        out->slots[i].position = 1 + start + i;
        out->slots[i].expected = want.v[i];
    }
    rc = 1;

done:
    rb_ids_release(&body);
    rb_ids_release(&want);
    return rc;
}

/* ---- scoring ---- */

static int score_slot(probe_run *run, const float *logits, rb_probe_slot *s,
                      rb_error *err)
{
    rb_mlm_scores sc;

    s->top_ids = rb_malloc(run->top_k * sizeof *s->top_ids);
    s->top_p = rb_malloc(run->top_k * sizeof *s->top_p);
    if (!s->top_ids || !s->top_p)
        return rb_error_oom(err);
    sc.top_ids = s->top_ids;
    sc.top_p = s->top_p;
    rb_mlm_score(logits, run->vocab, s->expected, run->top_k, &sc);
    s->k = sc.k;
    s->rank = sc.rank;
    s->p_expected = sc.p_expected;
    s->entropy = sc.entropy;
    return 0;
}

static void finish_outcome(probe_run *run, rb_probe_outcome *o)
{
    size_t i;

    o->rank = 0;
    o->p = 1;
    o->entropy = 0;
    for (i = 0; i < o->nslots; i++) {
        if (o->slots[i].rank > o->rank)
            o->rank = o->slots[i].rank;
        o->p *= o->slots[i].p_expected;
        o->entropy += o->slots[i].entropy;
    }
    o->entropy /= (double)o->nslots;
    o->rr = 1.0 / (double)o->rank;
    o->hit1 = o->rank == 1;
    o->hitk = o->rank <= run->top_k;
}

/* The head over rows of masked states; scores go to the slots listed. */
static int score_rows(probe_run *run, const float *rows, size_t n,
                      rb_probe_slot **slots, float *logits, rb_error *err)
{
    size_t done, i;

    for (done = 0; done < n; done += HEAD_ROWS) {
        size_t m = n - done < HEAD_ROWS ? n - done : HEAD_ROWS;

        if (rb_mlm_head_logits(run->h, rows + done * run->hidden, m, logits,
                               err) < 0)
            return -1;
        for (i = 0; i < m; i++)
            if (score_slot(run, logits + i * run->vocab, slots[done + i],
                           err) < 0)
                return -1;
    }
    return 0;
}

/* Outcomes [first, first + count): one forward pass, then the head. */
static int run_batch(probe_run *run, size_t first, size_t count,
                     float *logits, rb_error *err)
{
    rb_probe_outcome *o = run->r->outcomes + first;
    size_t *offsets = rb_malloc((count + 1) * sizeof *offsets);
    size_t i, j, ntok = 0, nslots = 0, H = run->hidden;
    int32_t *ids = NULL;
    float *hidden = NULL, *rows = NULL;
    rb_probe_slot **slots = NULL;
    rb_token_batch b;
    int rc = -1;

    if (!offsets)
        return rb_error_oom(err);
    offsets[0] = 0;
    for (i = 0; i < count; i++) {
        ntok += o[i].nids;
        nslots += o[i].nslots;
        offsets[i + 1] = ntok;
    }
    ids = rb_malloc(ntok * sizeof *ids);
    hidden = rb_malloc(ntok * H * sizeof *hidden);
    rows = rb_malloc(nslots * H * sizeof *rows);
    slots = rb_malloc(nslots * sizeof *slots);
    if (!ids || !hidden || !rows || !slots) {
        rb_error_oom(err);
        goto done;
    }
    for (i = 0; i < count; i++)
        memcpy(ids + offsets[i], o[i].ids, o[i].nids * sizeof *ids);
    b.ids = ids;
    b.offsets = offsets;
    b.nseq = count;
    if (rb_encoder_forward(run->e, &b, hidden, NULL, err) < 0)
        goto done;
    nslots = 0;
    for (i = 0; i < count; i++) {
        for (j = 0; j < o[i].nslots; j++, nslots++) {
            memcpy(rows + nslots * H,
                   hidden + (offsets[i] + o[i].slots[j].position) * H,
                   H * sizeof *rows);
            slots[nslots] = &o[i].slots[j];
        }
    }
    if (score_rows(run, rows, nslots, slots, logits, err) < 0)
        goto done;
    for (i = 0; i < count; i++)
        finish_outcome(run, &o[i]);
    rc = 0;

done:
    rb_free(offsets);
    rb_free(ids);
    rb_free(hidden);
    rb_free(rows);
    rb_free(slots);
    return rc;
}

/* ---- summaries ---- */

static void stats_of(const rb_probe_report *r, const char *tag,
                     rb_probe_stats *st)
{
    size_t i, j;

    memset(st, 0, sizeof *st);
    st->tag = tag;
    for (i = 0; i < r->n; i++) {
        const rb_probe_outcome *o = &r->outcomes[i];

        if (tag) {
            for (j = 0; j < o->probe->ntags; j++)
                if (strcmp(o->probe->tags[j], tag) == 0)
                    break;
            if (j == o->probe->ntags)
                continue;
        }
        st->n++;
        st->acc1 += o->hit1;
        st->acck += o->hitk;
        st->mrr += o->rr;
        st->mean_p += o->p;
        st->mean_entropy += o->entropy;
    }
    if (st->n) {
        st->acc1 /= (double)st->n;
        st->acck /= (double)st->n;
        st->mrr /= (double)st->n;
        st->mean_p /= (double)st->n;
        st->mean_entropy /= (double)st->n;
    }
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tags of the probes that ran, sorted, and their summaries. */
static int summarise(rb_probe_report *r, rb_error *err)
{
    const char **names = NULL;
    size_t n = 0, cap = 0, i, j;

    stats_of(r, NULL, &r->overall);
    for (i = 0; i < r->n; i++) {
        const rb_probe *p = r->outcomes[i].probe;

        for (j = 0; j < p->ntags; j++) {
            const char **more = rb_grow(names, &cap, n + 1,
                                        sizeof *names);

            if (!more) {
                rb_free(names);
                return rb_error_oom(err);
            }
            names = more;
            names[n++] = p->tags[j];
        }
    }
    if (n)
        qsort(names, n, sizeof *names, compare_str);
    r->tags = rb_calloc(n ? n : 1, sizeof *r->tags);
    if (!r->tags) {
        rb_free(names);
        return rb_error_oom(err);
    }
    for (i = 0; i < n; i++)
        if (r->ntags == 0 || strcmp(r->tags[r->ntags - 1].tag, names[i]))
            stats_of(r, names[i], &r->tags[r->ntags++]);
    rb_free(names);
    return 0;
}

/* ---- diagnostics ---- */

static int warn(rb_probe_diagnostics *d, const char *code, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));

static int warn(rb_probe_diagnostics *d, const char *code, const char *fmt,
                ...)
{
    rb_probe_warning *w;
    char text[1024];
    va_list ap;

    w = rb_realloc(d->warnings, (d->nwarnings + 1) * sizeof *w);
    if (!w)
        return -1;
    d->warnings = w;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    w[d->nwarnings].code = code;
    w[d->nwarnings].message = rb_strdup(text);
    if (!w[d->nwarnings].message)
        return -1;
    d->nwarnings++;
    return 0;
}

/* Warnings about how the decoder is wired. */
static int warn_tie(rb_probe_diagnostics *d)
{
    const rb_mlm_tie_info *t = &d->tie;

    if (t->decoder_stored && !t->tied && !(t->mean_cosine >=
                                           RB_PROBE_UNTIED_COSINE) &&
        warn(d, "untied_decoder", "the decoder is not tied to the word "
             "embeddings and unlike them (mean row cosine %.3f, relative "
             "Frobenius distance %.3f): a decoder that was never tied, or "
             "never trained, decodes into the wrong tokens", t->mean_cosine,
             t->rel_frobenius) < 0)
        return -1;
    if (t->decoder_stored && !t->stored_identical && !t->tied &&
        t->config_ties &&
        warn(d, "config_ties_stored_decoder", "config.json ties the "
             "decoder to the embeddings (tie_word_embeddings), so Hugging "
             "Face would replace the stored decoder by them; this report "
             "uses the stored decoder (--tie tied follows Hugging Face)") <
        0)
        return -1;
    if (!t->decoder_stored && !t->config_ties &&
        warn(d, "config_unties_missing_decoder", "config.json sets "
             "tie_word_embeddings to false but the checkpoint stores no "
             "decoder: Hugging Face would start one from random values; "
             "this report decodes with the embeddings") < 0)
        return -1;
    return 0;
}

/* Warnings about how the predictions behave. */
static int warn_behaviour(rb_probe_diagnostics *d, const rb_probe_report *r)
{
    double junk = d->content_positions
                  ? (double)d->content_top1_junk /
                    (double)d->content_positions : 0;

    if (d->positions < RB_PROBE_MIN_POSITIONS)
        return 0;
    if (d->content_positions >= RB_PROBE_MIN_POSITIONS &&
        junk > RB_PROBE_JUNK_SHARE &&
        warn(d, "junk_predictions", "%.0f%% of the positions whose "
             "expected token is a word are predicted as a subword "
             "fragment, punctuation, a stop word or a special token: "
             "typical of an untrained or mis-wired head", 100 * junk) < 0)
        return -1;
    if (d->mean_entropy > RB_PROBE_UNIFORM_SHARE * d->uniform_entropy &&
        warn(d, "near_uniform", "the predictions are close to uniform "
             "(mean entropy %.2f nats, %.0f%% of the %.2f of a uniform "
             "choice): the head looks untrained", d->mean_entropy,
             100 * d->mean_entropy / d->uniform_entropy,
             d->uniform_entropy) < 0)
        return -1;
    if (d->mean_top1_p > RB_PROBE_CONFIDENT_P &&
        r->overall.acc1 < RB_PROBE_CONFIDENT_ACC &&
        warn(d, "confident_and_wrong", "the head is confident (mean top-1 "
             "probability %.2f) yet rarely right (accuracy@1 %.3f): "
             "decoder rows may not match the vocabulary", d->mean_top1_p,
             r->overall.acc1) < 0)
        return -1;
    return 0;
}

static int diagnose(probe_run *run, rb_error *err)
{
    rb_probe_report *r = run->r;
    rb_probe_diagnostics *d = &r->diag;
    size_t i, j;

    d->tie = *rb_mlm_head_tie(run->h);
    d->uniform_entropy = log((double)run->vocab);
    for (i = 0; i < r->n; i++) {
        const rb_probe_outcome *o = &r->outcomes[i];

        for (j = 0; j < o->nslots; j++) {
            const rb_probe_slot *s = &o->slots[j];
            rb_token_kind top = rb_probe_token_kind(run->wp, s->top_ids[0]);

            d->positions++;
            d->top1_kind[top]++;
            d->mean_entropy += s->entropy;
            d->mean_top1_p += s->top_p[0];
            if (rb_probe_token_kind(run->wp, s->expected) == RB_TOKEN_WORD) {
                d->content_positions++;
                d->content_top1_junk += top != RB_TOKEN_WORD;
            }
        }
    }
    if (d->positions) {
        d->mean_entropy /= (double)d->positions;
        d->mean_top1_p /= (double)d->positions;
    }
    if (warn_tie(d) < 0 || warn_behaviour(d, r) < 0)
        return rb_error_oom(err);
    return 0;
}

/* ---- the run ---- */

static int by_line(const void *a, const void *b)
{
    const rb_probe_problem *x = a, *y = b;

    return (x->line > y->line) - (x->line < y->line);
}

/* The suite's problems, then the run's, all in line order. */
static int gather_problems(probe_run *run, const rb_probe_suite *s,
                           rb_error *err)
{
    rb_probe_report *r = run->r;
    size_t i;

    for (i = 0; i < s->nproblems; i++)
        if (rb_probe_problem_append(&r->problems, &r->nproblems,
                                    &run->problems_cap, s->problems[i].line,
                                    s->problems[i].id,
                                    s->problems[i].message) < 0)
            return rb_error_oom(err);
    /* Stable enough: lines are unique to one problem each. */
    if (r->nproblems)
        qsort(r->problems, r->nproblems, sizeof *r->problems, by_line);
    return 0;
}

static int prepare_all(probe_run *run, const rb_probe_suite *s,
                       rb_error *err)
{
    rb_probe_report *r = run->r;
    size_t i;

    r->outcomes = rb_calloc(s->n ? s->n : 1, sizeof *r->outcomes);
    if (!r->outcomes)
        return rb_error_oom(err);
    for (i = 0; i < s->n; i++) {
        int rc = prepare(run, &s->probes[i], &r->outcomes[r->n], err);

        if (rc < 0)
            return err->set ? -1 : rb_error_oom(err);
        if (rc == 1)
            r->n++;
    }
    return 0;
}

static int run_all(probe_run *run, rb_error *err)
{
    float *logits = rb_malloc(HEAD_ROWS * run->vocab * sizeof *logits);
    size_t first;
    int rc = 0;

    if (!logits)
        return rb_error_oom(err);
    for (first = 0; first < run->r->n && rc == 0; first += run->batch) {
        size_t count = run->r->n - first < run->batch ? run->r->n - first
                                                      : run->batch;

        rc = run_batch(run, first, count, logits, err);
    }
    rb_free(logits);
    return rc;
}

rb_probe_report *rb_probe_run(rb_encoder *e, rb_mlm_head *h,
                              const rb_probe_suite *s,
                              const rb_probe_options *opt, rb_error *err)
{
    probe_run run;
    int rc = -1;

    memset(&run, 0, sizeof run);
    run.e = e;
    run.h = h;
    run.m = rb_encoder_model(e);
    run.wp = run.m->tokenizer;
    run.max_len = rb_encoder_max_length(e);
    run.hidden = (size_t)run.m->cfg.hidden;
    run.vocab = rb_mlm_head_vocab(h);
    run.top_k = opt && opt->top_k ? opt->top_k : DEFAULT_TOP_K;
    run.batch = opt && opt->batch ? opt->batch : DEFAULT_BATCH;
    run.mask_id = rb_wordpiece_mask_id(run.wp);
    if (run.top_k > run.vocab)
        run.top_k = run.vocab;
    run.r = rb_calloc(1, sizeof *run.r);
    run.scratch = rb_wordpiece_scratch_new();
    if (!run.r || !run.scratch) {
        rb_error_oom(err);
        goto done;
    }
    run.r->suite = s;
    run.r->tokenizer = run.wp;
    run.r->top_k = run.top_k;
    run.r->vocab = run.vocab;
    if (run.mask_id < 0) {
        rb_error_set(err, "%s: the vocabulary has no mask token \"%s\"",
                     run.m->dir, rb_wordpiece_get_options(run.wp)->mask);
        goto done;
    }
    if (prepare_all(&run, s, err) < 0 || gather_problems(&run, s, err) < 0 ||
        run_all(&run, err) < 0 || summarise(run.r, err) < 0 ||
        diagnose(&run, err) < 0)
        goto done;
    rc = 0;

done:
    rb_wordpiece_scratch_free(run.scratch);
    rb_buf_release(&run.pieces);
    if (rc < 0) {
        rb_probe_report_free(run.r);
        return NULL;
    }
    return run.r;
}

void rb_probe_report_free(rb_probe_report *r)
{
    size_t i, j;

    if (!r)
        return;
    for (i = 0; i < r->n; i++) {
        rb_probe_outcome *o = &r->outcomes[i];

        for (j = 0; o->slots && j < o->nslots; j++) {
            rb_free(o->slots[j].top_ids);
            rb_free(o->slots[j].top_p);
        }
        rb_free(o->slots);
        rb_free(o->ids);
    }
    for (i = 0; i < r->nproblems; i++) {
        rb_free(r->problems[i].id);
        rb_free(r->problems[i].message);
    }
    for (i = 0; i < r->diag.nwarnings; i++)
        rb_free(r->diag.warnings[i].message);
    rb_free(r->diag.warnings);
    rb_free(r->outcomes);
    rb_free(r->problems);
    rb_free(r->tags);
    rb_free(r);
}
