#include "encoder/mlm_head.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log.h"
#include "base/mem.h"
#include "encoder/backend.h"
#include "encoder/cuda_module.h"
#include "encoder/dtype.h"

struct rb_mlm_head {
    const rb_model *m;
    const rb_mlm_backend_ops *ops;
    void *backend;
    rb_mlm_weights w;
    rb_mlm_tie_info tie;
    float *owned[8];        /* converted copies of 16-bit or unaligned
                             * tensors */
    int nowned;
};

void rb_mlm_options_default(rb_mlm_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->tie = RB_MLM_TIE_AUTO;
}

int rb_mlm_tie_parse(const char *s, rb_mlm_tie *out, rb_error *err)
{
    if (strcmp(s, "auto") == 0)
        *out = RB_MLM_TIE_AUTO;
    else if (strcmp(s, "tied") == 0)
        *out = RB_MLM_TIE_TIED;
    else if (strcmp(s, "untied") == 0)
        *out = RB_MLM_TIE_UNTIED;
    else
        return rb_error_set(err, "unknown decoder tie \"%s\" (auto, tied, "
                            "untied)", s);
    return 0;
}

/* ---- tensors ---- */

/* The tensor `name`, checked for dtype and shape (cols 0: a vector);
 * NULL with err set, or NULL without when optional and absent. */
static const rb_tensor *head_tensor(const rb_model *m, const char *name,
                                    int64_t rows, int64_t cols, int optional,
                                    rb_error *err)
{
    const rb_tensor *t = rb_model_tensor(m, name);
    const char *path = rb_safetensors_path(m->weights);
    int ndim = cols ? 2 : 1;

    if (!t) {
        if (!optional)
            rb_error_set(err, "%s: tensor \"%s\" is missing: the checkpoint "
                         "has no masked-LM head (a BertForMaskedLM or "
                         "BertForPreTraining checkpoint has one)", path,
                         name);
        return NULL;
    }
    if (t->dtype == RB_DTYPE_OTHER) {
        rb_error_set(err, "%s: tensor \"%s\" has dtype %s (supported: F32, "
                     "F16, BF16)", path, t->name, t->dtype_name);
        return NULL;
    }
    if (t->ndim != ndim || t->shape[0] != rows ||
        (ndim == 2 && t->shape[1] != cols)) {
        if (ndim == 2)
            rb_error_set(err, "%s: tensor \"%s\" should have shape [%lld, "
                         "%lld] (config.json)", path, t->name,
                         (long long)rows, (long long)cols);
        else
            rb_error_set(err, "%s: tensor \"%s\" should have shape [%lld] "
                         "(config.json)", path, t->name, (long long)rows);
        return NULL;
    }
    return t;
}

/* The tensor as FP32: in place when it is F32 and aligned, else a copy
 * that the head owns. */
static const float *as_f32(rb_mlm_head *h, const rb_tensor *t, rb_error *err)
{
    float *copy;

    if (t->dtype == RB_DTYPE_F32 && (uintptr_t)t->data % sizeof(float) == 0)
        return t->data;
    if (h->nowned == (int)(sizeof h->owned / sizeof h->owned[0])) {
        rb_error_set(err, "too many converted tensors");
        return NULL;
    }
    copy = rb_malloc(t->numel * sizeof *copy);
    if (!copy) {
        rb_error_oom(err);
        return NULL;
    }
    rb_tensor_to_f32(t, copy);
    h->owned[h->nowned++] = copy;
    return copy;
}

/* config.json's tie_word_embeddings; true when absent, as in Hugging
 * Face's configurations. */
static int config_ties(const rb_model *m, int *out, rb_error *err)
{
    char *path = rb_path_join(m->dir, "config.json");
    json_error_t jerr;
    json_t *root, *v;

    *out = 1;
    if (!path)
        return rb_error_oom(err);
    root = json_load_file(path, 0, &jerr);
    if (!root) {
        rb_error_set(err, "%s:%d: %s", path, jerr.line, jerr.text);
        rb_free(path);
        return -1;
    }
    v = json_object_get(root, "tie_word_embeddings");
    if (v && !json_is_boolean(v)) {
        rb_error_set(err, "%s: \"tie_word_embeddings\" must be true or "
                     "false", path);
        json_decref(root);
        rb_free(path);
        return -1;
    }
    if (v)
        *out = json_is_true(v);
    json_decref(root);
    rb_free(path);
    return 0;
}

