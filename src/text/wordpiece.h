#ifndef RB_WORDPIECE_H
#define RB_WORDPIECE_H

/*
 * BERT's WordPiece tokenizer, step for step as the reference Python
 * tokenizer (Hugging Face's BertTokenizer) does it:
 *
 *  1. Special tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) written in the
 *     text are kept whole, matched case-sensitively, anywhere.
 *  2. The rest goes through the basic tokenizer: NUL, U+FFFD and control
 *     characters are removed, whitespace becomes a space, CJK ideographs
 *     are set apart, the text is split on whitespace; each word is
 *     lowercased and stripped of accents (NFD, then nonspacing marks
 *     dropped) when so configured, then split apart at every punctuation
 *     character.
 *  3. Each word becomes vocabulary pieces by greedy longest match from the
 *     left, continuation pieces spelt with a "##" prefix; a word longer
 *     than max_word_chars code points, or one with an unmatched remainder,
 *     becomes [UNK].
 *
 * Malformed UTF-8 decodes to U+FFFD, which step 2 removes. A tokenizer is
 * read-only once loaded and may be shared between threads; each thread
 * passes its own rb_wordpiece_scratch.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct rb_wordpiece_options {
    int lowercase;          /* do_lower_case; default 1 */
    int strip_accents;      /* 1, 0, or -1 to follow lowercase (default) */
    int split_cjk;          /* tokenize_chinese_chars; default 1 */
    int basic_tokenize;     /* do_basic_tokenize; default 1 */
    size_t max_word_chars;  /* default 100 */
    /* Special token strings; defaults "[UNK]", "[CLS]", "[SEP]", "[PAD]",
     * "[MASK]". The first four must be in the vocabulary; a missing mask
     * token is allowed (then rb_wordpiece_mask_id is -1). */
    char unk[64], cls[64], sep[64], pad[64], mask[64];
} rb_wordpiece_options;

void rb_wordpiece_options_default(rb_wordpiece_options *opt);

typedef struct rb_wordpiece rb_wordpiece;

/* Load a vocabulary (one token a line, id = line number from 0; a
 * repeated token keeps its last line, as in BERT's loader). Returns NULL
 * with err set on an unreadable file, an empty vocabulary or a missing
 * special token. The caller frees with rb_wordpiece_free. */
rb_wordpiece *rb_wordpiece_load(const char *vocab_path,
                                const rb_wordpiece_options *opt,
                                rb_error *err);
void rb_wordpiece_free(rb_wordpiece *wp);

const rb_wordpiece_options *rb_wordpiece_get_options(const rb_wordpiece *wp);
size_t rb_wordpiece_vocab_size(const rb_wordpiece *wp);
/* Id of a token, or -1 when it is not in the vocabulary. */
int32_t rb_wordpiece_id(const rb_wordpiece *wp, const char *token,
                        size_t len);
/* The token of an id (NULL when out of range); ids never used because
 * their token repeats later keep their own string. */
const char *rb_wordpiece_token(const rb_wordpiece *wp, int32_t id);

int32_t rb_wordpiece_cls_id(const rb_wordpiece *wp);
int32_t rb_wordpiece_sep_id(const rb_wordpiece *wp);
int32_t rb_wordpiece_pad_id(const rb_wordpiece *wp);
int32_t rb_wordpiece_unk_id(const rb_wordpiece *wp);
int32_t rb_wordpiece_mask_id(const rb_wordpiece *wp);

/* A growable array of token ids. */
typedef struct rb_ids {
    int32_t *v;
    size_t n, cap;
} rb_ids;

#define RB_IDS_INIT {NULL, 0, 0}

void rb_ids_release(rb_ids *ids);

/* Working buffers of one thread. NULL when memory runs out. */
typedef struct rb_wordpiece_scratch rb_wordpiece_scratch;

rb_wordpiece_scratch *rb_wordpiece_scratch_new(void);
void rb_wordpiece_scratch_free(rb_wordpiece_scratch *s);

/* Tokenize text[0..len) and append at most `limit` piece ids to out (no
 * [CLS] or [SEP]; pass SIZE_MAX for all). Returns 0, or -1 when memory
 * runs out. */
int rb_wordpiece_tokenize(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                          const char *text, size_t len, size_t limit,
                          rb_ids *out, rb_error *err);

/* Model input for one text: [CLS], the first max_length - 2 pieces,
 * [SEP], appended to out. max_length must be at least 2. */
int rb_wordpiece_encode(const rb_wordpiece *wp, rb_wordpiece_scratch *s,
                        const char *text, size_t len, size_t max_length,
                        rb_ids *out, rb_error *err);

#endif