/* Compare the stored decoder d with the embeddings e (vocab x hidden). */
static void measure_tie(const float *d, const float *e, size_t vocab,
                        size_t hidden, rb_mlm_tie_info *t)
{
    double diff2 = 0, e2 = 0, d2 = 0, cos_sum = 0, cos_min = INFINITY;
    size_t i, j, rows = 0;
    int identical = 1;

    for (i = 0; i < vocab; i++) {
        const float *dr = d + i * hidden, *er = e + i * hidden;
        double dot = 0, nd = 0, ne = 0;

        for (j = 0; j < hidden; j++) {
            double a = dr[j], b = er[j];

            dot += a * b;
            nd += a * a;
            ne += b * b;
            diff2 += (a - b) * (a - b);
            if (dr[j] != er[j])
                identical = 0;
        }
        d2 += nd;
        e2 += ne;
        if (nd > 0 && ne > 0) {
            double c = dot / (sqrt(nd) * sqrt(ne));

            cos_sum += c;
            if (c < cos_min)
                cos_min = c;
            rows++;
        }
    }
    t->stored_identical = identical;
    t->mean_cosine = rows ? cos_sum / (double)rows : NAN;
    t->min_cosine = rows ? cos_min : NAN;
    t->rel_frobenius = e2 > 0 ? sqrt(diff2) / sqrt(e2) : NAN;
    t->norm_ratio = e2 > 0 ? sqrt(d2) / sqrt(e2) : NAN;
}

/* Bind the tensors, convert them, and decide which decoder to use. */
static int bind_head(rb_mlm_head *h, rb_mlm_tie tie, rb_error *err)
{
    const rb_model *m = h->m;
    int64_t H = m->cfg.hidden, V = m->cfg.vocab_size;
    const rb_tensor *tw, *tb, *lw, *lb, *bias, *dec;
    const float *e, *d = NULL;

    if (!(tw = head_tensor(m, "cls.predictions.transform.dense.weight", H,
                           H, 0, err)) ||
        !(tb = head_tensor(m, "cls.predictions.transform.dense.bias", H, 0,
                           0, err)) ||
        !(lw = head_tensor(m, "cls.predictions.transform.LayerNorm.weight",
                           H, 0, 0, err)) ||
        !(lb = head_tensor(m, "cls.predictions.transform.LayerNorm.bias",
                           H, 0, 0, err)))
        return -1;
    bias = head_tensor(m, "cls.predictions.bias", V, 0, 1, err);
    if (!bias && !err->set)
        bias = head_tensor(m, "cls.predictions.decoder.bias", V, 0, 0, err);
    if (!bias)
        return -1;
    dec = head_tensor(m, "cls.predictions.decoder.weight", V, H, 1, err);
    if (err->set)
        return -1;
    if (config_ties(m, &h->tie.config_ties, err) < 0)
        return -1;

    h->w.hidden = (size_t)H;
    h->w.vocab = (size_t)V;
    h->w.eps = (float)m->cfg.layer_norm_eps;
    h->w.act = m->cfg.act;
    if (!(h->w.tr_w = as_f32(h, tw, err)) || !(h->w.tr_b = as_f32(h, tb, err))
        || !(h->w.ln_w = as_f32(h, lw, err)) ||
        !(h->w.ln_b = as_f32(h, lb, err)) ||
        !(h->w.bias = as_f32(h, bias, err)) ||
        !(e = as_f32(h, m->word_emb, err)) ||
        (dec && !(d = as_f32(h, dec, err))))
        return -1;

    h->tie.decoder_stored = dec != NULL;
    h->tie.mean_cosine = h->tie.min_cosine = NAN;
    h->tie.rel_frobenius = h->tie.norm_ratio = NAN;
    if (d)
        measure_tie(d, e, (size_t)V, (size_t)H, &h->tie);
    h->tie.forced = tie != RB_MLM_TIE_AUTO;
    if (tie == RB_MLM_TIE_UNTIED && !d)
        return rb_error_set(err, "%s: an untied decoder was asked for, but "
                            "the checkpoint stores no "
                            "\"cls.predictions.decoder.weight\"",
                            rb_safetensors_path(m->weights));
    if (tie == RB_MLM_TIE_AUTO)
        h->tie.tied = !d || h->tie.stored_identical;
    else
        h->tie.tied = tie == RB_MLM_TIE_TIED;
    h->w.dec = h->tie.tied ? e : d;
    return 0;
}

/* ---- choosing a backend ---- */

static int choose_backend(rb_mlm_head *h, const char *device, rb_error *err)
{
    int automatic = !device || !device[0] || strcmp(device, "auto") == 0;

    if (!automatic && strcmp(device, "cpu") != 0 &&
        strcmp(device, "cuda") != 0)
        return rb_error_set(err, "unknown device \"%s\" (cpu, cuda, auto)",
                            device);
    h->ops = &rb_mlm_cpu_backend;
    if (!automatic && strcmp(device, "cpu") == 0)
        return 0;
    {
        char why[600];
        const rb_cuda_module *cu = rb_cuda_usable(why, sizeof why);

        if (cu) {
            h->ops = cu->mlm;
            return 0;
        }
        if (!automatic)
            return rb_error_set(err, "device \"cuda\": %s", why);
    }
    return 0;
}

rb_mlm_head *rb_mlm_head_new(const rb_model *m, const rb_mlm_options *opt,
                             rb_error *err)
{
    rb_mlm_options defaults;
    rb_mlm_head *h = rb_calloc(1, sizeof *h);
    rb_error local = {{0}, 0};  /* err may be NULL; bind_head reads it */

    if (!h) {
        rb_error_oom(err);
        return NULL;
    }
    if (!opt) {
        rb_mlm_options_default(&defaults);
        opt = &defaults;
    }
    h->m = m;
    if (choose_backend(h, opt->device, &local) < 0 ||
        bind_head(h, opt->tie, &local) < 0 ||
        h->ops->create(&h->w, opt->threads, opt->gpu, &h->backend,
                       &local) < 0) {
        rb_error_set(err, "%s", local.msg);
        rb_mlm_head_free(h);
        return NULL;
    }
    return h;
}

void rb_mlm_head_free(rb_mlm_head *h)
{
    int i;

    if (!h)
        return;
    if (h->backend)
        h->ops->destroy(h->backend);
    for (i = 0; i < h->nowned; i++)
        rb_free(h->owned[i]);
    rb_free(h);
}

const rb_mlm_tie_info *rb_mlm_head_tie(const rb_mlm_head *h)
{
    return &h->tie;
}

const char *rb_mlm_head_device(const rb_mlm_head *h) { return h->ops->name; }
size_t rb_mlm_head_vocab(const rb_mlm_head *h) { return h->w.vocab; }

/* A JSON number, or null for NAN. */
static json_t *number_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

json_t *rb_mlm_head_describe(const rb_mlm_head *h)
{
    const rb_mlm_tie_info *t = &h->tie;
    json_t *backend = h->ops->describe(h->backend);
    json_t *out = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:o, s:o, "
                            "s:o, s:o}",
                            "device", h->ops->name,
                            "activation", h->m->cfg.act_name,
                            "decoder", t->tied ? "tied" : "untied",
                            "decoder_stored", t->decoder_stored,
                            "stored_identical", t->stored_identical,
                            "config_ties", t->config_ties,
                            "forced", t->forced,
                            "mean_cosine", number_or_null(t->mean_cosine),
                            "min_cosine", number_or_null(t->min_cosine),
                            "rel_frobenius",
                            number_or_null(t->rel_frobenius),
                            "norm_ratio", number_or_null(t->norm_ratio));

    if (out && backend)
        json_object_update(out, backend);
    json_decref(backend);
    return out;
}

int rb_mlm_head_logits(rb_mlm_head *h, const float *hidden, size_t n,
                       float *logits, rb_error *err)
{
    if (n == 0)
        return 0;
    return h->ops->logits(h->backend, hidden, n, logits, err);
}

/* ---- scores ---- */

/* a before b in the ranking: larger logit, then lower id. */
static int ranks_before(float la, int32_t a, float lb, int32_t b)
{
    return la > lb || (la == lb && a < b);
}

void rb_mlm_score(const float *logits, size_t vocab, int32_t expected,
                  size_t k, rb_mlm_scores *s)
{
    double mx = -INFINITY, sum = 0, weighted = 0, log_sum;
    size_t i, filled = 0, ahead = 0;

    if (k > vocab)
        k = vocab;
    for (i = 0; i < vocab; i++)
        if (logits[i] > mx)
            mx = logits[i];
    for (i = 0; i < vocab; i++) {
        double z = (double)logits[i] - mx, e = exp(z);

        sum += e;
        weighted += e * z;
    }
    log_sum = log(sum);
    /* H = -sum p log p with p = e^z / S: log S - sum(p z). */
    s->entropy = log_sum - weighted / sum;

    /* The k best by insertion into a sorted list. */
    for (i = 0; i < vocab; i++) {
        size_t j;

        if (filled == k &&
            !ranks_before(logits[i], (int32_t)i,
                          logits[s->top_ids[k - 1]], s->top_ids[k - 1]))
            continue;
        j = filled < k ? filled++ : k - 1;
        while (j > 0 && ranks_before(logits[i], (int32_t)i,
                                     logits[s->top_ids[j - 1]],
                                     s->top_ids[j - 1])) {
            s->top_ids[j] = s->top_ids[j - 1];
            j--;
        }
        s->top_ids[j] = (int32_t)i;
    }
    s->k = filled;
    for (i = 0; i < filled; i++)
        s->top_p[i] = exp((double)logits[s->top_ids[i]] - mx - log_sum);

    s->rank = 0;
    s->p_expected = NAN;
    if (expected < 0 || (size_t)expected >= vocab)
        return;
    for (i = 0; i < vocab; i++)
        if (ranks_before(logits[i], (int32_t)i, logits[expected], expected))
            ahead++;
    s->rank = ahead + 1;
    s->p_expected = exp((double)logits[expected] - mx - log_sum);
}
